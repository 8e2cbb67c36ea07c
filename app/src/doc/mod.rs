//! The domain mapped onto one Automerge document, and how that document is kept in a key-value
//! store (the browser's localStorage in the app, a map in tests).
//!
//! Pure: no browser, no async runtime, no clock of its own.

mod command;
mod fields;
pub mod journal;
pub mod list_cache;
mod network;
pub mod store;
pub mod text;
pub mod typing;

pub use command::{Command, Ran};
pub use network::{DocError, Network, RecordKeys, Records, Touched, SCHEMA_VERSION};
