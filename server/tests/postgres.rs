//! The store's append path on PostgreSQL, as two relays sharing one database use it: appends
//! committed in groups stay gap-free, each blob is stored once however many relays it reaches at
//! the same moment, and the quota and deleted networks are answered per append.

use std::collections::BTreeSet;

use app::crypto::DocId;
use app::sync::{BlobId, Limits};
use server::store::{Grant, Store, StoreError};

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

async fn stores() -> (Store, Store) {
    let url = std::env::var("COLLOQUY_TEST_POSTGRES_URL")
        .expect("COLLOQUY_TEST_POSTGRES_URL: this test is about PostgreSQL");
    (
        Store::open(&url).await.unwrap(),
        Store::open(&url).await.unwrap(),
    )
}

/// Every seq in the network's log, from the first page to the last.
async fn logged(store: &Store, doc: &DocId, limits: &Limits) -> Vec<(u64, BlobId)> {
    let mut seen = Vec::new();
    loop {
        let since = seen.last().map_or(0, |(seq, _)| *seq);
        let page = store.read(doc, since, limits).await.unwrap();
        seen.extend(page.blobs.iter().map(|blob| (blob.seq, blob.blob_id)));
        if !page.more {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_pushed_to_two_relays_at_once_are_stored_once_without_gaps() {
    let (one, two) = stores().await;
    let limits = Limits::default();
    let docs: Vec<DocId> = (0..6).map(|_| DocId(random())).collect();
    for doc in &docs {
        one.check_key(doc, &random(), Grant::Yes).await.unwrap();
    }
    // Every blob goes to both relays at the same moment, many networks at once, so both
    // relays' writers batch them together.
    let mut pushes = Vec::new();
    for doc in &docs {
        for _ in 0..60 {
            let (one, two, doc) = (one.clone(), two.clone(), *doc);
            let blob: BlobId = random();
            let sealed = random::<64>().to_vec();
            pushes.push(tokio::spawn(async move {
                let limits = Limits::default();
                let (a, b) = tokio::join!(
                    one.append(&doc, &blob, &sealed, &limits),
                    two.append(&doc, &blob, &sealed, &limits)
                );
                (doc, blob, a.unwrap(), b.unwrap())
            }));
        }
    }
    let mut pushed = BTreeSet::new();
    for push in pushes {
        let (doc, blob, (seq_a, new_a), (seq_b, new_b)) = push.await.unwrap();
        assert_eq!(seq_a, seq_b, "both relays answer the blob's one seq");
        assert!(new_a ^ new_b, "exactly one relay stored the blob");
        pushed.insert((doc.0, seq_a, blob));
    }
    for doc in &docs {
        let log = logged(&one, doc, &limits).await;
        let seqs: Vec<u64> = log.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(
            seqs,
            (1..=60).collect::<Vec<u64>>(),
            "gap-free, each blob once"
        );
        for (seq, blob) in log {
            assert!(
                pushed.contains(&(doc.0, seq, blob)),
                "the log holds what was pushed"
            );
        }
        assert_eq!(two.latest(doc).await.unwrap(), 60);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_answers_each_append_with_its_own_refusal() {
    let (one, _) = stores().await;
    let limits = Limits {
        max_doc_bytes: 1_000,
        ..Limits::default()
    };
    let (full, open) = (DocId(random()), DocId(random()));
    let unknown = DocId(random());
    for doc in [&full, &open] {
        one.check_key(doc, &random(), Grant::Yes).await.unwrap();
    }
    // Pushes to a network near its quota, one with room, and one the relay never had, all
    // at once: the refusals don't take the other appends of their batch down.
    let sealed = vec![7; 300];
    let appends = (0..5).flat_map(|_| [full, open, unknown]).map(|doc| {
        let (store, sealed, limits) = (one.clone(), sealed.clone(), limits);
        tokio::spawn(async move { (doc, store.append(&doc, &random(), &sealed, &limits).await) })
    });
    let (mut stored, mut over, mut gone) = (0, 0, 0);
    for append in appends.collect::<Vec<_>>() {
        match append.await.unwrap() {
            (doc, Ok((_, true))) => {
                assert!(doc == full || doc == open);
                stored += 1;
            }
            (doc, Err(StoreError::Quota)) if doc == full || doc == open => over += 1,
            (doc, Err(StoreError::Gone)) if doc == unknown => gone += 1,
            (doc, other) => panic!("{} answered {other:?}", doc.to_hex()),
        }
    }
    // 1,000 bytes hold three pushes of 300 in each network.
    assert_eq!((stored, over, gone), (6, 4, 5));
    for doc in [&full, &open] {
        assert_eq!(logged(&one, doc, &limits).await.len(), 3);
    }
}
