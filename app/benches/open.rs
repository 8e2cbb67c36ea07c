//! Opening a stored network of people and half as many interviews: prints document size, native
//! load times, the cost of reading every interview (the home screen) and of one keystroke in an
//! interview's notes, and writes the stored form of each network for the browser benchmark
//! (`end2end/bench/open.bench.ts`).
//!
//! Run with `cargo bench -p app --bench open`; `OPEN_BENCH_SIZES=1000,10000` picks sizes (people; interviews are half that).

use app::doc::list_cache::{pack, read_list, Overview, LIST_KEY};
use app::doc::store::{CompactionPolicy, KeyValue, MemoryKv, Store};
use app::doc::Network;
use app::domain::{InterviewId, PersonId};
use std::time::{Duration, Instant};

#[path = "support/sample.rs"]
mod sample;
use sample::build;

const RUNS: usize = 7;

fn main() {
    let sizes: Vec<usize> = std::env::var("OPEN_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000]);
    let out_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out_dir).expect("create target/bench");

    println!(
        "people  interviews  doc_bytes  stored_chars  load_ms  rows_ms  outlines_ms  store_open_ms  keystroke_save_ms  note_keystroke_ms"
    );
    for &n in &sizes {
        let mut network = build(n);
        let bytes = network.save();

        // What the browser keeps: one compacted snapshot (the state after the first compaction).
        let kv = MemoryKv::default();
        let mut opened = Store::open(kv.clone(), "bench", CompactionPolicy::default()).unwrap();
        opened.network = Network::load(&bytes).unwrap();
        opened.store.compact(&mut opened.network).unwrap();
        let stored = kv.used();

        let load = median(|| {
            let start = Instant::now();
            let net = Network::load(&bytes).unwrap();
            std::hint::black_box(&net);
            start.elapsed()
        });
        let loaded = Network::load(&bytes).unwrap();
        let rows = median(|| {
            let start = Instant::now();
            std::hint::black_box(loaded.rows());
            start.elapsed()
        });
        let interviews = median(|| {
            let start = Instant::now();
            std::hint::black_box(loaded.interview_outlines());
            start.elapsed()
        });
        let open = median(|| {
            let start = Instant::now();
            let opened = Store::open(kv.clone(), "reader", CompactionPolicy::default()).unwrap();
            std::hint::black_box(opened.network.len());
            start.elapsed()
        });
        // One keystroke in a long note: the edit plus its durable chunk.
        let id = PersonId::from(format!("p{:06}", n / 2));
        let keystroke = median(|| {
            let mut person = opened.network.person(&id).unwrap().unwrap();
            person.notes.push('x');
            let start = Instant::now();
            opened.network.put_person(&id, &person, 1).unwrap();
            opened.store.save(&mut opened.network).unwrap();
            start.elapsed()
        });
        // One keystroke in the notes of an interview, as on the day-of screen.
        let interview_id = InterviewId::from(format!("i{:06}", n / 4));
        let note_keystroke = median(|| {
            let mut interview = opened.network.interview(&interview_id).unwrap().unwrap();
            interview.notes.push('x');
            let start = Instant::now();
            opened
                .network
                .put_interview(&interview_id, &interview, 1)
                .unwrap();
            opened.store.save(&mut opened.network).unwrap();
            start.elapsed()
        });
        println!(
            "{n:>6}  {:>10}  {:>9}  {stored:>12}  {:>7.1}  {:>7.1}  {:>13.1}  {:>13.1}  {:>17.3}  {:>17.3}",
            n / 2,
            bytes.len(),
            ms(load),
            ms(rows),
            ms(interviews),
            ms(open),
            ms(keystroke),
            ms(note_keystroke),
        );
        let reread = rows;
        // The overview kept beside the document (the people list and every interview in
        // outline): what writing it after edits pause and reading it at opening cost.
        let mut loaded = loaded;
        let (heads, rows, interviews, fields) = (
            loaded.heads(),
            loaded.rows(),
            loaded.interview_outlines(),
            loaded.fields(),
        );
        let mut cache = MemoryKv::default();
        let overview = Overview {
            heads: &heads,
            rows: &rows,
            interviews: &interviews,
            fields: &fields,
            follow_up: loaded.profile().follow_up,
        };
        let write = median(|| {
            let start = Instant::now();
            cache.set(LIST_KEY, &pack(&overview)).unwrap();
            start.elapsed()
        });
        let read = median(|| {
            let start = Instant::now();
            std::hint::black_box(read_list(&cache).unwrap());
            start.elapsed()
        });
        println!(
            "        overview cache: {} chars, written in {:.1} ms, read in {:.1} ms",
            cache.used(),
            ms(write),
            ms(read)
        );
        // A change from another device (one person's notes): finding what it touched, as the
        // read models now follow it, against reading the people list again (`rows_ms`).
        let mut other = Network::load(&loaded.save()).unwrap();
        let touched = median(|| {
            let before = loaded.heads();
            let mut person = other.person(&id).unwrap().unwrap();
            person.notes.push('y');
            other.put_person(&id, &person, 2).unwrap();
            loaded.apply(&other.save_after(&before)).unwrap();
            let start = Instant::now();
            let touched = loaded.touched_since(&before).unwrap();
            std::hint::black_box(loaded.person(&touched.people[0]).unwrap());
            start.elapsed()
        });
        println!(
            "        a change from another device: what it touched read in {:.3} ms (the whole people list: {:.1} ms)",
            ms(touched),
            ms(reread)
        );
        let (edit, sent) = worker_edit(&kv, n);
        println!(
            "        in a worker: an edit made and its writes and overview change sent in {:.2} ms ({sent} chars of JSON)",
            ms(edit)
        );

        let file = out_dir.join(format!("network-{n}.json"));
        std::fs::write(&file, sample::stored_json(&kv)).unwrap();
    }
    history(sizes[0]);
}

/// One edit as the worker holds the network (`app::host`): the kept command run and saved, the
/// overview change found, and the messages for the page written as JSON. Gives the median time
/// and the characters sent.
fn worker_edit(kv: &MemoryKv, n: usize) -> (Duration, usize) {
    use app::doc::{journal, Command};
    use app::host::Host;
    use app::wire::{FromWorker, ToWorker};
    let stored = KeyValue::keys(kv)
        .unwrap()
        .into_iter()
        .map(|key| {
            let value = KeyValue::get(kv, &key).unwrap().unwrap();
            (key, value)
        })
        .collect();
    let mut host = Host::new(CompactionPolicy::default(), "bench");
    let open = host.handle(
        ToWorker::Open {
            tab: "worker".into(),
            stored,
            drawn: None,
        },
        0,
    );
    // (The page makes every batch.)
    let written = |out: &app::host::Output| -> Vec<ToWorker> {
        out.to_page
            .iter()
            .filter_map(|m| match m {
                FromWorker::Writes(w) => Some(ToWorker::Written { batch: w.batch }),
                _ => None,
            })
            .collect()
    };
    for ack in written(&open) {
        host.handle(ack, 0);
    }
    let id = PersonId::from(format!("p{:06}", n / 3));
    let mut sent = 0;
    let mut edits = 0u32;
    let time = median(|| {
        edits += 1;
        let mut person = app::domain::Person {
            name: format!("Edited {edits}"),
            ..Default::default()
        };
        person.notes = "x".repeat(edits as usize);
        let command = Command::PutPerson {
            id: id.clone(),
            person,
        };
        let key = journal::key(i64::from(edits), "worker", edits);
        let value = serde_json::to_string(&command).unwrap();
        let start = Instant::now();
        let out = host.handle(
            ToWorker::Stored {
                key,
                value: Some(value),
            },
            i64::from(edits),
        );
        sent = out
            .to_page
            .iter()
            .map(|m| serde_json::to_string(m).unwrap().len())
            .sum();
        let elapsed = start.elapsed();
        for ack in written(&out) {
            host.handle(ack, i64::from(edits));
        }
        elapsed
    });
    (time, sent)
}

/// What typing does to later openings: the same characters typed into interviews' notes,
/// committed one change per keystroke or one per burst of typing (as the app does, see
/// `doc::typing`). Prints the history's length and the load time of each.
fn history(n: usize) {
    const TYPED: usize = 20_000;
    const BURST: usize = 40;
    println!(
        "\n{n} people, then {TYPED} characters typed into notes: load time by how typing is committed"
    );
    println!("committed        changes  doc_bytes  load_ms");
    for (label, per_change) in [("per keystroke", 1), ("per burst of 40", BURST)] {
        let mut network = build(n);
        let heads = network.heads();
        let mut typed = 0;
        let mut interview_no = 0;
        while typed < TYPED {
            let id = InterviewId::from(format!("i{:06}", (interview_no * 2) % n));
            interview_no += 1;
            let mut interview = network.interview(&id).unwrap().unwrap();
            for _ in 0..BURST / per_change {
                for c in "notes typed "
                    .chars()
                    .cycle()
                    .skip(typed % 12)
                    .take(per_change)
                {
                    interview.notes.push(c);
                }
                network.put_interview(&id, &interview, 1).unwrap();
                typed += per_change;
            }
        }
        let changes = network.changes_after(&heads);
        let bytes = network.save();
        let load = median(|| {
            let start = Instant::now();
            std::hint::black_box(Network::load(&bytes).unwrap());
            start.elapsed()
        });
        println!(
            "{label:<15}  {changes:>7}  {:>9}  {:>7.1}",
            bytes.len(),
            ms(load)
        );
    }
}

fn median(mut run: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| run()).collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
