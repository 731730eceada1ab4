//! GET /assets/style.css and /assets/app.js.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The stylesheet and the script, compiled into the binary: the dashboard works offline.
pub(crate) async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/style.css"),
    )
        .into_response()
}

pub(crate) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/app.js"),
    )
        .into_response()
}
