//! Links the glibc binary at a fixed address (`-no-pie`).
//!
//! A position-independent binary has the pointers in its read-only data
//! (vtables, tables of string slices: about 1.3 MB here) patched by the
//! dynamic loader at every start, which makes each of those pages the
//! process's own memory. Linked at a fixed address, they stay in the file
//! and are mapped only when used: about 2 MiB less resident memory for an
//! idle emulator. What it gives up is address randomisation of the binary
//! itself, which a local test double does not need.
//!
//! This is a link argument for the binaries alone because a plain
//! `cargo build` compiles the build scripts and proc-macros for the same
//! target, and those must stay position-independent. The musl build
//! (`--target`, where that does not apply) uses `relocation-model=static`
//! from `.cargo/config.toml` instead: `-no-pie` on rustc's static-pie
//! output gives a binary that crashes at start.
fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os == "linux" && target_env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
