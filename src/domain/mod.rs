//! The gateway-independent model: accounts, money, senders, phone numbers,
//! ids, segments, templating, pricing, batches and messages.
//!
//! Everything here is pure and unit-tested beside the code; the gateways
//! translate their wire formats into these types.

pub mod account;
pub mod address_book;
pub mod authentication;
pub mod blacklist;
pub mod contact;
pub mod encoding;
pub mod id;
pub mod landing;
pub mod lifecycle;
pub mod message;
pub mod money;
pub mod msisdn;
pub mod network;
pub mod pricing;
pub mod send;
pub mod sender;
pub mod status;
pub mod template;
pub mod time;
