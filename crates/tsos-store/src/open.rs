//! Where a store is ([`DbLocation`]: a SQLite file or a PostgreSQL URL), opening it, and its
//! migrations.
//!
//! Each engine has its own folder of migrations, numbered alike: `migrations/NNN_*.sql` for
//! SQLite, `migrations/postgres/NNN_*.sql` for PostgreSQL, the same change written for each.
//! SQLite counts the migrations that ran in `PRAGMA user_version`, PostgreSQL in the table
//! `tsos_schema`. A database migrated further than this version knows is refused
//! ([`StoreError::TooNew`]). In PostgreSQL the migrations run under an advisory lock, so that
//! two instances starting at once do not both run one.

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::StoreError;
use crate::engine::{Engine, Pg, Sql, args};

/// Migrations of SQLite in order; `PRAGMA user_version` records how many have run.
const SQLITE_MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_targets_forecast_findings.sql"),
    include_str!("migrations/003_letters.sql"),
    include_str!("migrations/004_web.sql"),
    include_str!("migrations/005_chats.sql"),
    include_str!("migrations/006_classes.sql"),
    include_str!("migrations/007_without_org_and_unknown_active.sql"),
    include_str!("migrations/008_layouts_and_names.sql"),
    include_str!("migrations/009_emails_and_deliveries.sql"),
    include_str!("migrations/010_notice_replies.sql"),
    include_str!("migrations/011_api_tokens.sql"),
    include_str!("migrations/012_events.sql"),
    include_str!("migrations/013_chat_closing.sql"),
    include_str!("migrations/014_staff_contingent.sql"),
    include_str!("migrations/015_usage_counts.sql"),
    include_str!("migrations/016_user_sets.sql"),
    include_str!("migrations/017_usage_without_rowid.sql"),
];

/// The same migrations for PostgreSQL, one for one; `tsos_schema` records how many have run.
const POSTGRES_MIGRATIONS: &[&str] = &[
    include_str!("migrations/postgres/001_initial.sql"),
    include_str!("migrations/postgres/002_targets_forecast_findings.sql"),
    include_str!("migrations/postgres/003_letters.sql"),
    include_str!("migrations/postgres/004_web.sql"),
    include_str!("migrations/postgres/005_chats.sql"),
    include_str!("migrations/postgres/006_classes.sql"),
    include_str!("migrations/postgres/007_without_org_and_unknown_active.sql"),
    include_str!("migrations/postgres/008_layouts_and_names.sql"),
    include_str!("migrations/postgres/009_emails_and_deliveries.sql"),
    include_str!("migrations/postgres/010_notice_replies.sql"),
    include_str!("migrations/postgres/011_api_tokens.sql"),
    include_str!("migrations/postgres/012_events.sql"),
    include_str!("migrations/postgres/013_chat_closing.sql"),
    include_str!("migrations/postgres/014_staff_contingent.sql"),
    include_str!("migrations/postgres/015_usage_counts.sql"),
    include_str!("migrations/postgres/016_user_sets.sql"),
    include_str!("migrations/postgres/017_usage_without_rowid.sql"),
];

/// How many migrations this version knows: the schema it expects.
pub const SCHEMA_VERSION: i64 = SQLITE_MIGRATIONS.len() as i64;

const _: () = assert!(SQLITE_MIGRATIONS.len() == POSTGRES_MIGRATIONS.len());

/// The advisory lock that serialises migrations across processes.
const MIGRATION_LOCK: i64 = 0x7473_6f73_0000;

/// Where the store is: `--db`, `$TSOS_DB` or the settings' `database`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbLocation {
    /// A SQLite file, created on first use.
    Sqlite(PathBuf),
    /// A PostgreSQL database, `postgres://user:password@host:port/name`.
    Postgres(String),
}

impl DbLocation {
    /// A `postgres://` or `postgresql://` URL is PostgreSQL; anything else is a file.
    pub fn parse(text: &str) -> DbLocation {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            DbLocation::Postgres(text.to_string())
        } else {
            DbLocation::Sqlite(PathBuf::from(text))
        }
    }

    /// The SQLite file, if it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            DbLocation::Sqlite(path) => Some(path),
            DbLocation::Postgres(_) => None,
        }
    }
}

impl std::str::FromStr for DbLocation {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<DbLocation, Self::Err> {
        Ok(DbLocation::parse(text))
    }
}

impl From<&str> for DbLocation {
    fn from(text: &str) -> DbLocation {
        DbLocation::parse(text)
    }
}

impl From<PathBuf> for DbLocation {
    fn from(path: PathBuf) -> DbLocation {
        DbLocation::Sqlite(path)
    }
}

impl From<&Path> for DbLocation {
    fn from(path: &Path) -> DbLocation {
        DbLocation::Sqlite(path.to_path_buf())
    }
}

/// The file's path, or the URL without its password: what messages and logs may show.
impl fmt::Display for DbLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbLocation::Sqlite(path) => write!(f, "{}", path.display()),
            DbLocation::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Opens a SQLite file, creating and migrating it.
pub(crate) fn sqlite(path: &Path) -> Result<Engine, StoreError> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: path.display().to_string(),
        source,
    })?;
    sqlite_init(conn)
}

pub(crate) fn sqlite_init(mut conn: Connection) -> Result<Engine, StoreError> {
    conn.busy_handler(Some(wait_for_lock))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    check_version(version)?;
    if version < SCHEMA_VERSION {
        // Under the write lock, and counted again: another process may have migrated since.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (idx, sql) in SQLITE_MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", idx as i64 + 1)?;
        }
        tx.commit()?;
    }
    Ok(Engine::Sqlite(conn))
}

/// Connects to a PostgreSQL database and migrates it.
pub(crate) fn postgres(url: &str) -> Result<Engine, StoreError> {
    let client =
        postgres::Client::connect(url, postgres::NoTls).map_err(|source| StoreError::Connect {
            url: without_password(url),
            source,
        })?;
    let mut engine = Engine::Postgres(Box::new(Pg::new(client)));
    engine.rows("SELECT pg_advisory_lock(?1)", args![MIGRATION_LOCK])?;
    let migrated = postgres_migrate(&mut engine);
    // The lock is the session's: released even when a migration failed.
    let unlocked = engine.rows("SELECT pg_advisory_unlock(?1)", args![MIGRATION_LOCK]);
    migrated?;
    unlocked?;
    Ok(engine)
}

fn postgres_migrate(engine: &mut Engine) -> Result<(), StoreError> {
    let Engine::Postgres(pg) = engine else {
        unreachable!("called with a PostgreSQL engine only")
    };
    let mut client = pg.client.borrow_mut();
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS tsos_schema (version BIGINT NOT NULL);
         INSERT INTO tsos_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM tsos_schema);",
    )?;
    let version: i64 = client
        .query_one("SELECT version FROM tsos_schema", &[])?
        .try_get(0)?;
    check_version(version)?;
    for (idx, sql) in POSTGRES_MIGRATIONS
        .iter()
        .enumerate()
        .skip(version as usize)
    {
        let mut tx = client.transaction()?;
        tx.batch_execute(sql)?;
        tx.execute("UPDATE tsos_schema SET version = $1", &[&(idx as i64 + 1)])?;
        tx.commit()?;
    }
    Ok(())
}

fn check_version(found: i64) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// The schema version the database is at: what `/readyz` compares with [`SCHEMA_VERSION`].
pub(crate) fn schema_version(engine: &Engine) -> Result<i64, StoreError> {
    match engine {
        Engine::Sqlite(conn) => {
            Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
        }
        Engine::Postgres(_) => engine
            .row("SELECT version FROM tsos_schema", args![])?
            .get(0),
    }
}

/// Waits for another connection's lock, up to some 10 s, retrying every millisecond.
/// SQLite's own wait sleeps longer the longer it waits (up to 100 ms a try): with the
/// dashboard's readers and its audit writer taking turns, a reader that met the lock a few
/// times in a row slept on for tens of milliseconds after the lock was gone.
fn wait_for_lock(attempts: i32) -> bool {
    std::thread::sleep(std::time::Duration::from_millis(1));
    attempts < 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_and_its_password_is_never_shown() {
        let location = DbLocation::parse("postgres://tsos:секрет@db.local:5432/tsos");
        assert!(matches!(location, DbLocation::Postgres(_)));
        assert_eq!(
            location.to_string(),
            "postgres://tsos:***@db.local:5432/tsos"
        );
        assert_eq!(
            DbLocation::parse("postgresql://tsos@db/tsos").to_string(),
            "postgresql://tsos@db/tsos"
        );
        assert_eq!(
            DbLocation::parse("/var/lib/tsos/tsos.db"),
            DbLocation::Sqlite(PathBuf::from("/var/lib/tsos/tsos.db"))
        );
        assert_eq!(
            DbLocation::parse("postgres.db").path(),
            Some(Path::new("postgres.db"))
        );
    }
}
