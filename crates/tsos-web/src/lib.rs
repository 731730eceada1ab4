//! The web dashboard of tsos: one binary, no external services, every asset compiled in.
//!
//! The principal items are [`router`], which builds the whole site over an [`AppState`], and
//! [`serve`], which runs it. Pages are server-rendered HTML (askama templates in
//! `templates/`) with server-drawn SVG charts; the JSON API under `/api/` returns the object
//! of `tsos report --format json`.
//!
//! Architecture invariant: scope is enforced here, on the server, for every page, download
//! and API call — a school account never receives a figure of another school, a
//! municipality account never one of another municipality. Figures come only from
//! `tsos-app`; the web layer formats and filters, it computes nothing of its own.
//!
//! Routes:
//! - `/` the account's area (region, municipality or school); `/region/{name}`,
//!   `/municipality/{name}`, `/school/{inn}`: the drill-down;
//! - `/snapshots`, `/quality`, `/downloads`, `/import` (+ `/import/preview`,
//!   `/import/remap`, `/import/confirm`), `/audit`;
//! - `/chats` the official chats of the account's area, `/chats/school/{inn}` a school's
//!   registry, which the school edits by POST to the same address, or in bulk by uploading
//!   its filled template to `/chats/school/{inn}/upload` (`…/template.xlsx` is the form);
//! - `/download/appendix.xlsx`, `/download/report.csv`, `/download/report.json`,
//!   `/download/chats.xlsx`, `/download/letter/{id}/{n}`;
//! - `/api/report`, `/api/schools/{inn}`, `/api/municipalities/{name}`, `/api/dates`,
//!   `/api/chats`, `/api/chats/schools/{inn}`;
//! - `/login`, `/logout`, `/assets/…`.

mod api;
mod auth;
mod chats;
mod data;
mod downloads;
mod http;
mod import;
mod pages;
mod scope;
mod views;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, get, post};
use tower_http::set_header::SetResponseHeaderLayer;

pub use auth::accounts::{AddedUser, add_user};
pub use auth::{FAILURE_WINDOW, MAX_FAILURES};
pub use data::{AppState, DEFAULT_MAX_UPLOAD_MB, WebConfig};
pub use http::error::{INTERNAL, WebError};
pub use http::failsafe::{Answer, catch_panics};
pub use scope::AccountRole;

/// A school's filled chats template is a few hundred rows.
pub(crate) const MAX_CHATS_UPLOAD: u64 = 16 << 20;

/// What the pages may load: only this site's own stylesheet and script, no inline code, no
/// framing by other sites.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// `route` taking request bodies of at most `limit` bytes: 413 for a declared length over it,
/// before the body is read, and for a body that grows past it while read.
fn limited(route: MethodRouter<AppState>, limit: u64) -> MethodRouter<AppState> {
    route
        .layer(DefaultBodyLimit::max(
            usize::try_from(limit).unwrap_or(usize::MAX),
        ))
        .layer(from_fn_with_state(limit, http::upload::refuse_oversized))
}

/// The whole site.
pub fn router(state: AppState) -> Router {
    let max_upload = state.max_upload();
    let pages = Router::new()
        .route("/", get(pages::overview))
        .route("/region/{name}", get(pages::region))
        .route("/municipality/{name}", get(pages::municipality))
        .route("/school/{inn}", get(pages::school))
        .route("/snapshots", get(pages::snapshots))
        .route("/quality", get(pages::quality))
        .route("/downloads", get(pages::downloads))
        .route("/audit", get(pages::audit))
        .route("/import", get(import::form))
        .route(
            "/import/preview",
            limited(post(import::preview), max_upload),
        )
        .route("/import/remap", post(import::remap))
        .route("/import/confirm", post(import::confirm))
        .route("/chats", get(chats::overview))
        .route("/chats/school/{inn}", get(chats::school).post(chats::edit))
        .route(
            "/chats/school/{inn}/upload",
            limited(post(chats::upload), MAX_CHATS_UPLOAD),
        )
        .route("/chats/school/{inn}/template.xlsx", get(chats::template))
        .route("/download/appendix.xlsx", get(downloads::appendix))
        .route("/download/chats.xlsx", get(chats::xlsx))
        .route("/download/letter/{id}/{file}", get(downloads::letter))
        .route("/download/{file}", get(downloads::report))
        .route("/login", get(auth::login::form).post(auth::login::submit))
        .route("/logout", post(auth::login::logout))
        .route("/assets/style.css", get(pages::style))
        .route("/assets/app.js", get(pages::script))
        .fallback(pages::not_found);
    let api = Router::new()
        .route("/api/report", get(api::report))
        .route("/api/schools/{inn}", get(api::school))
        .route("/api/municipalities/{name}", get(api::municipality))
        .route("/api/dates", get(api::dates))
        .route("/api/chats", get(chats::api_report))
        .route("/api/chats/schools/{inn}", get(chats::api_school));
    let site = catch_panics(pages, Answer::Page)
        .merge(catch_panics(api, Answer::Json))
        .layer(from_fn(auth::same_origin))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    // The handlers' own layers answer their panics; this one is for the middleware above.
    catch_panics(site, Answer::Page)
        .layer(from_fn(http::failsafe::request_span))
        .with_state(state)
}

/// Serves the dashboard on `addr` until Ctrl+C or SIGTERM, on a runtime of its own so that
/// callers need no async code. `ready` is called with the bound address (useful with port 0)
/// before the first request is accepted. On the signal, requests under way finish, and then
/// the folder of uploads is deleted.
pub fn serve(
    addr: SocketAddr,
    config: WebConfig,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), WebError> {
    let state = AppState::new(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| WebError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        ready(listener.local_addr()?);
        tracing::info!(
            folder = %state.upload_dir().display(),
            "загрузки ждут подтверждения в этой папке"
        );
        axum::serve(listener, router(state.clone()))
            .with_graceful_shutdown(stop_signal())
            .await?;
        Ok(())
    });
    // The runtime waits for blocking work still under way (an import whose browser left)
    // before the files it may read go.
    drop(runtime);
    state.close();
    served
}

/// Ctrl+C or SIGTERM (what `kill`, systemd and Docker send). A signal that cannot be listened
/// for is not waited for, rather than taken as a request to stop.
async fn stop_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "Ctrl+C не перехватывается");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "SIGTERM не перехватывается");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("остановка: запросы под обработкой завершаются");
}
