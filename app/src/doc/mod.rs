//! The domain mapped onto one Automerge document, and how that document is kept in a key-value
//! store (the browser's localStorage in the app, a map in tests).
//!
//! Pure: no browser, no async runtime, no clock of its own.

mod command;
mod fields;
pub mod list_cache;
mod network;
pub mod store;
pub mod text;
pub mod typing;

pub use command::Command;
pub use network::{DocError, Network, SCHEMA_VERSION};

/// Runs an opening whose pauses never return a future to wait on: it finishes in one poll.
fn run_to_end<T>(work: impl std::future::Future<Output = T>) -> T {
    let mut work = std::pin::pin!(work);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match work.as_mut().poll(&mut context) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => unreachable!("work that never pauses finishes in one poll"),
    }
}
