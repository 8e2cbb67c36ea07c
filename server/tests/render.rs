//! The server renders every route of the app, and a proper 404 for anything else, on a real
//! listener at 127.0.0.1:0.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Running {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start() -> Running {
    let options = server::site::options();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let db = std::env::temp_dir().join(format!("colloquy-render-{}.sqlite3", addr.port()));
    let store = server::store::Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let relay = server::relay::Relay::new(store, app::sync::Limits::default());
    let task = tokio::spawn(server::run(listener, options, relay, async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

/// A plain HTTP/1.1 GET; returns the status code and the whole response (headers and body).
async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    get_with(addr, path, "").await
}

async fn get_with(addr: std::net::SocketAddr, path: &str, headers: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, response)
}

#[tokio::test]
async fn every_route_renders_its_loading_state_and_unknown_paths_are_404() {
    let mut server = start().await;
    for path in [
        "/",
        "/people",
        "/people/new",
        "/people/abc",
        "/people/abc/edit",
        "/fields",
        "/fields/abc",
        "/interviews/abc",
        "/interviews/abc/meet",
        "/record",
        "/settings",
    ] {
        let (status, body) = get(server.addr, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("<title>Colloquy</title>"), "{path}");
        assert!(body.contains(r#"data-network="loading""#), "{path}");
        assert!(body.contains("Opening your network"), "{path}");
    }
    let (status, body) = get(server.addr, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));

    server.stop.take().unwrap().send(()).unwrap();
    server.task.await.unwrap().unwrap();
}

/// The value of a response header (names are matched without case).
fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_nonce_for_each_inline_script() {
    let mut server = start().await;
    let (_, page) = get(server.addr, "/people").await;
    let policy = header(&page, "content-security-policy").expect("a CSP on pages");
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the script policy");
    assert!(nonce.len() >= 16);
    // Every inline script carries it: the pairing key's, first of all, and hydration's.
    let scripts = page.matches("<script").count();
    assert_eq!(
        page.matches(&format!(r#"nonce="{nonce}""#)).count(),
        scripts,
        "{page}"
    );
    assert!(scripts >= 2, "{page}");
    let head = &page[..page.find("</head>").expect("a head")];
    assert!(
        head.find("<script").unwrap() < head.find("colloquy/pairing").unwrap()
            && head.find("colloquy/pairing").unwrap()
                < head.find("<script").map_or(0, |first| {
                    head[first + 1..]
                        .find("<script")
                        .map_or(usize::MAX, |n| first + 1 + n)
                }),
        "the pairing key's script comes first"
    );
    assert_eq!(header(&page, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&page, "referrer-policy"), Some("no-referrer"));
    assert_eq!(header(&page, "cache-control"), Some("no-cache"));

    // A fresh nonce per response.
    let (_, again) = get(server.addr, "/people").await;
    assert_ne!(header(&again, "content-security-policy"), Some(policy));

    // Responses with no inline script get the strict policy, with no nonce at all.
    let (_, worker) = get(server.addr, "/sw.js").await;
    let strict = header(&worker, "content-security-policy").unwrap();
    assert!(!strict.contains("nonce-"), "{strict}");
    assert_eq!(header(&worker, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&worker, "referrer-policy"), Some("no-referrer"));

    // Compressed when the browser accepts it.
    let (_, zipped) = get_with(server.addr, "/people", "Accept-Encoding: gzip\r\n").await;
    assert_eq!(header(&zipped, "content-encoding"), Some("gzip"));

    server.stop.take().unwrap().send(()).unwrap();
    server.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_service_worker_and_offline_shell_name_this_builds_files() {
    let mut server = start().await;
    let (status, worker) = get(server.addr, "/sw.js").await;
    assert_eq!(status, 200);
    assert!(header(&worker, "content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(header(&worker, "cache-control"), Some("no-cache"));
    assert!(worker.contains("const VERSION = \""));
    let build = server::site::build();
    assert!(worker.contains(&format!("const VERSION = \"{}\"", build.version)));
    for file in ["/offline", &build.js, &build.wasm, &build.css] {
        assert!(
            file == "/offline" || file.starts_with("/pkg/colloquy."),
            "{file}"
        );
        assert!(
            worker.contains(&format!("\"{file}\"")),
            "{file} is precached"
        );
    }

    // Rendered pages load the same files (leptos names them from the options).
    let (_, page) = get(server.addr, "/people").await;
    assert!(page.contains(&format!("href=\"{}\"", build.js)), "{page}");
    assert!(page.contains(&format!("href=\"{}\"", build.css)), "{page}");

    let (status, shell) = get(server.addr, "/offline").await;
    assert_eq!(status, 200);
    assert!(shell.contains(&format!(
        r#"<meta name="colloquy-js" content="{}">"#,
        build.js
    )));
    assert!(shell.contains(r#"<script type="module" src="/offline.js"></script>"#));
    // No inline script: the strict policy applies.
    assert!(!header(&shell, "content-security-policy")
        .unwrap()
        .contains("nonce-"));

    server.stop.take().unwrap().send(()).unwrap();
    server.task.await.unwrap().unwrap();
}
