//! The one error type of the web layer and how each kind reaches the browser: a Russian page
//! with the right status, a redirect to the login page, or a JSON object for the API.
//!
//! What went wrong inside the server (SQLite, a file, a template, a panic) is never shown: the
//! browser gets [`INTERNAL`] and the log gets the whole error, with the request's method and
//! path from the span [`super::failsafe`] opens. What the user can act on (a bad date, a
//! file's line, a forbidden page) is shown as it is.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use thiserror::Error;
use tsos_app::AppError;
use tsos_ingest::IngestError;
use tsos_store::StoreError;

/// All a client learns of an internal error.
pub const INTERNAL: &str = "Внутренняя ошибка сервера; она записана в журнал";

#[derive(Debug, Error)]
pub enum WebError {
    /// Also what an account gets for a school or municipality outside its scope: it must
    /// not learn whether the page exists.
    #[error("страница не найдена")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("форма устарела или отправлена с другого сайта; обновите страницу и повторите")]
    Csrf,
    #[error("требуется вход")]
    LoginRequired { next: String },
    /// An API token that is missing from the database, expired or revoked, or an
    /// `Authorization` header that is no bearer token: 401 with the reason.
    #[error("{0}")]
    BadToken(String),
    #[error("слишком много запросов с этим API-токеном; повторите через {retry_after} с")]
    TooManyRequests { retry_after: u64 },
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "файл больше допустимых {limit_mb} МБ; разделите его или попросите администратора увеличить предел (tsos serve --max-upload-mb)"
    )]
    TooLarge { limit_mb: u64 },
    #[error("учетная запись: {0}")]
    Account(String),
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("не удалось сформировать страницу: {0}")]
    Render(#[from] askama::Error),
    #[error("файл на сервере: {0}")]
    Io(#[from] std::io::Error),
    #[error("адрес {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("внутренняя ошибка: {0}")]
    Internal(String),
    /// The same error, answered as JSON: the API's callers are scripts, not people.
    #[error(transparent)]
    Api(Box<WebError>),
}

/// Whether an ingest error is about the file as the user sent it. Only a failure to read the
/// stored upload is not, and its message names the server's folder.
pub(crate) fn ingest_is_users(err: &IngestError) -> bool {
    !matches!(err, IngestError::Io { .. })
}

impl WebError {
    /// Wraps an error of an API handler so that it is answered as JSON.
    pub(crate) fn api(self) -> WebError {
        match self {
            WebError::Api(_) => self,
            other => WebError::Api(Box::new(other)),
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::LoginRequired { .. } | WebError::BadToken(_) => StatusCode::UNAUTHORIZED,
            WebError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::BadRequest(_) | WebError::Account(_) => StatusCode::BAD_REQUEST,
            WebError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::App(err) => match err {
                AppError::NoSnapshots { .. } | AppError::NoRegistry | AppError::NoLetter(_) => {
                    StatusCode::NOT_FOUND
                }
                AppError::Ingest(err) if ingest_is_users(err) => StatusCode::BAD_REQUEST,
                AppError::UnknownDataset { .. }
                | AppError::ChatEdit(_)
                | AppError::ChatClosing(_)
                | AppError::OtherSchools { .. }
                | AppError::NoSchool(_)
                | AppError::UnmatchedNames { .. }
                | AppError::RepeatedSchools { .. }
                | AppError::RegistryWithoutInn { .. }
                | AppError::MatchNotInRegistry { .. } => StatusCode::BAD_REQUEST,
                // The file would replace good figures with far fewer: the user decides.
                AppError::SuspectReplacement { .. } => StatusCode::CONFLICT,
                AppError::Ingest(_)
                | AppError::Store(_)
                | AppError::Template(_)
                | AppError::Font(_)
                | AppError::NoticeTemplate { .. }
                | AppError::FlowKey { .. }
                | AppError::Write { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::Api(inner) => inner.status(),
            WebError::Store(_)
            | WebError::Render(_)
            | WebError::Io(_)
            | WebError::Bind { .. }
            | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether only the server's operator can act on the error: the client is told
    /// [`INTERNAL`], the log the rest.
    pub(crate) fn is_internal(&self) -> bool {
        self.status().is_server_error()
    }

    /// What the client is told: the message itself, or [`INTERNAL`].
    pub(crate) fn public_message(&self) -> String {
        if self.is_internal() {
            INTERNAL.to_string()
        } else {
            match self {
                WebError::Api(inner) => inner.public_message(),
                other => other.to_string(),
            }
        }
    }
}

/// The error with its causes, for the log.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // `transparent` variants repeat their source's message.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
}

/// The page (or, with `json`, the object) of an error with `status` and `message`.
pub(crate) fn error_response(status: StatusCode, message: String, json: bool) -> Response {
    if json {
        let body = serde_json::json!({ "error": message });
        return (status, axum::Json(body)).into_response();
    }
    let title = match status {
        StatusCode::NOT_FOUND => "Не найдено",
        StatusCode::FORBIDDEN => "Нет доступа",
        StatusCode::BAD_REQUEST => "Ошибка в запросе",
        StatusCode::PAYLOAD_TOO_LARGE => "Слишком большой файл",
        StatusCode::TOO_MANY_REQUESTS => "Слишком много запросов",
        _ => "Ошибка сервера",
    };
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
    };
    match page.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "страница ошибки не сформирована");
            (status, page.message).into_response()
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if self.is_internal() {
            tracing::error!(error = %chain(&self), "ошибка при обработке запроса");
        }
        match self {
            WebError::LoginRequired { next } => {
                let target = format!("/login?next={}", super::urls::encode(&next));
                Redirect::to(&target).into_response()
            }
            WebError::Api(ref inner) => {
                // A redirect means nothing to a script: it gets the status in JSON.
                let mut response = error_response(status, inner.public_message(), true);
                let headers = response.headers_mut();
                match **inner {
                    WebError::BadToken(_) | WebError::LoginRequired { .. } => {
                        headers.insert(
                            header::WWW_AUTHENTICATE,
                            HeaderValue::from_static("Bearer realm=\"tsos\""),
                        );
                    }
                    WebError::TooManyRequests { retry_after } => {
                        headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
                    }
                    _ => {}
                }
                response
            }
            other => error_response(status, other.public_message(), false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_say_nothing_of_the_inside() {
        let sqlite = WebError::Internal("database is locked".to_string());
        assert_eq!(sqlite.public_message(), INTERNAL);
        let io = WebError::Io(std::io::Error::other("/tmp/tsos-upload-x: нет места"));
        assert_eq!(io.api().public_message(), INTERNAL);
        let upload = WebError::App(AppError::Ingest(IngestError::Io {
            path: "/tmp/tsos-upload-x/файл.csv".into(),
            source: std::io::Error::other("нет доступа"),
        }));
        assert_eq!(upload.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(upload.public_message(), INTERNAL);
    }

    #[test]
    fn the_users_errors_are_shown_as_they_are() {
        let line = WebError::App(AppError::Ingest(IngestError::NoRows {
            file: "выгрузка.csv".to_string(),
        }));
        assert_eq!(line.status(), StatusCode::BAD_REQUEST);
        assert!(line.public_message().contains("выгрузка.csv"));
        let big = WebError::TooLarge { limit_mb: 256 }.api();
        assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(big.public_message().contains("256 МБ"));
    }

    #[test]
    fn the_log_gets_the_causes() {
        let err = WebError::Io(std::io::Error::other("нет места"));
        assert_eq!(chain(&err), "файл на сервере: нет места");
    }
}
