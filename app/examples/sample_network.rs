//! Writes the stored form of a sample network (as `localStorage` would hold it: one compacted
//! snapshot) as JSON `{key: value}`, for the end-to-end tests of large networks.
//!
//! `cargo run -p app --example sample_network -- <people> <file>`

use app::doc::store::{CompactionPolicy, MemoryKv, Store};

#[path = "../benches/support/sample.rs"]
mod sample;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(n), Some(file)) = (args.next().and_then(|n| n.parse().ok()), args.next()) else {
        eprintln!("usage: sample_network <people> <file>");
        std::process::exit(2);
    };
    let kv = MemoryKv::default();
    let mut opened =
        Store::open(kv.clone(), "sample", CompactionPolicy::default()).expect("a new store opens");
    opened.network = sample::build(n);
    opened
        .store
        .compact(&mut opened.network)
        .expect("room in memory");
    let json = sample::stored_json(&kv);
    if let Some(dir) = std::path::Path::new(&file).parent() {
        std::fs::create_dir_all(dir).expect("the file's folder");
    }
    std::fs::write(&file, json).expect("the file");
}
