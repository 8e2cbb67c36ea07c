//! Counters of what the server refused and holds, served at `/metrics` in Prometheus' text
//! format.

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

#[derive(Default)]
pub struct Metrics {
    refusals: [AtomicU64; Refusal::ALL.len()],
    connections: AtomicU64,
    sync_connections: AtomicU64,
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

    /// The counters in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
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
        let text = metrics.render();
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
}
