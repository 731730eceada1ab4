//! The web dashboard of tsos: one binary, no external services, every asset compiled in.
//!
//! The principal items are [`router`], which builds the whole site over an [`AppState`], and
//! [`serve`], which runs it. Pages are server-rendered HTML (askama templates in
//! `templates/`) with server-drawn SVG charts; the JSON API under `/api/` returns the object
//! of `tsos report --format json`, to a session or an API token ([`add_token`]), and describes
//! itself at `/api/openapi.json` ([`openapi`]).
//!
//! Architecture invariant: scope is enforced here, on the server, for every page, download
//! and API call — a school account never receives a figure of another school, a
//! municipality account never one of another municipality. Figures come only from
//! `tsos-app`; the web layer formats and filters, it computes nothing of its own.
//!
//! The crate is in layers, each using only those below it:
//! - [`router`]: every route, and the layers every request passes;
//! - `handlers`: a folder per resource, a file per action;
//! - `views`: what the pages show, computed from the reports;
//! - `auth`: sessions, logins, CSRF, accounts;
//! - `data`: the pool of connections with the report cache, the shared answers, the audit
//!   queue and the uploads awaiting confirmation;
//! - `scope`: who sees what;
//! - `http`: the error type, responses, queries, addresses, uploads, the answer to a panic.

mod auth;
mod data;
mod handlers;
mod http;
mod router;
mod scope;
mod views;

use std::net::SocketAddr;

pub use auth::accounts::{AddedUser, add_user};
pub use auth::tokens::{
    AddedToken, MAX_TOKEN_DAYS, TOKEN_PREFIX, TokenState, add_token, date_ru, expiry_ru,
    list_tokens, parse_days, revoke_token, used_ru,
};
pub use auth::{FAILURE_WINDOW, MAX_FAILURES};
pub use data::rate::RateLimit;
pub use data::{AppState, DEFAULT_MAX_UPLOAD_MB, WebConfig};
pub use http::error::{INTERNAL, WebError};
pub use http::failsafe::{Answer, catch_panics};
pub use router::{openapi, router};
pub use scope::AccountRole;

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
