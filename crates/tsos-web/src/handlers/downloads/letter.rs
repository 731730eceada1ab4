//! GET /download/letter/{id}/{file}

use axum::extract::{Path, State};
use axum::response::Response;

use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::response::{XLSX, file};

/// GET /download/letter/{id}/{file}: a file of a registered letter, read from where `tsos
/// letter` wrote it (admin and region accounts).
pub(crate) async fn download(
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
                Action::Download,
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
