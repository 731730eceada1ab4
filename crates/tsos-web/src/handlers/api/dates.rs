//! GET /api/dates

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::auth::ApiUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::openapi::{ApiErrors, DatesJson};

/// GET /api/dates: the dates with platform data.
#[utoipa::path(
    get,
    path = "/api/dates",
    operation_id = "dates",
    tag = "Отчеты",
    summary = "Даты с данными",
    responses((status = 200, description = "Даты по возрастанию", body = DatesJson), ApiErrors)
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let dates: Vec<String> = db.dates()?.iter().map(ToString::to_string).collect();
            Ok(axum::Json(serde_json::json!({ "dates": dates })).into_response())
        })
        .await
        .map_err(WebError::api)
}
