//! Load generator for the relay: opens N device connections over M networks (documents), has
//! every device push sealed changes at a steady rate, and prints pushes/s, deliveries/s (a
//! push reaching another device of its network), delivery latency p50/p99, and the relay's
//! memory (RSS) idle and under load.
//!
//! By default it starts the relay itself (the `server` binary next to this one, with a fresh
//! SQLite file) so it can read the relay's RSS and its files on disk; `--relays 2 --db
//! postgres://…` starts two relay processes on one PostgreSQL database and spreads the devices
//! over them:
//!
//!     cargo build --release -p server --bins
//!     target/release/loadgen --devices 1000 --rate 6000

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::crypto::RootSecret;
use app::sync::{Output, Persisted, Status, SyncClient};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser, Debug)]
#[command(about = "Drives the Colloquy relay with many devices and prints its figures")]
struct Args {
    /// Device connections to open.
    #[arg(long, default_value_t = 100)]
    devices: usize,
    /// Networks they sync (devices are spread evenly; default: two devices per network).
    #[arg(long)]
    docs: Option<usize>,
    /// Pushes per second, all devices together.
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    /// Seconds of load after every device is connected.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Bytes of (sealed) changes per push.
    #[arg(long, default_value_t = 200)]
    payload: usize,
    /// A relay already running (its RSS is then not reported); by default one is started.
    #[arg(long)]
    relay: Option<SocketAddr>,
    /// Relay processes to start, the devices spread over them (more than one needs `--db`).
    #[arg(long, default_value_t = 1)]
    relays: usize,
    /// The database of the relays started (`postgres://…`); by default a fresh SQLite file.
    #[arg(long)]
    db: Option<String>,
}

#[derive(Default)]
struct Counters {
    pushed: AtomicU64,
    acked: AtomicU64,
    delivered: AtomicU64,
    errors: AtomicU64,
}

// One thread: the relay under test gets the rest of the machine.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let docs = args.docs.unwrap_or(args.devices.div_ceil(2)).max(1);
    assert!(
        args.relays == 1 || args.db.is_some(),
        "several relays share a PostgreSQL database: give --db postgres://…"
    );
    let mut relays = Vec::new();
    let addrs: Vec<SocketAddr> = match args.relay {
        Some(addr) => vec![addr],
        None => {
            let mut addrs = Vec::new();
            for _ in 0..args.relays.max(1) {
                let (addr, child, data) = start_relay(args.db.as_deref()).await;
                addrs.push(addr);
                relays.push((child, data));
            }
            addrs
        }
    };
    let pids: Vec<u32> = relays.iter().filter_map(|(c, _)| c.id()).collect();
    let sum = |f: fn(u32) -> Option<u64>| -> Option<u64> {
        (!pids.is_empty()).then(|| pids.iter().filter_map(|&p| f(p)).sum())
    };
    let rss_before = sum(rss);
    // The relay's files (SQLite): sampled through the run, the largest seen is the bound.
    let data = (args.db.is_none() && relays.len() == 1).then(|| relays[0].1.clone());
    let disk_peak = Arc::new(AtomicU64::new(0));
    let wal_peak = Arc::new(AtomicU64::new(0));
    if let Some(data) = data.clone() {
        let (disk_peak, wal_peak) = (disk_peak.clone(), wal_peak.clone());
        tokio::spawn(async move {
            let wal = data.join("relay.sqlite3-wal");
            loop {
                disk_peak.fetch_max(dir_bytes(&data).unwrap_or(0), Ordering::Relaxed);
                let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
                wal_peak.fetch_max(size, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }

    let secrets: Vec<RootSecret> = (0..docs).map(|_| RootSecret::generate()).collect();
    let counters = Arc::new(Counters::default());
    let latencies = Arc::new(Mutex::new(Vec::<u32>::new()));
    let epoch = Instant::now();
    let start_load = Arc::new(tokio::sync::Notify::new());
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // After the load, device 0 alone keeps pushing: a write after the relay's checkpoint has
    // caught up starts its log over, and shows how much disk the relay keeps once idle.
    let trickle = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(args.devices);
    // Each device pushes at rate / devices per second.
    let period = Duration::from_secs_f64(args.devices as f64 / args.rate.max(1) as f64);

    let mut tasks = Vec::new();
    for device in 0..args.devices {
        let addr = addrs[device % addrs.len()];
        let secret = secrets[device % docs].clone();
        let counters = counters.clone();
        let latencies = latencies.clone();
        let start_load = start_load.clone();
        let measuring = measuring.clone();
        let trickle = trickle.clone();
        let ready = ready_tx.clone();
        let payload = args.payload;
        tasks.push(tokio::spawn(async move {
            run_device(
                addr,
                secret,
                counters,
                latencies,
                epoch,
                start_load,
                measuring,
                trickle,
                ready,
                period,
                payload,
                device as u64,
            )
            .await
        }));
        // Don't stampede the listener.
        if device % 100 == 99 {
            tokio::task::yield_now().await;
        }
    }
    drop(ready_tx);
    for _ in 0..args.devices {
        if ready_rx.recv().await.is_none() {
            break;
        }
    }
    let connected = Instant::now();
    let rss_idle = sum(rss);

    measuring.store(true, Ordering::SeqCst);
    start_load.notify_waiters();
    let load_started = Instant::now();
    let cpu_seconds_all = || -> Option<f64> {
        (!pids.is_empty()).then(|| pids.iter().filter_map(|&p| cpu_seconds(p)).sum())
    };
    let cpu_before = cpu_seconds_all();
    let mut rss_peak = 0u64;
    while load_started.elapsed() < Duration::from_secs(args.seconds) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Some(r) = sum(rss) {
            rss_peak = rss_peak.max(r);
        }
    }
    measuring.store(false, Ordering::SeqCst);
    let elapsed = load_started.elapsed().as_secs_f64();
    let relay_cores = cpu_before
        .zip(cpu_seconds_all())
        .map(|(before, after)| (after - before) / elapsed);
    // Let deliveries in flight land before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let pushed = counters.pushed.load(Ordering::SeqCst);
    let acked = counters.acked.load(Ordering::SeqCst);
    let delivered = counters.delivered.load(Ordering::SeqCst);
    let errors = counters.errors.load(Ordering::SeqCst);
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            f64::NAN
        } else {
            lat[((lat.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0
        }
    };
    println!(
        "devices {} over {} networks on {} relay process(es) ({}), {} B per push, target {} pushes/s, {} s (connecting took {:.1} s)",
        args.devices,
        docs,
        addrs.len(),
        if args.db.as_deref().is_some_and(|db| db.starts_with("postgres")) { "PostgreSQL" } else { "SQLite" },
        args.payload,
        args.rate,
        args.seconds,
        (connected - epoch).as_secs_f64()
    );
    println!(
        "pushes/s {:.0}   acks/s {:.0}   deliveries/s {:.0}   errors {}",
        pushed as f64 / elapsed,
        acked as f64 / elapsed,
        delivered as f64 / elapsed,
        errors
    );
    println!(
        "delivery latency ms: p50 {:.2}   p99 {:.2}   max {:.2}   ({} samples)",
        pct(0.5),
        pct(0.99),
        pct(1.0),
        lat.len()
    );
    if let (Some(before), Some(idle)) = (rss_before, rss_idle) {
        println!(
            "relay RSS: {:.1} MB before, {:.1} MB with {} idle connections ({:.1} KB each), {:.1} MB peak under load",
            before as f64 / 1e6,
            idle as f64 / 1e6,
            args.devices,
            (idle.saturating_sub(before)) as f64 / args.devices as f64 / 1e3,
            rss_peak as f64 / 1e6
        );
    }
    if let Some(cores) = relay_cores {
        println!("relay CPU under load: {cores:.2} cores");
    }
    if let Some(data) = data.as_ref() {
        println!(
            "relay files on disk: at most {:.1} MB during the run (write-ahead log at most {:.1} MB)",
            disk_peak.load(Ordering::Relaxed) as f64 / 1e6,
            wal_peak.load(Ordering::Relaxed) as f64 / 1e6
        );
        let loaded = dir_bytes(data).unwrap_or(0);
        trickle.store(true, Ordering::SeqCst);
        let paused = Instant::now();
        let wal = data.join("relay.sqlite3-wal");
        let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        // The relay cuts its log back to 64 MB once it starts it over.
        while wal_size() > 64 << 20 && paused.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "relay data on disk: {:.1} MB after the load, {:.1} MB {:.1} s after it stopped",
            loaded as f64 / 1e6,
            dir_bytes(data).unwrap_or(0) as f64 / 1e6,
            paused.elapsed().as_secs_f64()
        );
    }
    for task in tasks {
        task.abort();
    }
    for (child, data) in relays.iter_mut() {
        let _ = child.kill().await;
        let _ = child.wait().await;
        let _ = std::fs::remove_dir_all(data);
    }
}

/// Bytes in the files directly inside `dir`.
fn dir_bytes(dir: &std::path::Path) -> Option<u64> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(
        entries
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum(),
    )
}

#[allow(clippy::too_many_arguments)]
async fn run_device(
    addr: SocketAddr,
    secret: RootSecret,
    counters: Arc<Counters>,
    latencies: Arc<Mutex<Vec<u32>>>,
    epoch: Instant,
    start_load: Arc<tokio::sync::Notify>,
    measuring: Arc<std::sync::atomic::AtomicBool>,
    trickle: Arc<std::sync::atomic::AtomicBool>,
    ready: tokio::sync::mpsc::Sender<()>,
    period: Duration,
    payload: usize,
    me: u64,
) {
    let started = start_load.notified();
    tokio::pin!(started);
    started.as_mut().enable();
    // Small buffers (the default 128 KiB read buffer is zeroed on every read: with a thousand
    // connections that alone saturates a core) and no Nagle delay, as a browser does.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let Ok((socket, _)) = tokio_tungstenite::connect_async_with_config(
        format!("ws://{addr}/sync"),
        Some(config),
        true,
    )
    .await
    else {
        counters.errors.fetch_add(1, Ordering::Relaxed);
        let _ = ready.send(()).await;
        return;
    };
    let (mut sink, mut stream) = socket.split();
    let mut client = SyncClient::new(secret.keys(), Persisted::default());
    let mut signalled = false;
    let mut outputs = client.connected();
    let mut ticker: Option<tokio::time::Interval> = None;
    loop {
        for output in outputs.drain(..) {
            match output {
                Output::Send(frame) => {
                    let sent = sink.send(Message::Binary(frame.into())).await;
                    if sent.is_err() {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
                Output::Apply(bytes) => {
                    // Only another device's push counts as a delivery (a device's own blob
                    // can come back in a catch-up page).
                    let from_other = bytes.len() >= 16
                        && u64::from_le_bytes(bytes[8..16].try_into().unwrap()) != me;
                    if from_other && measuring.load(Ordering::Relaxed) {
                        let sent = u64::from_le_bytes(bytes[..8].try_into().unwrap());
                        let now = epoch.elapsed().as_micros() as u64;
                        counters.delivered.fetch_add(1, Ordering::Relaxed);
                        latencies
                            .lock()
                            .unwrap()
                            .push(now.saturating_sub(sent).min(u32::MAX as u64) as u32);
                    }
                }
                Output::Status(Status::UpToDate) if !signalled => {
                    signalled = true;
                    let _ = ready.send(()).await;
                }
                Output::Status(Status::Error(why)) => failed(&counters, me, &why),
                _ => {}
            }
        }
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Binary(frame))) => {
                    if let Ok(app::sync::ServerMsg::Ack { .. }) = app::sync::ServerMsg::decode(&frame) {
                        if measuring.load(Ordering::Relaxed) {
                            counters.acked.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    outputs = client.received(&frame);
                }
                Some(Ok(Message::Close(close))) => {
                    let why = close.map_or(String::new(), |c| format!("{} {}", c.code, c.reason));
                    failed(&counters, me, &format!("the relay closed the connection: {why}"));
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    failed(&counters, me, &e.to_string());
                    return;
                }
                None => {
                    failed(&counters, me, "the connection ended");
                    return;
                }
            },
            _ = &mut started, if ticker.is_none() => {
                // Spread the devices' first pushes over one period.
                let offset = Duration::from_micros(rand_below(period.as_micros() as u64 + 1));
                let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
                // Late ticks still push, at once (open loop): the rate offered is the rate
                // asked for, even when the load generator itself falls behind.
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                ticker = Some(interval);
            },
            _ = async { ticker.as_mut().unwrap().tick().await }, if ticker.is_some() => {
                let pushing = measuring.load(Ordering::Relaxed)
                    || (me == 0 && trickle.load(Ordering::Relaxed));
                if !pushing {
                    continue;
                }
                let mut changes = vec![0u8; payload.max(16)];
                changes[..8].copy_from_slice(&(epoch.elapsed().as_micros() as u64).to_le_bytes());
                changes[8..16].copy_from_slice(&me.to_le_bytes());
                counters.pushed.fetch_add(1, Ordering::Relaxed);
                outputs = client.push(&changes);
            },
        }
    }
}

/// Counts a device's error, and prints the first few, so that a run with errors says what
/// they were.
fn failed(counters: &Counters, me: u64, why: &str) {
    if counters.errors.fetch_add(1, Ordering::Relaxed) < 3 {
        eprintln!("device {me}: {why}");
    }
}

fn rand_below(n: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random bytes");
    u64::from_le_bytes(bytes) % n.max(1)
}

/// Starts the `server` binary beside this one on a free port with a fresh SQLite file in a
/// scratch directory (removed after the run).
async fn start_relay(db: Option<&str>) -> (SocketAddr, tokio::process::Child, std::path::PathBuf) {
    let exe = std::env::current_exe().expect("own path");
    let server = exe.with_file_name("server");
    let data = std::env::temp_dir().join(format!(
        "colloquy-loadgen-{}-{}",
        std::process::id(),
        rand_below(u64::MAX)
    ));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).expect("scratch directory");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut command = tokio::process::Command::new(&server);
    if let Some(db) = db {
        command.env("COLLOQUY_RELAY_DB", db);
    }
    let child = command
        .env("COLLOQUY_ADDR", addr.to_string())
        .env("COLLOQUY_DATA_DIR", &data)
        // Every device comes from this one address.
        .env("COLLOQUY_MAX_CONNECTIONS_PER_ADDRESS", "100000")
        .env("COLLOQUY_NETWORKS_PER_HOUR", "1000000")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", server.display()));
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "the relay did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (addr, child, data)
}

/// The CPU time a process has used, user and system, in seconds (Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces): utime and
    // stime are the 12th and 13th, in clock ticks.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / CLOCK_TICKS_PER_SECOND)
}

/// `sysconf(_SC_CLK_TCK)`, which is 100 on every Linux this runs on.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// A process's resident memory in bytes (Linux).
fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
