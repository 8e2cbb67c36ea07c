//! The relay as its own process on loopback, against clients that mean it harm: floods of
//! silent, half-sent and unauthenticated connections, oversized frames, readers that stop
//! reading, catch-up floods, network spam, a full disk and deletion races. Each test prints
//! its figures.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The test's own limit on open files raised to its hard limit (thousands of sockets).
fn raise_own_descriptor_limit() {
    server::gate::raise_descriptor_limit();
}

/// The relay process's resident memory, in bytes.
fn rss(process: &Process) -> u64 {
    proc_status(process, "VmRSS:")
}

/// The relay process's resident memory of its own (not the database file it maps).
fn anon(process: &Process) -> u64 {
    proc_status(process, "RssAnon:")
}

fn proc_status(process: &Process, field: &str) -> u64 {
    let pid = process.child.id().expect("the relay is running");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc");
    kb * 1024
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// A raw HTTP GET from `from`; the time to the response's status line, and the line.
async fn get(addr: SocketAddr, path: &str) -> (std::time::Duration, String) {
    let started = Instant::now();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    while !response.windows(2).any(|w| w == b"\r\n") {
        let n = tokio::time::timeout(PATIENCE, tcp.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "closed before answering");
        response.extend_from_slice(&buf[..n]);
    }
    let elapsed = started.elapsed();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut rest)).await;
    response.extend(rest);
    (elapsed, String::from_utf8_lossy(&response).into_owned())
}

/// The relay's `/metrics` figure `name`.
async fn metric(addr: SocketAddr, name: &str) -> u64 {
    let (_, response) = get(addr, "/metrics").await;
    server::metrics::read(&response, name).unwrap_or_else(|| panic!("{name} in {response}"))
}

fn refusals(reason: &str) -> String {
    format!("colloquy_refusals_total{{reason=\"{reason}\"}}")
}

/// A TCP connection to `addr` from another loopback address.
async fn connect_from(from: Ipv4Addr, addr: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    socket.connect(addr).await
}

/// Waits until the peer closes `tcp` (or `PATIENCE` passes); whether it did.
async fn closed(tcp: &mut tokio::net::TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(PATIENCE, tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_half_sent_connections_leave_pages_answering() {
    raise_own_descriptor_limit();
    let scratch = Scratch::new("silent");
    let url = databases(&scratch).remove(0);
    let relay = relay_process_with(
        &url,
        &scratch.0,
        free_port(),
        &[("COLLOQUY_HEADER_TIMEOUT_SECS", "2")],
        Some(1024),
    )
    .await;
    let attacker = Ipv4Addr::new(127, 0, 0, 2);
    let started = Instant::now();
    let mut flood = Vec::new();
    for i in 0..2000 {
        let mut tcp = connect_from(attacker, relay.addr).await.unwrap();
        if i % 2 == 1 {
            // Half a request: a line and a header, never the blank line that ends them.
            let _ = tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
        }
        flood.push(tcp);
    }
    let flooded = started.elapsed();
    // Pages still answer, from another address, while the flood is open.
    let mut times = Vec::new();
    for _ in 0..5 {
        let (elapsed, response) = get(relay.addr, "/").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        times.push(elapsed);
    }
    times.sort();
    // Every flood connection is closed, within the header deadline of when it was opened.
    let mut all_closed = true;
    for tcp in &mut flood {
        all_closed &= closed(tcp).await;
    }
    let closed_after = started.elapsed();
    let pushed_out = metric(relay.addr, &refusals("header_timeout")).await;
    println!(
        "2,000 silent or half-sent connections (descriptor limit 1,024) opened in {:.2} s; \
         a page answered in {:.1} ms (median of 5, slowest {:.1} ms); all closed {:.2} s after \
         the first was opened; {pushed_out} closed by the 2 s header deadline, the rest pushed out \
         by newer ones",
        flooded.as_secs_f64(),
        times[2].as_secs_f64() * 1e3,
        times[4].as_secs_f64() * 1e3,
        closed_after.as_secs_f64(),
    );
    assert!(times[4] < std::time::Duration::from_secs(1), "{times:?}");
    assert!(all_closed, "a flood connection was never closed");
    assert!(
        closed_after < flooded + std::time::Duration::from_secs(5),
        "closed after {closed_after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_sockets_are_closed_and_big_frames_refused_before_they_are_read() {
    raise_own_descriptor_limit();
    let scratch = Scratch::new("handshake");
    let url = databases(&scratch).remove(0);
    let relay = relay_process_with(
        &url,
        &scratch.0,
        free_port(),
        &[
            ("COLLOQUY_HANDSHAKE_SECS", "2"),
            ("COLLOQUY_MAX_CONNECTIONS_PER_ADDRESS", "4000"),
        ],
        None,
    )
    .await;
    // 500 sockets that ping every 200 ms and never authenticate.
    let started = Instant::now();
    let mut pingers = tokio::task::JoinSet::new();
    for _ in 0..500 {
        let mut raw = socket(relay.addr).await;
        pingers.spawn(async move {
            loop {
                if raw
                    .send(Message::Binary(ClientMsg::Ping.encode().into()))
                    .await
                    .is_err()
                {
                    return started.elapsed();
                }
                match tokio::time::timeout(Duration::from_millis(200), raw.next()).await {
                    Ok(Some(Ok(Message::Binary(frame)))) => {
                        panic!(
                            "an unauthenticated ping was answered: {:?}",
                            ServerMsg::decode(&frame)
                        )
                    }
                    Ok(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) => {
                        return started.elapsed()
                    }
                    Ok(Some(Ok(_))) | Err(_) => {}
                }
                assert!(started.elapsed() < PATIENCE, "a pinger was never closed");
            }
        });
    }
    let mut closed_at: Vec<Duration> = pingers.join_all().await;
    closed_at.sort();
    let timed_out = metric(relay.addr, &refusals("handshake_timeout")).await;
    println!(
        "500 sockets pinging without authenticating: closed {:.2} s (first) to {:.2} s (last) \
         after the first opened, with a 2 s handshake; {timed_out} counted",
        closed_at[0].as_secs_f64(),
        closed_at[499].as_secs_f64(),
    );
    assert!(closed_at[499] < Duration::from_secs(8));
    assert!(timed_out >= 500);

    // Eight 15 MiB frames before Hello: each refused after a handshake's worth of bytes.
    let before = rss(&relay);
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let mut raw = socket(relay.addr).await;
        senders.spawn(async move {
            let _ = raw.send(Message::Binary(vec![7u8; 15 << 20].into())).await;
            // The relay closes the socket (the write may fail first).
            loop {
                match tokio::time::timeout(PATIENCE, raw.next()).await {
                    Ok(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) => return,
                    Ok(Some(Ok(_))) => continue,
                    Err(_) => panic!("the relay kept reading a 15 MiB frame"),
                }
            }
        });
    }
    let mut peak = before;
    while !senders.is_empty() {
        peak = peak.max(rss(&relay));
        if tokio::time::timeout(Duration::from_millis(5), senders.join_next())
            .await
            .is_ok_and(|done| done.is_some())
        {
            continue;
        }
    }
    let refused = metric(relay.addr, &refusals("handshake_bytes")).await;
    println!(
        "eight 15 MiB frames before Hello: refused ({refused} counted); relay memory {:.1} MB \
         before, {:.1} MB at most while they were sent (+{:.1} MB)",
        mb(before),
        mb(peak),
        mb(peak.saturating_sub(before)),
    );
    assert!(refused >= 8);
    assert!(
        peak.saturating_sub(before) < 8 << 20,
        "memory grew {} MB",
        mb(peak - before)
    );
}

/// A raw device of the network `keys`, authenticated and subscribed.
async fn live_device(addr: SocketAddr, keys: &app::crypto::Keys) -> Socket {
    let mut raw = socket(addr).await;
    let reply = authenticate(&mut raw, keys).await;
    assert!(matches!(reply, ServerMsg::Welcome { .. }), "{reply:?}");
    raw
}

/// Pushes `count` blobs of `size` bytes from `pushers` connections at once; returns the
/// bytes acknowledged.
async fn push_from(
    addr: SocketAddr,
    keys: &app::crypto::Keys,
    pushers: usize,
    count: usize,
    size: usize,
) -> u64 {
    let mut tasks = tokio::task::JoinSet::new();
    for p in 0..pushers {
        let mut raw = live_device(addr, keys).await;
        let mine = count / pushers + usize::from(p < count % pushers);
        tasks.spawn(async move {
            let mut acked = 0u64;
            let mut sent = 0;
            while sent < mine {
                let reply = exchange(
                    &mut raw,
                    ClientMsg::Push {
                        blob_id: app::crypto::new_blob_id(),
                        sealed: vec![(sent % 251) as u8; size],
                    },
                )
                .await;
                match reply {
                    ServerMsg::Ack { .. } => {
                        acked += size as u64;
                        sent += 1;
                    }
                    // Over the rate: wait a moment and send it again.
                    ServerMsg::Error {
                        code: ErrorCode::RateLimited,
                        ..
                    } => tokio::time::sleep(Duration::from_millis(50)).await,
                    ServerMsg::Error { .. } => return acked,
                    _ => {}
                }
            }
            acked
        });
    }
    tasks.join_all().await.into_iter().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_stops_reading_is_dropped_and_its_memory_returns() {
    let scratch = Scratch::new("stalled");
    let url = databases(&scratch).remove(0);
    let relay = relay_process_with(
        &url,
        &scratch.0,
        free_port(),
        &[("COLLOQUY_MAX_NETWORK_MB", "128")],
        None,
    )
    .await;
    // The same pushes to another network first, so the store's caches are as full as they get.
    let warm = RootSecret::generate().keys();
    assert_eq!(
        push_from(relay.addr, &warm, 8, 4096, 16 << 10).await,
        64 << 20
    );
    let secret = RootSecret::generate();
    let keys = secret.keys();
    // The stalled device subscribes, then never reads again: its window closes once its small
    // receive buffer is full.
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let tcp = tcp.connect(relay.addr).await.unwrap();
    let (mut stalled, _) = tokio_tungstenite::client_async(
        format!("ws://{}/sync", relay.addr),
        tokio_tungstenite::MaybeTlsStream::Plain(tcp),
    )
    .await
    .unwrap();
    let reply = authenticate(&mut stalled, &keys).await;
    assert!(matches!(reply, ServerMsg::Welcome { .. }), "{reply:?}");
    stalled
        .send(Message::Binary(
            ClientMsg::Subscribe { since: 0 }.encode().into(),
        ))
        .await
        .unwrap();
    let before = anon(&relay);
    let started = Instant::now();
    let pushed = push_from(relay.addr, &keys, 8, 4096, 16 << 10).await;
    let during = anon(&relay);
    // Dropped by the send timeout.
    let deadline = Instant::now() + PATIENCE + PATIENCE;
    while metric(relay.addr, &refusals("slow_reader")).await < 1 {
        assert!(
            Instant::now() < deadline,
            "the stalled device was never dropped: {}",
            get(relay.addr, "/metrics").await.1
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let dropped_after = started.elapsed();
    let after = anon(&relay);
    println!(
        "{:.0} MB pushed past a device that stopped reading: it was dropped {:.1} s after the \
         pushes began; relay memory (its own, not the mapped database) {:.1} MB before, {:.1} MB after the pushes, {:.1} MB once it \
         was dropped",
        mb(pushed),
        dropped_after.as_secs_f64(),
        mb(before),
        mb(during),
        mb(after),
    );
    assert_eq!(pushed, 64 << 20);
    assert!(
        after < before + (8 << 20),
        "memory held: {} MB",
        mb(after - before)
    );
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_floods_are_throttled_and_pages_bounded_by_bytes() {
    let scratch = Scratch::new("catch-up");
    let url = databases(&scratch).remove(0);
    let relay = relay_process(&url, &scratch.0, free_port()).await;
    let secret = RootSecret::generate();
    let keys = secret.keys();
    // A full network: 48 MB in blobs of 256 KB.
    let pushed = push_from(relay.addr, &keys, 4, 192, 256 << 10).await;
    assert_eq!(pushed, 48 << 20);
    let mut reader = live_device(relay.addr, &keys).await;
    for _ in 0..1000 {
        reader
            .send(Message::Binary(
                ClientMsg::Subscribe { since: 0 }.encode().into(),
            ))
            .await
            .unwrap();
    }
    let started = Instant::now();
    let (mut pages, mut largest, mut bytes) = (0usize, 0usize, 0usize);
    while started.elapsed() < Duration::from_secs(3) {
        match tokio::time::timeout(Duration::from_millis(100), reader.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => {
                if let Ok(ServerMsg::Blobs { blobs, .. }) = ServerMsg::decode(&frame) {
                    let size: usize = blobs.iter().map(|b| b.sealed.len()).sum();
                    pages += 1;
                    largest = largest.max(size);
                    bytes += size;
                }
            }
            Ok(Some(Ok(_))) | Err(_) => {}
            Ok(Some(Err(e))) => panic!("{e}"),
            Ok(None) => panic!("closed"),
        }
    }
    let limits = Limits::default();
    println!(
        "1,000 Subscribe{{0}} on a 48 MB network: {pages} pages ({:.1} MB) answered in 3 s, \
         the largest {:.2} MB (page limit {:.2} MB, catch-up rate {:.1} MB/s)",
        mb(bytes as u64),
        mb(largest as u64),
        mb(limits.page_bytes as u64),
        mb(limits.read_bytes_per_second),
    );
    assert!(largest <= limits.page_bytes);
    // Four pages at once, then the rate: in 3 s at most 4 + 3 × 4 pages of 1 MB.
    let allowed = 4 * limits.page_bytes as u64 + 3 * limits.read_bytes_per_second + (1 << 20);
    assert!((bytes as u64) <= allowed, "{bytes} bytes in 3 s");
    assert!(pages >= 4, "throttled to nothing: {pages} pages");
    // Another device of another network is served at once meanwhile.
    let other = RootSecret::generate().keys();
    let started = Instant::now();
    let mut raw = live_device(relay.addr, &other).await;
    assert!(matches!(
        exchange(&mut raw, ClientMsg::Ping).await,
        ServerMsg::Pong
    ));
    println!(
        "meanwhile another device authenticated and had a pong in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_networks_past_the_rate_and_pushes_past_the_budget_are_refused() {
    let scratch = Scratch::new("spam");
    let url = databases(&scratch).remove(0);
    let relay = relay_process_with(
        &url,
        &scratch.0,
        free_port(),
        &[
            ("COLLOQUY_NETWORKS_PER_HOUR", "20"),
            ("COLLOQUY_STORE_BUDGET_MB", "4"),
        ],
        None,
    )
    .await;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let attempts = 10_000;
    for worker in 0..16 {
        let addr = relay.addr;
        tasks.spawn(async move {
            let (mut welcomed, mut refused) = (0, 0);
            for _ in (worker..attempts).step_by(16) {
                let keys = RootSecret::generate().keys();
                let mut raw = socket(addr).await;
                match authenticate(&mut raw, &keys).await {
                    ServerMsg::Welcome { .. } => welcomed += 1,
                    ServerMsg::Error {
                        code: ErrorCode::RateLimited,
                        message,
                    } => {
                        assert!(message.contains("networks"), "{message}");
                        refused += 1;
                    }
                    other => panic!("{other:?}"),
                }
            }
            (welcomed, refused)
        });
    }
    let (welcomed, refused) = tasks
        .join_all()
        .await
        .into_iter()
        .fold((0, 0), |(w, r), (a, b)| (w + a, r + b));
    println!(
        "{attempts} new networks from one address in {:.1} s: {welcomed} started, {refused} \
         refused (20 an hour allowed)",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(welcomed, 20);
    assert_eq!(refused, attempts - 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_past_the_store_budget_are_refused_and_the_file_stays_near_it() {
    let scratch = Scratch::new("budget");
    let url = databases(&scratch).remove(0);
    let relay = relay_process_with(
        &url,
        &scratch.0,
        free_port(),
        &[("COLLOQUY_STORE_BUDGET_MB", "4")],
        None,
    )
    .await;
    // Three networks try to store 3 MB each: what is over 4 MB in all is refused.
    let mut acked = 0;
    let mut refusal = None;
    for _ in 0..3 {
        let keys = RootSecret::generate().keys();
        let mut raw = live_device(relay.addr, &keys).await;
        for _ in 0..48 {
            let reply = exchange(
                &mut raw,
                ClientMsg::Push {
                    blob_id: app::crypto::new_blob_id(),
                    sealed: vec![3; 64 << 10],
                },
            )
            .await;
            match reply {
                ServerMsg::Ack { .. } => acked += 64 << 10,
                ServerMsg::Error { code, message } => {
                    assert_eq!(code, ErrorCode::QuotaExceeded);
                    refusal = Some(message);
                }
                other => panic!("{other:?}"),
            }
        }
    }
    let file: u64 = std::fs::read_dir(&scratch.0)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    let counted = metric(relay.addr, &refusals("disk")).await;
    println!(
        "9 MB pushed to a relay with a 4 MB budget: {:.2} MB stored, {counted} pushes refused \
         ({refusal:?}); the database's files hold {:.1} MB",
        mb(acked),
        mb(file),
    );
    assert!(acked <= 4 << 20 && acked > 3 << 20, "{acked}");
    assert!(refusal.is_some_and(|m| m.contains("out of space")));
    assert!(file < 16 << 20, "{file}");
}
