//! The gateway-independent model: accounts, money and sender rules.
//!
//! Everything here is pure and unit-tested beside the code; the gateways
//! translate their wire formats into these types.

pub mod account;
pub mod money;
pub mod phone;
pub mod sender;
