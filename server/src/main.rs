//! Starts the server. Configuration comes from the environment cargo-leptos sets
//! (`LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`, …) or from Cargo.toml's `[package.metadata.leptos]`.

use clap::Parser;
use leptos::prelude::get_configuration;
use std::net::SocketAddr;

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
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    std::fs::create_dir_all(&args.data_dir)?;
    let conf = get_configuration(None).map_err(std::io::Error::other)?;
    let options = conf.leptos_options;
    let addr = args.addr.unwrap_or(options.site_addr);
    let url = args
        .relay_db
        .unwrap_or_else(|| format!("sqlite://{}", args.data_dir.join("relay.sqlite3").display()));
    let store = server::store::Store::open(&url)
        .await
        .map_err(std::io::Error::other)?;
    let relay = server::relay::Relay::new(store, app::sync::Limits::default());
    relay
        .clone()
        .listen_to_peers()
        .await
        .map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("serving on http://{}", listener.local_addr()?);
    server::run(listener, options, relay, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
