//! Files to download: the XLSX appendix, the report as CSV or JSON, and the letters `tsos
//! letter` wrote. Each holds only the rows the account may see, and each download is logged.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use tsos_domain::{Level, format_date_ru};

use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::answers::Format;
use crate::http::error::WebError;
use crate::http::query::{ReportQuery, parse_level};
use crate::http::response::{XLSX, attachment, file};

/// GET /download/appendix.xlsx: one sheet per level the account sees.
pub(crate) async fn appendix(
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
                "download",
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

/// GET /download/report.csv and /download/report.json: the answer the API shares, as a file.
pub(crate) async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(file_name): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let (format, extension) = match file_name.as_str() {
        "report.csv" => (Format::Csv, "csv"),
        "report.json" => (Format::Json, "json"),
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
                "download",
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

/// GET /download/letter/{id}/{file}: a file of a registered letter, read from where `tsos
/// letter` wrote it (admin and region accounts).
pub(crate) async fn letter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, idx)): Path<(i64, usize)>,
) -> Result<Response, WebError> {
    if !user.account.sees_everything_in_data() {
        return Err(WebError::Forbidden(
            "письма доступны администратору и региону".to_string(),
        ));
    }
    state
        .run(move |db| {
            let letter = db
                .store
                .letters()?
                .into_iter()
                .find(|letter| letter.id == id)
                .ok_or(WebError::NotFound)?;
            // Only a path the letters registry itself lists is ever read.
            let path = letter.files.get(idx).ok_or(WebError::NotFound)?;
            let path = std::path::Path::new(path);
            let bytes = std::fs::read(path).map_err(|_| WebError::NotFound)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "letter".to_string());
            let content_type = match path.extension().and_then(|e| e.to_str()) {
                Some("docx") => {
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                }
                Some("pdf") => "application/pdf",
                Some("xlsx") => XLSX,
                _ => "application/octet-stream",
            };
            db.audit_read(
                &user.account.login,
                "download",
                &format!("письмо № {}: {name}", letter.number),
            );
            let ascii: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_graphic() && c != '"' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            Ok(file(content_type, &ascii, &name, bytes))
        })
        .await
}
