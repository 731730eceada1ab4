//! GET /api/schools/{inn}

use axum::extract::{Path, Query, State};
use axum::response::Response;
use tsos_domain::Level;

use super::one_row;
use crate::auth::ApiUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::openapi::{ApiErrors, ReportJson};
use crate::http::query::ReportQuery;

/// GET /api/schools/{inn}: the report with the one school.
#[utoipa::path(
    get,
    path = "/api/schools/{inn}",
    operation_id = "school_report",
    tag = "Отчеты",
    summary = "Отчет по одной школе",
    params(("inn" = String, Path, description = "ИНН школы, 10 цифр"), ReportQuery),
    responses((status = 200, description = "Отчет уровня school с одной строкой", body = ReportJson), ApiErrors)
)]
pub(crate) async fn show(
    state: State<AppState>,
    user: ApiUser,
    Path(inn): Path<String>,
    query: Query<ReportQuery>,
) -> Result<Response, WebError> {
    one_row(state, user, Level::School, inn, query).await
}
