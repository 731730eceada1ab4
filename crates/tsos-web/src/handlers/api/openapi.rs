//! GET /api/openapi.json

use axum::Extension;
use axum::response::Response;

use crate::http::openapi::OpenApiJson;
use crate::http::response::json;

/// The description of the API, serialised once when the router is built.
#[derive(Clone)]
pub(crate) struct Document(pub std::sync::Arc<[u8]>);

/// GET /api/openapi.json: the OpenAPI 3.1 description of every route of the API. It tells
/// nothing the routes do not, so it needs no login: a BI tool reads it before it has a token.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "openapi",
    tag = "Описание",
    summary = "Описание API (OpenAPI 3.1)",
    security(()),
    responses((status = 200, description = "Этот документ", body = OpenApiJson))
)]
pub(crate) async fn show(Extension(document): Extension<Document>) -> Response {
    json(document.0.to_vec())
}
