#![recursion_limit = "256"]
//! The Colloquy server: renders the app's pages (leptos_axum) and serves its files.
//!
//! [`run`] takes its listener from the caller, so tests and benchmarks can bind port 0.

use app::{shell, App};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::future::Future;
use tokio::net::TcpListener;

/// Builds the router: every app route rendered on the server, files from the site root, and a
/// rendered "not found" page for anything else.
pub fn router(leptos_options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    Router::new()
        .leptos_routes(&leptos_options, routes, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options)
}

/// Serves until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    leptos_options: LeptosOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(leptos_options).into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}
