//! The relay against real devices over real WebSockets on 127.0.0.1, with a real SQLite file
//! (and PostgreSQL too when `COLLOQUY_TEST_POSTGRES_URL` names a database; tests share it
//! safely because every test syncs networks of its own):
//! two devices converge, a forged or broken device is refused with its reason, a relay killed
//! with SIGKILL mid-burst loses no acknowledged push, and the database holds no plaintext.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::crypto::{challenge_message, RootSecret};
use app::doc::Network;
use app::domain::{Person, PersonId};
use app::sync::{
    BlobId, ClientMsg, ErrorCode, Limits, Output, Persisted, ServerMsg, Status, SyncClient,
};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Long enough for a busy machine; every wait ends as soon as its condition holds.
const PATIENCE: Duration = Duration::from_secs(30);

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "colloquy-relay-{name}-{}-{}",
            std::process::id(),
            app::domain::new_id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The databases to run each test against: a SQLite file, and PostgreSQL when configured.
fn databases(scratch: &Scratch) -> Vec<String> {
    let mut urls = vec![format!(
        "sqlite://{}",
        scratch.0.join("relay.sqlite3").display()
    )];
    match std::env::var("COLLOQUY_TEST_POSTGRES_URL") {
        Ok(url) => urls.push(url),
        Err(_) => eprintln!("COLLOQUY_TEST_POSTGRES_URL is not set: SQLite only"),
    }
    urls
}

/// A relay in this process.
struct InProcess {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn relay_in_process(url: &str, limits: Limits) -> InProcess {
    let store = server::store::Store::open(url).await.unwrap();
    let relay = server::relay::Relay::new(store, limits);
    relay.clone().listen_to_peers().await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("colloquy")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    tokio::spawn(server::run(listener, options, relay, async {
        let _ = stopped.await;
    }));
    InProcess {
        addr,
        stop: Some(stop),
    }
}

/// The server binary as its own process, so it can be killed with SIGKILL.
struct Process {
    child: tokio::process::Child,
    addr: SocketAddr,
}

async fn relay_process(url: &str, data: &Path, port: u16) -> Process {
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LEPTOS_OUTPUT_NAME", "colloquy")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_SITE_ADDR", addr.to_string())
        .env("COLLOQUY_DATA_DIR", data)
        .env("COLLOQUY_RELAY_DB", url)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Ready when it accepts connections.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Process { child, addr }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn socket(addr: SocketAddr) -> Socket {
    tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
        .await
        .unwrap()
        .0
}

/// A device: its network, its sync client, and a socket to the relay.
struct Device {
    network: Network,
    client: SyncClient,
    pushed: Vec<automerge::ChangeHash>,
    socket: Option<Socket>,
    acked: HashSet<BlobId>,
    errors: Vec<String>,
    /// Every push, before and after sealing.
    plain: Vec<u8>,
    sealed: Vec<Vec<u8>>,
}

impl Device {
    fn new(secret: &RootSecret) -> Device {
        let mut network = Network::new();
        let pushed = network.heads();
        Device {
            network,
            client: SyncClient::new(secret.keys(), Persisted::default()),
            pushed,
            socket: None,
            acked: HashSet::new(),
            errors: Vec::new(),
            plain: Vec::new(),
            sealed: Vec::new(),
        }
    }

    async fn connect(&mut self, addr: SocketAddr) {
        self.socket = Some(socket(addr).await);
        let out = self.client.connected();
        self.handle(out).await;
    }

    async fn handle(&mut self, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Send(frame) => {
                    if let Some(socket) = self.socket.as_mut() {
                        if socket.send(Message::Binary(frame.into())).await.is_err() {
                            self.socket = None;
                        }
                    }
                }
                Output::Apply(bytes) => {
                    let unpushed = self.network.heads() != self.pushed;
                    self.network.apply(&bytes).unwrap();
                    if !unpushed {
                        self.pushed = self.network.heads();
                    }
                }
                Output::Persist => {}
                Output::Status(Status::Error(e)) => self.errors.push(e),
                Output::Status(_) => {}
            }
        }
    }

    async fn put(&mut self, id: &str, person: &Person) {
        self.network
            .put_person(&PersonId::from(id), person, 1)
            .unwrap();
        let changes = self.network.save_after(&self.pushed);
        self.pushed = self.network.heads();
        let out = self.client.push(&changes);
        self.plain.extend_from_slice(&changes);
        let pending = self
            .client
            .persisted()
            .outbox
            .last()
            .expect("a push is kept until acked");
        self.sealed.push(pending.sealed.clone());
        self.handle(out).await;
    }

    async fn append_note(&mut self, id: &str, text: &str) {
        let mut person = self.network.person(&PersonId::from(id)).unwrap().unwrap();
        person.notes.push_str(text);
        self.put(id, &person).await;
    }

    /// Takes frames from the relay until `done` holds; resends unacknowledged pushes when the
    /// relay goes quiet (what the app's retry timer does).
    async fn until(&mut self, done: impl Fn(&Device) -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !done(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out; errors: {:?}",
                self.errors
            );
            let Some(socket) = self.socket.as_mut() else {
                panic!("disconnected; errors: {:?}", self.errors);
            };
            match tokio::time::timeout(Duration::from_millis(500), socket.next()).await {
                Ok(Some(Ok(Message::Binary(frame)))) => {
                    if let Ok(ServerMsg::Ack { blob_id, .. }) = ServerMsg::decode(&frame) {
                        self.acked.insert(blob_id);
                    }
                    let out = self.client.received(&frame);
                    self.handle(out).await;
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) => {
                    self.socket = None;
                    let out = self.client.disconnected();
                    self.handle(out).await;
                }
                Err(_) => {
                    let out = self.client.retry();
                    self.handle(out).await;
                }
            }
        }
    }

    async fn synced(&mut self) {
        self.until(|d| d.client.status() == &Status::UpToDate).await;
    }

    fn view(&self) -> Vec<(String, String, String)> {
        let (mut people, _) = self.network.people();
        people.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        people
            .into_iter()
            .map(|(id, p)| (id.as_str().to_owned(), p.name, p.notes))
            .collect()
    }

    fn notes(&self, id: &str) -> String {
        self.network
            .person(&PersonId::from(id))
            .ok()
            .flatten()
            .map(|p| p.notes)
            .unwrap_or_default()
    }
}

fn person(name: &str, notes: &str) -> Person {
    Person {
        name: name.into(),
        notes: notes.into(),
        ..Person::default()
    }
}

/// Every byte the SQLite database keeps on disk (the file and its write-ahead log).
fn sqlite_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("relay.sqlite3"))
        {
            bytes.extend(std::fs::read(path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: impl AsRef<[u8]>) -> bool {
    let needle = needle.as_ref();
    haystack.windows(needle.len()).any(|w| w == needle)
}

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
        let store = server::store::Store::open(&url).await.unwrap();
        let stored: Vec<Vec<u8>> = match &store {
            server::store::Store::Sqlite { readers, .. } => {
                sqlx::query_scalar("SELECT blob_id FROM blobs")
                    .fetch_all(readers)
                    .await
                    .unwrap()
            }
            server::store::Store::Postgres(pool) => sqlx::query_scalar("SELECT blob_id FROM blobs")
                .fetch_all(pool)
                .await
                .unwrap(),
        };
        let stored: HashSet<Vec<u8>> = stored.into_iter().collect();
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
        let ServerMsg::Challenge { nonce } = exchange(
            &mut raw,
            ClientMsg::Hello {
                doc_id: keys.doc_id.0,
            },
        )
        .await
        else {
            panic!("no challenge");
        };
        let reply = exchange(
            &mut raw,
            ClientMsg::Auth {
                verifying_key: keys.verifying_key(),
                signature: keys.sign_challenge(&nonce),
            },
        )
        .await;
        assert!(matches!(reply, ServerMsg::Welcome { .. }), "{reply:?}");
        raw
    };
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

async fn exchange(socket: &mut Socket, msg: ClientMsg) -> ServerMsg {
    socket
        .send(Message::Binary(msg.encode().into()))
        .await
        .unwrap();
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => return ServerMsg::decode(&frame).unwrap(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("no reply: {other:?}"),
        }
    }
}

fn assert_error(reply: ServerMsg, expected: ErrorCode, words: &str) {
    match reply {
        ServerMsg::Error { code, message } => {
            assert_eq!(code, expected);
            assert!(message.contains(words), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

async fn assert_closed(socket: &mut Socket) {
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await {
            Ok(Some(Ok(Message::Close(_))) | None | Some(Err(_))) => return,
            Ok(Some(Ok(_))) => continue,
            Err(_) => panic!("the relay kept the connection open"),
        }
    }
}
