//! Three devices and an in-memory relay under random schedules: edits, partitions, lost
//! frames, disconnects and crashes. After healing, every device holds every edit ever made.
//!
//! CI runs proptest's default number of schedules; `PROPTEST_CASES=10000 cargo test --release
//! -p app --lib sync::tests` runs ten thousand.

use std::collections::{HashMap, VecDeque};

use proptest::prelude::*;

use super::memory::MemoryLog;
use super::*;
use crate::crypto::RootSecret;
use crate::doc::Network;
use crate::domain::{Person, PersonId};

const DEVICES: usize = 3;
const PEOPLE: usize = 3;

struct Device {
    network: Network,
    client: SyncClient,
    /// Heads as of the last push: the next push carries what came after.
    pushed: Vec<automerge::ChangeHash>,
    /// What survives a crash besides the document (which the app saves on every change): the
    /// client's persisted state and the pushed heads, written together when a push is made
    /// (as the browser's driver keeps `colloquy/sync/state` and `colloquy/sync/pushed`).
    saved_sync: Persisted,
    saved_pushed: Vec<automerge::ChangeHash>,
    /// Frames in flight on the current connection, each way.
    up: VecDeque<Vec<u8>>,
    down: VecDeque<Vec<u8>>,
    connection: Option<u64>,
}

impl Device {
    fn new(secret: &RootSecret, genesis: &[u8]) -> Device {
        let mut network = Network::load(genesis).unwrap();
        let pushed = network.heads();
        Device {
            client: SyncClient::new(secret.keys(), Persisted::default()),
            network,
            saved_pushed: pushed.clone(),
            pushed,
            saved_sync: Persisted::default(),
            up: VecDeque::new(),
            down: VecDeque::new(),
            connection: None,
        }
    }

    fn handle(&mut self, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Send(frame) => {
                    if self.connection.is_some() {
                        self.up.push_back(frame);
                    }
                }
                Output::Apply(bytes) => {
                    let unpushed = self.network.heads() != self.pushed;
                    self.network.apply(&bytes).expect("relay blobs apply");
                    if !unpushed {
                        self.pushed = self.network.heads();
                        self.saved_pushed = self.pushed.clone();
                    }
                }
                Output::Persist => self.saved_sync = self.client.persisted().clone(),
                // The relay lost what it had: the whole document goes again.
                Output::ResendAll => {
                    let out = self.client.push(&self.network.save());
                    self.saved_sync = self.client.persisted().clone();
                    self.handle(out);
                }
                Output::Status(_) => {}
            }
        }
    }

    /// An edit is saved with the document at once; it is pushed later ([`Device::push`]), as
    /// the app pushes once edits pause, so a crash can fall in between.
    fn edit(&mut self, person: usize, marker: &str, now: i64) {
        let id = PersonId::from(format!("p{person}"));
        let mut p = self.network.person(&id).unwrap().expect("seeded person");
        p.notes.push_str(marker);
        self.network.put_person(&id, &p, now).unwrap();
    }

    fn add(&mut self, marker: &str, now: i64) {
        let id = PersonId::from(format!("new-{marker}"));
        let person = Person {
            name: marker.to_owned(),
            notes: marker.to_owned(),
            ..Person::default()
        };
        self.network.put_person(&id, &person, now).unwrap();
    }

    /// Pushes what changed since the last push; the outbox and the pushed heads are stored
    /// together before anything is sent.
    fn push(&mut self) {
        let changes = self.network.save_after(&self.pushed);
        if changes.is_empty() {
            return;
        }
        self.pushed = self.network.heads();
        let out = self.client.push(&changes);
        self.saved_sync = self.client.persisted().clone();
        self.saved_pushed = self.pushed.clone();
        self.handle(out);
    }

    fn crash(&mut self, secret: &RootSecret) {
        // The app saves the document on every change, so a restart reads all of it back, and
        // the sync state as it was last stored: edits saved but not yet pushed are pushed again
        // from the stored heads, as the app does when it starts.
        self.network = Network::load(&self.network.save()).unwrap();
        self.pushed = self.saved_pushed.clone();
        self.client = SyncClient::new(secret.keys(), self.saved_sync.clone());
        self.connection = None;
        self.up.clear();
        self.down.clear();
        self.push();
    }
}

/// A relay in memory: sessions over one log, as the server runs them.
pub(crate) struct Relay {
    log: MemoryLog,
    /// A copy of the log taken earlier, for a restore.
    backup: Option<MemoryLog>,
    restores: u8,
    limits: Limits,
    sessions: HashMap<u64, (RelaySession, usize)>,
    next: u64,
}

impl Relay {
    pub(crate) fn new(limits: Limits) -> Relay {
        Relay {
            log: MemoryLog::default(),
            backup: None,
            restores: 0,
            limits,
            sessions: HashMap::new(),
            next: 0,
        }
    }

    /// The connection closes (the device closed its socket).
    pub(crate) fn close(&mut self, connection: u64) {
        self.sessions.remove(&connection);
    }

    pub(crate) fn connect(&mut self, device: usize) -> u64 {
        self.next += 1;
        let nonce = [self.next as u8; 32];
        self.sessions.insert(
            self.next,
            (RelaySession::new(self.limits, nonce, 0), device),
        );
        self.next
    }

    /// Takes one frame from a connection; returns frames for devices: (device, connection, frame).
    pub(crate) fn take(
        &mut self,
        connection: u64,
        frame: &[u8],
        now: i64,
    ) -> Vec<(usize, u64, Vec<u8>)> {
        let mut out = Vec::new();
        let Some((session, device)) = self.sessions.get_mut(&connection) else {
            return out;
        };
        let device = *device;
        let mut request = session.on_frame(frame, now);
        loop {
            match request {
                Request::Nothing => break,
                Request::Reply(msg) => {
                    out.push((device, connection, msg.encode()));
                    break;
                }
                Request::Refuse(msg) => {
                    out.push((device, connection, msg.encode()));
                    self.sessions.remove(&connection);
                    break;
                }
                Request::CheckKey { doc, key } => {
                    let (matched, latest) = self.log.check_key(&doc, &key);
                    let epoch = self.log.epoch;
                    request = self
                        .sessions
                        .get_mut(&connection)
                        .unwrap()
                        .0
                        .key_checked(matched, latest, epoch);
                }
                Request::Read { doc, since } => {
                    let page = self.log.read(&doc, since, &self.limits);
                    let msg = self
                        .sessions
                        .get_mut(&connection)
                        .unwrap()
                        .0
                        .page(page, now);
                    out.push((device, connection, msg.encode()));
                    break;
                }
                Request::Append {
                    doc,
                    blob_id,
                    sealed,
                } => {
                    match self.log.append(&doc, blob_id, sealed.clone(), &self.limits) {
                        Ok((seq, fresh)) => {
                            let ack = self
                                .sessions
                                .get_mut(&connection)
                                .unwrap()
                                .0
                                .appended(blob_id, seq);
                            out.push((device, connection, ack.encode()));
                            if fresh {
                                let blob = Blob {
                                    seq,
                                    blob_id,
                                    sealed,
                                };
                                for (&other, (session, other_device)) in &mut self.sessions {
                                    if other != connection && session.doc() == Some(doc) {
                                        if let Some(msg) = session.live_blob(&blob) {
                                            out.push((*other_device, other, msg.encode()));
                                        }
                                    }
                                }
                            }
                        }
                        Err(code) => out.push((
                            device,
                            connection,
                            ServerMsg::Error {
                                code,
                                message: "over quota".into(),
                            }
                            .encode(),
                        )),
                    }
                    break;
                }
                Request::PutSnapshot {
                    doc,
                    blob_id,
                    covers,
                    sealed,
                } => {
                    self.log.put_snapshot(
                        &doc,
                        Snapshot {
                            blob_id,
                            covers,
                            sealed,
                        },
                    );
                    out.push((
                        device,
                        connection,
                        ServerMsg::SnapshotStored { covers }.encode(),
                    ));
                    break;
                }
                Request::Delete { doc } => {
                    self.log.delete(&doc);
                    out.push((device, connection, ServerMsg::Deleted.encode()));
                    break;
                }
            }
        }
        out
    }
}

#[derive(Clone, Debug)]
enum Step {
    Edit {
        device: usize,
        person: usize,
    },
    Add {
        device: usize,
    },
    /// The device pushes what it saved since its last push (edits pause, or it starts).
    Push {
        device: usize,
    },
    Connect {
        device: usize,
    },
    Disconnect {
        device: usize,
    },
    /// Deliver up to `count` frames from the device to the relay.
    Up {
        device: usize,
        count: usize,
    },
    /// Deliver up to `count` frames from the relay to the device.
    Down {
        device: usize,
        count: usize,
    },
    /// The connection breaks with frames still on the way to the device (acks lost).
    LoseDown {
        device: usize,
    },
    Crash {
        device: usize,
    },
    /// The relay process dies: every connection drops; what it committed stays.
    CrashRelay,
    /// The operator copies the relay's store.
    Backup,
    /// The relay is stopped and its store replaced by the last backup (or by nothing, as if
    /// started over), under a new epoch.
    Restore,
    Snapshot {
        device: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let device = 0..DEVICES;
    prop_oneof![
        4 => (device.clone(), 0..PEOPLE).prop_map(|(device, person)| Step::Edit { device, person }),
        1 => device.clone().prop_map(|device| Step::Add { device }),
        3 => device.clone().prop_map(|device| Step::Push { device }),
        3 => device.clone().prop_map(|device| Step::Connect { device }),
        1 => device.clone().prop_map(|device| Step::Disconnect { device }),
        5 => (device.clone(), 1..4usize).prop_map(|(device, count)| Step::Up { device, count }),
        5 => (device.clone(), 1..4usize).prop_map(|(device, count)| Step::Down { device, count }),
        1 => device.clone().prop_map(|device| Step::LoseDown { device }),
        1 => device.clone().prop_map(|device| Step::Crash { device }),
        1 => Just(Step::CrashRelay),
        1 => Just(Step::Backup),
        1 => Just(Step::Restore),
        1 => device.prop_map(|device| Step::Snapshot { device }),
    ]
}

struct World {
    secret: RootSecret,
    devices: Vec<Device>,
    relay: Relay,
    markers: Vec<(Option<usize>, String)>,
    clock: i64,
}

impl World {
    fn new(limits: Limits) -> World {
        let secret = RootSecret::from_bytes([42; 32]);
        let mut genesis = Network::new();
        for i in 0..PEOPLE {
            let person = Person {
                name: format!("Person {i}"),
                ..Person::default()
            };
            genesis
                .put_person(&PersonId::from(format!("p{i}")), &person, 1)
                .unwrap();
        }
        let bytes = genesis.save();
        let mut devices: Vec<Device> = (0..DEVICES).map(|_| Device::new(&secret, &bytes)).collect();
        // The first device brought the network to the relay: its whole document is the first push.
        let out = devices[0].client.push(&bytes);
        devices[0].saved_sync = devices[0].client.persisted().clone();
        devices[0].handle(out);
        World {
            secret,
            devices,
            relay: Relay::new(limits),
            markers: Vec::new(),
            clock: 1_000,
        }
    }

    fn disconnect(&mut self, d: usize) {
        if let Some(connection) = self.devices[d].connection.take() {
            self.relay.sessions.remove(&connection);
        }
        let device = &mut self.devices[d];
        device.up.clear();
        device.down.clear();
        let out = device.client.disconnected();
        device.handle(out);
    }

    fn connect(&mut self, d: usize) {
        if self.devices[d].connection.is_some() {
            return;
        }
        let connection = self.relay.connect(d);
        let device = &mut self.devices[d];
        device.connection = Some(connection);
        let out = device.client.connected();
        device.handle(out);
    }

    fn up(&mut self, d: usize) -> bool {
        let Some(connection) = self.devices[d].connection else {
            return false;
        };
        let Some(frame) = self.devices[d].up.pop_front() else {
            return false;
        };
        self.clock += 7;
        for (device, conn, frame) in self.relay.take(connection, &frame, self.clock) {
            if self.devices[device].connection == Some(conn) {
                self.devices[device].down.push_back(frame);
            }
        }
        if !self.relay.sessions.contains_key(&connection) {
            // Refused: the relay closed the connection after its error frame.
            let pending: Vec<_> = self.devices[d].down.drain(..).collect();
            for frame in pending {
                let out = self.devices[d].client.received(&frame);
                self.devices[d].handle(out);
            }
            self.disconnect(d);
        }
        true
    }

    fn down(&mut self, d: usize) -> bool {
        let Some(frame) = self.devices[d].down.pop_front() else {
            return false;
        };
        let device = &mut self.devices[d];
        let out = device.client.received(&frame);
        device.handle(out);
        true
    }

    fn run(&mut self, step: &Step) {
        self.clock += 13;
        match *step {
            Step::Edit { device, person } => {
                let marker = format!("[edit-{:04}]", self.markers.len());
                self.devices[device].edit(person, &marker, self.clock);
                self.markers.push((Some(person), marker));
            }
            Step::Add { device } => {
                let marker = format!("added-{:04}", self.markers.len());
                self.devices[device].add(&marker, self.clock);
                self.markers.push((None, marker));
            }
            Step::Push { device } => self.devices[device].push(),
            Step::Connect { device } => self.connect(device),
            Step::Disconnect { device } => self.disconnect(device),
            Step::Up { device, count } => {
                for _ in 0..count {
                    self.up(device);
                }
            }
            Step::Down { device, count } => {
                for _ in 0..count {
                    self.down(device);
                }
            }
            Step::LoseDown { device } => self.disconnect(device),
            Step::Crash { device } => {
                if let Some(connection) = self.devices[device].connection.take() {
                    self.relay.sessions.remove(&connection);
                }
                let secret = self.secret.clone();
                self.devices[device].crash(&secret);
            }
            Step::CrashRelay => {
                for d in 0..DEVICES {
                    self.disconnect(d);
                }
            }
            Step::Backup => self.relay.backup = Some(self.relay.log.clone()),
            Step::Restore => {
                for d in 0..DEVICES {
                    self.disconnect(d);
                }
                self.relay.restores += 1;
                self.relay.log = self.relay.backup.clone().unwrap_or_default();
                self.relay.log.epoch = [self.relay.restores; 16];
            }
            Step::Snapshot { device } => {
                let dev = &mut self.devices[device];
                if dev.client.is_live() && dev.up.is_empty() && dev.down.is_empty() {
                    let document = dev.network.save();
                    let out = dev.client.put_snapshot(&document);
                    dev.handle(out);
                }
            }
        }
    }

    /// Everyone online until no frame is left in flight.
    fn heal(&mut self) {
        for d in 0..DEVICES {
            self.devices[d].push();
            self.connect(d);
        }
        for _ in 0..100_000 {
            let mut moved = false;
            for d in 0..DEVICES {
                moved |= self.up(d);
                moved |= self.down(d);
            }
            if !moved {
                // What a device's retry timer does: a second later, resend what's unacked.
                let waiting: Vec<usize> = (0..DEVICES)
                    .filter(|&d| self.devices[d].client.has_unacked())
                    .collect();
                if waiting.is_empty() {
                    return;
                }
                self.clock += 1_000;
                for d in waiting {
                    let out = self.devices[d].client.retry();
                    self.devices[d].handle(out);
                }
            }
        }
        panic!("sync did not settle");
    }

    fn view(&self, d: usize) -> Vec<(String, String, String)> {
        let (mut people, unreadable) = self.devices[d].network.people();
        assert!(unreadable.is_empty());
        people.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        people
            .into_iter()
            .map(|(id, p)| (id.as_str().to_owned(), p.name, p.notes))
            .collect()
    }
}

fn converge(steps: &[Step], limits: Limits) -> Result<(), TestCaseError> {
    let mut world = World::new(limits);
    for step in steps {
        world.run(step);
    }
    world.heal();
    let first = world.view(0);
    for d in 1..DEVICES {
        prop_assert_eq!(&world.view(d), &first, "device {} differs from device 0", d);
    }
    for d in 0..DEVICES {
        prop_assert_eq!(world.devices[d].client.status(), &Status::UpToDate);
        prop_assert!(world.devices[d].client.persisted().outbox.is_empty());
    }
    for (person, marker) in &world.markers {
        let found = match person {
            Some(i) => first
                .iter()
                .any(|(id, _, notes)| id == &format!("p{i}") && notes.contains(marker.as_str())),
            None => first.iter().any(|(_, name, _)| name == marker),
        };
        prop_assert!(found, "edit {} was lost", marker);
    }
    // The relay holds ciphertext only.
    for bytes in world.relay.log.all_bytes() {
        prop_assert!(!bytes.windows(8).any(|w| w == b"Person 0"));
        for (_, marker) in &world.markers {
            prop_assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()));
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn three_devices_always_converge(steps in prop::collection::vec(step(), 0..60)) {
        converge(&steps, Limits::default())?;
    }

    /// Tiny pages and a tight rate limit: catch-up pages, refused pushes retried later.
    #[test]
    fn small_pages_and_rate_limits_still_converge(steps in prop::collection::vec(step(), 0..40)) {
        converge(&steps, Limits { page_blobs: 2, pushes_per_second: 3, ..Limits::default() })?;
    }
}

#[test]
fn a_device_with_another_key_is_refused_and_told_why() {
    let mut world = World::new(Limits::default());
    world.connect(0);
    while world.up(0) || world.down(0) {}
    assert_eq!(world.devices[0].client.status(), &Status::UpToDate);
    // Same doc id, different signing key: a forged device that knows the public doc id.
    use ed25519_dalek::Signer;
    let forger = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let doc_id = RootSecret::from_bytes([42; 32]).keys().doc_id;
    let mut session = RelaySession::new(Limits::default(), [1; 32], 0);
    let doc = world.devices[0].client.persisted().cursor; // the log exists
    assert!(doc > 0);
    let hello = ClientMsg::Hello {
        doc_id: RootSecret::from_bytes([42; 32]).keys().doc_id.0,
    };
    assert!(matches!(
        session.on_frame(&hello.encode(), 0),
        Request::Reply(ServerMsg::Challenge { .. })
    ));
    let auth = ClientMsg::Auth {
        verifying_key: forger.verifying_key().to_bytes(),
        signature: forger
            .sign(&crate::crypto::challenge_message(&doc_id, &[1; 32]))
            .to_bytes(),
    };
    let Request::CheckKey { doc, key } = session.on_frame(&auth.encode(), 0) else {
        panic!("a valid signature over its own key reaches the key check");
    };
    let (matched, latest) = world.relay.log.check_key(&doc, &key);
    assert!(!matched);
    match session.key_checked(matched, latest, world.relay.log.epoch) {
        Request::Refuse(ServerMsg::Error { code, message }) => {
            assert_eq!(code, ErrorCode::Unauthorized);
            assert!(message.contains("another key"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A signature that doesn't match the presented key is refused before the store is asked.
    let mut session = RelaySession::new(Limits::default(), [2; 32], 0);
    session.on_frame(&hello.encode(), 0);
    let bad = ClientMsg::Auth {
        verifying_key: forger.verifying_key().to_bytes(),
        signature: [0; 64],
    };
    assert!(matches!(
        session.on_frame(&bad.encode(), 0),
        Request::Refuse(ServerMsg::Error {
            code: ErrorCode::Unauthorized,
            ..
        })
    ));
}

#[test]
fn an_oversized_frame_is_refused_with_its_limit() {
    let limits = Limits {
        max_frame: 1_000,
        ..Limits::default()
    };
    let mut session = RelaySession::new(limits, [0; 32], 0);
    match session.on_frame(&vec![1u8; 1_001], 0) {
        Request::Refuse(ServerMsg::Error { code, message }) => {
            assert_eq!(code, ErrorCode::TooLarge);
            assert!(
                message.contains("1001") && message.contains("1000"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn snapshots_replace_old_blobs_and_a_new_device_catches_up_from_them() {
    let mut world = World::new(Limits {
        page_blobs: 3,
        ..Limits::default()
    });
    world.connect(0);
    while world.up(0) || world.down(0) {}
    for round in 0..3 {
        for i in 0..10 {
            world.run(&Step::Edit {
                device: 0,
                person: i % PEOPLE,
            });
            world.run(&Step::Push { device: 0 });
            while world.up(0) || world.down(0) {}
        }
        world.run(&Step::Snapshot { device: 0 });
        while world.up(0) || world.down(0) {}
        assert_eq!(
            world.devices[0].client.persisted().snapshot_covers,
            world.devices[0].client.persisted().cursor,
            "round {round}"
        );
    }
    // Device 1 has never connected: it starts from a snapshot and the blobs after it.
    world.heal();
    assert_eq!(world.view(1), world.view(0));
    let doc = world.secret.keys().doc_id;
    let page = world.relay.log.read(&doc, 0, &Limits::default());
    assert!(page.snapshot.is_some(), "old blobs were compacted away");
}

#[test]
fn after_the_relay_is_restored_from_an_older_backup_every_edit_still_reaches_every_device() {
    let mut world = World::new(Limits::default());
    world.connect(0);
    while world.up(0) || world.down(0) {}
    world.run(&Step::Backup);
    // Edits the relay acknowledges after the backup, while the phone is away.
    for person in 0..3 {
        world.run(&Step::Edit { device: 0, person });
        world.run(&Step::Push { device: 0 });
        while world.up(0) || world.down(0) {}
    }
    assert!(world.devices[0].client.persisted().outbox.is_empty());
    let cursor = world.devices[0].client.persisted().cursor;
    world.run(&Step::Restore);
    assert!(world.relay.log.latest(&world.secret.keys().doc_id) < cursor);
    world.heal();
    assert_eq!(world.view(1), world.view(0));
    assert_eq!(world.view(2), world.view(0));
    for (person, marker) in &world.markers {
        let id = format!("p{}", person.unwrap());
        assert!(
            world
                .view(1)
                .iter()
                .any(|(p, _, notes)| p == &id && notes.contains(marker.as_str())),
            "{marker} was lost"
        );
    }
}
