//! Replicas syncing through a relay in memory, with a holder that does what their effects ask
//! (a socket per device, the timers, the clock) as the page does.

use super::*;
use crate::doc::store::{CompactionPolicy, MemoryKv, Store};
use crate::doc::Command;
use crate::domain::{Person, PersonId};
use crate::sync::stored::{SECRET_KEY, STATE_KEY};
use crate::sync::tests::Relay;
use crate::sync::{Limits, Persisted};
use std::collections::VecDeque;

const POLICY: CompactionPolicy = CompactionPolicy {
    max_chunks: 4,
    min_chunk_bytes: 1024,
};

struct Device {
    kv: MemoryKv,
    replica: Replica,
    connection: Option<u64>,
    /// Timers set, with the time each fires.
    timers: Vec<(i64, Timer)>,
    status: Option<Status>,
    /// Every status shown, in order.
    statuses: Vec<Option<Status>>,
    deleted: bool,
    problems: Vec<Problem>,
}

struct World {
    relay: Relay,
    devices: Vec<Device>,
    /// Frames on their way to devices: (device, connection, frame).
    inbox: VecDeque<(usize, u64, Vec<u8>)>,
    clock: i64,
}

impl World {
    fn new() -> World {
        World {
            relay: Relay::new(Limits::default()),
            devices: Vec::new(),
            inbox: VecDeque::new(),
            clock: 1_000,
        }
    }

    /// A device opening its network from `kv` (a new one when it is empty).
    fn open(&mut self, kv: MemoryKv) -> usize {
        let opened = Store::open(Box::new(kv.clone()) as Box<dyn KeyValue>, "tab", POLICY).unwrap();
        let (replica, effects) = Replica::open(opened, None, self.clock);
        self.devices.push(Device {
            kv,
            replica,
            connection: None,
            timers: Vec::new(),
            status: None,
            statuses: Vec::new(),
            deleted: false,
            problems: Vec::new(),
        });
        let d = self.devices.len() - 1;
        self.perform(d, effects);
        d
    }

    /// The device stops (its page is closed): its socket closes, its timers are gone.
    fn close(&mut self, d: usize) {
        if let Some(connection) = self.devices[d].connection.take() {
            self.relay.close(connection);
        }
        self.devices[d].timers.clear();
    }

    fn event(&mut self, d: usize, event: impl FnOnce(&mut Replica, i64) -> Effects) {
        let effects = event(&mut self.devices[d].replica, self.clock);
        self.perform(d, effects);
    }

    fn add(&mut self, d: usize, name: &str) {
        let command = Command::PutPerson {
            id: PersonId::from(name),
            person: Person {
                name: name.into(),
                ..Person::default()
            },
        };
        self.event(d, |r, now| r.run(&command, now).unwrap().1);
    }

    fn perform(&mut self, d: usize, effects: Effects) {
        let device = &mut self.devices[d];
        device.problems.extend(effects.problems);
        for timer in effects.timers {
            device.timers.push((self.clock + timer.after(), timer));
        }
        for effect in effects.sync {
            match effect {
                SyncEffect::Connect { .. } => {
                    if let Some(old) = self.devices[d].connection.take() {
                        self.relay.close(old);
                    }
                    self.devices[d].connection = Some(self.relay.connect(d));
                    self.event(d, |r, now| r.sync_opened(now));
                }
                SyncEffect::Send(frame) => {
                    if let Some(connection) = self.devices[d].connection {
                        let replies = self.relay.take(connection, &frame, self.clock);
                        self.inbox.extend(replies);
                    }
                }
                SyncEffect::Close => {
                    if let Some(connection) = self.devices[d].connection.take() {
                        self.relay.close(connection);
                    }
                }
                SyncEffect::Status(status) => {
                    self.devices[d].status = status.clone();
                    self.devices[d].statuses.push(status);
                }
                SyncEffect::Deleted => self.devices[d].deleted = true,
            }
        }
    }

    /// Delivers every frame and fires every timer but sync's tick, until nothing is left.
    fn settle(&mut self) {
        for _ in 0..10_000 {
            if !self.step() {
                return;
            }
        }
        panic!("sync never settled");
    }

    /// Delivers the next frame, or else fires the next timer but sync's tick; false when
    /// there is neither.
    fn step(&mut self) -> bool {
        if let Some((d, connection, frame)) = self.inbox.pop_front() {
            if d < self.devices.len() && self.devices[d].connection == Some(connection) {
                self.event(d, |r, now| r.sync_received(&frame, now));
            }
            return true;
        }
        let next = self
            .devices
            .iter()
            .enumerate()
            .flat_map(|(d, device)| device.timers.iter().map(move |(at, t)| (*at, d, *t)))
            .filter(|(_, _, t)| !matches!(t, Timer::SyncTick { .. }))
            .min_by_key(|(at, _, _)| *at);
        let Some((at, d, timer)) = next else {
            return false;
        };
        self.devices[d]
            .timers
            .retain(|(a, t)| (*a, *t) != (at, timer));
        self.clock = self.clock.max(at);
        self.fire(d, timer);
        true
    }

    fn fire(&mut self, d: usize, timer: Timer) {
        match timer {
            Timer::TypingPause { keystroke, .. } => {
                self.event(d, |r, now| r.typing_paused(keystroke, now))
            }
            Timer::Upkeep { .. } => self.event(d, |r, now| {
                let (mut effects, pending) = r.upkeep(now);
                if let Some(pending) = pending {
                    let verified = r.verify(&pending);
                    effects.merge(r.finish_compaction(pending, verified, now));
                }
                effects
            }),
            Timer::Push { .. } => self.event(d, |r, now| r.sync_push(now)),
            Timer::SyncTick { session, .. } => self.event(d, |r, now| r.sync_tick(session, now)),
            Timer::Reconnect { session, .. } => {
                self.event(d, |r, now| r.sync_reconnect(session, now))
            }
        }
    }

    fn names(&self, d: usize) -> Vec<String> {
        let replica = &self.devices[d].replica;
        replica.rows().iter().map(|r| r.name.clone()).collect()
    }

    /// Another client of the same network pushes `bytes` as a change, as a device with a
    /// fault (or a newer version) might.
    fn push_raw(&mut self, secret: &RootSecret, bytes: &[u8]) {
        let mut client = SyncClient::new(secret.keys(), Persisted::default());
        let connection = self.relay.connect(usize::MAX);
        let mut outputs = client.connected();
        outputs.extend(client.push(bytes));
        let mut frames: VecDeque<Vec<u8>> = VecDeque::new();
        loop {
            for output in outputs.drain(..) {
                if let Output::Send(frame) = output {
                    for (to, _, reply) in self.relay.take(connection, &frame, self.clock) {
                        if to == usize::MAX {
                            frames.push_back(reply);
                        } else {
                            self.inbox.push_back((to, connection, reply));
                        }
                    }
                }
            }
            let Some(frame) = frames.pop_front() else {
                break;
            };
            outputs = client.received(&frame);
        }
        // (Frames for the devices were queued under the rogue's connection: send them on.)
        let devices: Vec<(usize, u64)> = self
            .devices
            .iter()
            .enumerate()
            .filter_map(|(d, device)| Some((d, device.connection?)))
            .collect();
        for entry in &mut self.inbox {
            if let Some((_, connection)) = devices.iter().find(|(d, _)| *d == entry.0) {
                entry.1 = *connection;
            }
        }
        assert!(!client.has_unacked(), "the relay took the push");
        self.relay.close(connection);
    }
}

fn secret() -> RootSecret {
    RootSecret::from_bytes([7; 32])
}

/// Two devices, each with a person of its own, syncing the same network.
fn paired() -> World {
    let mut world = World::new();
    let a = world.open(MemoryKv::default());
    world.add(a, "Ada");
    world.event(a, |r, now| r.sync_start(&secret(), true, true, now));
    world.settle();
    let b = world.open(MemoryKv::default());
    world.add(b, "Bea");
    world.event(b, |r, now| r.sync_start(&secret(), true, true, now));
    world.settle();
    world
}

#[test]
fn up_to_date_is_shown_only_once_the_relay_has_every_change() {
    let mut world = World::new();
    let a = world.open(MemoryKv::default());
    world.add(a, "Ada");
    world.event(a, |r, now| r.sync_start(&secret(), true, true, now));
    let mut shown = 0;
    let mut check = |world: &mut World| {
        let device = &mut world.devices[a];
        if device.status == Some(Status::UpToDate) {
            shown += 1;
            let heads = device.replica.heads();
            let sync = device.replica.sync.as_ref().unwrap();
            assert!(!sync.client.has_unacked());
            assert_eq!(sync.pushed, heads, "up to date with changes unpushed");
        }
    };
    while world.step() {
        check(&mut world);
    }
    // An edit: "syncing…" until it is at the relay.
    world.add(a, "Bea");
    assert_eq!(world.devices[a].status, Some(Status::Syncing));
    while world.step() {
        check(&mut world);
    }
    assert!(shown >= 2, "up to date shown at the end of each");
    assert_eq!(world.devices[a].status, Some(Status::UpToDate));
}

#[test]
fn two_devices_pair_and_keep_each_others_edits() {
    let mut world = paired();
    world.add(0, "Cy");
    world.settle();
    assert_eq!(world.names(0), ["Ada", "Bea", "Cy"]);
    assert_eq!(world.names(1), ["Ada", "Bea", "Cy"]);
    for d in 0..2 {
        assert_eq!(
            world.devices[d].status,
            Some(Status::UpToDate),
            "device {d}"
        );
    }
    // What came from the relay was saved: the phone lists it at its next opening.
    let kv = world.devices[1].kv.clone();
    world.close(1);
    let again = world.open(kv);
    assert_eq!(world.names(again), ["Ada", "Bea", "Cy"]);
}

#[test]
fn edits_made_offline_go_once_the_device_is_back() {
    let mut world = paired();
    world.event(1, |r, now| r.sync_online(false, now));
    assert_eq!(world.devices[1].connection, None, "the socket closed");
    assert_eq!(world.devices[1].status, Some(Status::Offline));
    world.add(1, "Dee");
    world.settle();
    assert_eq!(world.names(0), ["Ada", "Bea"]);
    // The phone's page is closed before it is back online; a new page resumes from storage.
    let kv = world.devices[1].kv.clone();
    world.close(1);
    let phone = world.open(kv);
    world.event(phone, |r, now| r.sync_resume(true, now));
    world.settle();
    assert_eq!(world.names(0), ["Ada", "Bea", "Dee"]);
    assert_eq!(world.devices[phone].status, Some(Status::UpToDate));
}

#[test]
fn a_change_that_fails_to_apply_is_fetched_again_then_kept_aside() {
    let mut world = paired();
    world.push_raw(&secret(), b"not an automerge change");
    world.add(0, "Eve");
    world.settle();
    let phone = &world.devices[1];
    let errors = phone
        .statuses
        .iter()
        .filter(|s| matches!(s, Some(Status::Error(_))))
        .count();
    // Fetched again after each failure (not skipped), then kept aside on the last attempt.
    assert_eq!(errors as u32, APPLY_ATTEMPTS - 1, "{:?}", phone.statuses);
    let kept = phone.replica.kept_aside();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].0.starts_with(UNREADABLE));
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(&kept[0].1)
            .unwrap(),
        b"not an automerge change"
    );
    assert!(matches!(
        phone.problems.as_slice(),
        [Problem::Unreadable { .. }]
    ));
    // And sync went on past it.
    assert_eq!(world.names(1), ["Ada", "Bea", "Eve"]);
    assert_eq!(world.devices[1].status, Some(Status::UpToDate));
}

#[test]
fn a_page_closed_after_a_failed_apply_fetches_the_change_again() {
    let mut world = paired();
    let before = SyncStore::new(world.devices[1].kv.clone()).state().cursor;
    world.push_raw(&secret(), b"not an automerge change");
    world.add(0, "Eve");
    while !matches!(world.devices[1].status, Some(Status::Error(_))) {
        assert!(world.step(), "the phone never failed");
    }
    // The stored position is still before the change that failed.
    let stored = SyncStore::new(world.devices[1].kv.clone()).state().cursor;
    assert_eq!(stored, before);
    let kv = world.devices[1].kv.clone();
    world.close(1);
    let phone = world.open(kv);
    world.event(phone, |r, now| r.sync_resume(true, now));
    world.settle();
    assert_eq!(world.names(phone), ["Ada", "Bea", "Eve"]);
    assert_eq!(world.devices[phone].replica.kept_aside().len(), 1);
}

#[test]
fn deleting_the_relay_copy_turns_sync_off_and_keeps_the_network() {
    let mut world = paired();
    world.event(1, |r, now| r.sync_delete(now));
    world.settle();
    let phone = &world.devices[1];
    assert!(phone.deleted);
    assert_eq!(phone.status, None);
    assert_eq!(phone.connection, None);
    assert_eq!(phone.kv.get(SECRET_KEY).unwrap(), None);
    assert_eq!(phone.kv.get(STATE_KEY).unwrap(), None);
    assert_eq!(world.names(1), ["Ada", "Bea"]);
    // Nothing is pushed once sync is off.
    world.add(1, "Gus");
    assert!(!world.devices[1]
        .timers
        .iter()
        .any(|(_, t)| matches!(t, Timer::Push { .. })));
}

#[test]
fn a_stopped_sync_ignores_its_old_timers() {
    let mut world = paired();
    let old: Vec<Timer> = world.devices[1]
        .timers
        .iter()
        .map(|(_, t)| *t)
        .filter(|t| matches!(t, Timer::SyncTick { .. } | Timer::Reconnect { .. }))
        .collect();
    assert!(old.iter().any(|t| matches!(t, Timer::SyncTick { .. })));
    world.event(1, |r, _| r.sync_forget());
    world.event(1, |r, now| r.sync_start(&secret(), false, true, now));
    world.settle();
    let before = world.inbox.len();
    for timer in old {
        world.fire(1, timer);
    }
    // The old session's tick sent nothing (no ping, no retry) and opened no socket.
    assert_eq!(world.inbox.len(), before);
    let connection = world.devices[1].connection;
    world.settle();
    assert_eq!(world.devices[1].connection, connection);
}

#[test]
fn the_tick_retries_unacknowledged_pushes() {
    let mut world = paired();
    world.add(1, "Hal");
    // The push goes out but its frames are lost on the way back (no ack).
    let push = world.devices[1]
        .timers
        .iter()
        .find(|(_, t)| matches!(t, Timer::Push { .. }))
        .map(|(_, t)| *t)
        .unwrap();
    world.devices[1].timers.retain(|(_, t)| *t != push);
    let phone_connection = world.devices[1].connection.unwrap();
    world.fire(1, push);
    world
        .inbox
        .retain(|(d, c, _)| !(*d == 1 && *c == phone_connection));
    world.settle();
    assert_eq!(
        world.names(0),
        ["Ada", "Bea", "Hal"],
        "the push reached the relay"
    );
    assert!(world.devices[1].replica.sync_has_unacked());
    let tick = world.devices[1]
        .timers
        .iter()
        .find(|(_, t)| matches!(t, Timer::SyncTick { .. }))
        .map(|(_, t)| *t)
        .unwrap();
    world.fire(1, tick);
    world.settle();
    assert!(!world.devices[1].replica.sync_has_unacked());
}
