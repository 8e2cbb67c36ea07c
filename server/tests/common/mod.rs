//! What the relay's tests share: scratch directories, the relay in this process or as its own
//! process, and devices that sync through it over real WebSockets.
#![allow(dead_code)]

pub use std::collections::HashSet;
pub use std::net::SocketAddr;
pub use std::path::{Path, PathBuf};
pub use std::time::Duration;

pub use app::crypto::RootSecret;
pub use app::doc::Network;
pub use app::domain::{Person, PersonId};
pub use app::sync::{
    BlobId, ClientMsg, ErrorCode, Limits, Output, Persisted, ServerMsg, Status, SyncClient,
};
pub use futures_util::{SinkExt, StreamExt};
pub use tokio::net::TcpListener;
pub use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Long enough for a busy machine; every wait ends as soon as its condition holds.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A scratch directory for one test, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
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
pub fn databases(scratch: &Scratch) -> Vec<String> {
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
pub struct InProcess {
    pub addr: SocketAddr,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn relay_in_process(url: &str, limits: Limits) -> InProcess {
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
pub struct Process {
    pub child: tokio::process::Child,
    pub addr: SocketAddr,
}

pub async fn relay_process(url: &str, data: &Path, port: u16) -> Process {
    relay_process_with(url, data, port, &[], None).await
}

/// The server binary with settings of its own (`COLLOQUY_…` variables) and, if given, a limit
/// on its open files (soft and hard, so it can't raise it).
pub async fn relay_process_with(
    url: &str,
    data: &Path,
    port: u16,
    settings: &[(&str, &str)],
    descriptors: Option<u64>,
) -> Process {
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command.envs(settings.iter().copied());
    if let Some(n) = descriptors {
        // SAFETY: only setrlimit runs between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: n,
                    rlim_max: n,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let child = command
        .env("COLLOQUY_ADDR", addr.to_string())
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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn socket(addr: SocketAddr) -> Socket {
    tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
        .await
        .unwrap()
        .0
}

/// The ids of every blob stored in the relay's database at `url`.
pub async fn stored_blob_ids(url: &str) -> HashSet<Vec<u8>> {
    let query = "SELECT blob_id FROM blobs";
    let ids: Vec<Vec<u8>> = match server::store::Store::open(url).await.unwrap() {
        server::store::Store::Sqlite { readers, .. } => {
            sqlx::query_scalar(query).fetch_all(&readers).await.unwrap()
        }
        server::store::Store::Postgres { pool, .. } => {
            sqlx::query_scalar(query).fetch_all(&pool).await.unwrap()
        }
    };
    ids.into_iter().collect()
}

/// A figure of the relay's `/metrics`.
pub async fn metric(addr: SocketAddr, name: &str) -> u64 {
    let text = http_get(addr, "/metrics").await.1;
    server::metrics::read(&text, name).unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

/// A plain HTTP/1.1 GET: the status and the body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut raw))
        .await
        .expect("an answer")
        .unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    (status, body)
}

/// A device: its network, its sync client, and a socket to the relay.
pub struct Device {
    pub network: Network,
    pub client: SyncClient,
    pub pushed: Vec<automerge::ChangeHash>,
    pub socket: Option<Socket>,
    pub acked: HashSet<BlobId>,
    pub errors: Vec<String>,
    /// Every push, before and after sealing.
    pub plain: Vec<u8>,
    pub sealed: Vec<Vec<u8>>,
}

impl Device {
    pub fn new(secret: &RootSecret) -> Device {
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

    pub async fn connect(&mut self, addr: SocketAddr) {
        self.connect_to(&format!("ws://{addr}/sync")).await;
    }

    /// Connects to the relay at `url` (`ws://…/sync?invite=…`, say).
    pub async fn connect_to(&mut self, url: &str) {
        self.socket = Some(tokio_tungstenite::connect_async(url).await.unwrap().0);
        let out = self.client.connected();
        self.handle(out).await;
    }

    pub async fn handle(&mut self, outputs: Vec<Output>) {
        let mut outputs = std::collections::VecDeque::from(outputs);
        while let Some(output) = outputs.pop_front() {
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
                // The relay lost what it had: the whole network goes again.
                Output::ResendAll => {
                    let document = self.network.save();
                    outputs.extend(self.client.push(&document));
                }
                Output::Status(Status::Error(e) | Status::Closed(e)) => self.errors.push(e),
                Output::Status(_) => {}
            }
        }
    }

    pub async fn put(&mut self, id: &str, person: &Person) {
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

    pub async fn append_note(&mut self, id: &str, text: &str) {
        let mut person = self.network.person(&PersonId::from(id)).unwrap().unwrap();
        person.notes.push_str(text);
        self.put(id, &person).await;
    }

    /// Takes frames from the relay until `done` holds; resends unacknowledged pushes when the
    /// relay goes quiet (what the app's retry timer does).
    pub async fn until(&mut self, done: impl Fn(&Device) -> bool) {
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

    pub async fn synced(&mut self) {
        self.until(|d| d.client.status() == &Status::UpToDate).await;
    }

    pub fn view(&self) -> Vec<(String, String, String)> {
        let (mut people, _) = self.network.people();
        people.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        people
            .into_iter()
            .map(|(id, p)| (id.as_str().to_owned(), p.name, p.notes))
            .collect()
    }

    pub fn notes(&self, id: &str) -> String {
        self.network
            .person(&PersonId::from(id))
            .ok()
            .flatten()
            .map(|p| p.notes)
            .unwrap_or_default()
    }
}

pub fn person(name: &str, notes: &str) -> Person {
    Person {
        name: name.into(),
        notes: notes.into(),
        ..Person::default()
    }
}

/// Every byte the SQLite database keeps on disk (the file and its write-ahead log).
pub fn sqlite_bytes(dir: &Path) -> Vec<u8> {
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

pub fn contains(haystack: &[u8], needle: impl AsRef<[u8]>) -> bool {
    let needle = needle.as_ref();
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub async fn exchange(socket: &mut Socket, msg: ClientMsg) -> ServerMsg {
    socket
        .send(Message::Binary(msg.encode().into()))
        .await
        .unwrap();
    reply(socket).await
}

/// The relay's next message on `socket`.
pub async fn reply(socket: &mut Socket) -> ServerMsg {
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => return ServerMsg::decode(&frame).unwrap(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("no reply: {other:?}"),
        }
    }
}

pub fn assert_error(reply: ServerMsg, expected: ErrorCode, words: &str) {
    match reply {
        ServerMsg::Error { code, message } => {
            assert_eq!(code, expected);
            assert!(message.contains(words), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

pub async fn assert_closed(socket: &mut Socket) {
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await {
            Ok(Some(Ok(Message::Close(_))) | None | Some(Err(_))) => return,
            Ok(Some(Ok(_))) => continue,
            Err(_) => panic!("the relay kept the connection open"),
        }
    }
}

/// A device's handshake on a raw socket: Hello, then Auth with its keys.
pub async fn authenticate(raw: &mut Socket, keys: &app::crypto::Keys) -> ServerMsg {
    let ServerMsg::Challenge { nonce } = exchange(
        raw,
        ClientMsg::Hello {
            doc_id: keys.doc_id.0,
        },
    )
    .await
    else {
        panic!("no challenge");
    };
    exchange(
        raw,
        ClientMsg::Auth {
            verifying_key: keys.verifying_key(),
            signature: keys.sign_challenge(&nonce),
        },
    )
    .await
}
