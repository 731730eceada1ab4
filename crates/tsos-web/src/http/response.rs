//! Answers of every kind but errors: a page, a file to download, JSON.

use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::error::WebError;
use super::urls::encode;

/// The content type of JSON: the API and `report.json`.
pub(crate) const JSON: &str = "application/json; charset=utf-8";
/// The content type of a CSV for Excel.
pub(crate) const CSV: &str = "text/csv; charset=utf-8";
/// The content type of a workbook.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A page rendered from its template.
pub(crate) fn html(template: &impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(template.render()?))
}

/// JSON already serialised.
pub(crate) fn json(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, JSON)], bytes).into_response()
}

/// A download: its type, an ASCII file name for old clients and the Russian one.
pub(crate) fn file(
    content_type: &'static str,
    ascii_name: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, attachment(ascii_name, name)),
        ],
        bytes,
    )
        .into_response()
}

/// `Content-Disposition` for a download with a Russian file name: an ASCII fallback for old
/// clients and the UTF-8 name (RFC 6266).
pub(crate) fn attachment(ascii_name: &str, name: &str) -> String {
    format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        encode(name)
    )
}
