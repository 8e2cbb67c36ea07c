//! The server renders every route of the app, and a proper 404 for anything else, on a real
//! listener at 127.0.0.1:0.

use leptos::prelude::LeptosOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Running {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start() -> Running {
    let options = LeptosOptions::builder()
        .output_name("colloquy")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(server::run(listener, options, async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

/// A plain HTTP/1.1 GET; returns the status code and the body.
async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
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
    for path in ["/", "/people/new", "/people/abc", "/people/abc/edit"] {
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
