//! `/sync`: the relay's WebSocket endpoint, a thin shell over `app::sync::RelaySession`. It
//! runs the session's requests against the [`Store`], and hands each appended blob to the
//! document's other connections (directly within this process; through PostgreSQL's
//! LISTEN/NOTIFY from other relay processes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::crypto::DocId;
use app::sync::{Blob, ErrorCode, Limits, RelaySession, Request, ServerMsg, Snapshot};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use tokio::sync::broadcast;

use crate::store::{Store, StoreError};

/// A connection that sends nothing (not even a ping) for this long is closed.
const IDLE: Duration = Duration::from_secs(120);

/// News for a document's connections.
#[derive(Clone, Debug)]
enum Live {
    /// A blob appended through this process.
    Blob(Arc<Blob>),
    /// The log grew to this seq through another relay process.
    Seq(u64),
    /// The document was deleted.
    Deleted,
}

/// The relay: its store, its limits, and who is connected to which document.
pub struct Relay {
    store: Store,
    limits: Limits,
    /// Origins besides the site's own whose pages may open `/sync`
    /// (`COLLOQUY_ALLOWED_ORIGINS`, comma-separated, e.g. `https://colloquy.example`).
    origins: Vec<String>,
    docs: Mutex<HashMap<DocId, broadcast::Sender<Live>>>,
    started: Instant,
}

impl Relay {
    pub fn new(store: Store, limits: Limits) -> Arc<Relay> {
        let origins = std::env::var("COLLOQUY_ALLOWED_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|origin| !origin.is_empty())
            .collect();
        Arc::new(Relay {
            store,
            limits,
            origins,
            docs: Mutex::new(HashMap::new()),
            started: Instant::now(),
        })
    }

    /// Passes other relay processes' appends on to this process's connections (PostgreSQL).
    pub async fn listen_to_peers(self: Arc<Self>) -> Result<(), StoreError> {
        let Some(mut listener) = self.store.listener().await? else {
            return Ok(());
        };
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(note) => {
                        if let Some((doc, seq)) = crate::store::parse_notification(note.payload()) {
                            self.publish(&doc, Live::Seq(seq));
                        }
                    }
                    Err(e) => {
                        tracing::warn!("relay notifications: {e}; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }

    fn subscribe(&self, doc: &DocId) -> broadcast::Receiver<Live> {
        let mut docs = self.docs.lock().expect("relay map poisoned");
        docs.retain(|_, sender| sender.receiver_count() > 0);
        docs.entry(*doc)
            .or_insert_with(|| broadcast::channel(256).0)
            .subscribe()
    }

    fn publish(&self, doc: &DocId, news: Live) {
        let docs = self.docs.lock().expect("relay map poisoned");
        if let Some(sender) = docs.get(doc) {
            let _ = sender.send(news);
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

/// Upgrades `/sync` to a WebSocket with small buffers: an idle connection costs little. Pages
/// of other sites are refused before the upgrade.
pub async fn endpoint(
    State(relay): State<Arc<Relay>>,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    use axum::response::IntoResponse;
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if !origin_allowed(
        header(axum::http::header::ORIGIN),
        header(axum::http::header::HOST),
        &relay.origins,
    ) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "Pages of other sites can't use this sync server.",
        )
            .into_response();
    }
    let max = relay.limits.max_frame;
    upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        // Frames a little over the limit still arrive, so the session can refuse them with
        // its reason; far larger ones close the connection at once.
        .max_message_size(max + max / 4 + 1024)
        .on_upgrade(move |socket| connection(socket, relay))
}

async fn connection(mut socket: WebSocket, relay: Arc<Relay>) {
    let mut nonce = [0u8; 32];
    if getrandom::fill(&mut nonce).is_err() {
        return;
    }
    let mut session = RelaySession::new(relay.limits, nonce);
    let mut live: Option<broadcast::Receiver<Live>> = None;
    // Until it authenticates, a connection has a fixed time to do so, whatever it sends.
    let handshake_ends =
        tokio::time::Instant::now() + Duration::from_millis(relay.limits.handshake_ms);
    loop {
        let wait = if session.is_live() {
            IDLE
        } else {
            handshake_ends.saturating_duration_since(tokio::time::Instant::now())
        };
        let step = tokio::select! {
            frame = tokio::time::timeout(wait, socket.recv()) => match frame {
                Ok(Some(Ok(Message::Binary(frame)))) => {
                    on_frame(&relay, &mut session, &mut live, &frame).await
                }
                Ok(Some(Ok(Message::Text(_)))) => Step::Close(Some(ServerMsg::Error {
                    code: ErrorCode::BadFrame,
                    message: "The relay speaks binary frames only.".into(),
                })),
                Ok(Some(Ok(_))) => Step::Send(Vec::new()),
                Ok(Some(Err(_)) | None) | Err(_) => Step::Close(None),
            },
            news = next_live(&mut live) => on_live(&relay, &mut session, news).await,
        };
        match step {
            Step::Send(messages) => {
                for msg in messages {
                    if socket.send(binary(&msg)).await.is_err() {
                        return;
                    }
                }
            }
            Step::Close(last) => {
                if let Some(msg) = last {
                    let _ = socket.send(binary(&msg)).await;
                }
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}

enum Step {
    Send(Vec<ServerMsg>),
    Close(Option<ServerMsg>),
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
    let msg = match news {
        Ok(Live::Blob(blob)) => session.live_blob(&blob),
        Ok(Live::Seq(seq)) => session.live_seq(seq),
        Ok(Live::Deleted) => Some(ServerMsg::Deleted),
        // Fell behind: tell the device the newest seq; it asks for what it misses.
        Err(broadcast::error::RecvError::Lagged(_)) => match session.doc() {
            Some(doc) => match relay.store.latest(&doc).await {
                Ok(latest) => session.live_seq(latest),
                Err(_) => None,
            },
            None => None,
        },
        Err(broadcast::error::RecvError::Closed) => None,
    };
    Step::Send(msg.into_iter().collect())
}

async fn on_frame(
    relay: &Relay,
    session: &mut RelaySession,
    live: &mut Option<broadcast::Receiver<Live>>,
    frame: &[u8],
) -> Step {
    let mut request = session.on_frame(frame, relay.now());
    let mut out = Vec::new();
    loop {
        match request {
            Request::Nothing => return Step::Send(out),
            Request::Reply(msg) => {
                out.push(msg);
                return Step::Send(out);
            }
            Request::Refuse(msg) => return Step::Close(Some(msg)),
            Request::CheckKey { doc, key } => match relay.store.check_key(&doc, &key).await {
                Ok((matched, latest)) => {
                    if matched {
                        // Listen before welcoming: no append can slip between.
                        *live = Some(relay.subscribe(&doc));
                    }
                    request = session.key_checked(matched, latest);
                }
                Err(e) => return internal(e),
            },
            Request::Read { doc, since } => {
                match relay.store.read(&doc, since, &relay.limits).await {
                    Ok(page) => {
                        out.push(session.page(page));
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
                return match relay.store.append(&doc, &blob_id, &sealed, &relay.limits).await {
                    Ok((seq, fresh)) => {
                        out.push(session.appended(blob_id, seq));
                        if fresh {
                            relay.publish(
                                &doc,
                                Live::Blob(Arc::new(Blob {
                                    seq,
                                    blob_id,
                                    sealed,
                                })),
                            );
                        }
                        Step::Send(out)
                    }
                    Err(StoreError::Quota) => Step::Send(vec![ServerMsg::Error {
                        code: ErrorCode::QuotaExceeded,
                        message: format!(
                            "Your network has reached the relay's limit of {} MB; it is still saved on this device.",
                            relay.limits.max_doc_bytes >> 20
                        ),
                    }]),
                    Err(StoreError::Gone) => Step::Close(Some(ServerMsg::Deleted)),
                    Err(e) => internal(e),
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
                return match relay.store.put_snapshot(&doc, snapshot).await {
                    Ok(_) => Step::Send(vec![ServerMsg::SnapshotStored { covers }]),
                    Err(e) => internal(e),
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
    use super::origin_allowed;

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
