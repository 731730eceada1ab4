//! Files uploaded in a form: the limit on a request's body, the errors of a form that did not
//! arrive whole, and the name a browser gave the file.

use axum::extract::Request;
use axum::extract::State;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::WebError;

/// What a multipart upload of a route limited to `limit` bytes failed on, for the user: the
/// limit, or that the form did not arrive whole (the parser's own words go to the log).
pub(crate) fn upload_error(err: MultipartError, limit: u64) -> WebError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge {
            limit_mb: limit >> 20,
        }
    } else {
        tracing::warn!(error = %err, "форма с файлом не прочитана");
        WebError::BadRequest(
            "форма с файлом пришла не целиком или повреждена; отправьте ее снова".to_string(),
        )
    }
}

/// A text field of a multipart form of a route limited to `limit` bytes.
pub(crate) async fn field_text(field: Field<'_>, limit: u64) -> Result<String, WebError> {
    field.text().await.map_err(|err| upload_error(err, limit))
}

/// Answers 413 to a request that declares a body over `limit` bytes, before a byte of it is
/// read; a body without a declared length is stopped at the limit by the route's
/// `DefaultBodyLimit` instead.
pub(crate) async fn refuse_oversized(
    State(limit): State<u64>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return WebError::TooLarge {
            limit_mb: limit >> 20,
        }
        .into_response();
    }
    next.run(request).await
}

/// The name a browser gave the file, as a plain file name: no folders, no control
/// characters. It becomes the snapshot's file name in the lineage.
pub(crate) fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "файл".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_names_stay_names() {
        assert_eq!(safe_file_name("выгрузка.csv"), "выгрузка.csv");
        assert_eq!(safe_file_name("C:\\Users\\a\\МШ.xlsx"), "МШ.xlsx");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name(".."), "файл");
        assert_eq!(safe_file_name(""), "файл");
    }
}
