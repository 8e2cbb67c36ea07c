//! The `server` binary: serves Colloquy (pages, files, the sync relay), and the operator's
//! commands on its data (backup, invites, a new epoch). Every setting is also read from the
//! environment variable named beside it in `--help`.

use clap::{Parser, Subcommand};
use server::relay::Creation;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(about = "Serves Colloquy: the app, and the sync relay that keeps only ciphertext")]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Directory for the server's own files (created if missing).
    #[arg(long, env = "COLLOQUY_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
    /// The relay's database: `postgres://…` to share one between several relays; by default a
    /// SQLite file in the data directory.
    #[arg(long, env = "COLLOQUY_RELAY_DB", global = true)]
    relay_db: Option<String>,
    #[command(flatten)]
    serve: Serve,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Writes a consistent copy of the relay's SQLite database to FILE while the server runs.
    /// The copy gets a new epoch: devices that synced after it was made send again what a
    /// restore of it lacks. To restore, stop the server and put FILE in place of
    /// `relay.sqlite3`.
    Backup { file: PathBuf },
    /// Makes an invite code that lets a device start a new network (see `--new-networks`).
    Invite {
        /// How many networks the code may start.
        #[arg(long, default_value_t = 1)]
        uses: u32,
    },
    /// Gives the relay's database a new epoch: after restoring a PostgreSQL dump, so devices
    /// send again what the restored database lacks.
    NewEpoch,
}

#[derive(clap::Args, Debug)]
struct Serve {
    /// Address to listen on.
    #[arg(long, env = "COLLOQUY_ADDR")]
    addr: Option<SocketAddr>,
    /// PEM certificate chain: serve HTTPS (with HSTS) instead of HTTP. Needs `--tls-key`.
    #[arg(long, env = "COLLOQUY_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[arg(long, env = "COLLOQUY_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Who may start a new network on the relay: `open`, `closed`, or `invite` (with a code
    /// from `server invite`). By default open when listening on loopback, by invite otherwise.
    #[arg(long, env = "COLLOQUY_NEW_NETWORKS")]
    new_networks: Option<Creation>,
    /// Origins besides the site's own whose pages may sync (comma-separated).
    #[arg(long, env = "COLLOQUY_ALLOWED_ORIGINS", value_delimiter = ',')]
    allowed_origins: Vec<String>,
    /// Log one JSON object per line (for a log collector) instead of text.
    #[arg(long, env = "COLLOQUY_LOG_JSON")]
    log_json: bool,
    /// Seconds a new connection has to send its first request's headers.
    #[arg(long, env = "COLLOQUY_HEADER_TIMEOUT_SECS", default_value_t = 10.0)]
    header_timeout_secs: f64,
    /// Open connections from one address (by default half of what the limit on open files
    /// allows, at most 256).
    #[arg(long, env = "COLLOQUY_MAX_CONNECTIONS_PER_ADDRESS")]
    max_connections_per_address: Option<usize>,
    /// Seconds a shutdown (SIGTERM, Ctrl-C) waits for connections to finish.
    #[arg(long, env = "COLLOQUY_SHUTDOWN_SECS", default_value_t = 10.0)]
    shutdown_secs: f64,
    /// Seconds a sync connection has to authenticate.
    #[arg(long, env = "COLLOQUY_HANDSHAKE_SECS", default_value_t = 10.0)]
    handshake_secs: f64,
    /// Largest sync frame in bytes.
    #[arg(long, env = "COLLOQUY_MAX_FRAME_BYTES", default_value_t = app::sync::Limits::default().max_frame)]
    max_frame_bytes: usize,
    /// Most bytes of blobs in one catch-up page.
    #[arg(long, env = "COLLOQUY_PAGE_BYTES", default_value_t = app::sync::Limits::default().page_bytes)]
    page_bytes: usize,
    /// Pushes one sync connection may send per second.
    #[arg(long, env = "COLLOQUY_PUSHES_PER_SECOND", default_value_t = app::sync::Limits::default().pushes_per_second)]
    pushes_per_second: u32,
    /// Frames of any kind one sync connection may send per second, on average.
    #[arg(long, env = "COLLOQUY_FRAMES_PER_SECOND", default_value_t = app::sync::Limits::default().frames_per_second)]
    frames_per_second: u32,
    /// Most megabytes the relay keeps for one network.
    #[arg(long, env = "COLLOQUY_MAX_NETWORK_MB", default_value_t = 64)]
    max_network_mb: u64,
    /// Most megabytes the relay keeps in all (SQLite); it always leaves 256 MB of disk free.
    #[arg(long, env = "COLLOQUY_STORE_BUDGET_MB")]
    store_budget_mb: Option<u64>,
    /// New networks one address may start per hour.
    #[arg(long, env = "COLLOQUY_NETWORKS_PER_HOUR", default_value_t = 20)]
    networks_per_hour: u32,
    /// Devices syncing one network at once.
    #[arg(long, env = "COLLOQUY_DEVICES_PER_NETWORK", default_value_t = 32)]
    devices_per_network: usize,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    init_logs(args.serve.log_json);
    let runtime = tokio::runtime::Runtime::new().expect("the async runtime starts");
    let url = args
        .relay_db
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", args.data_dir.join("relay.sqlite3").display()));
    let done = runtime.block_on(async {
        match args.command {
            None => serve(args.serve, &args.data_dir, &url).await,
            Some(Command::Backup { file }) => backup(&url, &file).await,
            Some(Command::Invite { uses }) => {
                let code = server::store::Store::open(&url)
                    .await
                    .map_err(|e| e.to_string())?
                    .invite(uses)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("{code}");
                Ok(())
            }
            Some(Command::NewEpoch) => server::store::Store::open(&url)
                .await
                .map_err(|e| e.to_string())?
                .new_epoch()
                .await
                .map_err(|e| e.to_string()),
        }
    });
    // Shutdown must not wait for the runtime's blocked threads (the SQLite writer's queue).
    runtime.shutdown_timeout(Duration::from_secs(1));
    match done {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logs(json: bool) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
}

async fn serve(args: Serve, data_dir: &Path, url: &str) -> Result<(), String> {
    let descriptors = server::gate::raise_descriptor_limit();
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("creating {}: {e}", data_dir.display()))?;
    let options = server::site::options();
    let addr = args.addr.unwrap_or(options.site_addr);
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(server::gate::tls_config(cert, key)?),
        _ => None,
    };
    let budget = server::store::Budget {
        stored: args.store_budget_mb.map(|mb| mb << 20),
        ..server::store::Budget::default()
    };
    let store = server::store::Store::open_with_budget(url, budget)
        .await
        .map_err(|e| e.to_string())?;
    let limits = app::sync::Limits {
        handshake_ms: (args.handshake_secs * 1000.0) as u64,
        max_frame: args.max_frame_bytes,
        page_bytes: args.page_bytes,
        frames_per_second: args.frames_per_second,
        pushes_per_second: args.pushes_per_second,
        max_doc_bytes: args.max_network_mb << 20,
        networks_per_hour: args.networks_per_hour,
        devices_per_network: args.devices_per_network,
        ..app::sync::Limits::default()
    };
    let creation = args.new_networks.unwrap_or(if addr.ip().is_loopback() {
        Creation::Open
    } else {
        Creation::Invite
    });
    let settings = server::relay::Settings {
        limits,
        creation,
        origins: args.allowed_origins,
    };
    let relay = server::relay::Relay::with_settings(store, settings);
    relay
        .clone()
        .listen_to_peers()
        .await
        .map_err(|e| e.to_string())?;
    let mut gate = server::gate::GateLimits::for_descriptors(descriptors);
    gate.header_timeout = Duration::from_secs_f64(args.header_timeout_secs);
    if let Some(n) = args.max_connections_per_address {
        gate.max_per_ip = n;
    }
    gate.grace = Duration::from_secs_f64(args.shutdown_secs);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("listening on {addr}: {e}"))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(
        "serving on {scheme}://{} (up to {} connections; new networks: {creation})",
        listener.local_addr().map_err(|e| e.to_string())?,
        gate.max_connections
    );
    server::serve_with(listener, options, relay, gate, tls, stop_signal())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM (what service managers and container runtimes send) or Ctrl-C.
async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("listening for SIGTERM");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down");
}

async fn backup(url: &str, file: &Path) -> Result<(), String> {
    let Some(path) = url.strip_prefix("sqlite://") else {
        return Err(
            "backup copies a SQLite database; back PostgreSQL up with pg_dump, then run \
             `server new-epoch` after a restore"
                .into(),
        );
    };
    if file.exists() {
        return Err(format!("{} exists already", file.display()));
    }
    let bytes = server::store::backup(Path::new(path), file).map_err(|e| e.to_string())?;
    println!("{} bytes written to {}", bytes, file.display());
    Ok(())
}
