//! GET /healthz and /readyz, for a load balancer in front of several instances: whether the
//! process answers, and whether it can serve (its database answers and has this version's
//! schema). Neither needs a login, shows a figure or goes into the audit log.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::data::AppState;

/// The process is up and answering.
pub(crate) async fn live() -> Response {
    plain(StatusCode::OK, "ok\n")
}

/// The database answers and is migrated to the schema this version expects: 200, else 503, so
/// that a balancer sends no requests to an instance that cannot answer them (a database
/// unreachable, or one a newer tsos migrated during an upgrade).
pub(crate) async fn ready(State(state): State<AppState>) -> Response {
    match state.run(|db| Ok(db.store.is_ready()?)).await {
        Ok(true) => plain(StatusCode::OK, "ready\n"),
        Ok(false) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "схема базы данных не той версии tsos\n",
        ),
        Err(err) => {
            tracing::warn!(error = %err, "не готов: база данных недоступна");
            plain(StatusCode::SERVICE_UNAVAILABLE, "база данных недоступна\n")
        }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}
