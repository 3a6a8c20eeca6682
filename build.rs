//! Link settings of the glibc binary that keep an idle emulator small.
//!
//! **A fixed address (`-no-pie`).** A position-independent binary has the
//! pointers in its read-only data (vtables, tables of string slices: about
//! 1.3 MB here) patched by the dynamic loader at every start, which makes
//! each of those pages the process's own memory. Linked at a fixed
//! address, they stay in the file and are mapped only when used: about 2
//! MiB less resident memory for an idle emulator. What it gives up is
//! address randomisation of the binary itself, which a local test double
//! does not need.
//!
//! **The functions start-up runs, laid out together** (`link/text-order.txt`,
//! written by `scripts/text-order.sh`). The kernel maps a binary's code 64
//! KiB around each page a process touches; rustc places functions crate by
//! crate, so the 1.4 MB of functions that start-up runs are spread over
//! the whole 10 MB of code and start-up maps 7 MB of it. Placed first, in
//! one stretch, they map about 1.5 MB. The file names symbols as this
//! toolchain and these locked dependencies mangle them; a name that is not
//! in the binary is skipped, so a stale file costs memory, never a build
//! (`scripts/text-order.sh --check` in CI says when it is stale), and a
//! linker that does not know the option is not given it.
//!
//! Both are link arguments for the binaries alone because a plain
//! `cargo build` compiles the build scripts and proc-macros for the same
//! target, and those must stay position-independent. The musl build
//! (`--target`, where that does not apply) uses `relocation-model=static`
//! from `.cargo/config.toml` instead: `-no-pie` on rustc's static-pie
//! output gives a binary that crashes at start.
use std::env::var;
use std::process::{Command, Stdio};

/// The symbol list, relative to the package root.
const TEXT_ORDER: &str = "link/text-order.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={TEXT_ORDER}");
    let target_os = var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os != "linux" || target_env != "gnu" {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-no-pie");
    let list = format!("{}/{TEXT_ORDER}", var("CARGO_MANIFEST_DIR").unwrap_or_default());
    if std::path::Path::new(&list).exists() && linker_takes_symbol_order() {
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={list}");
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether the linker takes `--symbol-ordering-file`, tried on an empty
/// program built as this build's binaries are: LLD (rustc's default for
/// x86_64 Linux since 1.90) and mold do; GNU ld, which a configuration may
/// choose instead, refuses it.
fn linker_takes_symbol_order() -> bool {
    let (Ok(out_dir), Ok(target)) = (var("OUT_DIR"), var("TARGET")) else {
        return false;
    };
    let source = format!("{out_dir}/symbol_order_probe.rs");
    if std::fs::write(&source, "fn main() {}\n").is_err() {
        return false;
    }
    let mut rustc = Command::new(var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()));
    rustc
        .args(["--crate-type=bin", "--target", &target, "-o"])
        .arg(format!("{out_dir}/symbol_order_probe"))
        .arg(&source)
        .arg("-Clink-arg=-Wl,--symbol-ordering-file=/dev/null")
        .arg("-Clink-arg=-Wl,--no-warn-symbol-ordering");
    if let Ok(linker) = var("RUSTC_LINKER") {
        rustc.arg(format!("-Clinker={linker}"));
    }
    let rustflags = var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    rustc.args(rustflags.split('\x1f').filter(|flag| !flag.is_empty()));
    rustc.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|status| status.success())
}
