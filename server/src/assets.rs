//! The service worker that precaches this build's files, and the offline shell it falls back
//! to.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

use crate::site::Build;

/// `/sw.js`: the service worker, with this build's version and files written in.
pub async fn service_worker(State(build): State<Arc<Build>>) -> Response {
    let precache = serde_json::to_string(&build.precache()).expect("a list of strings");
    let body = format!(
        "const VERSION = {};\nconst PRECACHE = {precache};\n{}",
        serde_json::to_string(&build.version).expect("a string"),
        include_str!("service_worker.js")
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            // The browser must always see a new version of the worker.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// `/offline`: the page the service worker answers with for any navigation it can't fetch.
/// It has no server-rendered content; `/offline.js` loads the wasm and mounts the app. The app's
/// files are fetched (from the service worker's cache) alongside the loader, not after it.
pub async fn offline_shell(State(build): State<Arc<Build>>) -> Response {
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en" data-shell="offline">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Colloquy</title>
<meta name="theme-color" content="{theme}">
<meta name="colloquy-js" content="{js}">
<meta name="colloquy-wasm" content="{wasm}">
<link rel="stylesheet" href="{css}">
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="modulepreload" href="{js}">
<link rel="preload" href="{wasm}" as="fetch" type="application/wasm" crossorigin>
<script type="module" src="/offline.js"></script>
</head>
<body></body>
</html>
"#,
        theme = app::ui::THEME_COLOUR,
        js = build.js,
        wasm = build.wasm,
        css = build.css,
    );
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
        Html(html),
    )
        .into_response()
}
