//! The JSON API under `/api/`: the same object as `tsos report --format json` (SPEC §8), with
//! only the rows the account may see.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use tsos_domain::{Level, Report, format_date_ru};

use crate::auth::ApiUser;
use crate::data::AppState;
use crate::data::answers::Format;
use crate::http::error::WebError;
use crate::http::query::{ReportQuery, parse_level};
use crate::http::response::json;

fn json_bytes(report: &Report) -> Result<Vec<u8>, WebError> {
    let mut bytes = Vec::new();
    tsos_report::json::write(report, &mut bytes, tsos_report::json::Layout::Compact)?;
    Ok(bytes)
}

/// GET /api/report?as_of=2023-10-01&level=school: the serialised answer every account of
/// the same scope shares, gzip-compressed when the client accepts it.
pub(crate) async fn report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let level = parse_level(query.level.as_deref())?;
            let (as_of, answer) =
                db.scoped_answer(&user.account, query.as_of.as_deref(), level, Format::Json)?;
            db.audit_read(
                &user.account.login,
                "view",
                &format!("API: отчет ({}) на {}", level.code(), format_date_ru(as_of)),
            );
            Ok(answer.response(&headers, Format::Json.content_type()))
        })
        .await
        .map_err(WebError::api)
}

/// GET /api/schools/{inn}: the report with the one school.
pub(crate) async fn school(
    state: State<AppState>,
    user: ApiUser,
    Path(inn): Path<String>,
    query: Query<ReportQuery>,
) -> Result<Response, WebError> {
    one_row(state, user, Level::School, inn, query).await
}

/// GET /api/municipalities/{name}: the municipality-level report with the one municipality.
pub(crate) async fn municipality(
    state: State<AppState>,
    user: ApiUser,
    Path(name): Path<String>,
    query: Query<ReportQuery>,
) -> Result<Response, WebError> {
    one_row(state, user, Level::Municipality, name, query).await
}

async fn one_row(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    level: Level,
    id: String,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let account = &user.account;
            if !account.sees_level(level) {
                return Err(WebError::NotFound);
            }
            let when = db.when(query.as_of.as_deref())?.ok_or(WebError::NotFound)?;
            let all = db.report(when.as_of, level)?;
            let report = account.filter_where(&all, |r| r.id == id);
            if report.rows.is_empty() {
                return Err(WebError::NotFound);
            }
            db.audit_read(
                &account.login,
                "view",
                &format!("API: «{id}» на {}", format_date_ru(report.as_of)),
            );
            Ok(json(json_bytes(&report)?))
        })
        .await
        .map_err(WebError::api)
}

/// GET /api/dates: the dates with platform data.
pub(crate) async fn dates(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let dates: Vec<String> = db.dates()?.iter().map(ToString::to_string).collect();
            Ok(axum::Json(serde_json::json!({ "dates": dates })).into_response())
        })
        .await
        .map_err(WebError::api)
}
