//! The `smsmock` binary: the allocator and its settings; what it runs
//! lives in the library ([`smsmock::entry`] says why).

use std::process::ExitCode;

/// jemalloc, in every build: the allocators of the C libraries are slow when
/// one thread frees what another allocated, which a work-stealing runtime
/// does on every request. glibc's made the threads wait on its arena locks
/// (jemalloc answered a fifth more sends); musl's answered under half the
/// sends of a glibc build. mimalloc answered fewer sends, took more memory
/// at idle and kept the memory of a burst of connections after they closed.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read when it starts: a thread of its own returns
/// freed memory to the system within about a second (its default waits
/// ten), so the memory of a burst of connections is given back.
#[cfg(not(target_env = "msvc"))]
#[allow(non_upper_case_globals, unsafe_code)]
// SAFETY: jemalloc reads this symbol as a `const char *` to a
// NUL-terminated string; a `&u8` is a thin pointer to the first byte of
// one that lives for the whole program, and nothing writes it.
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: Option<&'static u8> =
    Some(&b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0"[0]);

fn main() -> ExitCode {
    smsmock::entry::main()
}
