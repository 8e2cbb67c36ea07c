//! The site's files (the app's script, wasm and styles, icons, manifest, workers), built by
//! cargo-leptos into `target/site`, inside the server binary (debug builds too), so one file
//! deploys; `build.rs` rebuilds the server whenever the site changes.
//!
//! `COLLOQUY_SITE_DIR` serves another copy of the site from disk instead (a test of a new
//! version being deployed, say).
//!
//! The app's three files are served under one name per build, `/pkg/colloquy.<version>.*`,
//! whatever cargo-leptos named them: the version is a hash of their contents, so the names
//! change whenever any of them does (browsers may keep them for good), and the server needs no
//! hash file beside it.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::LeptosOptions;

#[derive(rust_embed::Embed)]
#[folder = "$CARGO_MANIFEST_DIR/../target/site"]
#[allow_missing = true]
#[exclude = "*.d.*ts"]
struct Files;

/// The app's name, as cargo-leptos names its files.
const NAME: &str = "colloquy";

/// This build's app files, as the browser fetches them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Build {
    pub js: String,
    pub wasm: String,
    pub css: String,
    /// Changes whenever any of the files does; names the files and the service worker's cache.
    pub version: String,
    /// Where each served name is stored (`pkg/colloquy.<version>.js` → `pkg/colloquy.<hash>.js`).
    stored: Vec<(String, String)>,
}

impl Build {
    /// The build of the files given as `(stored path, content hash)`.
    fn from_files<'a>(files: impl Iterator<Item = (&'a str, [u8; 32])>) -> Build {
        let mut found: [Option<(&str, [u8; 32])>; 3] = [None; 3];
        for (path, hash) in files {
            let Some(name) = path.strip_prefix("pkg/") else {
                continue;
            };
            if !name.starts_with(NAME) {
                continue;
            }
            for (i, ext) in ["js", "wasm", "css"].iter().enumerate() {
                if name.rsplit('.').next() == Some(ext) {
                    found[i] = Some((path, hash));
                }
            }
        }
        let mut text = String::new();
        for (path, hash) in found.iter().flatten() {
            text.push_str(path);
            text.extend(hash.iter().map(|b| format!("{b:02x}")));
        }
        let version = short_hash(&text);
        let served = |ext: &str| format!("pkg/{NAME}.{version}.{ext}");
        let stored = ["js", "wasm", "css"]
            .iter()
            .zip(found)
            .filter_map(|(ext, file)| Some((served(ext), file?.0.to_owned())))
            .collect();
        Build {
            js: format!("/{}", served("js")),
            wasm: format!("/{}", served("wasm")),
            css: format!("/{}", served("css")),
            version,
            stored,
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

    /// Whether the app's files are there (a server built before the site has none).
    pub fn is_complete(&self) -> bool {
        self.stored.len() == 3
    }
}

/// Where the site's files come from.
enum Source {
    /// Inside the binary.
    Embedded,
    /// A directory named by `COLLOQUY_SITE_DIR`.
    Dir(std::path::PathBuf),
}

fn source() -> &'static Source {
    static SOURCE: OnceLock<Source> = OnceLock::new();
    SOURCE.get_or_init(|| match std::env::var_os("COLLOQUY_SITE_DIR") {
        Some(dir) => Source::Dir(dir.into()),
        None => Source::Embedded,
    })
}

/// A file of the site by its path (`pkg/colloquy.….wasm`).
fn read(path: &str) -> Option<Cow<'static, [u8]>> {
    match source() {
        Source::Embedded => Files::get(path).map(|file| file.data),
        Source::Dir(dir) => {
            if path.split('/').any(|part| part == ".." || part.is_empty()) {
                return None;
            }
            std::fs::read(dir.join(path)).ok().map(Cow::Owned)
        }
    }
}

/// The site's app files (`pkg/…`) with a hash of each one's contents.
fn app_files() -> Vec<(String, [u8; 32])> {
    use sha2::Digest;
    match source() {
        Source::Embedded => Files::iter()
            .filter(|path| path.starts_with("pkg/"))
            .filter_map(|path| {
                let hash = Files::get(&path)?.metadata.sha256_hash();
                Some((path.into_owned(), hash))
            })
            .collect(),
        Source::Dir(dir) => std::fs::read_dir(dir.join("pkg"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let path = format!("pkg/{}", entry.file_name().to_str()?);
                let hash = sha2::Sha256::digest(std::fs::read(entry.path()).ok()?).into();
                Some((path, hash))
            })
            .collect(),
    }
}

/// The site being served, read once.
pub fn build() -> &'static Build {
    static BUILD: OnceLock<Build> = OnceLock::new();
    BUILD.get_or_init(|| {
        let files = app_files();
        Build::from_files(files.iter().map(|(path, hash)| (path.as_str(), *hash)))
    })
}

/// The Leptos options the server renders with: the environment's (`LEPTOS_SITE_ADDR`, …), with
/// the app's files named for this build (see the module's documentation).
pub fn options() -> LeptosOptions {
    let mut options = leptos::prelude::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name(NAME).build());
    options.output_name = format!("{NAME}.{}", build().version).into();
    options.site_pkg_dir = "pkg".into();
    options.hash_files = false;
    options
}

/// Serves a file of the site, or, for any other path, the app's "not found" page.
pub async fn file_or_not_found(State(options): State<LeptosOptions>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    let build = build();
    let stored = build
        .stored
        .iter()
        .find(|(served, _)| served == path)
        .map_or(path, |(_, stored)| stored.as_str());
    match file(stored, request.headers()) {
        Some(response) => response,
        None => {
            let not_found = leptos_axum::file_and_error_handler(app::shell);
            let uri = request.uri().clone();
            not_found(uri, State(options), request).await
        }
    }
}

/// A stored file, precompressed if the browser takes it and the build made it.
fn file(path: &str, headers: &HeaderMap) -> Option<Response> {
    if path.is_empty() || path.ends_with(".br") || path.ends_with(".gz") {
        return None;
    }
    let plain = read(path)?;
    let accepts = |encoding: &str| {
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with(encoding)))
    };
    let (body, encoding) = match ["br", "gzip"]
        .into_iter()
        .filter(|e| accepts(e))
        .find_map(|e| {
            let suffix = if e == "br" { "br" } else { "gz" };
            read(&format!("{path}.{suffix}")).map(|data| (data, Some(e)))
        }) {
        Some(found) => found,
        None => (plain, None),
    };
    let mime = mime_of(path);
    let mut response = (StatusCode::OK, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    Some(response)
}

fn mime_of(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "webmanifest" => "application/manifest+json",
        "json" => "application/json",
        "html" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A short FNV-1a hash: enough to tell builds apart.
fn short_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The build, for handlers that need it as state.
pub fn shared_build() -> Arc<Build> {
    Arc::new(build().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_files_are_served_under_one_version_that_changes_with_any_of_them() {
        let files = [
            ("pkg/colloquy.abc.js", [1; 32]),
            ("pkg/colloquy.def.wasm", [2; 32]),
            ("pkg/colloquy.123.css", [3; 32]),
            ("favicon.svg", [4; 32]),
        ];
        let build = Build::from_files(files.iter().copied());
        assert!(build.is_complete());
        assert_eq!(build.js, format!("/pkg/colloquy.{}.js", build.version));
        assert_eq!(build.wasm, format!("/pkg/colloquy.{}.wasm", build.version));
        assert_eq!(
            build.stored[1],
            (
                format!("pkg/colloquy.{}.wasm", build.version),
                "pkg/colloquy.def.wasm".to_owned()
            )
        );
        let mut changed = files;
        changed[1].1 = [9; 32];
        assert_ne!(
            Build::from_files(changed.iter().copied()).version,
            build.version
        );
        changed[1].1 = [2; 32];
        changed[3].1 = [9; 32];
        assert_eq!(
            Build::from_files(changed.iter().copied()).version,
            build.version,
            "only the app's files name the version"
        );
        assert!(build.precache().contains(&"/offline"));
    }

    #[test]
    fn without_the_app_files_the_build_says_so() {
        let build = Build::from_files([("favicon.svg", [4; 32])].into_iter());
        assert!(!build.is_complete());
    }
}
