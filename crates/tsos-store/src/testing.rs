//! Databases for tests on both engines: SQLite always, PostgreSQL where `TSOS_TEST_PG_URL`
//! names a database the tests may create schemas in (`.ci/postgres.sh start` makes one).
//!
//! Without the variable the PostgreSQL half of a test is skipped and says so on stderr,
//! unless `TSOS_REQUIRE_PG=1` (CI), where it fails. Each [`TestDb`] of PostgreSQL is a fresh
//! schema of its own, dropped with it, so tests run in parallel over one database.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{DbLocation, Store};

/// The variable with the URL of the test database.
pub const PG_URL_VAR: &str = "TSOS_TEST_PG_URL";
/// The variable that makes a missing URL an error rather than a skip.
pub const REQUIRE_PG_VAR: &str = "TSOS_REQUIRE_PG";

/// A fresh, empty database of one engine, removed when dropped.
pub struct TestDb {
    location: DbLocation,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Schema { admin_url: String, schema: String },
}

impl TestDb {
    /// A new SQLite file in a folder of its own.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder");
        TestDb {
            location: DbLocation::Sqlite(dir.path().join("tsos.db")),
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A new schema in the database of `TSOS_TEST_PG_URL`, or `None` where the variable is
    /// not set (said on stderr; a panic under `TSOS_REQUIRE_PG=1`).
    pub fn postgres() -> Option<TestDb> {
        let Some(url) = pg_url() else {
            if std::env::var(REQUIRE_PG_VAR).is_ok_and(|v| v == "1") {
                panic!("{PG_URL_VAR} не задан, а {REQUIRE_PG_VAR}=1: PostgreSQL обязателен");
            }
            // Straight to the process's stderr: the test harness hides what `eprintln!` says
            // in a test that passes, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "ПРОПУЩЕНО: проверка на PostgreSQL ({PG_URL_VAR} не задан; .ci/postgres.sh start)"
            );
            return None;
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let schema = format!(
            "test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
        );
        let mut admin = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|err| panic!("{PG_URL_VAR}: {err}"));
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("a schema for the test");
        let separator = if url.contains('?') { '&' } else { '?' };
        Some(TestDb {
            // Its connections carry the schema's name, so that a test can cut them.
            location: DbLocation::Postgres(format!(
                "{url}{separator}options=-csearch_path%3D{schema}&application_name={schema}"
            )),
            cleanup: Cleanup::Schema {
                admin_url: url,
                schema,
            },
        })
    }

    /// Every engine a test can run on here: SQLite, and PostgreSQL where it is set up.
    pub fn engines() -> Vec<TestDb> {
        std::iter::once(TestDb::sqlite())
            .chain(TestDb::postgres())
            .collect()
    }

    pub fn location(&self) -> &DbLocation {
        &self.location
    }

    /// `sqlite` or `postgres`, for messages.
    pub fn engine(&self) -> &'static str {
        match self.location {
            DbLocation::Sqlite(_) => "sqlite",
            DbLocation::Postgres(_) => "postgres",
        }
    }

    /// The SQLite file, if it is one.
    pub fn path(&self) -> Option<PathBuf> {
        self.location.path().map(PathBuf::from)
    }

    /// Ends every connection to this database on the server's side, as a restart of
    /// PostgreSQL or a network cut would: how many it ended. Nothing for SQLite.
    pub fn cut_connections(&self) -> u64 {
        let Cleanup::Schema { admin_url, schema } = &self.cleanup else {
            return 0;
        };
        let mut admin = postgres::Client::connect(admin_url, postgres::NoTls)
            .unwrap_or_else(|err| panic!("{PG_URL_VAR}: {err}"));
        admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE application_name = $1 AND pid <> pg_backend_pid()",
                &[schema],
            )
            .expect("the connections ended")
            .len() as u64
    }

    /// A new connection to it.
    pub fn open(&self) -> Store {
        Store::connect(&self.location).unwrap_or_else(|err| panic!("{}: {err}", self.engine()))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Schema { admin_url, schema } = &self.cleanup
            && let Ok(mut admin) = postgres::Client::connect(admin_url, postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

/// The URL of the test database, if one is set.
pub fn pg_url() -> Option<String> {
    std::env::var(PG_URL_VAR).ok().filter(|url| !url.is_empty())
}

/// Runs `test` on a fresh store of each engine, saying on stderr which one runs, so that a
/// failure names its engine.
pub fn each_engine(test: impl Fn(Store)) {
    for db in TestDb::engines() {
        eprintln!("движок: {}", db.engine());
        test(db.open());
    }
}
