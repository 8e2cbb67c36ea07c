//! The relay's persistence: per network, the public key it was first synced with, an
//! append-only log of sealed blobs with a gap-free sequence, and up to two snapshots.
//!
//! One interface, two databases chosen by URL: SQLite (`sqlite://…`, a file under the data
//! directory, WAL) for a single relay, PostgreSQL (`postgres://…`) for several relays sharing
//! one database, which tell each other about new blobs with LISTEN/NOTIFY. An append returns
//! only after its transaction committed, so an acknowledged push survives a crash.

use std::str::FromStr;

use app::crypto::DocId;
use app::sync::relay::page_limit;
use app::sync::{Blob, BlobId, Limits, Page, Snapshot};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;

/// The channel relays share news of appended blobs on (PostgreSQL).
const CHANNEL: &str = "colloquy_relay";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the network's data at the relay is over its limit")]
    Quota,
    #[error("the network's data was deleted from the relay")]
    Gone,
    #[error("the relay's database failed: {0}")]
    Db(#[from] sqlx::Error),
    #[error("unsupported database URL {0:?}: use sqlite://… or postgres://…")]
    Url(String),
}

/// Where the relay keeps its data.
#[derive(Clone)]
pub enum Store {
    Sqlite {
        /// Every write goes through this one connection, so sequence numbers never race.
        writer: SqlitePool,
        readers: SqlitePool,
        /// Appends queue here; one task commits them in batches (group commit).
        appends: tokio::sync::mpsc::Sender<AppendJob>,
    },
    Postgres(PgPool),
}

const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS docs (
    doc BLOB PRIMARY KEY,
    key BLOB NOT NULL,
    latest INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS blobs (
    doc BLOB NOT NULL,
    seq INTEGER NOT NULL,
    blob_id BLOB NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (doc, seq),
    UNIQUE (doc, blob_id)
);
CREATE TABLE IF NOT EXISTS snapshots (
    doc BLOB NOT NULL,
    covers INTEGER NOT NULL,
    blob_id BLOB NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (doc, covers)
);
";

const POSTGRES_SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS docs (
        doc BYTEA PRIMARY KEY,
        key BYTEA NOT NULL,
        latest BIGINT NOT NULL DEFAULT 0,
        bytes BIGINT NOT NULL DEFAULT 0
    )",
    "CREATE TABLE IF NOT EXISTS blobs (
        doc BYTEA NOT NULL,
        seq BIGINT NOT NULL,
        blob_id BYTEA NOT NULL,
        sealed BYTEA NOT NULL,
        PRIMARY KEY (doc, seq),
        UNIQUE (doc, blob_id)
    )",
    "CREATE TABLE IF NOT EXISTS snapshots (
        doc BYTEA NOT NULL,
        covers BIGINT NOT NULL,
        blob_id BYTEA NOT NULL,
        sealed BYTEA NOT NULL,
        PRIMARY KEY (doc, covers)
    )",
];

/// The size SQLite cuts its write-ahead log back to once a checkpoint has emptied it. Under
/// steady pushes the log keeps growing (it is never empty when a write begins); when pushes
/// pause, the next write starts it over, and without a limit the file would keep its peak size.
const WAL_LIMIT: u64 = 64 << 20;

impl Store {
    /// Opens (and creates, if needed) the database at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, WAL_LIMIT).await
    }

    async fn open_with(url: &str, wal_limit: u64) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode a commit is in the log file before it returns: it survives the
                // process being killed (not a power cut, which would take `Full`).
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(10))
                // Keep the hot pages in memory and checkpoint the log less often: measured with
                // the load generator, these halve the time spent in read and write calls.
                .pragma("cache_size", "-32768")
                .pragma("mmap_size", "268435456")
                // Writers never checkpoint (that would stall every push behind an fsync); a
                // background task does, without blocking them.
                .pragma("wal_autocheckpoint", "0")
                .pragma("journal_size_limit", wal_limit.to_string())
                // A batch's multi-row insert keeps a statement journal (undo for that statement
                // alone); in a temporary file, every page it touches costs a write call.
                .pragma("temp_store", "memory");
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            sqlx::raw_sql(SQLITE_SCHEMA).execute(&writer).await?;
            let readers = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.clone().read_only(true))
                .await?;
            let checkpointer = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_millis(500));
                loop {
                    every.tick().await;
                    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                        .execute(&checkpointer)
                        .await
                    {
                        tracing::warn!("relay checkpoint: {e}");
                    }
                }
            });
            let (appends, queue) = tokio::sync::mpsc::channel(4096);
            tokio::spawn(commit_appends(writer.clone(), queue));
            Ok(Store::Sqlite {
                writer,
                readers,
                appends,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            for statement in POSTGRES_SCHEMA {
                sqlx::query(statement).execute(&pool).await?;
            }
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::Url(url.to_owned()))
        }
    }

    /// A listener for other relays' appends, when relays share a database.
    pub async fn listener(&self) -> Result<Option<PgListener>, StoreError> {
        match self {
            Store::Sqlite { .. } => Ok(None),
            Store::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(listener))
            }
        }
    }

    /// Whether `key` is the network's key, storing it if the network is new; and its latest
    /// sequence number.
    pub async fn check_key(&self, doc: &DocId, key: &[u8; 32]) -> Result<(bool, u64), StoreError> {
        let row = match self {
            Store::Sqlite { writer, .. } => {
                sqlx::query(
                    "INSERT INTO docs (doc, key) VALUES (?, ?) ON CONFLICT (doc) DO NOTHING",
                )
                .bind(&doc.0[..])
                .bind(&key[..])
                .execute(writer)
                .await?;
                sqlx::query("SELECT key, latest FROM docs WHERE doc = ?")
                    .bind(&doc.0[..])
                    .fetch_one(writer)
                    .await
                    .map(|r| (r.get::<Vec<u8>, _>(0), r.get::<i64, _>(1)))?
            }
            Store::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO docs (doc, key) VALUES ($1, $2) ON CONFLICT (doc) DO NOTHING",
                )
                .bind(&doc.0[..])
                .bind(&key[..])
                .execute(pool)
                .await?;
                sqlx::query("SELECT key, latest FROM docs WHERE doc = $1")
                    .bind(&doc.0[..])
                    .fetch_one(pool)
                    .await
                    .map(|r| (r.get::<Vec<u8>, _>(0), r.get::<i64, _>(1)))?
            }
        };
        Ok((row.0 == key, row.1 as u64))
    }

    /// The log after `since`, one page: the newest snapshot first when the blobs right after
    /// `since` were compacted into it.
    pub async fn read(&self, doc: &DocId, since: u64, limits: &Limits) -> Result<Page, StoreError> {
        let (first_kept, latest, snapshot) = match self {
            Store::Sqlite { readers, .. } => {
                let head = sqlx::query(
                    "SELECT latest, (SELECT MIN(seq) FROM blobs WHERE doc = ?1) FROM docs WHERE doc = ?1",
                )
                .bind(&doc.0[..])
                .fetch_optional(readers)
                .await?;
                let snapshot = sqlx::query(
                    "SELECT blob_id, covers, sealed FROM snapshots WHERE doc = ? ORDER BY covers DESC LIMIT 1",
                )
                .bind(&doc.0[..])
                .fetch_optional(readers)
                .await?;
                (
                    head.as_ref().and_then(|r| r.get::<Option<i64>, _>(1)),
                    head.as_ref().map_or(0, |r| r.get::<i64, _>(0)),
                    snapshot.map(snapshot_row),
                )
            }
            Store::Postgres(pool) => {
                let head = sqlx::query(
                    "SELECT latest, (SELECT MIN(seq) FROM blobs WHERE doc = $1) FROM docs WHERE doc = $1",
                )
                .bind(&doc.0[..])
                .fetch_optional(pool)
                .await?;
                let snapshot = sqlx::query(
                    "SELECT blob_id, covers, sealed FROM snapshots WHERE doc = $1 ORDER BY covers DESC LIMIT 1",
                )
                .bind(&doc.0[..])
                .fetch_optional(pool)
                .await?;
                (
                    head.as_ref().and_then(|r| r.get::<Option<i64>, _>(1)),
                    head.as_ref().map_or(0, |r| r.get::<i64, _>(0)),
                    snapshot.map(snapshot_row),
                )
            }
        };
        let first_kept = first_kept.map_or(latest as u64 + 1, |s| s as u64);
        let snapshot = if since + 1 < first_kept {
            snapshot
        } else {
            None
        };
        let start = snapshot.as_ref().map_or(since, |s| s.covers.max(since));
        let limit = limits.page_blobs as i64 + 1;
        let rows = match self {
            Store::Sqlite { readers, .. } => {
                sqlx::query(
                    "SELECT seq, blob_id, sealed FROM blobs WHERE doc = ? AND seq > ? ORDER BY seq LIMIT ?",
                )
                .bind(&doc.0[..])
                .bind(start as i64)
                .bind(limit)
                .fetch_all(readers)
                .await?
                .into_iter()
                .map(blob_row)
                .collect::<Vec<_>>()
            }
            Store::Postgres(pool) => sqlx::query(
                "SELECT seq, blob_id, sealed FROM blobs WHERE doc = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .bind(&doc.0[..])
            .bind(start as i64)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(blob_row)
            .collect(),
        };
        let (blobs, more) = page_limit(limits, rows.into_iter());
        Ok(Page {
            snapshot,
            blobs,
            more,
        })
    }

    /// Appends a blob once: `Ok((seq, true))` when new, `Ok((seq, false))` when a blob with
    /// this id is already in the log. Returns after the commit.
    pub async fn append(
        &self,
        doc: &DocId,
        blob_id: &BlobId,
        sealed: &[u8],
        limits: &Limits,
    ) -> Result<(u64, bool), StoreError> {
        let size = sealed.len() as i64;
        let max = limits.max_doc_bytes as i64;
        match self {
            Store::Sqlite { appends, .. } => {
                let (reply, answer) = tokio::sync::oneshot::channel();
                let job = AppendJob {
                    doc: *doc,
                    blob_id: *blob_id,
                    sealed: sealed.to_vec(),
                    max,
                    reply,
                };
                if appends.send(job).await.is_err() {
                    return Err(StoreError::Db(sqlx::Error::PoolClosed));
                }
                answer
                    .await
                    .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // The docs row lock orders appends to one network across relays: gap-free.
                let Some(row) = sqlx::query(
                    "UPDATE docs SET latest = latest + 1, bytes = bytes + $1 \
                     WHERE doc = $2 AND bytes + $1 <= $3 RETURNING latest",
                )
                .bind(size)
                .bind(&doc.0[..])
                .bind(max)
                .fetch_optional(&mut *tx)
                .await?
                else {
                    let known = sqlx::query("SELECT 1 FROM docs WHERE doc = $1")
                        .bind(&doc.0[..])
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Err(if known.is_some() {
                        StoreError::Quota
                    } else {
                        StoreError::Gone
                    });
                };
                if let Some(existing) =
                    sqlx::query("SELECT seq FROM blobs WHERE doc = $1 AND blob_id = $2")
                        .bind(&doc.0[..])
                        .bind(&blob_id[..])
                        .fetch_optional(&mut *tx)
                        .await?
                {
                    // Already there: undo the increment by rolling back.
                    tx.rollback().await?;
                    return Ok((existing.get::<i64, _>(0) as u64, false));
                }
                let seq: i64 = row.get(0);
                sqlx::query(
                    "INSERT INTO blobs (doc, seq, blob_id, sealed) VALUES ($1, $2, $3, $4)",
                )
                .bind(&doc.0[..])
                .bind(seq)
                .bind(&blob_id[..])
                .bind(sealed)
                .execute(&mut *tx)
                .await?;
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(format!("{}:{seq}", doc.to_hex()))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok((seq as u64, true))
            }
        }
    }

    /// Stores a snapshot covering the log up to `covers`; once stored, drops the blobs the
    /// previous snapshot covers and any older snapshot, so two generations remain.
    pub async fn put_snapshot(&self, doc: &DocId, snapshot: &Snapshot) -> Result<bool, StoreError> {
        let covers = snapshot.covers as i64;
        let size = snapshot.sealed.len() as i64;
        match self {
            Store::Sqlite { writer, .. } => {
                let mut tx = writer.begin().await?;
                let ok = sqlx::query(
                    "SELECT 1 FROM docs WHERE doc = ?1 AND latest >= ?2 \
                     AND NOT EXISTS (SELECT 1 FROM snapshots WHERE doc = ?1 AND covers >= ?2)",
                )
                .bind(&doc.0[..])
                .bind(covers)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
                if !ok {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO snapshots (doc, covers, blob_id, sealed) VALUES (?, ?, ?, ?)",
                )
                .bind(&doc.0[..])
                .bind(covers)
                .bind(&snapshot.blob_id[..])
                .bind(&snapshot.sealed[..])
                .execute(&mut *tx)
                .await?;
                // The previous snapshot is now the older generation: what it covers can go.
                let previous: Option<i64> =
                    sqlx::query("SELECT MAX(covers) FROM snapshots WHERE doc = ? AND covers < ?")
                        .bind(&doc.0[..])
                        .bind(covers)
                        .fetch_one(&mut *tx)
                        .await?
                        .get(0);
                let mut freed = 0i64;
                if let Some(previous) = previous {
                    freed += sqlx::query(
                        "SELECT COALESCE(SUM(LENGTH(sealed)), 0) FROM blobs WHERE doc = ? AND seq <= ?",
                    )
                    .bind(&doc.0[..])
                    .bind(previous)
                    .fetch_one(&mut *tx)
                    .await?
                    .get::<i64, _>(0);
                    freed += sqlx::query(
                        "SELECT COALESCE(SUM(LENGTH(sealed)), 0) FROM snapshots WHERE doc = ? AND covers < ?",
                    )
                    .bind(&doc.0[..])
                    .bind(previous)
                    .fetch_one(&mut *tx)
                    .await?
                    .get::<i64, _>(0);
                    sqlx::query("DELETE FROM blobs WHERE doc = ? AND seq <= ?")
                        .bind(&doc.0[..])
                        .bind(previous)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM snapshots WHERE doc = ? AND covers < ?")
                        .bind(&doc.0[..])
                        .bind(previous)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("UPDATE docs SET bytes = bytes + ? - ? WHERE doc = ?")
                    .bind(size)
                    .bind(freed)
                    .bind(&doc.0[..])
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let ok = sqlx::query(
                    "SELECT 1 FROM docs WHERE doc = $1 AND latest >= $2 \
                     AND NOT EXISTS (SELECT 1 FROM snapshots WHERE doc = $1 AND covers >= $2) FOR UPDATE",
                )
                .bind(&doc.0[..])
                .bind(covers)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
                if !ok {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO snapshots (doc, covers, blob_id, sealed) VALUES ($1, $2, $3, $4)",
                )
                .bind(&doc.0[..])
                .bind(covers)
                .bind(&snapshot.blob_id[..])
                .bind(&snapshot.sealed[..])
                .execute(&mut *tx)
                .await?;
                let previous: Option<i64> =
                    sqlx::query("SELECT MAX(covers) FROM snapshots WHERE doc = $1 AND covers < $2")
                        .bind(&doc.0[..])
                        .bind(covers)
                        .fetch_one(&mut *tx)
                        .await?
                        .get(0);
                let mut freed = 0i64;
                if let Some(previous) = previous {
                    freed += sqlx::query(
                        "SELECT COALESCE(SUM(LENGTH(sealed)), 0)::BIGINT FROM blobs WHERE doc = $1 AND seq <= $2",
                    )
                    .bind(&doc.0[..])
                    .bind(previous)
                    .fetch_one(&mut *tx)
                    .await?
                    .get::<i64, _>(0);
                    freed += sqlx::query(
                        "SELECT COALESCE(SUM(LENGTH(sealed)), 0)::BIGINT FROM snapshots WHERE doc = $1 AND covers < $2",
                    )
                    .bind(&doc.0[..])
                    .bind(previous)
                    .fetch_one(&mut *tx)
                    .await?
                    .get::<i64, _>(0);
                    sqlx::query("DELETE FROM blobs WHERE doc = $1 AND seq <= $2")
                        .bind(&doc.0[..])
                        .bind(previous)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM snapshots WHERE doc = $1 AND covers < $2")
                        .bind(&doc.0[..])
                        .bind(previous)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("UPDATE docs SET bytes = bytes + $1 - $2 WHERE doc = $3")
                    .bind(size)
                    .bind(freed)
                    .bind(&doc.0[..])
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    }

    /// Removes everything the relay holds for the network, its key included.
    pub async fn delete(&self, doc: &DocId) -> Result<(), StoreError> {
        match self {
            Store::Sqlite { writer, .. } => {
                let mut tx = writer.begin().await?;
                for statement in [
                    "DELETE FROM blobs WHERE doc = ?",
                    "DELETE FROM snapshots WHERE doc = ?",
                    "DELETE FROM docs WHERE doc = ?",
                ] {
                    sqlx::query(statement)
                        .bind(&doc.0[..])
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                for statement in [
                    "DELETE FROM blobs WHERE doc = $1",
                    "DELETE FROM snapshots WHERE doc = $1",
                    "DELETE FROM docs WHERE doc = $1",
                ] {
                    sqlx::query(statement)
                        .bind(&doc.0[..])
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The latest sequence number of a network's log (0 when unknown).
    pub async fn latest(&self, doc: &DocId) -> Result<u64, StoreError> {
        let latest = match self {
            Store::Sqlite { readers, .. } => sqlx::query("SELECT latest FROM docs WHERE doc = ?")
                .bind(&doc.0[..])
                .fetch_optional(readers)
                .await?
                .map(|r| r.get::<i64, _>(0)),
            Store::Postgres(pool) => sqlx::query("SELECT latest FROM docs WHERE doc = $1")
                .bind(&doc.0[..])
                .fetch_optional(pool)
                .await?
                .map(|r| r.get::<i64, _>(0)),
        };
        Ok(latest.map_or(0, |l| l as u64))
    }
}

/// One push waiting for the SQLite writer.
pub struct AppendJob {
    doc: DocId,
    blob_id: BlobId,
    sealed: Vec<u8>,
    max: i64,
    reply: tokio::sync::oneshot::Sender<Result<(u64, bool), StoreError>>,
}

/// Most appends committed in one transaction.
const BATCH: usize = 512;

/// Commits queued appends in batches: one transaction (one WAL commit) for everything that
/// arrived while the previous batch was being written. Each push is answered only after the
/// commit that holds it.
async fn commit_appends(writer: SqlitePool, mut queue: tokio::sync::mpsc::Receiver<AppendJob>) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        match append_batch(&writer, &batch).await {
            Ok(results) => {
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!("relay append batch failed: {e}");
                for job in batch.drain(..) {
                    let _ = job
                        .reply
                        .send(Err(StoreError::Db(sqlx::Error::Protocol(format!(
                            "the batch holding this push failed: {e}"
                        )))));
                }
            }
        }
    }
}

/// Writes one batch in one transaction with a few round trips to SQLite's thread, however many
/// appends it holds: read the documents' counters and the blob ids already there, number the
/// new blobs here, then write them. Values are bound, never spliced into the SQL: a batch is
/// cut into runs of [`RUNS`] rows, each run one multi-row statement that SQLite parsed once
/// (sqlx keeps prepared statements per connection).
async fn append_batch(
    writer: &SqlitePool,
    batch: &[AppendJob],
) -> Result<Vec<Result<(u64, bool), StoreError>>, sqlx::Error> {
    use std::collections::{HashMap, HashSet};
    let mut tx = writer.begin().await?;
    let docs: Vec<DocId> = batch
        .iter()
        .map(|j| j.doc)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut counters: HashMap<DocId, (i64, i64)> = HashMap::new();
    for run in runs(docs.len()) {
        let run = &docs[run];
        let sql = format!(
            "SELECT doc, latest, bytes FROM docs WHERE doc IN ({})",
            vec!["?"; run.len()].join(",")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for doc in run {
            query = query.bind(&doc.0[..]);
        }
        for row in query.fetch_all(&mut *tx).await? {
            counters.insert(doc_of(row.get::<Vec<u8>, _>(0)), (row.get(1), row.get(2)));
        }
    }
    let mut known: HashMap<(DocId, BlobId), u64> = HashMap::new();
    for run in runs(batch.len()) {
        let run = &batch[run];
        let mut query = sqlx::query(sqlx::AssertSqlSafe(known_blobs_sql(run.len())));
        for job in run {
            query = query.bind(&job.doc.0[..]).bind(&job.blob_id[..]);
        }
        for row in query.fetch_all(&mut *tx).await? {
            let doc = doc_of(row.get::<Vec<u8>, _>(0));
            known.insert(
                (doc, id_of(row.get::<Vec<u8>, _>(1))),
                row.get::<i64, _>(2) as u64,
            );
        }
    }
    let mut results = Vec::with_capacity(batch.len());
    let mut fresh: Vec<(&AppendJob, i64)> = Vec::new();
    let mut touched = HashSet::new();
    for job in batch {
        if let Some(&seq) = known.get(&(job.doc, job.blob_id)) {
            results.push(Ok((seq, false)));
            continue;
        }
        let Some((latest, bytes)) = counters.get_mut(&job.doc) else {
            results.push(Err(StoreError::Gone));
            continue;
        };
        let size = job.sealed.len() as i64;
        if *bytes + size > job.max {
            results.push(Err(StoreError::Quota));
            continue;
        }
        *latest += 1;
        *bytes += size;
        let seq = *latest;
        known.insert((job.doc, job.blob_id), seq as u64);
        touched.insert(job.doc);
        fresh.push((job, seq));
        results.push(Ok((seq as u64, true)));
    }
    for run in runs(fresh.len()) {
        let run = &fresh[run];
        let sql = format!(
            "INSERT INTO blobs (doc, seq, blob_id, sealed) VALUES {}",
            placeholders(run.len(), 4)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (job, seq) in run {
            query = query
                .bind(&job.doc.0[..])
                .bind(*seq)
                .bind(&job.blob_id[..])
                .bind(&job.sealed[..]);
        }
        query.execute(&mut *tx).await?;
    }
    let touched: Vec<DocId> = touched.into_iter().collect();
    for run in runs(touched.len()) {
        let run = &touched[run];
        let sql = format!(
            "UPDATE docs SET latest = v.column2, bytes = v.column3 \
             FROM (VALUES {}) AS v WHERE docs.doc = v.column1",
            placeholders(run.len(), 3)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for doc in run {
            let (latest, bytes) = counters[doc];
            query = query.bind(&doc.0[..]).bind(latest).bind(bytes);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(results)
}

/// Rows per statement: a batch of n rows is cut greedily into runs of these sizes, so a
/// connection prepares at most one statement of each size per kind.
const RUNS: [usize; 4] = [64, 16, 4, 1];

/// The ranges of a greedy cut of `0..n` into runs of [`RUNS`] sizes.
fn runs(n: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for size in RUNS {
        while n - start >= size {
            out.push(start..start + size);
            start += size;
        }
    }
    out
}

/// `(?,?),(?,?)`: `rows` rows of `columns` parameters each.
fn placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(","));
    vec![row; rows].join(",")
}

/// Which of `pairs` `(doc, blob_id)` pairs (bound in that order) are in the log already, with
/// their seqs: a join from the list, so each pair is one search of the unique index. (The
/// row-value form `(doc, blob_id) IN (VALUES …)` searches it too with the SQLite bundled here,
/// but older SQLite versions plan it as a scan of the whole log.)
fn known_blobs_sql(pairs: usize) -> String {
    format!(
        "SELECT b.doc, b.blob_id, b.seq FROM (VALUES {}) AS v \
         CROSS JOIN blobs AS b ON b.doc = v.column1 AND b.blob_id = v.column2",
        placeholders(pairs, 2)
    )
}

fn doc_of(bytes: Vec<u8>) -> DocId {
    let mut id = [0u8; 32];
    let n = bytes.len().min(32);
    id[..n].copy_from_slice(&bytes[..n]);
    DocId(id)
}

fn snapshot_row<R: Row>(row: R) -> Snapshot
where
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    Snapshot {
        blob_id: id_of(row.get::<Vec<u8>, _>(0)),
        covers: row.get::<i64, _>(1) as u64,
        sealed: row.get::<Vec<u8>, _>(2),
    }
}

fn blob_row<R: Row>(row: R) -> Blob
where
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    Blob {
        seq: row.get::<i64, _>(0) as u64,
        blob_id: id_of(row.get::<Vec<u8>, _>(1)),
        sealed: row.get::<Vec<u8>, _>(2),
    }
}

fn id_of(bytes: Vec<u8>) -> BlobId {
    let mut id = BlobId::default();
    let n = bytes.len().min(id.len());
    id[..n].copy_from_slice(&bytes[..n]);
    id
}

/// Reads a PostgreSQL notification's payload: the document and the new latest seq.
pub fn parse_notification(payload: &str) -> Option<(DocId, u64)> {
    let (doc, seq) = payload.split_once(':')?;
    if doc.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(doc.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some((DocId(bytes), seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group commit looks its blob ids up by index: a scan would make every batch slower as
    /// the log grows.
    /// A burst grows the write-ahead log past its limit; once pushes pause and a checkpoint
    /// has caught up, the next write starts the log over and the file is cut back.
    #[tokio::test]
    async fn the_log_file_shrinks_back_once_pushes_pause() {
        let dir = std::env::temp_dir().join(format!("colloquy-store-wal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("relay.sqlite3").display());
        let limit = 256 << 10;
        let store = Store::open_with(&url, limit).await.unwrap();
        let doc = DocId([7; 32]);
        assert!(store.check_key(&doc, &[1; 32]).await.unwrap().0);
        let limits = Limits::default();
        let wal = dir.join("relay.sqlite3-wal");
        let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        let mut pushed = 0u32;
        let mut push = || {
            pushed += 1;
            let mut id = BlobId::default();
            id[..4].copy_from_slice(&pushed.to_le_bytes());
            (id, vec![pushed as u8; 8 << 10])
        };
        let mut peak = 0;
        for _ in 0..200 {
            let (id, sealed) = push();
            store.append(&doc, &id, &sealed, &limits).await.unwrap();
            peak = peak.max(wal_size());
        }
        assert!(peak > 2 * limit, "the burst left a log of {peak} bytes");
        // One push at a time, a tenth of a second apart, until a checkpoint has caught up.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (id, sealed) = push();
            store.append(&doc, &id, &sealed, &limits).await.unwrap();
            if wal_size() <= limit {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the log is still {} bytes",
                wal_size()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(store.latest(&doc).await.unwrap(), u64::from(pushed));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_batch_is_cut_into_runs_of_the_prepared_sizes() {
        for n in 0..300 {
            let cut = runs(n);
            assert_eq!(
                cut.iter().map(|r| r.len()).sum::<usize>(),
                n,
                "{n}: {cut:?}"
            );
            assert!(
                cut.windows(2).all(|w| w[0].end == w[1].start),
                "{n}: {cut:?}"
            );
            assert!(cut.iter().all(|r| RUNS.contains(&r.len())), "{n}: {cut:?}");
            // Greedy: never more than three runs of any size below the largest.
            for size in &RUNS[1..] {
                assert!(
                    cut.iter().filter(|r| r.len() == *size).count() <= 3,
                    "{n}: {cut:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_batch_finds_known_blob_ids_through_the_index() {
        let dir = std::env::temp_dir().join(format!("colloquy-store-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("relay.sqlite3").display());
        let store = Store::open(&url).await.unwrap();
        let Store::Sqlite { writer, .. } = &store else {
            unreachable!("a sqlite URL opens SQLite")
        };
        // As many pairs as a statement of a busy batch holds.
        let pairs = RUNS[0];
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "EXPLAIN QUERY PLAN {}",
            known_blobs_sql(pairs)
        )));
        for i in 0..pairs as u8 {
            query = query.bind(vec![i; 32]).bind(vec![i; 16]);
        }
        let plan: Vec<String> = query
            .fetch_all(writer)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<String, _>(3))
            .collect();
        std::fs::remove_dir_all(&dir).ok();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX") && step.contains("blob_id=?")),
            "{plan:?}"
        );
        assert!(
            !plan
                .iter()
                .any(|step| step == "SCAN blobs" || step == "SCAN b"),
            "{plan:?}"
        );
    }
}
