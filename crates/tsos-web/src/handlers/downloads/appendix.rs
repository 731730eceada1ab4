//! GET /download/appendix.xlsx

use axum::extract::{Query, State};
use axum::response::Response;
use tsos_domain::{Level, format_date_ru};

use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::query::ReportQuery;
use crate::http::response::{XLSX, file};

/// GET /download/appendix.xlsx: one sheet per level the account sees.
pub(crate) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let account = &user.account;
            let mut reports = Vec::new();
            for level in Level::ALL {
                if account.sees_level(level) {
                    let report = db.scoped_report(account, query.as_of.as_deref(), level)?;
                    if !report.rows.is_empty() {
                        reports.push(report);
                    }
                }
            }
            let Some(as_of) = reports.first().map(|r| r.as_of) else {
                return Err(WebError::NotFound);
            };
            let bytes = tsos_report::xlsx::to_bytes(&reports)
                .map_err(|err| WebError::Internal(format!("приложение XLSX: {err}")))?;
            let date = format_date_ru(as_of);
            db.audit_read(
                &account.login,
                Action::Download,
                &format!("приложение XLSX на {date}"),
            );
            Ok(file(
                XLSX,
                &format!("appendix_{as_of}.xlsx"),
                &format!("Приложение на {date}.xlsx"),
                bytes,
            ))
        })
        .await
}
