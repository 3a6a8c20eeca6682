//! What a careless test or a busy CI fleet can do to the emulator must
//! never stop it, leak from it or lose what it accepted.

mod accounts;
mod callbacks;
mod connections;
#[cfg(unix)]
mod durability;
mod exposure;
mod journal;
#[cfg(target_os = "linux")]
mod memory;
mod time;
