//! The relay's persistence: per network, the public key it was first synced with, an
//! append-only log of sealed blobs with a gap-free sequence, and up to two snapshots.
//!
//! One interface, two databases chosen by URL: SQLite (`sqlite://…`, a file under the data
//! directory, WAL) for a single relay, PostgreSQL (`postgres://…`) for several relays sharing
//! one database, which tell each other about new blobs with LISTEN/NOTIFY. An append returns
//! only after its transaction committed, so an acknowledged push survives a crash.

use std::str::FromStr;

use app::crypto::DocId;
use app::sync::relay::page_count;
use app::sync::{Blob, BlobId, Limits, Page, Snapshot};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;

/// The channel relays share news of appended blobs on (PostgreSQL).
pub(crate) const CHANNEL: &str = "colloquy_relay";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the network's data at the relay is over its limit")]
    Quota,
    #[error("the network's data was deleted from the relay")]
    Gone,
    #[error("the relay's storage is full")]
    Disk,
    #[error("the relay's database failed: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the relay's database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the batch holding this push failed: {0}")]
    Batch(String),
    #[error("unsupported database URL {0:?}: use sqlite://… or postgres://…")]
    Url(String),
    #[error(transparent)]
    Schema(#[from] crate::schema::SchemaError),
}

/// Where the relay keeps its data.
#[derive(Clone)]
pub enum Store {
    Sqlite {
        /// The database file (its write-ahead log beside it, `-wal`).
        path: std::path::PathBuf,
        readers: SqlitePool,
        /// Every write (keys, appends, snapshots, deletions) queues here for the writer
        /// thread, the one connection that writes: it commits them in batches (group commit),
        /// and no write waits for another connection's lock.
        writes: tokio::sync::mpsc::Sender<WriteJob>,
    },
    Postgres {
        pool: PgPool,
        /// Appends queue here for group commit (see `pg_writer`).
        appends: crate::pg_writer::Writers,
    },
}

/// The size SQLite cuts its write-ahead log back to once a checkpoint has emptied it. The
/// writer checkpoints the whole log each time it grows by a sixteenth of this (see
/// `spawn_writer`), so under steady pushes it stays far below.
const WAL_LIMIT: u64 = 64 << 20;

/// Settings every SQLite connection of the relay gets, the pools' and the writer's:
/// - hot pages kept in memory (measured with the load generator, these halve the time spent in
///   read and write calls);
/// - no automatic checkpoints (the writer turns its own back on, see `spawn_writer`); a
///   background task checkpoints passively, without blocking anyone;
/// - statement journals (undo for one statement alone) in memory: in a temporary file, every
///   page a statement touches would cost a write call;
/// - what is deleted is overwritten (a deleted network's ciphertext doesn't linger in free
///   pages).
const TUNING: [(&str, &str); 5] = [
    ("cache_size", "-32768"),
    // Deleted rows are overwritten with zeros, not left in free pages.
    ("secure_delete", "ON"),
    ("mmap_size", "268435456"),
    ("wal_autocheckpoint", "0"),
    ("temp_store", "memory"),
];

/// How long a connection waits for another one's write lock.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How much the relay may store in all (SQLite: the writer refuses pushes and snapshots past
/// it, before the disk is full).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Bytes of blobs and snapshots across every network; None for no cap but the disk's.
    pub stored: Option<u64>,
    /// Free space the disk keeps, whatever the cap.
    pub free: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            stored: None,
            free: 256 << 20,
        }
    }
}

/// Whether a key check may store a network the relay doesn't have yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    No,
    Yes,
    /// If this invite (the SHA-256 of its code) has a use left; the check takes one.
    Invite([u8; 32]),
}

/// The SHA-256 of an invite code, as the store keeps it (a leaked database gives no codes).
pub fn invite_hash(code: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(code.trim().as_bytes()).into()
}

/// Writes a consistent copy of the SQLite database at `path` to `file` (while the relay
/// runs: a read transaction sees one commit), with a new epoch. Returns the copy's size.
pub fn backup(path: &std::path::Path, file: &std::path::Path) -> Result<u64, StoreError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute("VACUUM INTO ?1", [file.to_string_lossy()])?;
    let copy = rusqlite::Connection::open(file)?;
    crate::schema::set_sqlite_epoch(&copy)?;
    copy.execute_batch("PRAGMA journal_mode = DELETE")?;
    drop(copy);
    Ok(std::fs::metadata(file).map_or(0, |m| m.len()))
}

/// What a key check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyCheck {
    /// The network's key: the log's latest seq.
    Matches(u64),
    /// The network was first synced with another key.
    Differs,
    /// A new network, stored now with this key.
    Created,
    /// A new network, not created (it wasn't allowed to be).
    Unknown,
    /// The network was deleted: it can't be synced again under this id.
    Deleted,
}

impl Store {
    /// Opens (and creates, if needed) the database at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, WAL_LIMIT).await
    }

    /// Opens as [`Store::open`] does, with a budget for what it stores.
    pub async fn open_with_budget(url: &str, budget: Budget) -> Result<Store, StoreError> {
        Store::open_gated(url, WAL_LIMIT, None, budget).await
    }

    async fn open_with(url: &str, wal_limit: u64) -> Result<Store, StoreError> {
        Store::open_gated(url, wal_limit, None, Budget::default()).await
    }

    /// Opens as [`Store::open`] does; with a gate, the SQLite writer asks it before every
    /// commit, and abandons the batch (as a crash or a failed commit would) when it says no.
    async fn open_gated(
        url: &str,
        wal_limit: u64,
        gate: Option<CommitGate>,
        budget: Budget,
    ) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let mut options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode a commit is in the log file before it returns: it survives the
                // process being killed (not a power cut, which would take `Full`).
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(BUSY_TIMEOUT)
                .pragma("journal_size_limit", wal_limit.to_string());
            for (name, value) in TUNING {
                options = options.pragma(name, value);
            }
            // The writer creates the file and the schema before any reader opens it.
            let (writes, queue) = tokio::sync::mpsc::channel(4096);
            spawn_writer(options.get_filename(), wal_limit, queue, gate, budget)?;
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
            Ok(Store::Sqlite {
                path: options.get_filename().to_owned(),
                readers,
                writes,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            crate::schema::migrate_postgres(&pool).await?;
            let appends = crate::pg_writer::Writers::spawn(&pool);
            Ok(Store::Postgres { pool, appends })
        } else {
            Err(StoreError::Url(url.to_owned()))
        }
    }

    /// A listener for other relays' appends, when relays share a database.
    pub async fn listener(&self) -> Result<Option<PgListener>, StoreError> {
        match self {
            Store::Sqlite { .. } => Ok(None),
            Store::Postgres { pool, .. } => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(listener))
            }
        }
    }

    /// Whether `key` is the network's key; a new network is stored with it when `grant` allows
    /// (never one that was deleted).
    pub async fn check_key(
        &self,
        doc: &DocId,
        key: &[u8; 32],
        grant: Grant,
    ) -> Result<KeyCheck, StoreError> {
        match self {
            Store::Sqlite { writes, .. } => {
                match write(writes, *doc, Write::CheckKey { key: *key, grant }).await? {
                    Done::Key(check) => Ok(check),
                    other => unreachable!("a key check answered {other:?}"),
                }
            }
            Store::Postgres { pool, .. } => {
                // Boxed, as the other rare PostgreSQL paths: a future holds room for its
                // largest branch, and each frame a device sends is handled in such a future.
                Box::pin(async {
                    let mut tx = pool.begin().await?;
                    let deleted = sqlx::query("SELECT 1 FROM deleted WHERE doc = $1")
                        .bind(&doc.0[..])
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some();
                    if deleted {
                        return Ok(KeyCheck::Deleted);
                    }
                    let exists = sqlx::query("SELECT 1 FROM docs WHERE doc = $1")
                        .bind(&doc.0[..])
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some();
                    let may_create = !exists
                        && match grant {
                            Grant::No => false,
                            Grant::Yes => true,
                            Grant::Invite(code) => sqlx::query(
                                "UPDATE invites SET uses = uses - 1 WHERE code = $1 AND uses > 0",
                            )
                            .bind(&code[..])
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                                == 1,
                        };
                    let created = may_create
                    && sqlx::query(
                        "INSERT INTO docs (doc, key) VALUES ($1, $2) ON CONFLICT (doc) DO NOTHING",
                    )
                    .bind(&doc.0[..])
                    .bind(&key[..])
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1;
                    let stored = sqlx::query("SELECT key, latest FROM docs WHERE doc = $1")
                        .bind(&doc.0[..])
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| (r.get::<Vec<u8>, _>(0), r.get::<i64, _>(1)));
                    tx.commit().await?;
                    Ok(match stored {
                        None => KeyCheck::Unknown,
                        Some(_) if created => KeyCheck::Created,
                        Some((stored, latest)) if stored == key => KeyCheck::Matches(latest as u64),
                        Some(_) => KeyCheck::Differs,
                    })
                })
                .await
            }
        }
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
            Store::Postgres { pool, .. } => {
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
        // The page is bounded by bytes before any blob is read: first the sizes, then only the
        // blobs that fit.
        let limit = limits.page_blobs as i64 + 1;
        let sizes: Vec<i64> = match self {
            Store::Sqlite { readers, .. } => sqlx::query_scalar(
                "SELECT LENGTH(sealed) FROM blobs WHERE doc = ? AND seq > ? ORDER BY seq LIMIT ?",
            )
            .bind(&doc.0[..])
            .bind(start as i64)
            .bind(limit)
            .fetch_all(readers)
            .await?,
            Store::Postgres { pool, .. } => sqlx::query_scalar(
                "SELECT LENGTH(sealed)::BIGINT FROM blobs WHERE doc = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .bind(&doc.0[..])
            .bind(start as i64)
            .bind(limit)
            .fetch_all(pool)
            .await?,
        };
        let (count, more) = page_count(limits, sizes.iter().map(|&n| n.max(0) as usize));
        let blobs = match self {
            Store::Sqlite { readers, .. } => {
                sqlx::query(
                    "SELECT seq, blob_id, sealed FROM blobs WHERE doc = ? AND seq > ? ORDER BY seq LIMIT ?",
                )
                .bind(&doc.0[..])
                .bind(start as i64)
                .bind(count as i64)
                .fetch_all(readers)
                .await?
                .into_iter()
                .map(blob_row)
                .collect::<Vec<_>>()
            }
            Store::Postgres { pool, .. } => sqlx::query(
                "SELECT seq, blob_id, sealed FROM blobs WHERE doc = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .bind(&doc.0[..])
            .bind(start as i64)
            .bind(count as i64)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(blob_row)
            .collect(),
        };
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
        let max = limits.max_doc_bytes as i64;
        match self {
            Store::Sqlite { writes, .. } => {
                let append = Write::Append {
                    blob_id: *blob_id,
                    sealed: sealed.to_vec(),
                    max,
                };
                match write(writes, *doc, append).await? {
                    Done::Appended(seq, new) => Ok((seq, new)),
                    other => unreachable!("an append answered {other:?}"),
                }
            }
            Store::Postgres { appends, .. } => {
                appends.append(*doc, *blob_id, sealed.to_vec(), max).await
            }
        }
    }

    /// Stores a snapshot covering the log up to `covers`; once stored, drops the blobs the
    /// previous snapshot covers and any older snapshot, so two generations remain. A snapshot
    /// counts in the network's quota: refused (`Quota`) when what remains would be over it.
    pub async fn put_snapshot(
        &self,
        doc: &DocId,
        snapshot: Snapshot,
        limits: &Limits,
    ) -> Result<bool, StoreError> {
        let covers = snapshot.covers as i64;
        let size = snapshot.sealed.len() as i64;
        let max = limits.max_doc_bytes as i64;
        match self {
            Store::Sqlite { writes, .. } => {
                match write(writes, *doc, Write::Snapshot { snapshot, max }).await? {
                    Done::Snapshot(stored) => Ok(stored),
                    other => unreachable!("a snapshot answered {other:?}"),
                }
            }
            Store::Postgres { pool, .. } => {
                Box::pin(async {
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
                    let within = sqlx::query(
                        "UPDATE docs SET bytes = bytes + $1 - $2 WHERE doc = $3 AND bytes + $1 - $2 <= $4",
                    )
                    .bind(size)
                    .bind(freed)
                    .bind(&doc.0[..])
                    .bind(max)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1;
                    if !within {
                        tx.rollback().await?;
                        return Err(StoreError::Quota);
                    }
                    tx.commit().await?;
                    Ok(true)
                })
                .await
            }
        }
    }

    /// Removes everything the relay holds for the network, its key included, and keeps a
    /// tombstone so that it is never created again under its id. SQLite overwrites what was
    /// deleted and empties its write-ahead log.
    pub async fn delete(&self, doc: &DocId) -> Result<(), StoreError> {
        match self {
            Store::Sqlite { writes, .. } => {
                write(writes, *doc, Write::Delete).await?;
            }
            Store::Postgres { pool, .. } => {
                Box::pin(async {
                    let mut tx = pool.begin().await?;
                    for statement in [
                        "DELETE FROM blobs WHERE doc = $1",
                        "DELETE FROM snapshots WHERE doc = $1",
                        "DELETE FROM docs WHERE doc = $1",
                        "INSERT INTO deleted (doc) VALUES ($1) ON CONFLICT (doc) DO NOTHING",
                    ] {
                        sqlx::query(statement)
                            .bind(&doc.0[..])
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok::<(), StoreError>(())
                })
                .await?;
            }
        }
        Ok(())
    }

    /// Whether a write can be committed now: the writer (or PostgreSQL) takes a write
    /// transaction, and the disk has room.
    pub async fn probe(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite { writes, .. } => {
                match write(writes, DocId([0; 32]), Write::Probe).await? {
                    Done::Probe(true) => Ok(()),
                    Done::Probe(false) => Err(StoreError::Disk),
                    other => unreachable!("a probe answered {other:?}"),
                }
            }
            Store::Postgres { pool, .. } => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7214)")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE schema_version SET version = version")
                    .execute(&mut *tx)
                    .await?;
                tx.rollback().await?;
                Ok(())
            }
        }
    }

    /// The database's files on disk (SQLite; PostgreSQL's size as it reports it).
    pub async fn sizes(&self) -> crate::metrics::Sizes {
        match self {
            Store::Sqlite { path, .. } => {
                let size = |suffix: &str| {
                    let mut name = path.as_os_str().to_owned();
                    name.push(suffix);
                    std::fs::metadata(name).map_or(0, |m| m.len())
                };
                let wal = size("-wal");
                crate::metrics::Sizes {
                    store: size("") + wal + size("-shm"),
                    wal,
                }
            }
            Store::Postgres { pool, .. } => crate::metrics::Sizes {
                store: sqlx::query("SELECT pg_database_size(current_database())")
                    .fetch_one(pool)
                    .await
                    .map_or(0, |r| r.get::<i64, _>(0).max(0) as u64),
                wal: 0,
            },
        }
    }

    /// The database's epoch (see [`crate::schema`]).
    pub async fn epoch(&self) -> Result<crate::schema::Epoch, StoreError> {
        let query = "SELECT value FROM meta WHERE name = 'epoch'";
        let value: Vec<u8> = match self {
            Store::Sqlite { readers, .. } => sqlx::query(query).fetch_one(readers).await?.get(0),
            Store::Postgres { pool, .. } => sqlx::query(query).fetch_one(pool).await?.get(0),
        };
        Ok(crate::schema::Epoch::try_from(value).unwrap_or_default())
    }

    /// Makes an invite code good for `uses` new networks; the store keeps only its hash.
    pub async fn invite(&self, uses: u32) -> Result<String, StoreError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Batch(e.to_string()))?;
        // Groups of four from an alphabet without look-alikes, easy to read out and type
        // (16 letters of 31: 79 bits).
        const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
        let letters: Vec<char> = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        let code = letters
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-");
        let hash = invite_hash(&code);
        let query = "INSERT INTO invites (code, uses) VALUES ($1, $2)";
        match self {
            Store::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path)?;
                conn.busy_timeout(BUSY_TIMEOUT)?;
                conn.execute(query, (&hash[..], i64::from(uses)))?;
            }
            Store::Postgres { pool, .. } => {
                sqlx::query(query)
                    .bind(&hash[..])
                    .bind(i64::from(uses))
                    .execute(pool)
                    .await?;
            }
        }
        Ok(code)
    }

    /// Gives the database a new epoch (see [`crate::schema`]).
    pub async fn new_epoch(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path)?;
                conn.busy_timeout(BUSY_TIMEOUT)?;
                crate::schema::set_sqlite_epoch(&conn)?;
            }
            Store::Postgres { pool, .. } => {
                crate::schema::set_postgres_epoch(pool).await?;
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
            Store::Postgres { pool, .. } => sqlx::query("SELECT latest FROM docs WHERE doc = $1")
                .bind(&doc.0[..])
                .fetch_optional(pool)
                .await?
                .map(|r| r.get::<i64, _>(0)),
        };
        Ok(latest.map_or(0, |l| l as u64))
    }
}

/// A write waiting for the SQLite writer thread.
pub struct WriteJob {
    doc: DocId,
    write: Write,
    reply: tokio::sync::oneshot::Sender<Result<Done, StoreError>>,
}

#[derive(Debug)]
enum Write {
    /// Store the network's key if it is new (and may be created).
    CheckKey {
        key: [u8; 32],
        grant: Grant,
    },
    Append {
        blob_id: BlobId,
        sealed: Vec<u8>,
        max: i64,
    },
    Snapshot {
        snapshot: Snapshot,
        max: i64,
    },
    Delete,
    /// A write transaction with nothing in it: whether the writer can commit, and has room.
    Probe,
}

/// What a write came to.
#[derive(Debug)]
enum Done {
    Key(KeyCheck),
    /// The blob's seq, and whether it was new.
    Appended(u64, bool),
    /// Whether the snapshot was stored (not when the log is behind it or one as new is there).
    Snapshot(bool),
    Deleted,
    /// Whether the disk has room.
    Probe(bool),
}

/// Queues a write for the writer thread and waits for its commit.
async fn write(
    writes: &tokio::sync::mpsc::Sender<WriteJob>,
    doc: DocId,
    write: Write,
) -> Result<Done, StoreError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let stopped = || StoreError::Batch("the relay's writer has stopped".into());
    writes
        .send(WriteJob { doc, write, reply })
        .await
        .map_err(|_| stopped())?;
    answer.await.map_err(|_| stopped())?
}

/// Most writes committed in one transaction.
const BATCH: usize = 512;

/// Asked by the writer before each commit, with the batch ready; `false` abandons the batch.
/// Tests hold a commit with it to show that nothing is acknowledged before its commit.
type CommitGate = Box<dyn FnMut() -> bool + Send>;

/// The SQLite writer: a thread of its own with the relay's one writing connection, committing
/// queued writes in batches, one transaction (one WAL commit) for everything that arrived
/// while the previous batch was being written. Each write is answered only after the commit
/// that holds it. A whole batch runs on this thread with prepared statements: no statement is
/// parsed twice, and no statement waits for another thread to be scheduled (on a busy machine,
/// each such hand-off cost more than the statement). Being the only writer, it never waits
/// for a lock, and a key check or a snapshot waits only for the writes queued before it.
fn spawn_writer(
    path: &std::path::Path,
    wal_limit: u64,
    mut queue: tokio::sync::mpsc::Receiver<WriteJob>,
    mut gate: Option<CommitGate>,
    budget: Budget,
) -> Result<(), StoreError> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mut settings = format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA journal_size_limit = {wal_limit};"
    );
    for (name, value) in TUNING {
        settings.push_str(&format!(" PRAGMA {name} = {value};"));
    }
    // The writer alone checkpoints the whole log, between its own transactions, each time it
    // has grown by a sixteenth of its limit (4 MB): with no write under way the checkpoint catches up
    // with the log's end, and the next write starts the log over. (The background checkpoints
    // alone never catch up under steady writes: the log would grow without end.) Most pages
    // are already copied by the background checkpoints, so this one has little left to do.
    settings.push_str(&format!(
        " PRAGMA wal_autocheckpoint = {};",
        (wal_limit / 16 / 4096).max(16)
    ));
    conn.execute_batch(&settings)?;
    crate::schema::migrate_sqlite(&mut conn)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
        .to_owned();
    let mut stored = stored_bytes(&conn)?;
    std::thread::Builder::new()
        .name("relay-writer".into())
        .spawn(move || {
            let mut conn = conn;
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(first) = queue.blocking_recv() {
                batch.push(first);
                while batch.len() < BATCH {
                    match queue.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                // Room for this batch: within the budget, and leaving the disk its free space.
                let free = free_bytes(&dir).saturating_sub(budget.free);
                let left = budget
                    .stored
                    .map_or(free, |cap| cap.saturating_sub(stored).min(free));
                let mut room = Room {
                    left: i64::try_from(left).unwrap_or(i64::MAX),
                    added: 0,
                };
                match write_batch(&mut conn, &batch, gate.as_mut(), &mut room) {
                    Ok((results, recount)) => {
                        for (job, result) in batch.drain(..).zip(results) {
                            let _ = job.reply.send(result);
                        }
                        stored = stored.saturating_add_signed(room.added);
                        if recount {
                            // A deleted network's pages are overwritten; its frames must leave
                            // the write-ahead log too.
                            if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
                                tracing::warn!("relay checkpoint after a deletion: {e}");
                            }
                            stored = stored_bytes(&conn).unwrap_or(stored);
                        }
                    }
                    Err(e) => {
                        tracing::error!("relay write batch failed: {e}");
                        for job in batch.drain(..) {
                            let _ = job.reply.send(Err(StoreError::Batch(e.to_string())));
                        }
                    }
                }
            }
        })
        .map_err(|e| StoreError::Batch(format!("starting the writer: {e}")))?;
    Ok(())
}

/// Bytes of blobs and snapshots the relay holds, across every network.
fn stored_bytes(conn: &rusqlite::Connection) -> Result<u64, rusqlite::Error> {
    conn.query_row("SELECT COALESCE(SUM(bytes), 0) FROM docs", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n.max(0) as u64)
}

/// Free space on the disk holding `dir` for an unprivileged writer (none when unknown).
fn free_bytes(dir: &std::path::Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return 0;
    };
    // SAFETY: statvfs reads the path and writes only the struct given.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stats) } != 0 {
        return 0;
    }
    stats.f_bavail.saturating_mul(stats.f_frsize)
}

/// What a batch may still add to the store, and what it added.
struct Room {
    left: i64,
    added: i64,
}

impl Room {
    /// Takes `size` bytes of room, or says there is none.
    fn take(&mut self, size: i64) -> bool {
        if size > self.left {
            return false;
        }
        self.left -= size;
        self.added += size;
        true
    }
}

/// Writes one batch in one transaction, in the order the writes came. Also says whether the
/// stored total must be counted again (a snapshot or a deletion freed bytes).
fn write_batch(
    conn: &mut rusqlite::Connection,
    batch: &[WriteJob],
    gate: Option<&mut CommitGate>,
    room: &mut Room,
) -> Result<(Vec<Result<Done, StoreError>>, bool), rusqlite::Error> {
    // Immediate: the write lock from the start, so the counters read are the ones written.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut appends = Appends::default();
    let mut results = Vec::with_capacity(batch.len());
    let mut recount = false;
    for job in batch {
        let doc = &job.doc.0[..];
        // The other writes read and write the counters and the log themselves.
        if !matches!(job.write, Write::Append { .. }) {
            appends.settle(&tx)?;
        }
        results.push(match &job.write {
            Write::Append {
                blob_id,
                sealed,
                max,
            } => appends.append(&tx, job.doc, blob_id, sealed, *max, room)?,
            Write::CheckKey { key, grant } => Ok(check_key(&tx, doc, key, *grant)?),
            Write::Snapshot { snapshot, max } => {
                recount = true;
                put_snapshot(&tx, doc, snapshot, *max, room)?
            }
            Write::Delete => {
                recount = true;
                for table in ["blobs", "snapshots", "docs"] {
                    tx.prepare_cached(&format!("DELETE FROM {table} WHERE doc = ?1"))?
                        .execute([doc])?;
                }
                tx.prepare_cached(
                    "INSERT INTO deleted (doc) VALUES (?1) ON CONFLICT (doc) DO NOTHING",
                )?
                .execute([doc])?;
                Ok(Done::Deleted)
            }
            Write::Probe => Ok(Done::Probe(room.left > 0)),
        });
    }
    appends.settle(&tx)?;
    if let Some(gate) = gate {
        if !gate() {
            // Dropped, the transaction rolls back: nothing of the batch is kept.
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                Some("the commit was abandoned".into()),
            ));
        }
    }
    tx.commit()?;
    Ok((results, recount))
}

/// What a batch's appends keep in memory until they are settled: per network its counters as
/// the batch has moved them, `(latest, bytes)` or None when the network isn't at the relay,
/// written once rather than per push; and the seqs given to blob ids.
#[derive(Default)]
struct Appends {
    counters: std::collections::HashMap<DocId, Option<(i64, i64)>>,
    known: std::collections::HashMap<(DocId, BlobId), u64>,
}

impl Appends {
    /// Per push: look its blob id up (a resend gets the seq it has), check the network's quota
    /// and number it.
    fn append(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        doc: DocId,
        blob_id: &BlobId,
        sealed: &[u8],
        max: i64,
        room: &mut Room,
    ) -> Result<Result<Done, StoreError>, rusqlite::Error> {
        use rusqlite::OptionalExtension;
        let key = (doc, *blob_id);
        let seen = match self.known.get(&key) {
            Some(&seq) => Some(seq),
            None => tx
                .prepare_cached(KNOWN_BLOB)?
                .query_row((&doc.0[..], &blob_id[..]), |r| r.get::<_, i64>(0))
                .optional()?
                .map(|seq| seq as u64),
        };
        if let Some(seq) = seen {
            return Ok(Ok(Done::Appended(seq, false)));
        }
        let entry = match self.counters.entry(doc) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                tx.prepare_cached("SELECT latest, bytes FROM docs WHERE doc = ?1")?
                    .query_row([&doc.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?,
            ),
        };
        let Some((latest, bytes)) = entry else {
            return Ok(Err(StoreError::Gone));
        };
        let size = sealed.len() as i64;
        if *bytes + size > max {
            return Ok(Err(StoreError::Quota));
        }
        if !room.take(size) {
            return Ok(Err(StoreError::Disk));
        }
        *latest += 1;
        *bytes += size;
        tx.prepare_cached("INSERT INTO blobs (doc, seq, blob_id, sealed) VALUES (?1, ?2, ?3, ?4)")?
            .execute((&doc.0[..], *latest, &blob_id[..], sealed))?;
        self.known.insert(key, *latest as u64);
        Ok(Ok(Done::Appended(*latest as u64, true)))
    }

    /// Writes the counters the appends have moved, and forgets what they kept.
    fn settle(&mut self, tx: &rusqlite::Transaction<'_>) -> Result<(), rusqlite::Error> {
        let mut update =
            tx.prepare_cached("UPDATE docs SET latest = ?2, bytes = ?3 WHERE doc = ?1")?;
        for (doc, counts) in self.counters.drain() {
            if let Some((latest, bytes)) = counts {
                update.execute((&doc.0[..], latest, bytes))?;
            }
        }
        self.known.clear();
        Ok(())
    }
}

fn check_key(
    tx: &rusqlite::Transaction<'_>,
    doc: &[u8],
    key: &[u8; 32],
    grant: Grant,
) -> Result<Done, rusqlite::Error> {
    use rusqlite::OptionalExtension;
    let deleted = tx
        .prepare_cached("SELECT 1 FROM deleted WHERE doc = ?1")?
        .query_row([doc], |_| Ok(()))
        .optional()?
        .is_some();
    if deleted {
        return Ok(Done::Key(KeyCheck::Deleted));
    }
    let exists = tx
        .prepare_cached("SELECT 1 FROM docs WHERE doc = ?1")?
        .query_row([doc], |_| Ok(()))
        .optional()?
        .is_some();
    let may_create = !exists
        && match grant {
            Grant::No => false,
            Grant::Yes => true,
            Grant::Invite(code) => {
                tx.prepare_cached(
                    "UPDATE invites SET uses = uses - 1 WHERE code = ?1 AND uses > 0",
                )?
                .execute([&code[..]])?
                    == 1
            }
        };
    let created = may_create
        && tx
            .prepare_cached(
                "INSERT INTO docs (doc, key) VALUES (?1, ?2) ON CONFLICT (doc) DO NOTHING",
            )?
            .execute((doc, &key[..]))?
            == 1;
    let stored = tx
        .prepare_cached("SELECT key, latest FROM docs WHERE doc = ?1")?
        .query_row([doc], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?;
    Ok(Done::Key(match stored {
        None => KeyCheck::Unknown,
        Some(_) if created => KeyCheck::Created,
        Some((stored, latest)) if stored == key => KeyCheck::Matches(latest as u64),
        Some(_) => KeyCheck::Differs,
    }))
}

/// Stores a snapshot unless the log is behind it or one as new is there; then drops what the
/// previous snapshot covers (blobs and older snapshots) and counts the bytes freed.
fn put_snapshot(
    tx: &rusqlite::Transaction<'_>,
    doc: &[u8],
    snapshot: &Snapshot,
    max: i64,
    room: &mut Room,
) -> Result<Result<Done, StoreError>, rusqlite::Error> {
    use rusqlite::OptionalExtension;
    let covers = snapshot.covers as i64;
    let bytes = tx
        .prepare_cached(
            "SELECT bytes FROM docs WHERE doc = ?1 AND latest >= ?2 \
             AND NOT EXISTS (SELECT 1 FROM snapshots WHERE doc = ?1 AND covers >= ?2)",
        )?
        .query_row((doc, covers), |r| r.get::<_, i64>(0))
        .optional()?;
    let Some(bytes) = bytes else {
        return Ok(Ok(Done::Snapshot(false)));
    };
    // The newest snapshot there now becomes the older generation: what it covers can go.
    let previous: Option<i64> = tx
        .prepare_cached("SELECT MAX(covers) FROM snapshots WHERE doc = ?1")?
        .query_row([doc], |r| r.get(0))?;
    let size = snapshot.sealed.len() as i64;
    let mut freed = 0i64;
    if let Some(previous) = previous {
        for sum in [
            "SELECT COALESCE(SUM(LENGTH(sealed)), 0) FROM blobs WHERE doc = ?1 AND seq <= ?2",
            "SELECT COALESCE(SUM(LENGTH(sealed)), 0) FROM snapshots WHERE doc = ?1 AND covers < ?2",
        ] {
            freed += tx
                .prepare_cached(sum)?
                .query_row((doc, previous), |r| r.get::<_, i64>(0))?;
        }
    }
    if bytes + size - freed > max {
        return Ok(Err(StoreError::Quota));
    }
    if !room.take(size) {
        return Ok(Err(StoreError::Disk));
    }
    tx.prepare_cached(
        "INSERT INTO snapshots (doc, covers, blob_id, sealed) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute((doc, covers, &snapshot.blob_id[..], &snapshot.sealed[..]))?;
    if let Some(previous) = previous {
        for delete in [
            "DELETE FROM blobs WHERE doc = ?1 AND seq <= ?2",
            "DELETE FROM snapshots WHERE doc = ?1 AND covers < ?2",
        ] {
            tx.prepare_cached(delete)?.execute((doc, previous))?;
        }
    }
    tx.prepare_cached("UPDATE docs SET bytes = bytes + ?2 - ?3 WHERE doc = ?1")?
        .execute((doc, size, freed))?;
    Ok(Ok(Done::Snapshot(true)))
}

/// A blob id's seq in its network's log: one search of the `(doc, blob_id)` index.
const KNOWN_BLOB: &str = "SELECT seq FROM blobs WHERE doc = ?1 AND blob_id = ?2";

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

    /// A store on a fresh SQLite file in a scratch directory (removed by the caller).
    async fn scratch_store(name: &str, wal_limit: u64) -> (std::path::PathBuf, Store) {
        let dir =
            std::env::temp_dir().join(format!("colloquy-store-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("relay.sqlite3").display());
        let store = Store::open_with(&url, wal_limit).await.unwrap();
        (dir, store)
    }

    /// Pushes without a pause, a dozen times the log's limit of data: the writer's own
    /// checkpoints keep starting the log over, so it never grows past its limit.
    #[tokio::test]
    async fn steady_pushes_keep_the_log_within_its_limit() {
        let limit = 256 << 10;
        let (dir, store) = scratch_store("wal", limit).await;
        let doc = DocId([7; 32]);
        assert_eq!(
            store.check_key(&doc, &[1; 32], Grant::Yes).await.unwrap(),
            KeyCheck::Created
        );
        let limits = Limits::default();
        let wal = dir.join("relay.sqlite3-wal");
        let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        let mut peak = 0;
        let pushes = 400u32;
        for n in 1..=pushes {
            let mut id = BlobId::default();
            id[..4].copy_from_slice(&n.to_le_bytes());
            store
                .append(&doc, &id, &vec![n as u8; 8 << 10], &limits)
                .await
                .unwrap();
            peak = peak.max(wal_size());
        }
        assert!(
            peak <= limit,
            "the log reached {peak} bytes (its limit is {limit})"
        );
        assert_eq!(store.latest(&doc).await.unwrap(), u64::from(pushes));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A push is answered only once the transaction holding it has committed: while the
    /// writer holds the commit, no answer has left; when the commit fails (as a crash would
    /// make it), the push is refused and nothing of it is stored.
    #[tokio::test]
    async fn no_push_is_answered_before_its_commit() {
        let dir = std::env::temp_dir().join(format!("colloquy-store-gate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("relay.sqlite3").display());
        let (reached, at_gate) = std::sync::mpsc::channel::<()>();
        let (open_gate, decision) = std::sync::mpsc::channel::<bool>();
        let gate: CommitGate = Box::new(move || {
            reached.send(()).unwrap();
            decision.recv().unwrap_or(false)
        });
        let store = Store::open_gated(&url, WAL_LIMIT, Some(gate), Budget::default())
            .await
            .unwrap();
        let Store::Sqlite {
            readers, writes, ..
        } = &store
        else {
            unreachable!("a sqlite URL opens SQLite")
        };
        let doc = DocId([5; 32]);
        let wait_at_gate = || {
            at_gate
                .recv_timeout(std::time::Duration::from_secs(30))
                .unwrap()
        };

        let job = |write: Write| {
            let (reply, answer) = tokio::sync::oneshot::channel();
            (WriteJob { doc, write, reply }, answer)
        };
        let push = |n: u8| {
            job(Write::Append {
                blob_id: [n; 16],
                sealed: vec![n; 32],
                max: i64::MAX,
            })
        };

        // The network's key: let its commit through.
        let (key, answer) = job(Write::CheckKey {
            key: [1; 32],
            grant: Grant::Yes,
        });
        writes.send(key).await.unwrap();
        wait_at_gate();
        open_gate.send(true).unwrap();
        assert!(matches!(
            answer.await.unwrap(),
            Ok(Done::Key(KeyCheck::Created))
        ));

        // A push, held at its commit: no answer yet.
        let (job, mut answer) = push(1);
        writes.send(job).await.unwrap();
        wait_at_gate();
        assert!(
            matches!(
                answer.try_recv(),
                Err(tokio::sync::oneshot::error::TryRecvError::Empty)
            ),
            "a push was answered while its commit was held"
        );
        // Committed: now it is acknowledged, and stored.
        open_gate.send(true).unwrap();
        assert!(matches!(answer.await.unwrap(), Ok(Done::Appended(1, true))));

        // The next commit fails: the push is refused, and nothing of it is stored.
        let (job, mut answer) = push(2);
        writes.send(job).await.unwrap();
        wait_at_gate();
        assert!(matches!(
            answer.try_recv(),
            Err(tokio::sync::oneshot::error::TryRecvError::Empty)
        ));
        open_gate.send(false).unwrap();
        assert!(matches!(answer.await.unwrap(), Err(StoreError::Batch(_))));
        let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT blob_id FROM blobs")
            .fetch_all(readers)
            .await
            .unwrap();
        assert_eq!(stored, vec![vec![1u8; 16]]);
        drop(open_gate);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Pushes that arrive together are numbered without gaps or repeats; a resent blob gets the
    /// seq it already has; a network over its quota, or not at the relay, is refused.
    #[tokio::test]
    async fn the_writer_numbers_each_blob_once() {
        let (dir, store) = scratch_store("seq", WAL_LIMIT).await;
        let (a, b) = (DocId([1; 32]), DocId([2; 32]));
        store.check_key(&a, &[1; 32], Grant::Yes).await.unwrap();
        store.check_key(&b, &[2; 32], Grant::Yes).await.unwrap();
        let limits = Limits {
            max_doc_bytes: 100 * 64,
            ..Limits::default()
        };
        let id = |doc: u8, i: u8| {
            let mut id = BlobId::default();
            id[0] = doc;
            id[1] = i;
            id
        };
        // Both networks at once, each blob sent twice in the same burst.
        let pushes = (0..100u8).flat_map(|i| [(a, id(1, i)), (b, id(2, i))]);
        let pushes: Vec<_> = pushes.clone().chain(pushes).collect();
        let appended = futures_util::future::join_all(
            pushes
                .iter()
                .map(|(doc, blob)| store.append(doc, blob, &[0; 64], &limits)),
        )
        .await;
        let mut seqs: std::collections::HashMap<(DocId, BlobId), u64> = Default::default();
        let mut fresh = 0;
        for ((doc, blob), result) in pushes.iter().zip(appended) {
            let (seq, new) = result.unwrap();
            fresh += usize::from(new);
            assert_eq!(
                *seqs.entry((*doc, *blob)).or_insert(seq),
                seq,
                "one seq per blob"
            );
        }
        assert_eq!(fresh, 200, "each blob stored once");
        for doc in [a, b] {
            let mut numbered: Vec<u64> = seqs
                .iter()
                .filter(|((d, _), _)| *d == doc)
                .map(|(_, seq)| *seq)
                .collect();
            numbered.sort_unstable();
            assert_eq!(numbered, (1..=100).collect::<Vec<_>>());
            assert_eq!(store.latest(&doc).await.unwrap(), 100);
        }
        // Later resends get their seqs back; new blobs no longer fit.
        assert_eq!(
            store
                .append(&a, &id(1, 7), &[0; 64], &limits)
                .await
                .unwrap(),
            (seqs[&(a, id(1, 7))], false)
        );
        assert!(matches!(
            store.append(&a, &id(1, 200), &[0; 64], &limits).await,
            Err(StoreError::Quota)
        ));
        assert!(matches!(
            store
                .append(&DocId([3; 32]), &id(3, 0), &[0; 64], &limits)
                .await,
            Err(StoreError::Gone)
        ));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Keys, snapshots and deletions queue behind the pushes before them and see what those
    /// wrote; a snapshot drops what the previous one covers, and the network's size follows.
    #[tokio::test]
    async fn every_write_goes_through_the_writer_in_order() {
        let (dir, store) = scratch_store("writes", WAL_LIMIT).await;
        let Store::Sqlite { readers, .. } = &store else {
            unreachable!("a sqlite URL opens SQLite")
        };
        let doc = DocId([4; 32]);
        let limits = Limits::default();
        let id = |i: u8| {
            let mut id = BlobId::default();
            id[0] = i;
            id
        };
        let bytes = || async {
            sqlx::query_scalar::<_, i64>("SELECT bytes FROM docs WHERE doc = ?")
                .bind(&doc.0[..])
                .fetch_one(readers)
                .await
                .unwrap()
        };
        assert_eq!(
            store.check_key(&doc, &[9; 32], Grant::Yes).await.unwrap(),
            KeyCheck::Created
        );
        // A key check queued behind three pushes sees them.
        let first: Vec<(BlobId, Vec<u8>)> = (1..=3u8).map(|i| (id(i), vec![i; 64])).collect();
        let (early, checked) = futures_util::join!(
            futures_util::future::join_all(
                first
                    .iter()
                    .map(|(blob, sealed)| store.append(&doc, blob, sealed, &limits))
            ),
            store.check_key(&doc, &[9; 32], Grant::Yes),
        );
        assert!(early.iter().all(|a| a.is_ok()), "{early:?}");
        assert_eq!(checked.unwrap(), KeyCheck::Matches(3));
        for i in 4..=10u8 {
            store.append(&doc, &id(i), &[i; 64], &limits).await.unwrap();
        }
        let (eleventh, thirteenth) = (id(11), id(13));
        let wrong = futures_util::join!(
            store.append(&doc, &eleventh, &[11; 64], &limits),
            store.check_key(&doc, &[8; 32], Grant::Yes),
        );
        assert_eq!(wrong.0.unwrap(), (11, true));
        assert_eq!(
            wrong.1.unwrap(),
            KeyCheck::Differs,
            "another key is refused"
        );
        assert_eq!(bytes().await, 11 * 64);

        let snapshot = |covers: u64| Snapshot {
            blob_id: id(100 + covers as u8),
            covers,
            sealed: vec![0; 100],
        };
        assert!(store
            .put_snapshot(&doc, snapshot(5), &limits)
            .await
            .unwrap());
        assert!(
            !store
                .put_snapshot(&doc, snapshot(5), &limits)
                .await
                .unwrap(),
            "not newer"
        );
        assert!(
            !store
                .put_snapshot(&doc, snapshot(20), &limits)
                .await
                .unwrap(),
            "past the log"
        );
        assert_eq!(bytes().await, 11 * 64 + 100);
        // The second snapshot makes the first the older generation: blobs 1–5 go.
        assert!(store
            .put_snapshot(&doc, snapshot(8), &limits)
            .await
            .unwrap());
        let first_kept: i64 = sqlx::query_scalar("SELECT MIN(seq) FROM blobs WHERE doc = ?")
            .bind(&doc.0[..])
            .fetch_one(readers)
            .await
            .unwrap();
        assert_eq!(first_kept, 6);
        assert_eq!(bytes().await, 6 * 64 + 200);
        // A push after the snapshot still counts from the stored counters.
        assert_eq!(
            store
                .append(&doc, &id(12), &[12; 64], &limits)
                .await
                .unwrap(),
            (12, true)
        );
        assert_eq!(bytes().await, 7 * 64 + 200);

        let (deleted, after) = futures_util::join!(
            store.delete(&doc),
            store.append(&doc, &thirteenth, &[13; 64], &limits)
        );
        deleted.unwrap();
        assert!(matches!(after, Err(StoreError::Gone)), "{after:?}");
        assert_eq!(store.latest(&doc).await.unwrap(), 0);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// The writer looks each blob id up by index: a scan would make every batch slower as
    /// the log grows.
    #[tokio::test]
    async fn a_batch_finds_known_blob_ids_through_the_index() {
        let (dir, store) = scratch_store("plan", WAL_LIMIT).await;
        let Store::Sqlite { readers, .. } = &store else {
            unreachable!("a sqlite URL opens SQLite")
        };
        let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "EXPLAIN QUERY PLAN {KNOWN_BLOB}"
        )))
        .bind(vec![1u8; 32])
        .bind(vec![2u8; 16])
        .fetch_all(readers)
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
        assert!(!plan.iter().any(|step| step == "SCAN blobs"), "{plan:?}");
    }
}
