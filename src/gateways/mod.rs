//! The two emulated gateways. Each translates its own wire format (routes,
//! authentication, errors) to and from the shared domain and store.

pub mod ip1;
pub mod viamobile;
