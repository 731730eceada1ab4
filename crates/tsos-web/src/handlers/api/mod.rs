//! The JSON API under `/api/`: the same object as `tsos report --format json` (SPEC §8), with
//! only the rows the account may see. An error is answered as JSON too, a missing session or
//! a refused API token as 401 rather than a redirect to the login page
//! ([`crate::auth::ApiUser`]). Each route carries its OpenAPI description
//! (`#[utoipa::path]`), served at `/api/openapi.json` ([`openapi`]).

pub(crate) mod dates;
pub(crate) mod municipality;
pub(crate) mod openapi;
pub(crate) mod report;
pub(crate) mod school;

use axum::extract::{Query, State};
use axum::response::Response;
use tsos_domain::{Level, Report, format_date_ru};

use crate::auth::ApiUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::query::ReportQuery;
use crate::http::response::json;

fn json_bytes(report: &Report) -> Result<Vec<u8>, WebError> {
    let mut bytes = Vec::new();
    tsos_report::json::write(report, &mut bytes, tsos_report::json::JsonStyle::Compact)?;
    Ok(bytes)
}

/// The report of `level` with the one row `id`, as JSON.
pub(super) async fn one_row(
    State(state): State<AppState>,
    user: ApiUser,
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
            user.audit_read(
                db,
                &format!("API: «{id}» на {}", format_date_ru(report.as_of)),
            );
            Ok(json(json_bytes(&report)?))
        })
        .await
        .map_err(WebError::api)
}
