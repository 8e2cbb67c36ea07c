#![recursion_limit = "256"]
//! The Colloquy server: renders the app's pages (leptos_axum) and serves its files, the service
//! worker and the offline shell, with security headers on every response.
//!
//! It is also the sync relay (`/sync`, see [`relay`]), which keeps only ciphertext.
//!
//! [`run`] takes its listener from the caller, so tests and benchmarks can bind port 0.

pub mod assets;
pub mod gate;
pub mod metrics;
mod pg_writer;
pub mod relay;
pub mod schema;
pub mod site;
pub mod store;

use app::{shell, App};
use axum::http::{header, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::Level;

/// Builds the router: every app route rendered on the server, the service worker and offline
/// shell, the site's files, health and metrics, and a rendered "not found" page for anything
/// else. Served over TLS (`https`), every response says to keep to HTTPS (HSTS).
pub fn router(leptos_options: LeptosOptions, relay: Arc<relay::Relay>, https: bool) -> Router {
    let routes = generate_route_list(App);
    let build = site::shared_build();
    let offline = Router::new()
        .route("/sw.js", get(assets::service_worker))
        .route("/offline", get(assets::offline_shell))
        .with_state(build);
    let sync = Router::new()
        .route("/sync", get(relay::endpoint))
        .route("/metrics", get(relay::metrics))
        .route("/healthz", get(relay::healthz))
        .route("/readyz", get(relay::readyz))
        .with_state(relay);
    let router = Router::new()
        .leptos_routes(&leptos_options, routes, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(site::file_or_not_found)
        .with_state(leptos_options)
        .merge(offline)
        .merge(sync)
        .layer(axum::middleware::from_fn(cache_control))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(app::ui::CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(CompressionLayer::new())
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(tower_http::trace::DefaultMakeSpan::new().level(Level::DEBUG))
                .on_response(tower_http::trace::DefaultOnResponse::new().level(Level::DEBUG)),
        );
    if https {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    }
}

/// Hashed app files never change under their name: browsers may keep them for a year. Anything
/// else is checked with the server each time.
async fn cache_control(request: Request<axum::body::Body>, next: Next) -> Response {
    let path = request.uri().path();
    // `/pkg/colloquy.<hash>.js`: a name with a hash in it.
    let immutable =
        path.starts_with("/pkg/") && path.rsplit('/').next().unwrap_or("").split('.').count() >= 3;
    let mut response = next.run(request).await;
    let value = if immutable && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(value));
    response
}

/// Serves until `shutdown` resolves, every connection through a [`gate::Gate`] whose caps fit
/// the process's limit on open files (see [`gate::raise_descriptor_limit`]).
pub async fn run(
    listener: TcpListener,
    leptos_options: LeptosOptions,
    relay: Arc<relay::Relay>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = gate::GateLimits::for_descriptors(gate::descriptor_limit());
    serve(listener, leptos_options, relay, limits, shutdown).await
}

/// Serves as [`run`] does, with the gate's limits given.
pub async fn serve(
    listener: TcpListener,
    leptos_options: LeptosOptions,
    relay: Arc<relay::Relay>,
    limits: gate::GateLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, leptos_options, relay, limits, None, shutdown).await
}

/// Serves as [`serve`] does, over TLS when given its settings. Once `shutdown` resolves it
/// stops accepting, closes sync connections with "going away", and lets requests under way
/// finish (for up to the limits' grace).
pub async fn serve_with(
    listener: TcpListener,
    leptos_options: LeptosOptions,
    relay: Arc<relay::Relay>,
    limits: gate::GateLimits,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let gate = gate::Gate::new(limits, relay.metrics());
    let router = router(leptos_options, relay.clone(), tls.is_some());
    let shutdown = async move {
        shutdown.await;
        relay.go_away();
    };
    gate::serve(listener, router, gate, tls, shutdown).await
}
