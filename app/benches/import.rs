//! Importing a LinkedIn export into an empty network, step by step: prints the median time of
//! reading the file, matching it against the network (the preview), building the people to
//! write, writing them as one change, listing them, and storing the change.
//!
//! Run with `cargo bench -p app --bench import`; `IMPORT_BENCH_COUNT=5000` picks the size. The
//! browser figure comes from `end2end/bench/import.bench.ts`.

use app::doc::store::{CompactionPolicy, MemoryKv, Store};
use app::exchange::{self, merge};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn main() {
    let count: usize = std::env::var("IMPORT_BENCH_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000);
    let file = linkedin_export(count);

    let mut steps: Vec<(&str, Vec<Duration>)> = [
        "read", "plan", "people", "write", "rows", "store", "compact",
    ]
    .into_iter()
    .map(|s| (s, Vec::new()))
    .collect();
    for _ in 0..RUNS {
        let mut opened = Store::open(MemoryKv::default(), "bench", CompactionPolicy::default())
            .expect("open an empty store");
        let mut time = |step: usize, start: Instant| steps[step].1.push(start.elapsed());

        let start = Instant::now();
        let parsed = exchange::read_file("Connections.csv", file.as_bytes()).expect("read");
        time(0, start);

        let start = Instant::now();
        let network = &opened.network;
        let plan = merge::plan(&network.identities(), parsed.contacts, |id| {
            network.person(id).ok().flatten()
        });
        time(1, start);

        let start = Instant::now();
        let people = plan.people(
            1_700_000_000_000,
            |id| network.person(id).ok().flatten(),
            |id| network.referrer_of(id),
        );
        time(2, start);
        assert_eq!(people.len(), count);

        let start = Instant::now();
        opened
            .network
            .put_people(&people, 1_700_000_000_000)
            .expect("write");
        time(3, start);

        // The people list, updated with the new rows as the app does.
        let start = Instant::now();
        let mut rows = Vec::new();
        app::domain::replace_rows(
            &mut rows,
            people.iter().map(|(id, _)| id),
            people
                .iter()
                .map(|(id, p)| app::domain::PersonRow::new(id.clone(), p))
                .collect(),
        );
        std::hint::black_box(rows);
        time(4, start);

        let start = Instant::now();
        opened.store.save(&mut opened.network).expect("store");
        time(5, start);

        let start = Instant::now();
        opened.store.compact(&mut opened.network).expect("compact");
        time(6, start);
    }

    println!(
        "contacts  {}",
        steps
            .iter()
            .map(|(s, _)| format!("{s:>8}_ms"))
            .collect::<Vec<_>>()
            .join("")
    );
    println!(
        "{count:>8}  {}",
        steps
            .iter_mut()
            .map(|(_, d)| {
                d.sort();
                format!("{:>11.1}", d[d.len() / 2].as_secs_f64() * 1e3)
            })
            .collect::<Vec<_>>()
            .join("")
    );
}

/// A LinkedIn Connections.csv as the site writes it (preamble, BOM, CRLF), like the one the
/// browser benchmark generates.
fn linkedin_export(count: usize) -> String {
    let mut out = String::from(
        "\u{feff}Notes:\r\n\"When exporting your connection data, you may notice that some of the \
         email addresses are missing.\"\r\n\r\nFirst Name,Last Name,URL,Email Address,Company,\
         Position,Connected On\r\n",
    );
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    for i in 0..count {
        let email = if i % 3 == 0 {
            format!("person{i:04}@example.org")
        } else {
            String::new()
        };
        let company = if i % 5 == 0 {
            "\"Acme, Inc.\"".to_owned()
        } else {
            format!("Company {}", i % 40)
        };
        out.push_str(&format!(
            "Person,{i:04},https://www.linkedin.com/in/person-{i:04},{email},{company},Engineer {},{:02} {} 20{}\r\n",
            i % 7,
            i % 28 + 1,
            months[i % 12],
            10 + i % 15
        ));
    }
    out
}
