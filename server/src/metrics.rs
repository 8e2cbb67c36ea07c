//! Counters of what the server did, refused and holds, served at `/metrics` in Prometheus'
//! text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a connection or a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The server was at its connection cap with nothing waiting to push out.
    Connections,
    /// One address was at its cap.
    ConnectionsPerAddress,
    /// No request headers within the deadline.
    HeaderTimeout,
    /// A page of another site asked for `/sync`.
    Origin,
    /// Not authenticated within the handshake's time.
    Handshake,
    /// More bytes before authenticating than a handshake needs.
    HandshakeBytes,
    /// A frame over the size limit, or unreadable.
    Frame,
    /// A wrong key or signature.
    Unauthorized,
    /// A network already has as many devices connected as it may.
    DevicesPerNetwork,
    /// Too many new networks from one address.
    NewNetworks,
    /// A network over its quota.
    Quota,
    /// The relay's disk budget is spent.
    Disk,
    /// A network that was deleted.
    Deleted,
    /// A device that didn't read what was sent to it.
    SlowReader,
    /// Pushes over the rate.
    Rate,
}

impl Refusal {
    const ALL: [Refusal; 15] = [
        Refusal::Connections,
        Refusal::ConnectionsPerAddress,
        Refusal::HeaderTimeout,
        Refusal::Origin,
        Refusal::Handshake,
        Refusal::HandshakeBytes,
        Refusal::Frame,
        Refusal::Unauthorized,
        Refusal::DevicesPerNetwork,
        Refusal::NewNetworks,
        Refusal::Quota,
        Refusal::Disk,
        Refusal::Deleted,
        Refusal::SlowReader,
        Refusal::Rate,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Refusal::Connections => "connections",
            Refusal::ConnectionsPerAddress => "connections_per_address",
            Refusal::HeaderTimeout => "header_timeout",
            Refusal::Origin => "origin",
            Refusal::Handshake => "handshake_timeout",
            Refusal::HandshakeBytes => "handshake_bytes",
            Refusal::Frame => "frame",
            Refusal::Unauthorized => "unauthorized",
            Refusal::DevicesPerNetwork => "devices_per_network",
            Refusal::NewNetworks => "new_networks",
            Refusal::Quota => "quota",
            Refusal::Disk => "disk",
            Refusal::Deleted => "deleted",
            Refusal::SlowReader => "slow_reader",
            Refusal::Rate => "rate",
        }
    }
}

/// Upper bounds of the delivery latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: [f64; 11] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];

#[derive(Default)]
pub struct Metrics {
    refusals: [AtomicU64; Refusal::ALL.len()],
    connections: AtomicU64,
    sync_connections: AtomicU64,
    pushes: AtomicU64,
    deliveries: AtomicU64,
    /// Deliveries per latency bucket (the last one past every bound), and their sum in µs.
    latency: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    latency_micros: AtomicU64,
    listener_reconnects: AtomicU64,
}

/// Figures read when `/metrics` is asked for rather than counted as they happen.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sizes {
    /// Bytes of the relay's database files (SQLite: the database and its write-ahead log).
    pub store: u64,
    /// Bytes of SQLite's write-ahead log.
    pub wal: u64,
}

impl Metrics {
    pub fn refused(&self, why: Refusal) {
        self.refusals[why as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn refusals(&self, why: Refusal) -> u64 {
        self.refusals[why as usize].load(Ordering::Relaxed)
    }

    pub fn connections_open(&self, n: usize) {
        self.connections.store(n as u64, Ordering::Relaxed);
    }

    /// A WebSocket opened (`1`) or closed (`-1`).
    pub fn sync_connection(&self, opened: bool) {
        if opened {
            self.sync_connections.fetch_add(1, Ordering::Relaxed);
        } else {
            self.sync_connections.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// A push stored for the first time.
    pub fn pushed(&self) {
        self.pushes.fetch_add(1, Ordering::Relaxed);
    }

    /// News of a push sent to another device, `latency` after the push arrived.
    pub fn delivered(&self, latency: std::time::Duration) {
        self.deliveries.fetch_add(1, Ordering::Relaxed);
        let seconds = latency.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency_micros
            .fetch_add(latency.as_micros() as u64, Ordering::Relaxed);
    }

    /// The connection that hears other relay processes' pushes (PostgreSQL) was lost and is
    /// back, and the networks with devices here were told their latest state.
    pub fn listener_reconnected(&self) {
        self.listener_reconnects.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters in Prometheus' text format, with the sizes read for this scrape.
    pub fn render(&self, sizes: Sizes) -> String {
        let mut out = String::new();
        let gauges = [
            (
                "colloquy_store_bytes",
                "Bytes of the relay's database files.",
                sizes.store,
            ),
            (
                "colloquy_wal_bytes",
                "Bytes of the SQLite write-ahead log.",
                sizes.wal,
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        for (name, help, value) in [
            (
                "colloquy_pushes_total",
                "Pushes stored (each blob once).",
                &self.pushes,
            ),
            (
                "colloquy_deliveries_total",
                "Pushes sent on to another connected device.",
                &self.deliveries,
            ),
            (
                "colloquy_listener_reconnects_total",
                "Times the connection hearing other relays' pushes came back after a loss.",
                &self.listener_reconnects,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let name = "colloquy_delivery_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} From a push reaching the relay to its news leaving for another device.\n# TYPE {name} histogram"
        );
        let mut cumulative = 0;
        for (i, count) in self.latency.iter().enumerate() {
            cumulative += count.load(Ordering::Relaxed);
            let le = LATENCY_BUCKETS
                .get(i)
                .map_or("+Inf".to_owned(), |b| b.to_string());
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let _ = writeln!(
            out,
            "{name}_sum {}\n{name}_count {cumulative}",
            self.latency_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        for (name, help, value) in [
            (
                "colloquy_connections",
                "Open TCP connections.",
                &self.connections,
            ),
            (
                "colloquy_sync_connections",
                "Open sync WebSockets.",
                &self.sync_connections,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP colloquy_refusals_total Connections and requests refused, by reason.\n",
        );
        out.push_str("# TYPE colloquy_refusals_total counter\n");
        for why in Refusal::ALL {
            let _ = writeln!(
                out,
                "colloquy_refusals_total{{reason=\"{}\"}} {}",
                why.label(),
                self.refusals(why)
            );
        }
        out
    }
}

/// One figure read back from [`Metrics::render`]'s text (for tests and tools).
pub fn read(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_counted_by_reason() {
        let metrics = Metrics::default();
        metrics.refused(Refusal::Disk);
        metrics.refused(Refusal::Disk);
        metrics.refused(Refusal::Origin);
        let text = metrics.render(Sizes::default());
        assert_eq!(
            read(&text, "colloquy_refusals_total{reason=\"disk\"}"),
            Some(2)
        );
        assert_eq!(
            read(&text, "colloquy_refusals_total{reason=\"origin\"}"),
            Some(1)
        );
        assert_eq!(
            read(&text, "colloquy_refusals_total{reason=\"rate\"}"),
            Some(0)
        );
    }

    #[test]
    fn delivery_latencies_fall_into_cumulative_buckets() {
        let metrics = Metrics::default();
        for ms in [0, 3, 3, 40, 2000] {
            metrics.delivered(std::time::Duration::from_millis(ms));
        }
        let text = metrics.render(Sizes::default());
        let bucket = |le: &str| {
            read(
                &text,
                &format!("colloquy_delivery_seconds_bucket{{le=\"{le}\"}}"),
            )
        };
        assert_eq!(bucket("0.0005"), Some(1));
        assert_eq!(bucket("0.005"), Some(3));
        assert_eq!(bucket("0.05"), Some(4));
        assert_eq!(bucket("1"), Some(4));
        assert_eq!(bucket("+Inf"), Some(5));
        assert_eq!(read(&text, "colloquy_deliveries_total"), Some(5));
        assert_eq!(read(&text, "colloquy_delivery_seconds_count"), Some(5));
    }
}
