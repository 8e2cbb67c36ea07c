//! The relay database's schema, one migration per version. Opening a database runs the
//! migrations it lacks, in one transaction, and refuses a database a newer relay wrote.
//!
//! Besides the data, the database holds its *epoch*: a random id made when it is created and
//! made anew in every backup. A device remembers the epoch of the relay it synced with; when a
//! relay answers with another one (a backup was restored, or the store was started over), the
//! device can't trust its position in the log and sends everything it has again.

use rusqlite::OptionalExtension;
use sqlx::postgres::PgPool;
use sqlx::Row;

/// A relay's epoch (see the module's documentation).
pub type Epoch = [u8; 16];

/// SQLite, one script per version: a database at version `n` (`PRAGMA user_version`) runs the
/// scripts after the `n`th. Version 1 is the schema before versions were kept, so its tables
/// may already exist.
const SQLITE: [&str; 2] = [
    "
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
CREATE TABLE IF NOT EXISTS deleted (
    doc BLOB PRIMARY KEY
);
",
    "
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE invites (code BLOB PRIMARY KEY, uses INTEGER NOT NULL);
",
];

/// PostgreSQL, as [`SQLITE`]; the version is kept in `schema_version`.
const POSTGRES: [&[&str]; 2] = [
    &[
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
        "CREATE TABLE IF NOT EXISTS deleted (doc BYTEA PRIMARY KEY)",
    ],
    &[
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL)",
        "CREATE TABLE invites (code BYTEA PRIMARY KEY, uses BIGINT NOT NULL)",
    ],
];

/// The schema version this relay writes.
pub const VERSION: i64 = SQLITE.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "the relay's database has schema version {0}, newer than this relay's {VERSION}: \
         run the newer relay, or restore a backup this one made"
    )]
    Newer(i64),
    #[error("migrating the relay's database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migrating the relay's database: {0}")]
    Postgres(#[from] sqlx::Error),
}

fn new_epoch() -> Epoch {
    let mut epoch = [0; 16];
    getrandom::fill(&mut epoch).expect("the system's random numbers");
    epoch
}

/// Brings a SQLite database to [`VERSION`]; returns its epoch.
pub fn migrate_sqlite(conn: &mut rusqlite::Connection) -> Result<Epoch, SchemaError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(SchemaError::Newer(found));
    }
    for script in &SQLITE[found as usize..] {
        tx.execute_batch(script)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {VERSION}"))?;
    let epoch = match tx
        .query_row("SELECT value FROM meta WHERE name = 'epoch'", [], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .optional()?
        .and_then(|v| Epoch::try_from(v).ok())
    {
        Some(epoch) => epoch,
        None => set_sqlite_epoch(&tx)?,
    };
    tx.commit()?;
    Ok(epoch)
}

/// Gives a SQLite database a new epoch (a backup, a restore).
pub fn set_sqlite_epoch(conn: &rusqlite::Connection) -> Result<Epoch, rusqlite::Error> {
    let epoch = new_epoch();
    conn.execute(
        "INSERT INTO meta (name, value) VALUES ('epoch', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [&epoch[..]],
    )?;
    Ok(epoch)
}

/// Brings a PostgreSQL database to [`VERSION`] (one relay at a time: the others wait for its
/// lock); returns its epoch.
pub async fn migrate_postgres(pool: &PgPool) -> Result<Epoch, SchemaError> {
    let mut tx = pool.begin().await?;
    // Any constant serves, as long as every relay takes the same one.
    sqlx::query("SELECT pg_advisory_xact_lock(7213)")
        .execute(&mut *tx)
        .await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .execute(&mut *tx)
        .await?;
    let found: i64 = sqlx::query("SELECT version FROM schema_version")
        .fetch_optional(&mut *tx)
        .await?
        .map_or(0, |r| r.get(0));
    if found > VERSION {
        return Err(SchemaError::Newer(found));
    }
    for statements in &POSTGRES[found as usize..] {
        for statement in *statements {
            sqlx::query(*statement).execute(&mut *tx).await?;
        }
    }
    sqlx::query("DELETE FROM schema_version")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
        .bind(VERSION)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO meta (name, value) VALUES ('epoch', $1) ON CONFLICT (name) DO NOTHING",
    )
    .bind(&new_epoch()[..])
    .execute(&mut *tx)
    .await?;
    let epoch: Vec<u8> = sqlx::query("SELECT value FROM meta WHERE name = 'epoch'")
        .fetch_one(&mut *tx)
        .await?
        .get(0);
    tx.commit().await?;
    Ok(Epoch::try_from(epoch).unwrap_or_default())
}

/// Gives a PostgreSQL database a new epoch (after restoring a dump).
pub async fn set_postgres_epoch(pool: &PgPool) -> Result<Epoch, sqlx::Error> {
    let epoch = new_epoch();
    sqlx::query(
        "INSERT INTO meta (name, value) VALUES ('epoch', $1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(&epoch[..])
    .execute(pool)
    .await?;
    Ok(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_of_the_first_schema_keeps_every_row_and_gains_an_epoch() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(SQLITE[0]).unwrap();
        conn.execute(
            "INSERT INTO docs (doc, key, latest, bytes) VALUES (x'01', x'02', 1, 3)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO blobs (doc, seq, blob_id, sealed) VALUES (x'01', 1, x'03', x'040506')",
            [],
        )
        .unwrap();
        conn.execute("INSERT INTO deleted (doc) VALUES (x'09')", [])
            .unwrap();
        let epoch = migrate_sqlite(&mut conn).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
        let count = |table: &str| -> i64 {
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!((count("docs"), count("blobs"), count("deleted")), (1, 1, 1));
        let sealed: Vec<u8> = conn
            .query_row("SELECT sealed FROM blobs WHERE seq = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sealed, [4, 5, 6]);
        assert_eq!(migrate_sqlite(&mut conn).unwrap(), epoch, "the epoch stays");
        assert_ne!(set_sqlite_epoch(&conn).unwrap(), epoch);
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        let err = migrate_sqlite(&mut conn).unwrap_err();
        assert!(matches!(err, SchemaError::Newer(99)), "{err}");
        assert!(err.to_string().contains("newer than this relay's"));
        let tables: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}
