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

#[cfg(test)]
pub(crate) use pausing::{next_task, poll_to_end};

/// Runs an opening whose pauses never return a future to wait on: it finishes in one poll.
fn run_to_end<T>(work: impl std::future::Future<Output = T>) -> T {
    let mut work = std::pin::pin!(work);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match work.as_mut().poll(&mut context) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => unreachable!("work that never pauses finishes in one poll"),
    }
}

/// For tests of work that gives way: a pause that always waits, and polling to the end.
#[cfg(test)]
mod pausing {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    /// A wait that is not ready the first time it is asked, as a browser's next task isn't.
    struct NextTask(bool);

    impl Future for NextTask {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if std::mem::replace(&mut self.0, true) {
                Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    /// What a pause that always gives way returns.
    pub(crate) fn next_task() -> Option<Pin<Box<dyn Future<Output = ()>>>> {
        Some(Box::pin(NextTask(false)))
    }

    /// Polls `work` until it is done: its value, and how many times it gave way.
    pub(crate) fn poll_to_end<T>(work: impl Future<Output = T>) -> (T, usize) {
        let mut work = std::pin::pin!(work);
        let mut context = Context::from_waker(Waker::noop());
        let mut gave_way = 0;
        loop {
            match work.as_mut().poll(&mut context) {
                Poll::Ready(value) => return (value, gave_way),
                Poll::Pending => gave_way += 1,
            }
        }
    }
}
