//! Starts the server. Configuration comes from the environment cargo-leptos sets
//! (`LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`, …) or from Cargo.toml's `[package.metadata.leptos]`,
//! and from the settings below (each also read from the environment).

use clap::Parser;
use leptos::prelude::get_configuration;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(about = "Serves Colloquy")]
struct Args {
    /// Address to listen on; defaults to the site address of the Leptos configuration.
    #[arg(long, env = "COLLOQUY_ADDR")]
    addr: Option<SocketAddr>,
    /// Directory for the server's own files (created if missing).
    #[arg(long, env = "COLLOQUY_DATA_DIR", default_value = "data")]
    data_dir: std::path::PathBuf,
    /// The relay's database: `postgres://…` to share one between several relays; by default a
    /// SQLite file in the data directory.
    #[arg(long, env = "COLLOQUY_RELAY_DB")]
    relay_db: Option<String>,
    /// Seconds a new connection has to send its first request's headers.
    #[arg(long, env = "COLLOQUY_HEADER_TIMEOUT_SECS", default_value_t = 10.0)]
    header_timeout_secs: f64,
    /// Open connections from one address (by default half of what the limit on open files
    /// allows, at most 256).
    #[arg(long, env = "COLLOQUY_MAX_CONNECTIONS_PER_ADDRESS")]
    max_connections_per_address: Option<usize>,
    /// Seconds a sync connection has to authenticate.
    #[arg(long, env = "COLLOQUY_HANDSHAKE_SECS", default_value_t = 10.0)]
    handshake_secs: f64,
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

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let descriptors = server::gate::raise_descriptor_limit();
    std::fs::create_dir_all(&args.data_dir)?;
    let conf = get_configuration(None).map_err(std::io::Error::other)?;
    let options = conf.leptos_options;
    let addr = args.addr.unwrap_or(options.site_addr);
    let url = args
        .relay_db
        .unwrap_or_else(|| format!("sqlite://{}", args.data_dir.join("relay.sqlite3").display()));
    let budget = server::store::Budget {
        stored: args.store_budget_mb.map(|mb| mb << 20),
        ..server::store::Budget::default()
    };
    let store = server::store::Store::open_with_budget(&url, budget)
        .await
        .map_err(std::io::Error::other)?;
    let limits = app::sync::Limits {
        handshake_ms: (args.handshake_secs * 1000.0) as u64,
        max_doc_bytes: args.max_network_mb << 20,
        networks_per_hour: args.networks_per_hour,
        devices_per_network: args.devices_per_network,
        ..app::sync::Limits::default()
    };
    let relay = server::relay::Relay::new(store, limits);
    relay
        .clone()
        .listen_to_peers()
        .await
        .map_err(std::io::Error::other)?;
    let mut gate = server::gate::GateLimits::for_descriptors(descriptors);
    gate.header_timeout = Duration::from_secs_f64(args.header_timeout_secs);
    if let Some(n) = args.max_connections_per_address {
        gate.max_per_ip = n;
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "serving on http://{} (up to {} connections)",
        listener.local_addr()?,
        gate.max_connections
    );
    server::serve(listener, options, relay, gate, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
