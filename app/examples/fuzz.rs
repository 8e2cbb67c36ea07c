//! A fuzzer on stable Rust for what reaches Colloquy from the network: the sync frame decoders,
//! the relay's session, and a saved network. It starts from valid frames and a valid network,
//! damages them (flips, cuts, inserts, lying lengths, splices), and checks the documented
//! outcome of each: refused whole, or read exactly (it encodes back to the bytes received); the
//! relay's session answers every frame without a panic; a damaged network is refused or loads
//! and saves again.
//!
//!     cargo run --release -p app --example fuzz -- --seconds 600 [--seed N]
//!
//! A failing input is printed in hex with the seed that found it, and the run exits with 1.

use app::crypto::RootSecret;
use app::doc::Network;
use app::domain::{Person, PersonId};
use app::sync::memory::MemoryLog;
use app::sync::{Blob, ClientMsg, ErrorCode, Limits, RelaySession, Request, ServerMsg, Snapshot};

/// xorshift64*: small, fast, and the same run for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn client_seeds() -> Vec<Vec<u8>> {
    let keys = RootSecret::from_bytes([3; 32]).keys();
    [
        ClientMsg::Hello {
            doc_id: keys.doc_id.0,
        },
        ClientMsg::Auth {
            verifying_key: keys.verifying_key(),
            signature: keys.sign_challenge(&[9; 32]),
        },
        ClientMsg::Subscribe { since: 7 },
        ClientMsg::Push {
            blob_id: [1; 16],
            sealed: vec![5; 40],
        },
        ClientMsg::PutSnapshot {
            blob_id: [2; 16],
            covers: 3,
            sealed: vec![6; 40],
        },
        ClientMsg::Delete,
        ClientMsg::Ping,
    ]
    .iter()
    .map(ClientMsg::encode)
    .collect()
}

fn server_seeds() -> Vec<Vec<u8>> {
    let blob = |seq| Blob {
        seq,
        blob_id: [seq as u8; 16],
        sealed: vec![seq as u8; 24],
    };
    [
        ServerMsg::Challenge { nonce: [4; 32] },
        ServerMsg::Welcome {
            latest: 12,
            epoch: [3; 16],
        },
        ServerMsg::Blobs {
            snapshot: Some(Snapshot {
                blob_id: [8; 16],
                covers: 2,
                sealed: vec![1; 30],
            }),
            blobs: vec![blob(3), blob(4)],
            more: true,
        },
        ServerMsg::Ack {
            blob_id: [1; 16],
            seq: 9,
        },
        ServerMsg::SnapshotStored { covers: 9 },
        ServerMsg::Notify { latest: 10 },
        ServerMsg::Deleted,
        ServerMsg::Error {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        },
        ServerMsg::Pong,
    ]
    .iter()
    .map(ServerMsg::encode)
    .collect()
}

fn network_seed() -> Vec<u8> {
    let mut network = Network::new();
    for i in 0..6 {
        let person = Person {
            name: format!("Person {i}"),
            notes: "notes ".repeat(i),
            ..Person::default()
        };
        network
            .put_person(&PersonId::from(format!("p{i}")), &person, i as i64)
            .expect("a fresh network takes a person");
    }
    network.save()
}

/// One damage of `bytes`, as a broken or hostile peer might send instead.
fn damage(rng: &mut Rng, bytes: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let len = out.len().max(1);
    match rng.below(6) {
        0 => {
            let at = rng.below(len);
            if let Some(b) = out.get_mut(at) {
                *b ^= (rng.next() as u8).max(1);
            }
        }
        1 => out.truncate(rng.below(len)),
        2 => out.insert(rng.below(out.len() + 1), rng.next() as u8),
        3 => out.extend((0..1 + rng.below(8)).map(|_| rng.next() as u8)),
        4 => {
            // A length field that lies.
            let at = rng.below(len);
            let n = [u32::MAX, 0, rng.next() as u32 % 300, rng.next() as u32][rng.below(4)];
            let end = (at + 4).min(out.len());
            if at < end {
                out.splice(at..end, n.to_le_bytes()[..end - at].iter().copied());
            }
        }
        _ => {
            // The head of one, the tail of another.
            let cut = rng.below(len);
            let from = rng.below(other.len().max(1));
            out.truncate(cut);
            out.extend_from_slice(other.get(from..).unwrap_or_default());
        }
    }
    out
}

/// A session that has authenticated, so frames reach every phase's handling.
fn live_session(log: &mut MemoryLog, limits: Limits) -> RelaySession {
    let keys = RootSecret::from_bytes([3; 32]).keys();
    let nonce = [9; 32];
    let mut session = RelaySession::new(limits, nonce, 0);
    session.on_frame(
        &ClientMsg::Hello {
            doc_id: keys.doc_id.0,
        }
        .encode(),
        0,
    );
    let auth = ClientMsg::Auth {
        verifying_key: keys.verifying_key(),
        signature: keys.sign_challenge(&nonce),
    };
    if let Request::CheckKey { doc, key } = session.on_frame(&auth.encode(), 0) {
        let (matched, latest) = log.check_key(&doc, &key);
        session.key_checked(matched, latest, [3; 16]);
    }
    assert!(session.is_live(), "the fuzzer's session authenticates");
    session
}

/// Runs a frame through a session and the store the way the relay does; every answer must
/// be a frame a device can read.
fn relay_takes(log: &mut MemoryLog, session: &mut RelaySession, frame: &[u8], now: i64) {
    let limits = Limits::default();
    let reply = match session.on_frame(frame, now) {
        Request::Reply(msg) | Request::Refuse(msg) => Some(msg),
        Request::Nothing | Request::CheckKey { .. } => None,
        Request::Read { doc, since } => Some(session.page(log.read(&doc, since, &limits), now)),
        Request::Append {
            doc,
            blob_id,
            sealed,
        } => log
            .append(&doc, blob_id, sealed, &limits)
            .ok()
            .map(|(seq, _)| session.appended(blob_id, seq)),
        Request::PutSnapshot {
            doc,
            blob_id,
            covers,
            sealed,
        } => {
            log.put_snapshot(
                &doc,
                Snapshot {
                    blob_id,
                    covers,
                    sealed,
                },
            );
            Some(ServerMsg::SnapshotStored { covers })
        }
        Request::Delete { doc } => {
            log.delete(&doc);
            Some(ServerMsg::Deleted)
        }
    };
    if let Some(msg) = reply {
        let bytes = msg.encode();
        assert_eq!(
            ServerMsg::decode(&bytes).as_ref(),
            Ok(&msg),
            "an answer reads back"
        );
    }
}

fn main() {
    let mut seconds = 60u64;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse().ok());
        match (arg.as_str(), value) {
            ("--seconds", Some(v)) => seconds = v,
            ("--seed", Some(v)) => seed = v,
            _ => {
                eprintln!("usage: fuzz [--seconds N] [--seed N]");
                std::process::exit(2);
            }
        }
    }
    println!("fuzzing for {seconds} s with seed {seed}");
    // A panic is reported with its input below, not by the default hook.
    std::panic::set_hook(Box::new(|_| {}));
    let client = client_seeds();
    let server = server_seeds();
    let network = network_seed();
    let mut rng = Rng(seed);
    let mut log = MemoryLog::default();
    let limits = Limits::default();
    let mut session = live_session(&mut log, limits);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let (mut runs, mut read, mut loaded) = (0u64, 0u64, 0u64);
    while std::time::Instant::now() < deadline {
        for _ in 0..256 {
            runs += 1;
            let which = rng.below(3);
            let (seeds, other) = match which {
                0 => (&client, &server),
                1 => (&server, &client),
                _ => (&client, &client),
            };
            let input = if which == 2 && rng.below(8) == 0 {
                damage(&mut rng, &network, &network)
            } else {
                let seed_frame = &seeds[rng.below(seeds.len())];
                let other_frame = &other[rng.below(other.len())];
                let mut bytes = damage(&mut rng, seed_frame, other_frame);
                // Sometimes a second damage on top of the first.
                if rng.below(4) == 0 {
                    bytes = damage(&mut rng, &bytes, other_frame);
                }
                bytes
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut took = false;
                if let Ok(msg) = ClientMsg::decode(&input) {
                    assert_eq!(msg.encode(), input, "a client frame reads two ways");
                    took = true;
                }
                if let Ok(msg) = ServerMsg::decode(&input) {
                    assert_eq!(msg.encode(), input, "a server frame reads two ways");
                    took = true;
                }
                relay_takes(&mut log, &mut session, &input, runs as i64);
                let network_loaded = if which == 2 {
                    match Network::load(&input) {
                        Ok(mut network) => {
                            Network::load(&network.save())
                                .expect("a loaded network saves and loads");
                            true
                        }
                        Err(_) => false,
                    }
                } else {
                    false
                };
                (took, network_loaded)
            }));
            match outcome {
                Ok((took, network_loaded)) => {
                    read += u64::from(took);
                    loaded += u64::from(network_loaded);
                }
                Err(panic) => {
                    let why = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
                    println!("FAILED after {runs} inputs (seed {seed}): {why}\ninput: {hex}");
                    std::process::exit(1);
                }
            }
            // A session that was refused and closed starts again, as a new connection would.
            if !session.is_live() {
                session = live_session(&mut log, limits);
            }
        }
    }
    println!(
        "{runs} inputs in {seconds} s ({:.0}/s): {read} read as frames (each encoded back to \
         its bytes), {loaded} damaged networks loaded and saved again, no panic",
        runs as f64 / seconds.max(1) as f64
    );
}
