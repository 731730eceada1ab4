//! The server's log of requests: each runs inside a span with its method and path, so that
//! whatever a handler logs (an internal error, a panic) says which request it was, and ends
//! with one line — method, path, status, milliseconds and the account's login.
//!
//! The line never holds a secret. The query is left out (it is the user's input, and
//! `/login?next=…` carries addresses), and so are the headers, which carry the session cookie
//! and the API token. The login is what the account extractors found ([`RequestLogin`]), not
//! anything the request says about itself: a failed login logs none.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// Where the account extractors put the login of the request's account, for its line in the
/// log.
#[derive(Clone, Default)]
pub(crate) struct RequestLogin(Arc<OnceLock<String>>);

impl RequestLogin {
    /// Records `login` for the request of `extensions`, if it is being logged.
    pub fn record(extensions: &axum::http::Extensions, login: &str) {
        if let Some(slot) = extensions.get::<RequestLogin>() {
            let _ = slot.0.set(login.to_string());
        }
    }
}

/// Runs the request inside its span and logs its line when the answer is ready.
pub(crate) async fn request_span(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let login = RequestLogin::default();
    request.extensions_mut().insert(login.clone());
    let span = tracing::error_span!("запрос", method = %method, path = %path);
    let response = next.run(request).instrument(span).await;
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        login = login.0.get().map_or("—", String::as_str),
        "запрос"
    );
    response
}
