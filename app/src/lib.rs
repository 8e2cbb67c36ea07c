#![recursion_limit = "256"]
//! Colloquy: a record of informational interviews that works offline and syncs end-to-end
//! encrypted.
//!
//! The crate is built twice: with `ssr` it is linked into the server and renders pages; with
//! `hydrate` it is compiled to wasm and runs in the browser. By layer:
//!
//! - [`domain`]: the network as typed Rust and every rule of the process. Pure.
//! - [`doc`]: the domain mapped onto one Automerge document, and how that document is kept in a
//!   key-value store. Pure.
//! - [`replica`]: the network as a tab holds it (store, typing, read models, upkeep), events
//!   in and effects out, with no UI and no I/O. Pure.
//! - [`host`]: the replica as a worker holds it for a page that owns the storage, and
//!   [`wire`], what the two say to each other. Pure.
//! - [`view`]: what the screens read of the network, as queries and answers.
//! - `browser` (hydrate only): localStorage, storage events, the clock. The only module that
//!   touches web APIs.
//! - [`ui`]: the Leptos components, one file per page.

pub mod crypto;
pub mod doc;
pub mod domain;
pub mod exchange;
pub mod host;
pub mod replica;
pub mod sync;
pub mod tab;
pub mod ui;
pub mod view;
pub mod wire;

#[cfg(feature = "hydrate")]
pub mod browser;

pub use ui::{shell, App};

/// Panics reach the console with their message in debug builds (the tests fail on them), and
/// the page's text, which the tests attach when they fail in engines whose console they can't
/// read. A release build, which aborts on panic, keeps out the hook and the formatting it
/// brings: the console still reports the abort.
#[cfg(feature = "hydrate")]
fn set_panic_hook() {
    #[cfg(debug_assertions)]
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let body = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body());
        if let Some(body) = body {
            let _ = body.insert_adjacent_text("beforeend", &format!("[panic] {info}"));
        }
    }));
}

/// The browser's entry point: attaches the app to the server-rendered page, in a task of its
/// own: the browser compiles the wasm (or reads its cached code) in the task that calls this,
/// and both together would hold the page for longer than a tap may wait.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    set_panic_hook();
    leptos::prelude::set_timeout(
        || leptos::mount::hydrate_body(App),
        std::time::Duration::ZERO,
    );
}

/// The entry point of the offline shell (`/offline.html`), which the service worker serves for
/// pages it has no copy of: there is no server-rendered page to attach to, so the app renders
/// itself into the empty body.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount() {
    use leptos::prelude::*;
    set_panic_hook();
    // `mount_to_body` would warn, in debug builds, that the `csr` feature is off: it is, on
    // purpose, as this build mostly hydrates.
    leptos::mount::mount_to_renderer(&document().body().expect("a page has a body"), || {
        App().into_view()
    })
    .forget();
}
