//! What an operator relies on, against the real server process: health and readiness, metrics
//! that move with the traffic, a clean stop on SIGTERM that loses no acknowledged push, a
//! backup taken under load, and who may start a network.

mod common;

use common::*;

/// The server binary run as an operator runs it, for one command, to the end.
fn command(data: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("COLLOQUY_DATA_DIR", data)
        .env_remove("COLLOQUY_RELAY_DB")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics_answer_and_move_with_a_push() {
    let scratch = Scratch::new("ops-metrics");
    let url = format!("sqlite://{}", scratch.0.join("relay.sqlite3").display());
    let relay = relay_process(&url, &scratch.0, free_port()).await;
    assert_eq!(http_get(relay.addr, "/healthz").await, (200, "ok\n".into()));
    assert_eq!(
        http_get(relay.addr, "/readyz").await,
        (200, "ready\n".into())
    );

    let before = metric(relay.addr, "colloquy_pushes_total").await;
    let secret = RootSecret::generate();
    let mut laptop = Device::new(&secret);
    let mut phone = Device::new(&secret);
    laptop.connect(relay.addr).await;
    laptop.synced().await;
    phone.connect(relay.addr).await;
    phone.synced().await;
    laptop.put("ana", &person("Ana Lima", "")).await;
    laptop.synced().await;
    phone.until(|d| !d.view().is_empty()).await;

    let text = http_get(relay.addr, "/metrics").await.1;
    // Prometheus' text format: every sample line is a name (labels optional) and a number.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, value) = line.rsplit_once(' ').expect("a sample");
        assert!(
            name.starts_with("colloquy_") && value.parse::<f64>().is_ok(),
            "{line}"
        );
    }
    let read = |name: &str| server::metrics::read(&text, name).unwrap();
    assert_eq!(read("colloquy_pushes_total"), before + 1);
    assert_eq!(read("colloquy_deliveries_total"), 1, "the phone was told");
    assert_eq!(read("colloquy_delivery_seconds_count"), 1);
    assert_eq!(read("colloquy_sync_connections"), 2);
    assert!(read("colloquy_store_bytes") > 0);
    println!(
        "metrics: pushes {}, deliveries {}, store {} bytes, WAL {} bytes",
        read("colloquy_pushes_total"),
        read("colloquy_deliveries_total"),
        read("colloquy_store_bytes"),
        read("colloquy_wal_bytes")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_stops_cleanly_and_keeps_every_acknowledged_push() {
    let scratch = Scratch::new("ops-sigterm");
    for url in databases(&scratch) {
        let port = free_port();
        let mut relay = relay_process(&url, &scratch.0, port).await;
        let secret = RootSecret::generate();
        let mut laptop = Device::new(&secret);
        laptop.put("ana", &person("Ana Lima", "")).await;
        laptop.connect(relay.addr).await;
        laptop.synced().await;

        const BURST: usize = 150;
        for i in 0..BURST {
            laptop.append_note("ana", &format!("<{i:03}>")).await;
        }
        laptop.until(|d| d.acked.len() >= 20).await;
        assert!(laptop.acked.len() < BURST, "the burst was over first");
        let pid = relay.child.id().expect("running") as i32;
        let asked = std::time::Instant::now();
        // SAFETY: a signal to the child this test started.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        // The device hears "going away" (1001), not a dropped connection.
        let close = loop {
            let socket = laptop.socket.as_mut().expect("connected");
            match tokio::time::timeout(PATIENCE, socket.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => break frame,
                Ok(Some(Ok(Message::Binary(frame)))) => {
                    if let Ok(ServerMsg::Ack { blob_id, .. }) = ServerMsg::decode(&frame) {
                        laptop.acked.insert(blob_id);
                    }
                    let out = laptop.client.received(&frame);
                    laptop.handle(out).await;
                }
                Ok(Some(Ok(_))) => {}
                other => panic!("the connection ended without a close frame: {other:?}"),
            }
        };
        let close = close.expect("a close frame with a code");
        assert_eq!(u16::from(close.code), 1001, "{close:?}");
        let status = tokio::time::timeout(Duration::from_secs(15), relay.child.wait())
            .await
            .expect("the server exits within its grace")
            .unwrap();
        let took = asked.elapsed();
        assert!(status.success(), "{status}");
        println!(
            "SIGTERM ({}): exit 0 after {} ms, {} of {BURST} pushes acknowledged",
            url.split(':').next().unwrap(),
            took.as_millis(),
            laptop.acked.len()
        );
        let acked = laptop.acked.clone();
        laptop.socket = None;
        let out = laptop.client.disconnected();
        laptop.handle(out).await;

        // Restarted: every acknowledged push is there, and the rest arrive.
        let relay = relay_process(&url, &scratch.0, port).await;
        let stored = stored_blob_ids(&url).await;
        assert!(acked.iter().all(|id| stored.contains(id.as_slice())));
        laptop.connect(relay.addr).await;
        laptop
            .until(|d| d.client.status() == &Status::UpToDate && !d.client.has_unacked())
            .await;
        let mut phone = Device::new(&secret);
        phone.connect(relay.addr).await;
        phone
            .until(|d| d.notes("ana").contains(&format!("<{:03}>", BURST - 1)))
            .await;
        assert_eq!(phone.view(), laptop.view());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_opens_with_everything_acknowledged_before_it() {
    let scratch = Scratch::new("ops-backup");
    let url = format!("sqlite://{}", scratch.0.join("relay.sqlite3").display());
    let relay = relay_process(&url, &scratch.0, free_port()).await;
    let secret = RootSecret::generate();
    let mut laptop = Device::new(&secret);
    laptop.put("ana", &person("Ana Lima", "")).await;
    laptop.connect(relay.addr).await;
    laptop.synced().await;
    for i in 0..200 {
        laptop.append_note("ana", &format!("<{i:03}>")).await;
    }
    laptop.until(|d| d.acked.len() >= 40).await;
    let acked = laptop.acked.clone();
    let file = scratch.0.join("backup.sqlite3");
    let data = scratch.0.clone();
    let file_arg = file.clone();
    // The backup runs while the burst goes on being written.
    let output = tokio::task::spawn_blocking(move || {
        command(&data, &["backup", file_arg.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    laptop
        .until(|d| d.client.status() == &Status::UpToDate && !d.client.has_unacked())
        .await;
    println!("backup: {}", String::from_utf8_lossy(&output.stdout).trim());

    let backup_url = format!("sqlite://{}", file.display());
    let backup = server::store::Store::open(&backup_url).await.unwrap();
    let server::store::Store::Sqlite { readers, .. } = &backup else {
        unreachable!()
    };
    let stored: HashSet<Vec<u8>> = sqlx::query_scalar("SELECT blob_id FROM blobs")
        .fetch_all(readers)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert!(acked.iter().all(|id| stored.contains(id.as_slice())));
    let live = server::store::Store::open(&url).await.unwrap();
    assert_ne!(
        backup.epoch().await.unwrap(),
        live.epoch().await.unwrap(),
        "a backup has an epoch of its own"
    );
    // A second backup to the same file is refused rather than overwriting it.
    let again = command(&scratch.0, &["backup", file.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_networks_are_refused_when_closed_and_started_with_an_invite() {
    let scratch = Scratch::new("ops-invite");
    let url = format!("sqlite://{}", scratch.0.join("relay.sqlite3").display());
    let port = free_port();
    let closed = relay_process_with(
        &url,
        &scratch.0,
        port,
        &[("COLLOQUY_NEW_NETWORKS", "closed")],
        None,
    )
    .await;
    let secret = RootSecret::generate();
    let mut laptop = Device::new(&secret);
    laptop.connect(closed.addr).await;
    laptop.until(|d| !d.errors.is_empty()).await;
    assert!(
        laptop.errors[0].contains("doesn't take new networks"),
        "{:?}",
        laptop.errors
    );
    let mut closed = closed;
    closed.child.kill().await.unwrap();

    let invite = relay_process_with(
        &url,
        &scratch.0,
        port,
        &[("COLLOQUY_NEW_NETWORKS", "invite")],
        None,
    )
    .await;
    let mut without = Device::new(&secret);
    without.connect(invite.addr).await;
    without.until(|d| !d.errors.is_empty()).await;
    assert!(without.errors[0].contains("only with an invite code"));

    let made = command(&scratch.0, &["invite", "--uses", "1"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let code = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert_eq!(code.len(), 19, "{code}");

    let mut wrong = Device::new(&secret);
    wrong
        .connect_to(&format!(
            "ws://{}/sync?invite=aaaa-bbbb-cccc-dddd",
            invite.addr
        ))
        .await;
    wrong.until(|d| !d.errors.is_empty()).await;
    assert!(
        wrong.errors[0].contains("isn't valid"),
        "{:?}",
        wrong.errors
    );

    let mut with = Device::new(&secret);
    with.put("ana", &person("Ana Lima", "")).await;
    with.connect_to(&format!("ws://{}/sync?invite={code}", invite.addr))
        .await;
    with.synced().await;
    assert!(with.errors.is_empty(), "{:?}", with.errors);
    // The network exists now: its other devices need no code.
    let mut phone = Device::new(&secret);
    phone.connect(invite.addr).await;
    phone.until(|d| !d.view().is_empty()).await;
    // The code was good for one network.
    let mut other = Device::new(&RootSecret::generate());
    other
        .connect_to(&format!("ws://{}/sync?invite={code}", invite.addr))
        .await;
    other.until(|d| !d.errors.is_empty()).await;
    assert!(other.errors[0].contains("used up"), "{:?}", other.errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_older_backup_is_restored_two_devices_converge_with_nothing_lost() {
    let scratch = Scratch::new("ops-restore");
    let db = scratch.0.join("relay.sqlite3");
    let url = format!("sqlite://{}", db.display());
    let port = free_port();
    let mut relay = relay_process(&url, &scratch.0, port).await;
    let secret = RootSecret::generate();
    let mut laptop = Device::new(&secret);
    laptop.put("ana", &person("Ana Lima", "")).await;
    laptop.connect(relay.addr).await;
    laptop.synced().await;
    let mut phone = Device::new(&secret);
    phone.connect(relay.addr).await;
    phone.until(|d| !d.view().is_empty()).await;
    phone.socket = None;
    let out = phone.client.disconnected();
    phone.handle(out).await;

    let backup = scratch.0.join("older.sqlite3");
    let made = command(&scratch.0, &["backup", backup.to_str().unwrap()]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    // Acknowledged after the backup, while the phone is away: the restore loses these.
    for i in 0..20 {
        laptop.append_note("ana", &format!("<{i:02}>")).await;
    }
    laptop
        .until(|d| d.client.status() == &Status::UpToDate && !d.client.has_unacked())
        .await;
    let cursor = laptop.client.persisted().cursor;

    // The operator stops the relay and puts the older backup in place.
    // SAFETY: a signal to the child this test started.
    unsafe { libc::kill(relay.child.id().unwrap() as i32, libc::SIGTERM) };
    assert!(relay.child.wait().await.unwrap().success());
    laptop.socket = None;
    let out = laptop.client.disconnected();
    laptop.handle(out).await;
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    std::fs::copy(&backup, &db).unwrap();
    let relay = relay_process(&url, &scratch.0, port).await;
    let restored = server::store::Store::open(&url).await.unwrap();
    assert!(restored.latest(&secret.keys().doc_id).await.unwrap() < cursor);

    laptop.connect(relay.addr).await;
    laptop
        .until(|d| d.client.status() == &Status::UpToDate && !d.client.has_unacked())
        .await;
    phone.connect(relay.addr).await;
    phone.until(|d| d.notes("ana").contains("<19>")).await;
    phone.synced().await;
    assert_eq!(phone.view(), laptop.view());
    for i in 0..20 {
        assert!(
            phone.notes("ana").contains(&format!("<{i:02}>")),
            "edit {i} lost"
        );
    }
    println!(
        "restore: the laptop's cursor was {cursor}, the restored relay had {}; both devices converged",
        restored.latest(&secret.keys().doc_id).await.unwrap()
    );
}
