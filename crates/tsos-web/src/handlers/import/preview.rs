//! POST /import/preview (multipart): the upload and its preview.

use std::time::Instant;

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use tokio::io::AsyncWriteExt;
use tsos_store::REGISTRY;

use super::show_preview;
use crate::auth::{CsrfFirst, CurrentUser, random_token};
use crate::data::AppState;
use crate::data::audit::Action;
use crate::data::uploads::{Pending, Shown, UploadFile};
use crate::http::error::WebError;
use crate::http::query::parse_date;
use crate::http::response::html;
use crate::http::upload::{field_text, safe_file_name, upload_error};

/// The fields of the upload form, the CSRF token first.
#[derive(Default)]
struct UploadForm {
    dataset: String,
    as_of: Option<Date>,
    skip_invalid: bool,
    sheet: Option<String>,
}

/// POST /import/preview (multipart): stores the file and shows how it reads.
pub(crate) async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    user.account.require_admin()?;
    let uploads = state.uploads();
    let limit = state.max_upload();
    uploads.prune();
    let mut csrf = CsrfFirst::new(&user, limit);
    let mut form = UploadForm::default();
    let mut stored: Option<(String, UploadFile)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|err| upload_error(err, limit))?
    {
        let Some(mut field) = csrf.admit(field).await? else {
            continue;
        };
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "dataset" => form.dataset = field_text(field, limit).await?,
            "as_of" => {
                let text = field_text(field, limit).await?;
                if !text.trim().is_empty() {
                    form.as_of = Some(parse_date("отчетная дата", text.trim())?);
                }
            }
            "skip_invalid" => form.skip_invalid = !field_text(field, limit).await?.is_empty(),
            "sheet" => {
                let text = field_text(field, limit).await?;
                form.sheet = Some(text.trim().to_string()).filter(|s| !s.is_empty());
            }
            "file" => {
                let file_name = safe_file_name(field.file_name().unwrap_or_default());
                // From here on an error or a refusal drops `upload`, and the file with it.
                let token = random_token()?;
                let upload = uploads.create(&token, &file_name).await?;
                let mut file = tokio::fs::File::create(upload.path()).await?;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|err| upload_error(err, limit))?
                {
                    file.write_all(&chunk).await?;
                }
                file.flush().await?;
                stored = Some((token, upload));
            }
            _ => {}
        }
    }
    csrf.finish()?;
    let Some((token, upload)) = stored else {
        return Err(WebError::BadRequest("файл не выбран".to_string()));
    };
    if state.catalogue().get(&form.dataset).is_none() && form.dataset != REGISTRY {
        return Err(WebError::BadRequest(format!(
            "неизвестный набор данных «{}»",
            form.dataset
        )));
    }
    let pending = Pending {
        file: upload,
        login: user.account.login.clone(),
        dataset: form.dataset,
        as_of: form.as_of,
        sheet: form.sheet,
        skip_invalid: form.skip_invalid,
        mapping: None,
        choices: Vec::new(),
        shown: Shown::default(),
        created: Instant::now(),
    };
    state
        .run(move |db| {
            let dataset = pending.dataset.clone();
            let page = show_preview(db, &user, pending, token, None)?;
            db.audit_read(
                &user.account.login,
                Action::View,
                &format!("предпросмотр импорта {} ({dataset})", page.file_name()),
            );
            Ok(html(&page)?.into_response())
        })
        .await
}
