//! GET /download/opendata.zip

use std::io::Write;

use axum::extract::{Query, State};
use axum::response::Response;
use tsos_domain::{Level, format_date_ru};
use zip::write::SimpleFileOptions;

use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::query::ReportQuery;
use crate::http::response::file;

const ZIP: &str = "application/zip";

/// GET /download/opendata.zip?as_of=…: the files of `tsos publish` for the date, zipped, for
/// an administrator to put on the authority's website. Administrators only: it is the whole
/// area's publication, made on their word.
pub(crate) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    user.account.require_admin()?;
    state
        .run(move |db| {
            let account = &user.account;
            let reports = Level::ALL
                .into_iter()
                .map(|level| db.scoped_report(account, query.as_of.as_deref(), level))
                .collect::<Result<Vec<_>, _>>()?;
            let as_of = reports.first().map(|r| r.as_of).ok_or(WebError::NotFound)?;
            let creator = tsos_report::opendata::default_creator(&reports);
            let files = tsos_report::opendata::publication(&reports, tsos_app::today(), &creator);
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let zipped = |err: zip::result::ZipError| WebError::Internal(format!("ZIP: {err}"));
            for published in &files {
                zip.start_file(&published.name, SimpleFileOptions::default())
                    .map_err(zipped)?;
                zip.write_all(&published.bytes)?;
            }
            let bytes = zip.finish().map_err(zipped)?.into_inner();
            let date = format_date_ru(as_of);
            db.audit_read(
                &account.login,
                Action::Download,
                &format!("открытые данные ZIP на {date}"),
            );
            Ok(file(
                ZIP,
                &format!("opendata_{as_of}.zip"),
                &format!("Открытые данные на {date}.zip"),
                bytes,
            ))
        })
        .await
}
