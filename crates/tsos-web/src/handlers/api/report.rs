//! GET /api/report

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tsos_domain::format_date_ru;

use crate::auth::ApiUser;
use crate::data::AppState;
use crate::data::answers::AnswerFormat;
use crate::http::error::WebError;
use crate::http::openapi::{ApiErrors, ReportJson};
use crate::http::query::{ReportQuery, parse_level};

/// GET /api/report?as_of=2023-10-01&level=school: the serialised answer every account of
/// the same scope shares, gzip-compressed when the client accepts it.
#[utoipa::path(
    get,
    path = "/api/report",
    operation_id = "report",
    tag = "Отчеты",
    summary = "Отчет на дату",
    description = "Объект `tsos report --format json` (SPEC §8) со строками, которые видит учетная запись.",
    params(ReportQuery),
    responses((status = 200, description = "Отчет", body = ReportJson), ApiErrors)
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let level = parse_level(query.level.as_deref())?;
            let (as_of, answer) = db.scoped_answer(
                &user.account,
                query.as_of.as_deref(),
                level,
                AnswerFormat::Json,
            )?;
            user.audit_read(
                db,
                &format!("API: отчет ({}) на {}", level.code(), format_date_ru(as_of)),
            );
            Ok(answer.response(&headers, AnswerFormat::Json.content_type()))
        })
        .await
        .map_err(WebError::api)
}
