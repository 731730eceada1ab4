//! GET /api/municipalities/{name}

use axum::extract::{Path, Query, State};
use axum::response::Response;
use tsos_domain::Level;

use super::one_row;
use crate::auth::ApiUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::openapi::{ApiErrors, ReportJson};
use crate::http::query::ReportQuery;

/// GET /api/municipalities/{name}: the municipality-level report with the one municipality.
#[utoipa::path(
    get,
    path = "/api/municipalities/{name}",
    operation_id = "municipality_report",
    tag = "Отчеты",
    summary = "Отчет по одному муниципалитету",
    params(("name" = String, Path, description = "Название муниципалитета, как в реестре"), ReportQuery),
    responses((status = 200, description = "Отчет уровня municipality с одной строкой", body = ReportJson), ApiErrors)
)]
pub(crate) async fn show(
    state: State<AppState>,
    user: ApiUser,
    Path(name): Path<String>,
    query: Query<ReportQuery>,
) -> Result<Response, WebError> {
    one_row(state, user, Level::Municipality, name, query).await
}
