//! A request never takes the server down with it. A panic in a handler, or on the blocking
//! thread it waits for ([`crate::AppState::run`]), becomes the plain 500 of
//! [`INTERNAL`]; the panic's message goes to the log, inside the request's span
//! ([`super::access`]), which names its method and path (never its headers: they carry the
//! session cookie).

use std::any::Any;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use tower_http::catch_panic::CatchPanicLayer;

use super::error::{INTERNAL, error_response};

/// How a router's errors reach the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A Russian page, for browsers.
    Page,
    /// `{"error": …}`, for the API's scripts.
    Json,
}

/// `router` with every panic of its handlers answered as the plain 500 page (or JSON) and
/// logged. Routes added to `router` afterwards are not covered.
pub fn catch_panics<S>(router: Router<S>, answer: Answer) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let handler: PanicHandler = match answer {
        Answer::Page => panic_page,
        Answer::Json => panic_json,
    };
    router.layer(CatchPanicLayer::custom(handler))
}

type PanicHandler = fn(Box<dyn Any + Send + 'static>) -> Response;

fn panic_page(payload: Box<dyn Any + Send + 'static>) -> Response {
    log_panic(payload.as_ref());
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        INTERNAL.to_string(),
        false,
    )
}

fn panic_json(payload: Box<dyn Any + Send + 'static>) -> Response {
    log_panic(payload.as_ref());
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        INTERNAL.to_string(),
        true,
    )
}

fn log_panic(payload: &(dyn Any + Send)) {
    tracing::error!(panic = panic_message(payload), "обработчик запроса упал");
}

/// The text a panic was raised with, as `panic!` and `expect` give it.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(без текста)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_texts_are_read_whatever_their_type() {
        let literal: Box<dyn Any + Send> = Box::new("строка");
        assert_eq!(panic_message(literal.as_ref()), "строка");
        let formatted: Box<dyn Any + Send> = Box::new(format!("число {}", 7));
        assert_eq!(panic_message(formatted.as_ref()), "число 7");
        let other: Box<dyn Any + Send> = Box::new(7_u8);
        assert_eq!(panic_message(other.as_ref()), "(без текста)");
    }
}
