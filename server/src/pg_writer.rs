//! Group commit for appends on PostgreSQL. Each push committed alone costs a WAL flush and
//! five round trips; here a few writer tasks each take every append queued while their last
//! batch was committing and write them in one transaction: one statement per append, one
//! notification per network, one commit. A network's appends always go to the same writer, and
//! every batch takes the networks' row locks in the order of their ids, so two relays' batches
//! can't deadlock each other. A batch that fails as a whole is retried one append per
//! transaction. An append is idempotent by blob id: when another relay stores the same blob
//! at the same moment, the unique index refuses the second copy, and the append, tried again,
//! finds the first.

use app::crypto::DocId;
use app::sync::BlobId;
use sqlx::postgres::PgPool;
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::store::{StoreError, CHANNEL};

/// Writer tasks per relay process (each holds one connection while it commits).
const WRITERS: usize = 4;
/// Most appends in one transaction.
const BATCH: usize = 256;

/// One append and where its answer goes: `(seq, new)` as [`crate::store::Store::append`].
pub struct Append {
    pub doc: DocId,
    pub blob_id: BlobId,
    pub sealed: Vec<u8>,
    pub max: i64,
    pub reply: oneshot::Sender<Result<(u64, bool), StoreError>>,
}

/// Appends in one statement: the existing seq when the blob is already in the log; otherwise
/// the network's counter moved (within its quota) and the blob stored under the new seq.
/// `present` tells a quota refusal (row there) from a network that's gone.
const APPEND: &str = "WITH known AS (
        SELECT seq FROM blobs WHERE doc = $1 AND blob_id = $2
    ), bump AS (
        UPDATE docs SET latest = latest + 1, bytes = bytes + $3
        WHERE doc = $1 AND bytes + $3 <= $4 AND NOT EXISTS (SELECT 1 FROM known)
        RETURNING latest
    ), added AS (
        INSERT INTO blobs (doc, seq, blob_id, sealed)
        SELECT $1, latest, $2, $5 FROM bump RETURNING seq
    )
    SELECT (SELECT seq FROM known), (SELECT seq FROM added),
        EXISTS (SELECT 1 FROM docs WHERE doc = $1)";

/// The queues of a relay's writers.
#[derive(Clone)]
pub struct Writers(Vec<mpsc::Sender<Append>>);

impl Writers {
    pub fn spawn(pool: &PgPool) -> Writers {
        Writers(
            (0..WRITERS)
                .map(|_| {
                    let (tx, rx) = mpsc::channel(4096);
                    tokio::spawn(run(pool.clone(), rx));
                    tx
                })
                .collect(),
        )
    }

    /// Queues an append with the writer of its network and waits for the commit that holds it.
    pub async fn append(
        &self,
        doc: DocId,
        blob_id: BlobId,
        sealed: Vec<u8>,
        max: i64,
    ) -> Result<(u64, bool), StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Batch("the relay's writer has stopped".into());
        let writer = &self.0[doc.0[0] as usize % self.0.len()];
        writer
            .send(Append {
                doc,
                blob_id,
                sealed,
                max,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(pool: PgPool, mut queue: mpsc::Receiver<Append>) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        // Row locks in the order of the networks' ids (stable: one network's appends keep
        // their order).
        batch.sort_by_key(|append: &Append| append.doc.0);
        match commit(&pool, &batch).await {
            Ok(answers) => {
                for (append, answer) in batch.drain(..).zip(answers) {
                    let _ = append.reply.send(answer);
                }
            }
            Err(e) => {
                if batch.len() > 1 {
                    tracing::debug!("append batch of {} retried alone: {e}", batch.len());
                }
                for append in batch.drain(..) {
                    let answer = alone(&pool, &append).await;
                    let _ = append.reply.send(answer);
                }
            }
        }
    }
}

/// Commits one append in a transaction of its own; once more when another relay stored the
/// same blob meanwhile (the second try finds it).
async fn alone(pool: &PgPool, append: &Append) -> Result<(u64, bool), StoreError> {
    let mut tries = 0;
    loop {
        tries += 1;
        match commit(pool, std::slice::from_ref(append)).await {
            Ok(mut answers) => return answers.remove(0),
            Err(StoreError::Db(sqlx::Error::Database(e)))
                if e.is_unique_violation() && tries < 3 => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes `batch` in one transaction; an answer per append once it committed.
async fn commit(
    pool: &PgPool,
    batch: &[Append],
) -> Result<Vec<Result<(u64, bool), StoreError>>, StoreError> {
    let mut tx = pool.begin().await?;
    let mut answers = Vec::with_capacity(batch.len());
    // The last seq appended per network (the batch is sorted by network).
    let mut news: Vec<(DocId, i64)> = Vec::new();
    for append in batch {
        let row = sqlx::query(APPEND)
            .bind(&append.doc.0[..])
            .bind(&append.blob_id[..])
            .bind(append.sealed.len() as i64)
            .bind(append.max)
            .bind(&append.sealed)
            .fetch_one(&mut *tx)
            .await?;
        let (known, added, present): (Option<i64>, Option<i64>, bool) =
            (row.get(0), row.get(1), row.get(2));
        answers.push(match (known, added) {
            (Some(seq), _) => Ok((seq as u64, false)),
            (None, Some(seq)) => {
                match news.last_mut() {
                    Some((doc, latest)) if *doc == append.doc => *latest = seq,
                    _ => news.push((append.doc, seq)),
                }
                Ok((seq as u64, true))
            }
            (None, None) if present => Err(StoreError::Quota),
            (None, None) => Err(StoreError::Gone),
        });
    }
    if !news.is_empty() {
        // One notification per network, for its last seq.
        let news: Vec<String> = news
            .iter()
            .map(|(doc, seq)| format!("{}:{seq}", doc.to_hex()))
            .collect();
        sqlx::query("SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n")
            .bind(CHANNEL)
            .bind(&news)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(answers)
}
