//! The relay against real devices over real WebSockets on 127.0.0.1, with a real SQLite file
//! (and PostgreSQL too when `COLLOQUY_TEST_POSTGRES_URL` names a database; tests share it
//! safely because every test syncs networks of its own):
//! two devices converge, a forged or broken device is refused with its reason, a relay killed
//! with SIGKILL mid-burst loses no acknowledged push, and the database holds no plaintext.

mod common;

use app::crypto::challenge_message;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_converge_and_the_database_holds_no_plaintext() {
    let scratch = Scratch::new("converge");
    for url in databases(&scratch) {
        let relay = relay_in_process(&url, Limits::default()).await;
        let secret = RootSecret::generate();
        let mut laptop = Device::new(&secret);
        laptop
            .put("ana", &person("Ana Lima", "Prefers mornings at the café."))
            .await;
        laptop
            .put("ben", &person("Ben Ode", "Referred by Ana."))
            .await;
        laptop.connect(relay.addr).await;
        laptop.synced().await;

        // The phone starts empty and gets everything.
        let mut phone = Device::new(&secret);
        phone.connect(relay.addr).await;
        phone.until(|d| d.view().len() == 2).await;
        assert_eq!(phone.view(), laptop.view());

        // Both edit the same notes at once: both edits survive on both.
        phone
            .append_note("ana", " Phone: ask about the night shift.")
            .await;
        laptop
            .append_note("ana", " Laptop: bring the portfolio.")
            .await;
        laptop
            .until(|d| d.notes("ana").contains("night shift"))
            .await;
        phone.until(|d| d.notes("ana").contains("portfolio")).await;
        laptop.synced().await;
        phone.synced().await;
        assert_eq!(phone.view(), laptop.view());

        if url.starts_with("sqlite") {
            let stored = sqlite_bytes(&scratch.0);
            let plain = [&laptop.plain[..], &phone.plain[..]].concat();
            let secrets = [
                "Ana Lima",
                "Prefers mornings",
                "night shift",
                "portfolio",
                "Ben Ode",
            ];
            // The search works: every word is in what the devices pushed before sealing, and
            // every sealed push is in the file as it was sent.
            for secret_text in secrets {
                assert!(
                    contains(&plain, secret_text),
                    "{secret_text:?} was never pushed"
                );
            }
            let sealed = [&laptop.sealed[..], &phone.sealed[..]].concat();
            assert!(sealed.len() >= 4, "{} pushes", sealed.len());
            for blob in &sealed {
                assert!(
                    contains(&stored, blob),
                    "a sealed push is not in the database"
                );
            }
            for secret_text in secrets {
                assert!(
                    !contains(&stored, secret_text),
                    "{secret_text:?} is in the relay's database"
                );
            }
        }

        // "Delete my data from the relay": the relay keeps nothing of the network.
        let doc = secret.keys().doc_id;
        let store = server::store::Store::open(&url).await.unwrap();
        assert!(store.latest(&doc).await.unwrap() > 0);
        let out = laptop.client.delete();
        laptop.handle(out).await;
        laptop
            .until(|d| d.client.status() == &Status::Deleted)
            .await;
        assert_eq!(store.latest(&doc).await.unwrap(), 0);
        let page = store.read(&doc, 0, &Limits::default()).await.unwrap();
        assert!(page.blobs.is_empty() && page.snapshot.is_none());
        // The phone is told too; its own copy stays.
        phone.until(|d| d.client.status() == &Status::Deleted).await;
        assert_eq!(phone.view().len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_without_the_key_is_refused_with_the_reason() {
    let scratch = Scratch::new("refuse");
    for url in databases(&scratch) {
        let relay = relay_in_process(&url, Limits::default()).await;
        let secret = RootSecret::generate();
        let mut owner = Device::new(&secret);
        owner.put("ana", &person("Ana Lima", "")).await;
        owner.connect(relay.addr).await;
        owner.synced().await;
        let doc_id = secret.keys().doc_id;

        // A signature that doesn't verify.
        let mut raw = socket(relay.addr).await;
        let reply = exchange(&mut raw, ClientMsg::Hello { doc_id: doc_id.0 }).await;
        assert!(matches!(reply, ServerMsg::Challenge { .. }));
        let reply = exchange(
            &mut raw,
            ClientMsg::Auth {
                verifying_key: secret.keys().verifying_key(),
                signature: [0; 64],
            },
        )
        .await;
        assert_error(reply, ErrorCode::Unauthorized, "signature");
        assert_closed(&mut raw).await;

        // A valid signature by a key other than the network's.
        use ed25519_dalek::Signer;
        let forger = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let mut raw = socket(relay.addr).await;
        let ServerMsg::Challenge { nonce } =
            exchange(&mut raw, ClientMsg::Hello { doc_id: doc_id.0 }).await
        else {
            panic!("no challenge");
        };
        let reply = exchange(
            &mut raw,
            ClientMsg::Auth {
                verifying_key: forger.verifying_key().to_bytes(),
                signature: forger.sign(&challenge_message(&doc_id, &nonce)).to_bytes(),
            },
        )
        .await;
        assert_error(reply, ErrorCode::Unauthorized, "another key");
        assert_closed(&mut raw).await;

        // The network's own devices still get in.
        let mut phone = Device::new(&secret);
        phone.connect(relay.addr).await;
        phone.until(|d| d.view().len() == 1).await;
        assert!(phone.errors.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_is_refused_with_its_error() {
    let scratch = Scratch::new("oversized");
    for url in databases(&scratch) {
        let limits = Limits {
            max_frame: 64 * 1024,
            ..Limits::default()
        };
        let relay = relay_in_process(&url, limits).await;
        let secret = RootSecret::generate();
        let mut device = Device::new(&secret);
        device.connect(relay.addr).await;
        device.synced().await;
        let big = device.client.push(&vec![7u8; 70 * 1024]);
        device.handle(big).await;
        device.until(|d| !d.errors.is_empty()).await;
        let error = &device.errors[0];
        assert!(
            error.contains("over the relay's limit of 65536 bytes"),
            "{error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_pushes_survive_the_relay_being_killed() {
    let scratch = Scratch::new("kill");
    for url in databases(&scratch) {
        let port = free_port();
        let mut relay = relay_process(&url, &scratch.0, port).await;
        let secret = RootSecret::generate();
        let mut laptop = Device::new(&secret);
        laptop.put("ana", &person("Ana Lima", "")).await;
        laptop.connect(relay.addr).await;
        laptop.synced().await;

        // A burst of edits, sent without waiting; kill the relay once some are acknowledged.
        const BURST: usize = 150;
        for i in 0..BURST {
            laptop.append_note("ana", &format!("<{i:03}>")).await;
        }
        laptop.until(|d| d.acked.len() >= 20).await;
        // The kill lands mid-burst: pushes are still waiting for their acks.
        assert!(
            laptop.acked.len() < BURST,
            "the burst was over before the kill"
        );
        relay.child.start_kill().unwrap();
        relay.child.wait().await.unwrap();
        let acked_before_kill = laptop.acked.clone();
        laptop.socket = None;
        let out = laptop.client.disconnected();
        laptop.handle(out).await;

        // Every acknowledged push is in the database.
        let stored = stored_blob_ids(&url).await;
        for id in &acked_before_kill {
            assert!(
                stored.contains(id.as_slice()),
                "an acknowledged push was lost"
            );
        }

        // Restarted on the same database: the laptop resends what wasn't acknowledged, and a
        // new device gets every edit.
        let relay = relay_process(&url, &scratch.0, port).await;
        laptop.connect(relay.addr).await;
        laptop
            .until(|d| d.client.status() == &Status::UpToDate && !d.client.has_unacked())
            .await;
        let mut phone = Device::new(&secret);
        phone.connect(relay.addr).await;
        phone
            .until(|d| d.notes("ana").contains(&format!("<{:03}>", BURST - 1)))
            .await;
        phone.synced().await;
        assert_eq!(phone.view(), laptop.view());
        let notes = phone.notes("ana");
        for i in 0..BURST {
            assert!(notes.contains(&format!("<{i:03}>")), "edit {i} lost");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_other_sites_are_refused_before_the_upgrade() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let scratch = Scratch::new("origin");
    let url = databases(&scratch).remove(0);
    let relay = relay_process(&url, &scratch.0, free_port()).await;
    let with_origin = |origin: &str| {
        let mut request = format!("ws://{}/sync", relay.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("Origin", origin.parse().unwrap());
        request
    };
    match tokio_tungstenite::connect_async(with_origin("https://evil.example")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
        }
        other => panic!("a page of another site was let in: {:?}", other.map(|_| ())),
    }
    // The site's own pages, and devices that send no origin, are let in.
    let own = format!("http://{}", relay.addr);
    let (mut same_site, _) = tokio_tungstenite::connect_async(with_origin(&own))
        .await
        .unwrap();
    assert!(matches!(
        exchange(&mut same_site, ClientMsg::Hello { doc_id: [1; 32] }).await,
        ServerMsg::Challenge { .. }
    ));
    let mut bare = socket(relay.addr).await;
    assert!(matches!(
        exchange(&mut bare, ClientMsg::Hello { doc_id: [1; 32] }).await,
        ServerMsg::Challenge { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_pings_but_never_authenticates_is_closed() {
    let scratch = Scratch::new("handshake");
    let url = databases(&scratch).remove(0);
    let limits = Limits {
        handshake_ms: 1_000,
        ..Limits::default()
    };
    let relay = relay_in_process(&url, limits).await;
    let mut idler = socket(relay.addr).await;
    let started = std::time::Instant::now();
    // Pings every 100 ms: unanswered, and no reprieve.
    let closed = loop {
        if idler
            .send(Message::Binary(ClientMsg::Ping.encode().into()))
            .await
            .is_err()
        {
            break true;
        }
        match tokio::time::timeout(Duration::from_millis(100), idler.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => {
                panic!(
                    "an unauthenticated ping was answered: {:?}",
                    ServerMsg::decode(&frame)
                )
            }
            Ok(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) => break true,
            Ok(Some(Ok(_))) | Err(_) => {}
        }
        if started.elapsed() > PATIENCE {
            break false;
        }
    };
    assert!(closed, "still open after {:?}", started.elapsed());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    // A device that authenticates in time is served as before.
    let secret = RootSecret::generate();
    let mut device = Device::new(&secret);
    device.connect(relay.addr).await;
    device.synced().await;
    assert!(device.errors.is_empty(), "{:?}", device.errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequence_numbers_at_the_top_of_their_range_are_refused_without_a_panic() {
    let scratch = Scratch::new("edges");
    let url = databases(&scratch).remove(0);
    // A separate process, built with debug assertions: an overflow would panic it.
    let relay = relay_process(&url, &scratch.0, free_port()).await;
    let secret = RootSecret::generate();
    let keys = secret.keys();
    let live = || async {
        let mut raw = socket(relay.addr).await;
        let reply = authenticate(&mut raw, &keys).await;
        assert!(matches!(reply, ServerMsg::Welcome { .. }), "{reply:?}");
        raw
    };
    // A push whose length field says u32::MAX bytes follow, with 8 behind it.
    let mut lying = ClientMsg::Push {
        blob_id: [7; 16],
        sealed: vec![1; 8],
    }
    .encode();
    let at = lying.len() - 8 - 4;
    lying[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut raw = live().await;
    raw.send(Message::Binary(lying.into())).await.unwrap();
    assert_error(reply(&mut raw).await, ErrorCode::BadFrame, "Unreadable");
    assert_closed(&mut raw).await;
    for since in [u64::MAX, i64::MAX as u64] {
        let mut raw = live().await;
        let reply = exchange(&mut raw, ClientMsg::Subscribe { since }).await;
        assert_error(reply, ErrorCode::BadFrame, "beyond any log's end");
        assert_closed(&mut raw).await;
    }
    let mut raw = live().await;
    let reply = exchange(
        &mut raw,
        ClientMsg::PutSnapshot {
            blob_id: app::crypto::new_blob_id(),
            covers: u64::MAX,
            sealed: vec![1; 64],
        },
    )
    .await;
    assert_error(reply, ErrorCode::BadFrame, "beyond any log's end");
    assert_closed(&mut raw).await;
    // The relay is still up and answering.
    let mut raw = live().await;
    assert!(matches!(
        exchange(&mut raw, ClientMsg::Ping).await,
        ServerMsg::Pong
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_network_is_gone_from_disk_and_cannot_come_back() {
    let scratch = Scratch::new("delete");
    let url = databases(&scratch).remove(0);
    let relay = relay_process(&url, &scratch.0, free_port()).await;
    let secret = RootSecret::generate();
    let mut laptop = Device::new(&secret);
    let mut phone = Device::new(&secret);
    laptop.put("ana", &person("Ana Lima", "")).await;
    laptop.connect(relay.addr).await;
    laptop.synced().await;
    phone.connect(relay.addr).await;
    phone.until(|d| d.view().len() == 1).await;
    // Both edit for ten seconds, each edit acknowledged.
    let started = std::time::Instant::now();
    let mut edits = 0;
    while started.elapsed() < Duration::from_secs(10) {
        laptop.append_note("ana", &format!(" laptop {edits}")).await;
        phone.append_note("ana", &format!(" phone {edits}")).await;
        laptop
            .until(|d| d.client.persisted().outbox.is_empty())
            .await;
        phone
            .until(|d| d.client.persisted().outbox.is_empty())
            .await;
        edits += 1;
    }
    // The laptop deletes the network from the relay; the phone is told at once.
    let out = laptop.client.delete();
    laptop.handle(out).await;
    laptop
        .until(|d| d.client.status() == &Status::Deleted)
        .await;
    phone.until(|d| d.client.status() == &Status::Deleted).await;
    let deleted_after = started.elapsed();
    // Devices that come back (as the app would after a restart) are refused: the network
    // can't be recreated under its id, and nothing more is stored.
    for device in [&mut laptop, &mut phone] {
        device.client = SyncClient::new(secret.keys(), Persisted::default());
        device.connect(relay.addr).await;
        device
            .until(|d| d.client.status() == &Status::Deleted)
            .await;
    }
    let doc = secret.keys().doc_id;
    let db = rusqlite::Connection::open_with_flags(
        scratch.0.join("relay.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    for table in ["docs", "blobs", "snapshots"] {
        let rows: i64 = db
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE doc = ?1"),
                [&doc.0[..]],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 0, "{table} still holds the network");
    }
    drop(db);
    // None of its ciphertext is left anywhere in the database's files.
    let stored = sqlite_bytes(&scratch.0);
    let sealed = [&laptop.sealed[..], &phone.sealed[..]].concat();
    let left = sealed.iter().filter(|blob| contains(&stored, blob)).count();
    println!(
        "{} pushes over {edits} rounds by two devices, deleted {:.1} s in: {left} of them left in \
         {} bytes of database files; both devices told, and refused when they came back",
        sealed.len(),
        deleted_after.as_secs_f64(),
        stored.len(),
    );
    assert!(sealed.len() >= 2 * edits);
    assert_eq!(left, 0, "deleted ciphertext is still on disk");
}

/// Two relay processes on one PostgreSQL database: a device on each, of the same network. Each
/// hears the other's pushes through LISTEN/NOTIFY; when the listening connections are cut, the
/// pushes made meanwhile still arrive once they are back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_on_postgres_serve_one_network_and_catch_up_after_losing_notices() {
    let scratch = Scratch::new("two-relays");
    let url = std::env::var("COLLOQUY_TEST_POSTGRES_URL")
        .expect("COLLOQUY_TEST_POSTGRES_URL: this test is about PostgreSQL");
    let (one, two) = (scratch.0.join("one"), scratch.0.join("two"));
    std::fs::create_dir_all(&one).unwrap();
    std::fs::create_dir_all(&two).unwrap();
    let first = relay_process(&url, &one, free_port()).await;
    let second = relay_process(&url, &two, free_port()).await;
    let secret = RootSecret::generate();
    let mut laptop = Device::new(&secret);
    laptop.put("ana", &person("Ana Lima", "")).await;
    laptop.connect(first.addr).await;
    laptop.synced().await;
    let mut phone = Device::new(&secret);
    phone.connect(second.addr).await;
    phone.until(|d| !d.view().is_empty()).await;
    // Live, through the other process.
    laptop.append_note("ana", "<live>").await;
    phone.until(|d| d.notes("ana").contains("<live>")).await;

    // Cut every relay's listening connection over and over while pushes go on: notices sent
    // while a listener is away go nowhere. Several rounds, so that some round's last push falls
    // while the phone's relay isn't listening.
    let before = metric(second.addr, "colloquy_listener_reconnects_total").await;
    let admin = sqlx::postgres::PgPool::connect(&url).await.unwrap();
    for round in 0..4 {
        let admin = admin.clone();
        let cutting = tokio::spawn(async move {
            let mut cut = 0;
            let until = tokio::time::Instant::now() + Duration::from_millis(400);
            while tokio::time::Instant::now() < until {
                let killed: Vec<bool> = sqlx::query_scalar(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
                )
                .fetch_all(&admin)
                .await
                .unwrap();
                cut += killed.len();
            }
            cut
        });
        for i in 0..10 {
            laptop
                .append_note("ana", &format!("<cut {round} {i}>"))
                .await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let cut = cutting.await.unwrap();
        assert!(cut >= 2, "the listeners were cut {cut} times");
        laptop.until(|d| !d.client.has_unacked()).await;
        phone
            .until(|d| d.notes("ana").contains(&format!("<cut {round} 9>")))
            .await;
    }
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while metric(second.addr, "colloquy_listener_reconnects_total").await == before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the listener never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And live again afterwards.
    laptop.append_note("ana", "<after>").await;
    phone.until(|d| d.notes("ana").contains("<after>")).await;
    assert_eq!(phone.view(), laptop.view());
}
