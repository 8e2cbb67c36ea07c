//! The front door: every TCP connection is admitted here before HTTP sees it, and its socket
//! carries a [`Conn`] that the relay reads and tightens.
//!
//! A connection must send its first request's headers within `header_timeout`; until it has,
//! it is "waiting", and waiting connections are the first to go when the server or one address
//! is at its cap: a flood of silent or half-sent connections pushes out its own oldest members,
//! never a connection that is being served. The caps are set below the process's descriptor
//! limit, so `accept` never runs out of descriptors.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

use crate::metrics::{Metrics, Refusal};

/// How many connections the server keeps, and for how long before they ask for something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateLimits {
    /// Open connections in all.
    pub max_connections: usize,
    /// Open connections from one address.
    pub max_per_ip: usize,
    /// Time from accepting a connection to its first request's headers (and, between
    /// requests, the time to send the next one's).
    pub header_timeout: Duration,
    /// On shutdown, how long open connections may take to finish.
    pub grace: Duration,
}

/// Descriptors kept back from the connection cap: the listener, the store's files, the
/// writer's, logs.
const RESERVED_DESCRIPTORS: usize = 64;

impl GateLimits {
    /// Caps that fit under `descriptors` (the soft limit on open files).
    pub fn for_descriptors(descriptors: u64) -> GateLimits {
        let max_connections = (descriptors as usize)
            .saturating_sub(RESERVED_DESCRIPTORS)
            .max(16);
        GateLimits {
            max_connections,
            max_per_ip: (max_connections / 2).clamp(8, 256),
            header_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(10),
        }
    }
}

/// The TLS settings for a PEM certificate chain and private key, with HTTP/2 and HTTP/1.1
/// offered (ALPN).
pub fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<tokio_rustls::rustls::ServerConfig>, String> {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("reading the certificate {}: {e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("reading the private key {}: {e}", key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| format!("the certificate and key don't make a TLS identity: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// One admitted connection, shared by its socket and whoever serves it.
pub struct Conn {
    pub ip: IpAddr,
    requested: AtomicBool,
    evicted: AtomicBool,
    /// The socket is closed (its slot given back).
    closed: AtomicBool,
    evict: Notify,
    /// Bytes the socket may still read, or `u64::MAX` for no limit.
    read_budget: AtomicU64,
    /// The socket's descriptor, valid while its slot is held.
    fd: std::sync::atomic::AtomicI32,
}

impl Conn {
    /// Allows only `bytes` more to be read from the socket (the relay's limit before a device
    /// has authenticated); reads past it fail and the connection closes.
    pub fn limit_reads(&self, bytes: u64) {
        self.read_budget.store(bytes, Ordering::Relaxed);
    }

    pub fn unlimit_reads(&self) {
        self.read_budget.store(u64::MAX, Ordering::Relaxed);
    }

    /// What the socket has sent: bytes waiting for the peer to acknowledge them (what waits in
    /// the kernel for a device that doesn't read), and bytes it has acknowledged in all; None
    /// once the socket is closed.
    pub fn sending(&self) -> Option<Sending> {
        if self.closed.load(Ordering::Relaxed) {
            return None;
        }
        // SAFETY: tcp_info is plain data, valid zeroed.
        let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        // SAFETY: getsockopt writes at most `len` bytes into `info`; the descriptor is open while
        // `closed` is false (the slot holding the socket sets it before the socket is dropped).
        let ok = unsafe {
            libc::getsockopt(
                self.fd.load(Ordering::Relaxed),
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&raw mut info).cast(),
                &mut len,
            )
        } == 0;
        let mut queued: libc::c_int = 0;
        // SAFETY: TIOCOUTQ writes one int; the descriptor is open, as above.
        let ok = ok
            && unsafe { libc::ioctl(self.fd.load(Ordering::Relaxed), libc::TIOCOUTQ, &mut queued) }
                == 0;
        ok.then_some(Sending {
            unsent: queued.max(0) as u64,
            acked: info.tcpi_bytes_acked,
        })
    }

    fn mark_requested(&self) {
        self.requested.store(true, Ordering::Relaxed);
    }

    fn evicted(&self) -> impl Future<Output = ()> + '_ {
        let notified = self.evict.notified();
        async move {
            if !self.evicted.load(Ordering::Acquire) {
                notified.await;
            }
        }
    }
}

/// A connection's place in the counts, given back when its socket is dropped (which, for a
/// WebSocket, is when the upgraded connection ends).
pub struct Slot {
    conn: Arc<Conn>,
    gate: Arc<Gate>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.conn.closed.store(true, Ordering::Relaxed);
        self.gate.release(self.conn.ip);
    }
}

#[derive(Default)]
struct Open {
    all: usize,
    per_ip: HashMap<IpAddr, usize>,
    /// Connections that hadn't made a request when admitted, oldest first (some may have made
    /// one since, or closed: they are skipped when met).
    waiting: VecDeque<Arc<Conn>>,
}

impl Conn {
    /// Whether it may be pushed out for a newer connection.
    fn waiting(&self) -> bool {
        !self.requested.load(Ordering::Relaxed)
            && !self.evicted.load(Ordering::Relaxed)
            && !self.closed.load(Ordering::Relaxed)
    }
}

pub struct Gate {
    limits: GateLimits,
    open: Mutex<Open>,
    metrics: Arc<Metrics>,
}

impl Gate {
    pub fn new(limits: GateLimits, metrics: Arc<Metrics>) -> Arc<Gate> {
        Arc::new(Gate {
            limits,
            open: Mutex::new(Open::default()),
            metrics,
        })
    }

    pub fn limits(&self) -> GateLimits {
        self.limits
    }

    /// Admits a connection from `ip`, pushing out the oldest waiting connection (of that
    /// address when it is the address that is full) if need be; None when nothing can give
    /// way.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().expect("gate poisoned");
        if open.per_ip.get(&ip).copied().unwrap_or(0) >= self.limits.max_per_ip
            && !evict_oldest(&mut open, Some(ip))
        {
            self.metrics.refused(Refusal::ConnectionsPerAddress);
            return None;
        }
        if open.all >= self.limits.max_connections && !evict_oldest(&mut open, None) {
            self.metrics.refused(Refusal::Connections);
            return None;
        }
        open.all += 1;
        *open.per_ip.entry(ip).or_default() += 1;
        let conn = Arc::new(Conn {
            ip,
            requested: AtomicBool::new(false),
            evicted: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            evict: Notify::new(),
            read_budget: AtomicU64::new(u64::MAX),
            fd: std::sync::atomic::AtomicI32::new(-1),
        });
        open.waiting.push_back(conn.clone());
        // Forget entries that have moved on, so the queue stays the size of what waits.
        if open.waiting.len() > 2 * self.limits.max_connections {
            open.waiting.retain(|c| c.waiting());
        }
        self.metrics.connections_open(open.all);
        Some(Slot {
            conn,
            gate: self.clone(),
        })
    }

    fn release(&self, ip: IpAddr) {
        let mut open = self.open.lock().expect("gate poisoned");
        open.all -= 1;
        if let Some(n) = open.per_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                open.per_ip.remove(&ip);
            }
        }
        self.metrics.connections_open(open.all);
    }

    /// Open connections: in all, and from `ip`.
    pub fn open(&self, ip: IpAddr) -> (usize, usize) {
        let open = self.open.lock().expect("gate poisoned");
        (open.all, open.per_ip.get(&ip).copied().unwrap_or(0))
    }
}

/// Tells the oldest waiting connection (of `ip`, if given) to close, and takes it off the
/// counts once its task has closed the socket. Whether one was found.
fn evict_oldest(open: &mut Open, ip: Option<IpAddr>) -> bool {
    // What is met that has moved on leaves the queue on the way.
    let mut i = 0;
    let conn = loop {
        let Some(c) = open.waiting.get(i) else {
            return false;
        };
        if !c.waiting() {
            open.waiting.remove(i);
        } else if ip.is_some_and(|ip| c.ip != ip) {
            i += 1;
        } else {
            break open.waiting.remove(i).expect("just seen");
        }
    };
    conn.evicted.store(true, Ordering::Release);
    conn.evict.notify_one();
    true
}

/// A socket that reads within its connection's budget, holding its slot.
struct Guarded {
    // Dropped first: the connection is marked closed before its descriptor is.
    slot: Slot,
    tcp: TcpStream,
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let budget = self.slot.conn.read_budget.load(Ordering::Relaxed);
        if budget == 0 {
            return Poll::Ready(Err(std::io::Error::other("over the read limit")));
        }
        if budget == u64::MAX {
            return Pin::new(&mut self.tcp).poll_read(cx, buf);
        }
        // Read no more than the budget, so what is buffered stays within it.
        let room = buf
            .remaining()
            .min(usize::try_from(budget).unwrap_or(usize::MAX));
        let mut limited = buf.take(room);
        let result = Pin::new(&mut self.tcp).poll_read(cx, &mut limited);
        let n = limited.filled().len();
        // SAFETY: `limited` wrote these `n` bytes into `buf`'s unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        if n > 0 {
            // Another limit may have been set meanwhile: only lower what is there.
            let _ = self.slot.conn.read_budget.fetch_update(
                Ordering::Relaxed,
                Ordering::Relaxed,
                |b| (b != u64::MAX).then(|| b.saturating_sub(n as u64)),
            );
        }
        result
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

/// Serves `router` on `listener` through `gate` until `shutdown` resolves; then stops
/// accepting and lets open connections finish (for up to `grace`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    gate: Arc<Gate>,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors despite the caps (something else holds them), or a
                    // connection reset before it was accepted: wait a moment, go on.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = gate.admit(peer.ip()) else {
            drop(tcp);
            continue;
        };
        // Sync frames are small and latency matters: send each at once.
        let _ = tcp.set_nodelay(true);
        slot.conn
            .fd
            .store(std::os::fd::AsRawFd::as_raw_fd(&tcp), Ordering::Relaxed);
        let io = Guarded { tcp, slot };
        let (router, header_timeout, stopping) =
            (router.clone(), gate.limits.header_timeout, stopping.clone());
        match &tls {
            None => {
                tokio::spawn(connection(io, router, header_timeout, stopping));
            }
            Some(tls) => {
                let tls = tls.clone();
                tokio::spawn(async move {
                    // The handshake comes within the header deadline too.
                    let conn = io.slot.conn.clone();
                    let metrics = io.slot.gate.metrics.clone();
                    match tokio::time::timeout(header_timeout, tls.accept(io)).await {
                        Ok(Ok(io)) => {
                            connection_over(io, conn, metrics, router, header_timeout, stopping)
                                .await
                        }
                        Ok(Err(_)) => {}
                        Err(_) => metrics.refused(Refusal::HeaderTimeout),
                    }
                });
            }
        }
    }
    let _ = stop.send(true);
    let deadline = tokio::time::Instant::now() + gate.limits.grace;
    while gate.open.lock().expect("gate poisoned").all > 0 && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn connection(
    io: Guarded,
    router: Router,
    header_timeout: Duration,
    stopping: watch::Receiver<bool>,
) {
    let conn = io.slot.conn.clone();
    let metrics = io.slot.gate.metrics.clone();
    connection_over(io, conn, metrics, router, header_timeout, stopping).await;
}

/// Serves HTTP on `io` (the connection itself, or TLS over it).
async fn connection_over<I>(
    io: I,
    conn: Arc<Conn>,
    metrics: Arc<Metrics>,
    router: Router,
    header_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = {
        let conn = conn.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            conn.mark_requested();
            request.extensions_mut().insert(Peer(conn.clone()));
            let mut router = router.clone();
            async move {
                tower_service::Service::call(&mut router, request.map(axum::body::Body::new)).await
            }
        })
    };
    let io = TokioIo::new(io);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(64 * 1024);
    // No WebSockets over HTTP/2 (no extended CONNECT): a browser opens `/sync` on a connection
    // of its own, so its limits and the check that a device reads what it is sent measure
    // that socket alone, not the page's downloads beside it.
    let served = builder.serve_connection_with_upgrades(io, service);
    let mut served = std::pin::pin!(served);
    // The first request must come within the deadline (hyper's own timer starts only once it
    // knows the connection speaks HTTP/1).
    let first_request = tokio::time::sleep(header_timeout);
    let mut first_request = std::pin::pin!(first_request);
    loop {
        tokio::select! {
            _ = served.as_mut() => return,
            () = conn.evicted() => return,
            () = &mut first_request, if !conn.requested.load(Ordering::Relaxed) => {
                metrics.refused(Refusal::HeaderTimeout);
                return;
            }
            changed = stopping.changed() => {
                if changed.is_err() || *stopping.borrow() {
                    served.as_mut().graceful_shutdown();
                    // Keep serving until the connection has finished.
                    let _ = served.as_mut().await;
                    return;
                }
            }
        }
    }
}

/// A socket's sending, as the kernel counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sending {
    /// Bytes written and not acknowledged yet.
    pub unsent: u64,
    /// Bytes the peer has acknowledged since the connection opened.
    pub acked: u64,
}

/// The connection a request came on (an extension of every request).
#[derive(Clone)]
pub struct Peer(pub Arc<Conn>);

/// The soft limit on open files.
pub fn descriptor_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 1024;
    }
    limit.rlim_cur
}

/// The soft limit on open files raised to the hard limit (as servers do: the default soft
/// limit of 1,024 is too few for a relay); returns the soft limit now in force.
pub fn raise_descriptor_limit() -> u64 {
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
        limit.rlim_cur
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(max_connections: usize, max_per_ip: usize) -> Arc<Gate> {
        Gate::new(
            GateLimits {
                max_connections,
                max_per_ip,
                header_timeout: Duration::from_secs(1),
                grace: Duration::from_secs(1),
            },
            Arc::new(Metrics::default()),
        )
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn a_full_address_pushes_out_its_own_oldest_waiting_connection() {
        let gate = gate(100, 2);
        let first = gate.admit(A).unwrap();
        let second = gate.admit(A).unwrap();
        second.conn.mark_requested();
        let other = gate.admit(B).unwrap();
        // A third from A: the oldest of A's that is still waiting goes, not B's.
        let third = gate.admit(A).unwrap();
        assert!(first.conn.evicted.load(Ordering::Relaxed));
        assert!(!other.conn.evicted.load(Ordering::Relaxed));
        drop(first);
        assert_eq!(gate.open(A), (3, 2));
        // A's two are both being served now: a fourth is refused.
        third.conn.mark_requested();
        assert!(gate.admit(A).is_none());
        assert_eq!(gate.metrics.refusals(Refusal::ConnectionsPerAddress), 1);
    }

    #[test]
    fn a_full_server_pushes_out_the_oldest_waiting_and_never_one_being_served() {
        let gate = gate(3, 3);
        let served = gate.admit(A).unwrap();
        served.conn.mark_requested();
        let silent = gate.admit(B).unwrap();
        let newer = gate.admit(B).unwrap();
        let from_a = gate.admit(A).unwrap();
        assert!(silent.conn.evicted.load(Ordering::Relaxed));
        assert!(!served.conn.evicted.load(Ordering::Relaxed));
        drop(silent);
        newer.conn.mark_requested();
        from_a.conn.mark_requested();
        assert!(gate.admit(B).is_none());
        assert_eq!(gate.metrics.refusals(Refusal::Connections), 1);
        drop((served, newer, from_a));
        assert_eq!(gate.open(A), (0, 0));
    }

    #[test]
    fn caps_stay_under_the_descriptor_limit() {
        let limits = GateLimits::for_descriptors(1024);
        assert_eq!(limits.max_connections, 1024 - RESERVED_DESCRIPTORS);
        assert!(limits.max_per_ip < limits.max_connections);
    }
}
