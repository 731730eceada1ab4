//! The one error type of the web layer and how each kind reaches the browser: a Russian page
//! with the right status, a redirect to the login page, or a JSON object for the API.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use thiserror::Error;
use tsos_app::AppError;
use tsos_store::StoreError;

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
    #[error("{0}")]
    BadRequest(String),
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

impl WebError {
    /// Wraps an error of an API handler so that it is answered as JSON.
    pub(crate) fn api(self) -> WebError {
        match self {
            WebError::Api(_) => self,
            other => WebError::Api(Box::new(other)),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::LoginRequired { .. } => StatusCode::UNAUTHORIZED,
            WebError::BadRequest(_) | WebError::Account(_) => StatusCode::BAD_REQUEST,
            WebError::App(err) => match err {
                AppError::NoSnapshots { .. } | AppError::NoRegistry => StatusCode::NOT_FOUND,
                AppError::Ingest(_) | AppError::UnknownDataset { .. } => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::Api(inner) => inner.status(),
            WebError::Store(_)
            | WebError::Render(_)
            | WebError::Io(_)
            | WebError::Bind { .. }
            | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            WebError::LoginRequired { next } => {
                let target = format!("/login?next={}", crate::urls::encode(&next));
                Redirect::to(&target).into_response()
            }
            WebError::Api(inner) => {
                let body = serde_json::json!({ "error": inner.to_string() });
                (status, axum::Json(body)).into_response()
            }
            other => {
                let title = match status {
                    StatusCode::NOT_FOUND => "Не найдено",
                    StatusCode::FORBIDDEN => "Нет доступа",
                    StatusCode::BAD_REQUEST => "Ошибка в запросе",
                    _ => "Ошибка сервера",
                };
                let page = ErrorPage {
                    status: status.as_u16(),
                    title,
                    message: other.to_string(),
                };
                match page.render() {
                    Ok(html) => (
                        status,
                        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        html,
                    )
                        .into_response(),
                    Err(_) => (status, other.to_string()).into_response(),
                }
            }
        }
    }
}
