//! The JSON API under `/api/`: the same object as `tsos report --format json` (SPEC §8), with
//! only the rows the account may see.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tsos_domain::{Level, Report, format_date_ru};

use crate::answers::{Format, scoped_answer};
use crate::auth::ApiUser;
use crate::data::Db;
use crate::error::WebError;
use crate::pages::when;
use crate::scope::Account;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(crate) struct ReportQuery {
    pub as_of: Option<String>,
    pub level: Option<String>,
}

/// The level a query asks for; schools when it asks for none.
pub(crate) fn parse_level(level: Option<&str>) -> Result<Level, WebError> {
    Ok(chosen_level(level)?.unwrap_or(Level::School))
}

/// The level a query asks for, if any.
pub(crate) fn chosen_level(level: Option<&str>) -> Result<Option<Level>, WebError> {
    match level {
        None | Some("") => Ok(None),
        Some(code) => Level::from_code(code).map(Some).ok_or_else(|| {
            WebError::BadRequest(format!(
                "уровень «{code}» неизвестен; есть: school, municipality, region"
            ))
        }),
    }
}

/// The report of a date and level as `account` may see it.
pub(crate) fn scoped_report(
    db: &mut Db<'_>,
    account: &Account,
    as_of: Option<&str>,
    level: Level,
) -> Result<Report, WebError> {
    account.require_level(level)?;
    let when = when(db, as_of)?.ok_or(WebError::NotFound)?;
    let report = db.report(when.as_of, level)?;
    Ok(account.filter(&report))
}

pub(crate) fn json_bytes(report: &Report) -> Result<Vec<u8>, WebError> {
    let mut bytes = Vec::new();
    tsos_report::json::write(report, &mut bytes, tsos_report::json::Layout::Compact)?;
    Ok(bytes)
}

pub(crate) fn json_response(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, Format::Json.content_type())], bytes).into_response()
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
            let (as_of, answer) = scoped_answer(
                db,
                &user.account,
                query.as_of.as_deref(),
                level,
                Format::Json,
            )?;
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
            let when = when(db, query.as_of.as_deref())?.ok_or(WebError::NotFound)?;
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
            Ok(json_response(json_bytes(&report)?))
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
