//! GET /download/report.csv and /download/report.json

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use tsos_domain::format_date_ru;

use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::answers::AnswerFormat;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::query::{ReportQuery, parse_level};
use crate::http::response::attachment;

/// GET /download/report.csv and /download/report.json: the answer the API shares, as a file.
pub(crate) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(file_name): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let (format, extension) = match file_name.as_str() {
        "report.csv" => (AnswerFormat::Csv, "csv"),
        "report.json" => (AnswerFormat::Json, "json"),
        _ => return Err(WebError::NotFound),
    };
    state
        .run(move |db| {
            let level = parse_level(query.level.as_deref())?;
            let (as_of, answer) =
                db.scoped_answer(&user.account, query.as_of.as_deref(), level, format)?;
            let date = format_date_ru(as_of);
            db.audit_read(
                &user.account.login,
                Action::Download,
                &format!(
                    "отчет {} ({}) на {date}",
                    extension.to_uppercase(),
                    level.code()
                ),
            );
            let mut response = answer.response(&headers, format.content_type());
            let disposition = attachment(
                &format!("report_{}_{as_of}.{extension}", level.code()),
                &format!("Мониторинг ЦОС {} на {date}.{extension}", level.title_ru()),
            );
            response.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|err| WebError::Internal(err.to_string()))?,
            );
            Ok(response)
        })
        .await
}
