//! Forgery: every POST form carries the session's CSRF token, a multipart form before its
//! file, and a POST from another site is refused before any handler runs.

use axum::extract::Request;
use axum::extract::multipart::Field;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::session::CurrentUser;
use crate::http::error::WebError;
use crate::http::upload::field_text;

/// A form that carries nothing but its token (logging out).
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// The CSRF check of a multipart form, whose token must come before any other field: a forged
/// form is refused before its file is read, let alone stored.
pub(crate) struct CsrfFirst<'u> {
    user: &'u CurrentUser,
    /// The route's limit on the form, for the error if it is exceeded.
    limit: u64,
    checked: bool,
}

impl<'u> CsrfFirst<'u> {
    pub fn new(user: &'u CurrentUser, limit: u64) -> CsrfFirst<'u> {
        CsrfFirst {
            user,
            limit,
            checked: false,
        }
    }

    /// The field for the handler, or `None` for the token, which is checked here.
    pub async fn admit<'f>(&mut self, field: Field<'f>) -> Result<Option<Field<'f>>, WebError> {
        if field.name() == Some("csrf") {
            self.user
                .check_csrf(&field_text(field, self.limit).await?)?;
            self.checked = true;
            return Ok(None);
        }
        if self.checked {
            Ok(Some(field))
        } else {
            Err(WebError::Csrf)
        }
    }

    /// At the end of the form: an error if it had no token at all.
    pub fn finish(&self) -> Result<(), WebError> {
        if self.checked {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

/// Refuses a state-changing request sent from another site: its `Origin` names another host,
/// or the browser marks it `Sec-Fetch-Site: cross-site`. Requests without either header
/// (scripts, old browsers) still need the form's CSRF token.
pub(crate) async fn same_origin(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let foreign_origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            origin == "null" || origin_host != host
        });
    if cross_site || foreign_origin {
        return WebError::Csrf.into_response();
    }
    next.run(request).await
}
