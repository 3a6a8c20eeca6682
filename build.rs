//! Link settings of the binaries that keep an idle emulator small.
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
//! **The functions start-up runs, laid out together** (`link/text-order.txt`
//! for the glibc build, `link/text-order-image.txt` for the container
//! image's static musl build, both written by `scripts/text-order.sh`). The
//! kernel maps a binary's code 64 KiB around each page a process touches;
//! rustc places functions crate by crate, so the 1.4 MB of functions that
//! start-up runs are spread over the whole 10 MB of code and start-up maps
//! 7 MB of it. Placed first, in one stretch, they map about 1.5 MB (the
//! image's binary: 9.0 MiB idle without its list, 5.9 MiB with it). A file
//! names symbols as this toolchain, these locked dependencies and that
//! build's profile mangle them; a name that is not in the binary is
//! skipped, so a stale file costs memory, never a build
//! (`scripts/text-order.sh --check` in CI says when one is stale), and a
//! linker that does not know the option is not given it. The musl build is
//! linked by the C compiler with GNU ld, which has no such option, so it is
//! given the LLD that comes with rustc instead, where the toolchain has it.
//!
//! These are link arguments for the binaries alone because a plain
//! `cargo build` compiles the build scripts and proc-macros for the same
//! target, and those must stay position-independent. The musl build
//! (`--target`, where that does not apply) uses `relocation-model=static`
//! from `.cargo/config.toml` instead of `-no-pie`: `-no-pie` on rustc's
//! static-pie output gives a binary that crashes at start.
use std::env::var;
use std::process::{Command, Stdio};

/// The symbol list of the glibc build, relative to the package root.
const TEXT_ORDER: &str = "link/text-order.txt";

/// The symbol list of the static musl build (the container image's).
const IMAGE_TEXT_ORDER: &str = "link/text-order-image.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={TEXT_ORDER}");
    println!("cargo:rerun-if-changed={IMAGE_TEXT_ORDER}");
    let target_os = var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os != "linux" {
        return;
    }
    match target_env.as_str() {
        "gnu" => {
            println!("cargo:rustc-link-arg-bins=-no-pie");
            order_text(TEXT_ORDER, &[]);
        }
        "musl" => {
            // The C compiler links musl builds with GNU ld, which has no
            // symbol order; the LLD that ships with rustc (the one it
            // links glibc builds with) has.
            if let Some(lld) = bundled_lld() {
                order_text(IMAGE_TEXT_ORDER, &[format!("-B{lld}"), "-fuse-ld=lld".to_owned()]);
            }
        }
        _ => {}
    }
}

/// Has the binaries linked with the functions of `list` first, through
/// the linker that `linker_args` choose, where that linker takes a symbol
/// order; otherwise the binaries are linked as they would have been.
fn order_text(list: &str, linker_args: &[String]) {
    let list = format!("{}/{list}", var("CARGO_MANIFEST_DIR").unwrap_or_default());
    if !std::path::Path::new(&list).exists() || !linker_takes_symbol_order(linker_args) {
        return;
    }
    for arg in linker_args {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={list}");
    println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
}

/// The directory of rustc's own LLD, as the C compiler's `-B` takes it
/// (an `ld.lld` that runs `rust-lld`), if this toolchain has one.
fn bundled_lld() -> Option<String> {
    let rustc = var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(rustc).args(["--print", "sysroot"]).output().ok()?;
    let sysroot = String::from_utf8(output.stdout).ok()?;
    let dir = format!("{}/lib/rustlib/{}/bin/gcc-ld", sysroot.trim(), var("HOST").ok()?);
    std::path::Path::new(&dir).join("ld.lld").exists().then_some(dir)
}

/// Whether the linker takes `--symbol-ordering-file`, tried on an empty
/// program built as this build's binaries are, with `linker_args`: LLD
/// (rustc's default for x86_64 Linux since 1.90) and mold do; GNU ld,
/// which a configuration may choose instead, refuses it.
fn linker_takes_symbol_order(linker_args: &[String]) -> bool {
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
        .arg("-Clink-arg=-Wl,--no-warn-symbol-ordering")
        .args(linker_args.iter().map(|arg| format!("-Clink-arg={arg}")));
    if let Ok(linker) = var("RUSTC_LINKER") {
        rustc.arg(format!("-Clinker={linker}"));
    }
    let rustflags = var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    rustc.args(rustflags.split('\x1f').filter(|flag| !flag.is_empty()));
    rustc.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|status| status.success())
}
