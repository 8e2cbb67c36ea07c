//! Sync through the relay, sans I/O: the wire format, a device's state machine and the relay's
//! per-connection state machine. Shared by the browser and the server; native-tested, with a
//! property test of three devices over an in-memory relay.

pub mod client;
pub mod memory;
pub mod protocol;
pub mod relay;
pub mod stored;

pub use client::{Output, Pending, Persisted, Status, SyncClient, DELETED};
pub use protocol::{Blob, BlobId, ClientMsg, ErrorCode, ServerMsg, Snapshot};
pub use relay::{Limits, Page, RelaySession, Request};

#[cfg(test)]
pub(crate) mod tests;
