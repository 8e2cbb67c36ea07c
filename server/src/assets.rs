//! What the server knows about the app's files: the hashed names of this build's script, wasm
//! and stylesheet (from cargo-leptos's hash file), the service worker that precaches them, and
//! the offline shell it falls back to.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

/// This build's app files, as the browser fetches them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Build {
    pub js: String,
    pub wasm: String,
    pub css: String,
    /// Changes whenever any of the files does; names the service worker's cache.
    pub version: String,
}

impl Build {
    /// Reads the hash file cargo-leptos writes beside the server binary (when `hash-files` is
    /// on); without one the files have their plain names.
    pub fn from_options(options: &LeptosOptions) -> Build {
        let hashes = options
            .hash_files
            .then(|| {
                let exe_dir = std::env::current_exe()
                    .ok()
                    .and_then(|p| p.parent().map(|p| p.to_path_buf()))
                    .unwrap_or_default();
                std::fs::read_to_string(exe_dir.join(options.hash_file.as_ref())).ok()
            })
            .flatten()
            .unwrap_or_default();
        Build::from_hashes(options, &hashes)
    }

    /// The build for a hash file's contents (`js: …`, `wasm: …`, `css: …` lines).
    pub fn from_hashes(options: &LeptosOptions, hashes: &str) -> Build {
        let hash = |kind: &str| {
            hashes.lines().find_map(|line| {
                let (file, hash) = line.split_once(':')?;
                (file.trim() == kind).then(|| hash.trim().to_owned())
            })
        };
        let pkg = format!("/{}", options.site_pkg_dir.trim_matches('/'));
        let name = |kind: &str, ext: &str| match hash(kind) {
            Some(h) => format!("{pkg}/{}.{h}.{ext}", options.output_name),
            None => format!("{pkg}/{}.{ext}", options.output_name),
        };
        let (js, wasm, css) = (name("js", "js"), name("wasm", "wasm"), name("css", "css"));
        let version = match (hash("js"), hash("wasm"), hash("css")) {
            (Some(a), Some(b), Some(c)) => short_hash(&format!("{a}{b}{c}")),
            // Unhashed files (tests of the server alone): one version per server start.
            _ => short_hash(&format!("{:?}", std::time::SystemTime::now())),
        };
        Build {
            js,
            wasm,
            css,
            version,
        }
    }

    /// Everything the service worker keeps at install, so the app opens with no network.
    pub fn precache(&self) -> Vec<&str> {
        vec![
            "/offline",
            "/offline.js",
            "/doc_worker.js",
            &self.js,
            &self.wasm,
            &self.css,
            "/manifest.webmanifest",
            "/favicon.svg",
            "/icons/icon-192.png",
            "/icons/icon-512.png",
            "/icons/maskable-512.png",
        ]
    }
}

/// A short FNV-1a hash: enough to tell builds apart in a cache name.
fn short_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("colloquy")
            .site_pkg_dir("pkg")
            .build()
    }

    #[test]
    fn hashed_names_come_from_the_hash_file() {
        let build = Build::from_hashes(&options(), "js: abc\nwasm: def\ncss: 123\n");
        assert_eq!(build.js, "/pkg/colloquy.abc.js");
        assert_eq!(build.wasm, "/pkg/colloquy.def.wasm");
        assert_eq!(build.css, "/pkg/colloquy.123.css");
        let other = Build::from_hashes(&options(), "js: abc\nwasm: def\ncss: 124\n");
        assert_ne!(
            build.version, other.version,
            "a changed file is a new version"
        );
        let same = Build::from_hashes(&options(), "css: 123\njs: abc\nwasm: def");
        assert_eq!(build.version, same.version);
    }

    #[test]
    fn without_a_hash_file_names_are_plain() {
        let build = Build::from_hashes(&options(), "");
        assert_eq!(build.js, "/pkg/colloquy.js");
        assert_eq!(build.wasm, "/pkg/colloquy.wasm");
        assert!(build.precache().contains(&"/offline"));
    }
}
