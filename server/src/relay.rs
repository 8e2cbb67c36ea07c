//! `/sync`: the relay's WebSocket endpoint, a thin shell over `app::sync::RelaySession`. It
//! runs the session's requests against the [`Store`], and hands each appended blob to the
//! document's other connections (directly within this process; through PostgreSQL's
//! LISTEN/NOTIFY from other relay processes).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::crypto::DocId;
use app::sync::relay::Bucket;
use app::sync::{Blob, ErrorCode, Limits, RelaySession, Request, ServerMsg, Snapshot};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tokio::sync::broadcast;

use crate::gate::{Conn, Peer};
use crate::metrics::{Metrics, Refusal};
use crate::store::{Grant, KeyCheck, Store, StoreError};

/// A connection that sends nothing (not even a ping) for this long is closed.
const IDLE: Duration = Duration::from_secs(120);

/// A device that takes in nothing of what was sent to it for this long isn't reading: it is
/// dropped rather than left holding what was to be sent to it (in the relay's memory while a
/// send waits, in the kernel's once the send is done).
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// Blobs up to this size travel to a network's other connections with the news; larger ones
/// are read from the store by whoever needs them, so what waits in a network's channel stays
/// small.
const INLINE_LIVE: usize = 16 << 10;

/// News a network's channel holds for its slowest device (at about 80 bytes a slot, 256 slots
/// were the largest part of an idle connection's memory).
const LIVE_SLOTS: usize = 32;

/// News for a document's connections.
#[derive(Clone, Debug)]
enum Live {
    /// A blob appended through this process, and when its push arrived.
    Blob(Arc<Blob>, Instant),
    /// The log grew to this seq (through another relay process, or a blob too large to pass
    /// around), and when the push arrived if it came through this process.
    Seq(u64, Option<Instant>),
    /// The document was deleted.
    Deleted,
}

/// Who may start a new network on the relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Creation {
    /// Anyone (within the per-address rate).
    Open,
    /// No one: only networks already at the relay sync.
    Closed,
    /// A device with an invite code the operator made (`server invite`).
    Invite,
}

impl std::fmt::Display for Creation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Creation::Open => "open",
            Creation::Closed => "closed",
            Creation::Invite => "by invite",
        })
    }
}

/// What an operator decides about the relay.
#[derive(Clone, Debug)]
pub struct Settings {
    pub limits: Limits,
    pub creation: Creation,
    /// Origins besides the site's own whose pages may open `/sync`, e.g.
    /// `https://colloquy.example`.
    pub origins: Vec<String>,
}

/// The relay: its store, its limits, and who is connected to which document.
pub struct Relay {
    store: Store,
    limits: Limits,
    creation: Creation,
    origins: Vec<String>,
    docs: Mutex<HashMap<DocId, broadcast::Sender<Live>>>,
    /// Per address, the networks it may still create.
    creations: Mutex<HashMap<IpAddr, Bucket>>,
    metrics: Arc<Metrics>,
    started: Instant,
    /// Set when the server is shutting down: every connection closes with "going away".
    stopping: tokio::sync::watch::Sender<bool>,
    epoch: tokio::sync::OnceCell<crate::schema::Epoch>,
}

impl Relay {
    /// A relay open to new networks, for this site's pages only.
    pub fn new(store: Store, limits: Limits) -> Arc<Relay> {
        Relay::with_settings(
            store,
            Settings {
                limits,
                creation: Creation::Open,
                origins: Vec::new(),
            },
        )
    }

    pub fn with_settings(store: Store, settings: Settings) -> Arc<Relay> {
        let origins = settings
            .origins
            .iter()
            .map(|origin| origin.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|origin| !origin.is_empty())
            .collect();
        Arc::new(Relay {
            store,
            limits: settings.limits,
            creation: settings.creation,
            origins,
            docs: Mutex::new(HashMap::new()),
            creations: Mutex::new(HashMap::new()),
            metrics: Arc::new(Metrics::default()),
            started: Instant::now(),
            stopping: tokio::sync::watch::channel(false).0,
            epoch: tokio::sync::OnceCell::new(),
        })
    }

    /// Closes every sync connection with "going away" (devices reconnect to the next relay
    /// process); new ones are refused from now on.
    pub fn go_away(&self) {
        self.stopping.send_replace(true);
    }

    /// The store's epoch, read once.
    async fn epoch(&self) -> Result<crate::schema::Epoch, StoreError> {
        self.epoch
            .get_or_try_init(|| self.store.epoch())
            .await
            .copied()
    }

    /// Whether the relay can take pushes: not shutting down, and its store writable.
    pub async fn ready(&self) -> Result<(), String> {
        if *self.stopping.borrow() {
            return Err("shutting down".into());
        }
        self.store.probe().await.map_err(|e| e.to_string())
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Passes other relay processes' appends on to this process's connections (PostgreSQL).
    /// When the listening connection drops, notices sent meanwhile are lost: once it is back,
    /// every network with devices here is told its latest seq, and they catch up from it.
    pub async fn listen_to_peers(self: Arc<Self>) -> Result<(), StoreError> {
        let Some(mut listener) = self.store.listener().await? else {
            return Ok(());
        };
        tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(note)) => {
                        if let Some((doc, seq)) = crate::store::parse_notification(note.payload()) {
                            self.publish(&doc, Live::Seq(seq, None));
                        }
                    }
                    // Lost: listen again on a new connection, then catch up on what was missed.
                    lost => {
                        if let Err(e) = lost {
                            tracing::warn!("relay notifications: {e}");
                        }
                        tracing::warn!("relay notifications: connection lost; reconnecting");
                        listener = loop {
                            match self.store.listener().await {
                                Ok(Some(listener)) => break listener,
                                Ok(None) => return,
                                Err(e) => {
                                    tracing::warn!("relay notifications: {e}; retrying");
                                    tokio::time::sleep(Duration::from_millis(500)).await;
                                }
                            }
                        };
                        self.metrics.listener_reconnected();
                        self.catch_up().await;
                    }
                }
            }
        });
        Ok(())
    }

    /// Tells every network with devices here its latest seq.
    async fn catch_up(&self) {
        let docs: Vec<DocId> = self
            .docs
            .lock()
            .expect("relay map poisoned")
            .keys()
            .copied()
            .collect();
        for doc in docs {
            if let Ok(latest) = self.store.latest(&doc).await {
                self.publish(&doc, Live::Seq(latest, None));
            }
        }
    }

    /// Listens to a network's news, unless it has as many devices connected as it may.
    fn subscribe(&self, doc: &DocId) -> Option<broadcast::Receiver<Live>> {
        let mut docs = self.docs.lock().expect("relay map poisoned");
        docs.retain(|_, sender| sender.receiver_count() > 0);
        let sender = docs
            .entry(*doc)
            // Each slot costs memory for as long as the network has a device connected; a device
            // that falls further behind is told the newest seq and reads the rest from the store.
            .or_insert_with(|| broadcast::channel(LIVE_SLOTS).0);
        (sender.receiver_count() < self.limits.devices_per_network).then(|| sender.subscribe())
    }

    fn publish(&self, doc: &DocId, news: Live) {
        let docs = self.docs.lock().expect("relay map poisoned");
        if let Some(sender) = docs.get(doc) {
            let _ = sender.send(news);
        }
    }

    /// Takes one of `ip`'s network creations, if it has one left; see [`Relay::not_created`].
    fn may_create(&self, ip: IpAddr) -> bool {
        let now = self.now();
        let per_hour = u64::from(self.limits.networks_per_hour);
        let mut creations = self.creations.lock().expect("relay map poisoned");
        if creations.len() > 100_000 {
            // Forget addresses whose allowance is whole again.
            creations.retain(|_, bucket| !bucket.is_full(now));
        }
        let bucket = creations
            .entry(ip)
            .or_insert_with(|| Bucket::per_hour(per_hour, now));
        let allowed = bucket.has(1, now);
        if allowed {
            bucket.take(1, now);
        }
        allowed
    }

    /// Gives back a creation taken for a network that existed already.
    fn not_created(&self, ip: IpAddr) {
        let mut creations = self.creations.lock().expect("relay map poisoned");
        if let Some(bucket) = creations.get_mut(&ip) {
            bucket.give(1);
        }
    }

    fn now(&self) -> i64 {
        self.started.elapsed().as_millis() as i64
    }
}

/// Whether a page from `origin` may open `/sync` on the site reached as `host`: the site's
/// own pages, and the configured origins. Browsers always send the origin of a WebSocket;
/// devices that aren't pages (and send none) prove themselves by the network's key anyway.
fn origin_allowed(origin: Option<&str>, host: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let own = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .zip(host)
        .is_some_and(|(origin_host, host)| origin_host == host.trim().to_ascii_lowercase());
    own || allowed.contains(&origin)
}

/// `/metrics`, for the machine itself (a scraper on loopback, or through a proxy the
/// operator configures): counts in Prometheus' text format.
pub async fn metrics(State(relay): State<Arc<Relay>>, peer: Option<Extension<Peer>>) -> Response {
    let local = peer.is_none_or(|Extension(Peer(conn))| conn.ip.is_loopback());
    if !local {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        relay.metrics.render(relay.store.sizes().await),
    )
        .into_response()
}

/// `/healthz`: the process is up and answering.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `/readyz`: the relay can take pushes (its store writable, not shutting down); 503 with the
/// reason when it can't.
pub async fn readyz(State(relay): State<Arc<Relay>>) -> Response {
    match tokio::time::timeout(Duration::from_secs(5), relay.ready()).await {
        Ok(Ok(())) => "ready\n".into_response(),
        Ok(Err(why)) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("{why}\n"),
        )
            .into_response(),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the store did not answer within 5 s\n",
        )
            .into_response(),
    }
}

/// Upgrades `/sync` to a WebSocket with small buffers: an idle connection costs little. Pages
/// of other sites are refused before the upgrade; until the device has authenticated, its
/// socket may read only a handshake's worth of bytes.
pub async fn endpoint(
    State(relay): State<Arc<Relay>>,
    peer: Option<Extension<Peer>>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    // `?invite=…`: the code a device starts a new network with, where the relay asks for one.
    let invite = uri.query().and_then(|query| {
        query.split('&').find_map(|pair| {
            let code = pair.strip_prefix("invite=")?;
            (!code.is_empty() && code.len() <= 64).then(|| crate::store::invite_hash(code))
        })
    });
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    // HTTP/2 names the host in the request's authority rather than a Host header.
    let host = header(axum::http::header::HOST).or(uri.authority().map(|a| a.as_str()));
    if !origin_allowed(header(axum::http::header::ORIGIN), host, &relay.origins) {
        relay.metrics.refused(Refusal::Origin);
        return (
            axum::http::StatusCode::FORBIDDEN,
            "Pages of other sites can't use this sync server.",
        )
            .into_response();
    }
    if *relay.stopping.borrow() {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "The sync server is restarting; try again in a moment.",
        )
            .into_response();
    }
    let conn = peer.map(|Extension(Peer(conn))| conn);
    // The WebSocket is the connection's only stream (the server doesn't offer WebSockets over
    // HTTP/2): until it authenticates, the connection reads no more than a handshake takes.
    if let Some(conn) = &conn {
        conn.limit_reads(relay.limits.handshake_bytes);
    }
    let max = relay.limits.max_frame;
    upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        // Frames a little over the limit still arrive, so the session can refuse them with
        // its reason; far larger ones close the connection at once.
        .max_message_size(max + max / 4 + 1024)
        .on_upgrade(move |socket| connection(socket, relay, conn, invite))
}

/// Counts a sync connection while it lives.
struct Open(Arc<Metrics>);

impl Open {
    fn new(metrics: Arc<Metrics>) -> Open {
        metrics.sync_connection(true);
        Open(metrics)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.sync_connection(false);
    }
}

async fn connection(
    mut socket: WebSocket,
    relay: Arc<Relay>,
    conn: Option<Arc<Conn>>,
    invite: Option<[u8; 32]>,
) {
    let _open = Open::new(relay.metrics.clone());
    let mut nonce = [0u8; 32];
    if getrandom::fill(&mut nonce).is_err() {
        return;
    }
    let ip = conn
        .as_ref()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.ip);
    let mut session = RelaySession::new(relay.limits, nonce, relay.now());
    let mut live: Option<broadcast::Receiver<Live>> = None;
    let mut reads_unlimited = false;
    // Until it authenticates, a connection has a fixed time to do so, whatever it sends.
    let handshake_ends =
        tokio::time::Instant::now() + Duration::from_millis(relay.limits.handshake_ms);
    // Whether what was sent is being taken in: checked every few seconds.
    let mut reading = tokio::time::interval(SEND_TIMEOUT / 5);
    reading.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stuck: Option<(tokio::time::Instant, u64)> = None;
    let mut stopping = relay.stopping.subscribe();
    loop {
        let authenticated = session.is_live();
        if authenticated && !reads_unlimited {
            if let Some(conn) = &conn {
                conn.unlimit_reads();
            }
            reads_unlimited = true;
        }
        let wait = if authenticated {
            IDLE
        } else {
            handshake_ends.saturating_duration_since(tokio::time::Instant::now())
        };
        // Past its rate, the connection's next frame waits (its bytes stay in the network's
        // buffers, and the device slows down); news for it still goes out.
        let throttle = Duration::from_millis(session.ready_in(relay.now()));
        let step = tokio::select! {
            frame = tokio::time::timeout(wait, socket.recv()), if throttle.is_zero() => match frame {
                Ok(Some(Ok(Message::Binary(frame)))) => {
                    // Boxed: the store's futures are large, and an idle connection shouldn't
                    // carry room for them.
                    Box::pin(on_frame(&relay, ip, invite, &mut session, &mut live, &frame)).await
                }
                Ok(Some(Ok(Message::Text(_)))) => {
                    relay.metrics.refused(Refusal::Frame);
                    Step::Close(Some(ServerMsg::Error {
                        code: ErrorCode::BadFrame,
                        message: "The relay speaks binary frames only.".into(),
                    }))
                }
                Ok(Some(Ok(_))) => Step::Send(Vec::new()),
                Ok(Some(Err(_)) | None) => {
                    if !authenticated {
                        relay.metrics.refused(Refusal::HandshakeBytes);
                    }
                    Step::Close(None)
                }
                Err(_) => {
                    if !authenticated {
                        relay.metrics.refused(Refusal::Handshake);
                    }
                    Step::Close(None)
                }
            },
            () = tokio::time::sleep(throttle), if !throttle.is_zero() => Step::Send(Vec::new()),
            now = reading.tick(), if conn.is_some() => {
                let sending = conn.as_ref().and_then(|c| c.sending()).unwrap_or_default();
                stuck = still_stuck(stuck, sending, now);
                match stuck {
                    Some((since, _)) if now - since >= SEND_TIMEOUT => {
                        relay.metrics.refused(Refusal::SlowReader);
                        return;
                    }
                    _ => Step::Send(Vec::new()),
                }
            }
            news = next_live(&mut live) => Box::pin(on_live(&relay, &mut session, news)).await,
            () = until_stopping(&mut stopping) => Step::GoAway,
        };
        match step {
            Step::Send(messages) => {
                for msg in messages {
                    if !send(&mut socket, &msg, &relay.metrics).await {
                        return;
                    }
                }
            }
            Step::Close(last) => {
                if let Some(msg) = last {
                    if !send(&mut socket, &msg, &relay.metrics).await {
                        return;
                    }
                }
                let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(None))).await;
                return;
            }
            Step::GoAway => {
                let close = axum::extract::ws::CloseFrame {
                    code: axum::extract::ws::close_code::AWAY,
                    reason: "The sync server is restarting.".into(),
                };
                let _ = tokio::time::timeout(
                    Duration::from_secs(1),
                    socket.send(Message::Close(Some(close))),
                )
                .await;
                return;
            }
        }
    }
}

/// Since when a connection has had something waiting to be sent that the device doesn't take
/// (and what it had taken then), given what it was before and the socket's counts now.
fn still_stuck<T: Copy>(
    stuck: Option<(T, u64)>,
    sending: crate::gate::Sending,
    now: T,
) -> Option<(T, u64)> {
    match stuck {
        // Something waits and the device has taken nothing since: still stuck. (A device
        // reading a steady stream always has something waiting; what tells it from a stuck one
        // is that it takes some.)
        Some((since, acked)) if sending.unsent > 0 && sending.acked == acked => {
            Some((since, acked))
        }
        _ if sending.unsent > 0 => Some((now, sending.acked)),
        _ => None,
    }
}

/// Resolves once the server is shutting down.
async fn until_stopping(stopping: &mut tokio::sync::watch::Receiver<bool>) {
    let stopped = stopping.wait_for(|stop| *stop).await.is_ok();
    if !stopped {
        std::future::pending::<()>().await;
    }
}

/// Sends one frame, giving up on a device that doesn't take it in within [`SEND_TIMEOUT`].
async fn send(socket: &mut WebSocket, msg: &ServerMsg, metrics: &Metrics) -> bool {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(binary(msg))).await {
        Ok(sent) => sent.is_ok(),
        Err(_) => {
            metrics.refused(Refusal::SlowReader);
            false
        }
    }
}

enum Step {
    Send(Vec<ServerMsg>),
    Close(Option<ServerMsg>),
    /// The server is shutting down.
    GoAway,
}

fn binary(msg: &ServerMsg) -> Message {
    Message::Binary(msg.encode().into())
}

async fn next_live(
    live: &mut Option<broadcast::Receiver<Live>>,
) -> Result<Live, broadcast::error::RecvError> {
    match live {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

async fn on_live(
    relay: &Relay,
    session: &mut RelaySession,
    news: Result<Live, broadcast::error::RecvError>,
) -> Step {
    let (msg, arrived) = match news {
        Ok(Live::Blob(blob, arrived)) => (session.live_blob(&blob), Some(arrived)),
        Ok(Live::Seq(seq, arrived)) => (session.live_seq(seq), arrived),
        Ok(Live::Deleted) => return Step::Close(Some(ServerMsg::Deleted)),
        // Fell behind: tell the device the newest seq; it asks for what it misses.
        Err(broadcast::error::RecvError::Lagged(_)) => match session.doc() {
            Some(doc) => match relay.store.latest(&doc).await {
                Ok(latest) => (session.live_seq(latest), None),
                Err(_) => (None, None),
            },
            None => (None, None),
        },
        Err(broadcast::error::RecvError::Closed) => (None, None),
    };
    if let (Some(_), Some(arrived)) = (&msg, arrived) {
        relay.metrics.delivered(arrived.elapsed());
    }
    Step::Send(msg.into_iter().collect())
}

fn refuse(relay: &Relay, why: Refusal, code: ErrorCode, message: String) -> Step {
    relay.metrics.refused(why);
    Step::Close(Some(ServerMsg::Error { code, message }))
}

/// The error a push or snapshot gets when the store has no room for it; the connection stays.
fn no_room(relay: &Relay, e: &StoreError) -> Option<ServerMsg> {
    let message = match e {
        StoreError::Quota => {
            relay.metrics.refused(Refusal::Quota);
            format!(
                "Your network has reached the sync server's limit of {} MB; it is still saved on this device.",
                relay.limits.max_doc_bytes >> 20
            )
        }
        StoreError::Disk => {
            relay.metrics.refused(Refusal::Disk);
            "The sync server is out of space; your changes are saved on this device and will sync once it has room.".into()
        }
        _ => return None,
    };
    Some(ServerMsg::Error {
        code: ErrorCode::QuotaExceeded,
        message,
    })
}

async fn on_frame(
    relay: &Relay,
    ip: IpAddr,
    invite: Option<[u8; 32]>,
    session: &mut RelaySession,
    live: &mut Option<broadcast::Receiver<Live>>,
    frame: &[u8],
) -> Step {
    let arrived = Instant::now();
    let mut request = session.on_frame(frame, relay.now());
    let mut out = Vec::new();
    loop {
        match request {
            Request::Nothing => return Step::Send(out),
            Request::Reply(msg) => {
                if matches!(
                    msg,
                    ServerMsg::Error {
                        code: ErrorCode::RateLimited,
                        ..
                    }
                ) {
                    relay.metrics.refused(Refusal::Rate);
                }
                out.push(msg);
                return Step::Send(out);
            }
            Request::Refuse(msg) => {
                let why = match &msg {
                    ServerMsg::Error {
                        code: ErrorCode::Unauthorized,
                        ..
                    } => Refusal::Unauthorized,
                    _ => Refusal::Frame,
                };
                relay.metrics.refused(why);
                return Step::Close(Some(msg));
            }
            Request::CheckKey { doc, key } => {
                let grant = match (relay.creation, invite) {
                    (Creation::Closed, _) | (Creation::Invite, None) => Grant::No,
                    (Creation::Open, _) if relay.may_create(ip) => Grant::Yes,
                    (Creation::Invite, Some(code)) if relay.may_create(ip) => Grant::Invite(code),
                    _ => Grant::No,
                };
                let checked = relay.store.check_key(&doc, &key, grant).await;
                if grant != Grant::No && !matches!(checked, Ok(KeyCheck::Created)) {
                    relay.not_created(ip);
                }
                let (matched, latest) = match checked {
                    Ok(KeyCheck::Matches(latest)) => (true, latest),
                    Ok(KeyCheck::Created) => (true, 0),
                    Ok(KeyCheck::Differs) => (false, 0),
                    Ok(KeyCheck::Unknown) => {
                        let (code, message) = match (relay.creation, grant, invite) {
                            (Creation::Closed, ..) => (
                                ErrorCode::Closed,
                                "This sync server doesn't take new networks.".to_owned(),
                            ),
                            (Creation::Invite, _, None) => (
                                ErrorCode::Closed,
                                "This sync server starts new networks only with an invite code from whoever runs it.".to_owned(),
                            ),
                            (Creation::Invite, Grant::Invite(_), Some(_)) => (
                                ErrorCode::Closed,
                                "That invite code isn't valid, or has been used up; ask whoever runs the sync server for another.".to_owned(),
                            ),
                            // Out of this address's allowance.
                            _ => (
                                ErrorCode::RateLimited,
                                format!(
                                    "This address has started {} networks on the sync server in the last hour; try again later.",
                                    relay.limits.networks_per_hour
                                ),
                            ),
                        };
                        return refuse(relay, Refusal::NewNetworks, code, message);
                    }
                    Ok(KeyCheck::Deleted) => {
                        relay.metrics.refused(Refusal::Deleted);
                        return Step::Close(Some(ServerMsg::Deleted));
                    }
                    Err(e) => return internal(e),
                };
                if matched {
                    // Listen before welcoming: no append can slip between.
                    match relay.subscribe(&doc) {
                        Some(receiver) => *live = Some(receiver),
                        None => {
                            return refuse(
                                relay,
                                Refusal::DevicesPerNetwork,
                                ErrorCode::RateLimited,
                                format!(
                                    "{} devices are already syncing this network; close it on one of them and try again.",
                                    relay.limits.devices_per_network
                                ),
                            )
                        }
                    }
                }
                let epoch = match relay.epoch().await {
                    Ok(epoch) => epoch,
                    Err(e) => return internal(e),
                };
                request = session.key_checked(matched, latest, epoch);
            }
            Request::Read { doc, since } => {
                match relay.store.read(&doc, since, &relay.limits).await {
                    Ok(page) => {
                        out.push(session.page(page, relay.now()));
                        return Step::Send(out);
                    }
                    Err(e) => return internal(e),
                }
            }
            Request::Append {
                doc,
                blob_id,
                sealed,
            } => {
                return match relay
                    .store
                    .append(&doc, &blob_id, &sealed, &relay.limits)
                    .await
                {
                    Ok((seq, fresh)) => {
                        out.push(session.appended(blob_id, seq));
                        if fresh {
                            relay.metrics.pushed();
                            let news = if sealed.len() <= INLINE_LIVE {
                                Live::Blob(
                                    Arc::new(Blob {
                                        seq,
                                        blob_id,
                                        sealed,
                                    }),
                                    arrived,
                                )
                            } else {
                                Live::Seq(seq, Some(arrived))
                            };
                            relay.publish(&doc, news);
                        }
                        Step::Send(out)
                    }
                    Err(StoreError::Gone) => Step::Close(Some(ServerMsg::Deleted)),
                    Err(e) => match no_room(relay, &e) {
                        Some(msg) => Step::Send(vec![msg]),
                        None => internal(e),
                    },
                };
            }
            Request::PutSnapshot {
                doc,
                blob_id,
                covers,
                sealed,
            } => {
                let snapshot = Snapshot {
                    blob_id,
                    covers,
                    sealed,
                };
                return match relay
                    .store
                    .put_snapshot(&doc, snapshot, &relay.limits)
                    .await
                {
                    Ok(_) => Step::Send(vec![ServerMsg::SnapshotStored { covers }]),
                    Err(e) => match no_room(relay, &e) {
                        Some(msg) => Step::Send(vec![msg]),
                        None => internal(e),
                    },
                };
            }
            Request::Delete { doc } => {
                return match relay.store.delete(&doc).await {
                    Ok(()) => {
                        relay.publish(&doc, Live::Deleted);
                        Step::Close(Some(ServerMsg::Deleted))
                    }
                    Err(e) => internal(e),
                };
            }
        }
    }
}

fn internal(e: StoreError) -> Step {
    tracing::error!("relay store: {e}");
    Step::Close(Some(ServerMsg::Error {
        code: ErrorCode::Internal,
        message: "The relay couldn't reach its storage; try again shortly.".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::{origin_allowed, still_stuck};
    use crate::gate::Sending;

    fn sending(unsent: u64, acked: u64) -> Sending {
        Sending { unsent, acked }
    }

    #[test]
    fn a_device_reading_a_steady_stream_is_never_stuck_for_long() {
        // Each tick something waits (more than before), but the device took some.
        let mut stuck = None;
        for tick in 0..10u64 {
            stuck = still_stuck(stuck, sending(1000 + tick, tick * 500), tick);
            assert_eq!(stuck.map(|(since, _)| since), Some(tick));
        }
    }

    #[test]
    fn a_device_that_takes_nothing_is_stuck_since_it_stopped() {
        let mut stuck = None;
        for tick in 0..5u64 {
            stuck = still_stuck(stuck, sending(4096, 700), tick);
        }
        assert_eq!(stuck, Some((0, 700)));
        // Once it all went out, nothing waits.
        assert_eq!(still_stuck(stuck, sending(0, 4796), 5), None);
    }

    #[test]
    fn only_the_sites_own_pages_and_configured_origins_may_sync() {
        let allowed = vec!["https://colloquy.example".to_owned()];
        let host = Some("relay.example:8443");
        assert!(origin_allowed(None, host, &allowed));
        assert!(origin_allowed(
            Some("https://relay.example:8443"),
            host,
            &[]
        ));
        assert!(origin_allowed(
            Some("HTTPS://Relay.Example:8443/"),
            host,
            &[]
        ));
        assert!(origin_allowed(
            Some("https://colloquy.example"),
            host,
            &allowed
        ));
        for hostile in [
            "https://evil.example",
            "https://relay.example",
            "https://relay.example:8443.evil.example",
            "null",
            "",
        ] {
            assert!(!origin_allowed(Some(hostile), host, &allowed), "{hostile}");
        }
        assert!(!origin_allowed(
            Some("https://relay.example:8443"),
            None,
            &[]
        ));
    }
}
