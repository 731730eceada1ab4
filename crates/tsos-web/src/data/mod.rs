//! What every request shares: the database, the platform catalogue, the report cache, the
//! audit log's queue and the uploads awaiting confirmation.
//!
//! A store's connection (SQLite's or PostgreSQL's) is not `Sync` and every call blocks, so the
//! store is used only on tokio's blocking threads ([`AppState::run`]), one connection per
//! call, taken from a small pool of idle ones. The database serialises writers; a long import
//! blocks no page.
//!
//! - [`db`]: the connection a request works with ([`Db`]), with the reports and answers it
//!   shares with every other request;
//! - [`cache`] and [`flights`]: how they are kept, built once and bounded in bytes;
//! - [`answers`]: the serialised reports of the API and the downloads;
//! - [`audit`]: the audit log's lines and actions;
//! - [`rate`]: the rate limit of API tokens;
//! - [`uploads`]: the files awaiting their confirmation.

pub(crate) mod answers;
pub(crate) mod audit;
mod cache;
pub(crate) mod db;
mod flights;
pub(crate) mod rate;
pub(crate) mod uploads;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tsos_domain::Catalogue;
use tsos_store::{DbLocation, Store};

use crate::http::error::WebError;
use crate::http::failsafe::panic_message;
use audit::{AuditQueue, FLUSH_EVERY};
use cache::Cache;
pub(crate) use db::Db;
use rate::{Limiter, RateLimit};
use uploads::Uploads;

/// The default of [`WebConfig::max_upload_mb`]: a region's per-user export is tens of MB.
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 256;

/// How the dashboard is set up.
pub struct WebConfig {
    /// The database that `tsos` imports into: a SQLite file or a PostgreSQL URL.
    pub db: DbLocation,
    pub catalogue: Catalogue,
    /// The largest upload to the import, in MB of 2^20 bytes: the whole request, file and
    /// form. A larger one is refused with 413 and nothing of it is kept.
    pub max_upload_mb: u64,
    /// Where the private folder of uploads is made (it is deleted when the server stops);
    /// the system's temporary folder by default.
    pub upload_dir: Option<PathBuf>,
    /// How many requests an API token may make.
    pub token_rate: RateLimit,
    /// `tsos-letter.toml`, whose `[smtp]` an administrator's «send again» of a notice goes
    /// through, read anew each time; none: the dashboard sends no mail.
    pub letter_settings: Option<PathBuf>,
    /// The key of the user flows, if named (`--key-file`); else `tsos.key` beside a SQLite
    /// database ([`tsos_app::flow_key`]).
    pub key_file: Option<PathBuf>,
}

impl WebConfig {
    /// The dashboard over `db` with the default limits.
    pub fn new(db: impl Into<DbLocation>, catalogue: Catalogue) -> WebConfig {
        WebConfig {
            db: db.into(),
            catalogue,
            max_upload_mb: DEFAULT_MAX_UPLOAD_MB,
            upload_dir: None,
            token_rate: RateLimit::default(),
            letter_settings: None,
            key_file: None,
        }
    }
}

/// The state handed to every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// The pool of connections and what requests share besides.
struct Inner {
    db: DbLocation,
    catalogue: Catalogue,
    letter_settings: Option<PathBuf>,
    /// The key an upload's per-user file is hashed with for the flows.
    flow_key: Option<tsos_ingest::FlowKey>,
    /// With the moment each was put back.
    idle: Mutex<Vec<(Store, Instant)>>,
    cache: Mutex<Cache>,
    uploads: Uploads,
    /// [`WebConfig::max_upload_mb`] in bytes.
    max_upload: u64,
    /// Reports built since the start, for [`AppState::report_builds`].
    report_builds: AtomicU64,
    /// Lines of reading for the audit log, written in batches.
    audit: AuditQueue,
    /// The buckets of the API tokens.
    limiter: Limiter,
}

/// Idle connections kept for reuse, as many as a busy dashboard has requests at once; more are
/// opened under load and closed after it.
const MAX_IDLE: usize = 32;

/// How long a connection may sit idle before it is asked whether the server still answers.
const CHECK_AFTER: Duration = Duration::from_secs(1);

impl AppState {
    /// Opens (creating and migrating) the database once, so that a wrong path or a newer
    /// schema is reported before the server starts.
    pub fn new(config: WebConfig) -> Result<AppState, WebError> {
        let store = Store::connect(&config.db)?;
        let flow_key = tsos_app::flow_key::for_database(config.key_file.as_deref(), &config.db)?;
        Ok(AppState {
            inner: Arc::new(Inner {
                db: config.db,
                catalogue: config.catalogue,
                letter_settings: config.letter_settings,
                flow_key,
                idle: Mutex::new(vec![(store, Instant::now())]),
                cache: Mutex::new(Cache::default()),
                uploads: Uploads::new(config.upload_dir.as_deref())?,
                max_upload: config.max_upload_mb.saturating_mul(1 << 20),
                report_builds: AtomicU64::new(0),
                audit: AuditQueue::default(),
                limiter: Limiter::new(config.token_rate),
            }),
        })
    }

    /// How many reports were built since the start: every other request for one was answered
    /// from the cache or waited for a build already under way.
    pub fn report_builds(&self) -> u64 {
        self.inner.report_builds.load(Ordering::Relaxed)
    }

    /// The private folder where uploads wait for their confirmation.
    pub fn upload_dir(&self) -> &std::path::Path {
        self.inner.uploads.path()
    }

    pub(crate) fn letter_settings(&self) -> Option<&std::path::Path> {
        self.inner.letter_settings.as_deref()
    }

    pub(crate) fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    pub(crate) fn uploads(&self) -> &Uploads {
        &self.inner.uploads
    }

    /// Takes a request of the API token `id` from its bucket, or says in how many seconds
    /// the next one would pass.
    pub(crate) fn admit_token(&self, id: i64) -> Result<(), u64> {
        self.inner.limiter.admit(id, Instant::now())
    }

    /// The largest request body of an import, in bytes.
    pub(crate) fn max_upload(&self) -> u64 {
        self.inner.max_upload
    }

    /// When the server stops: writes the audit log's queue and deletes every upload with
    /// their folder.
    pub(crate) fn close(&self) {
        self.inner.flush_audit();
        self.inner.uploads.remove_all();
    }

    /// Runs `f` with a connection on a blocking thread.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db<'_>) -> Result<T, WebError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut store = inner.checkout()?;
            let result = f(&mut Db::new(&mut store, &inner));
            inner.checkin(store);
            result
        })
        .await
        .map_err(|err| match err.try_into_panic() {
            // The panic unwound the blocking thread, dropping what the closure held (an
            // upload's file with it); the request gets the plain 500 and the log the text.
            Ok(payload) => WebError::Internal(format!(
                "обработчик запроса упал: {}",
                panic_message(payload.as_ref())
            )),
            Err(err) => WebError::Internal(format!("обработчик запроса прервался: {err}")),
        })?
    }
}

impl Inner {
    /// Queues a line of reading for the audit log, to be written within [`FLUSH_EVERY`] with
    /// whatever else is queued by then.
    fn audit_later(self: &Arc<Inner>, line: tsos_store::AuditLine) {
        if !self.audit.push(line) {
            return;
        }
        let inner = Arc::clone(self);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    tokio::time::sleep(FLUSH_EVERY).await;
                    let _ = tokio::task::spawn_blocking(move || inner.flush_audit()).await;
                });
            }
            // Outside the server's runtime there is nothing to wait with: written now.
            Err(_) => inner.flush_audit(),
        }
    }

    /// Writes the queued lines of the audit log now. A failure is logged, and the lines wait
    /// for the next write.
    fn flush_audit(&self) {
        let written = self.checkout().and_then(|mut store| {
            let written = self.audit.flush(&mut store);
            self.checkin(store);
            Ok(written?)
        });
        if let Err(err) = written {
            tracing::error!(error = %err, "журнал действий не записан; повтор со следующей строкой");
        }
    }

    fn checkout(&self) -> Result<Store, WebError> {
        loop {
            let idle = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            match idle {
                // A connection that sat idle may have been closed by the server meanwhile
                // (PostgreSQL restarted, a network cut), and only a round trip tells: one
                // idle for a while is asked before a request's work is given to it, so that a
                // restart of the database costs no request an error. A connection in
                // constant use is not asked: it would have failed its last request.
                Some((store, since)) if since.elapsed() >= CHECK_AFTER && !store.answers() => {
                    tracing::info!("соединение с базой закрыто сервером; открывается новое");
                }
                Some((store, _)) => return Ok(store),
                None => return Ok(Store::connect(&self.db)?),
            }
        }
    }

    fn checkin(&self, store: Store) {
        // A connection the server closed during the request is not kept: the next request
        // opens a new one.
        if store.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push((store, Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;

    use super::*;
    use crate::http::error::INTERNAL;

    /// A panic on the blocking thread is an error of its request: the plain 500, the panic's
    /// text only in the log, and the state serves the next call.
    #[tokio::test]
    async fn a_panic_on_a_blocking_thread_is_an_internal_error() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(WebConfig::new(
            dir.path().join("tsos.db"),
            Catalogue::builtin(),
        ))
        .unwrap();
        let err = state
            .run(|_| -> Result<(), WebError> { panic!("секрет: /srv/tsos.db") })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("секрет"), "the log gets the text");
        let response = err.into_response();
        assert_eq!(response.status(), 500);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let page = String::from_utf8_lossy(&body);
        assert!(
            page.contains(INTERNAL) && !page.contains("секрет"),
            "{page}"
        );
        assert_eq!(state.run(|db| db.dates()).await.unwrap(), Vec::new());
    }
}
