//! GET /notices/reply/{id}/file

use axum::extract::{Path, State};
use axum::response::Response;

use super::thread_of_reply;
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::response::file;

/// GET /notices/reply/{id}/file: the file a reply carries, to the school and the authorities
/// that see it. It is served as a download with the type its content showed, never inline.
pub(crate) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let thread = thread_of_reply(db, &user.account, id)?;
            let (info, bytes) = db.store.reply_attachment(id)?.ok_or(WebError::NotFound)?;
            db.audit_read(
                &user.account.login,
                Action::Download,
                &format!(
                    "файл ответа № {id} школы {}: {}",
                    thread.item.org_id, info.file_name
                ),
            );
            let ascii = format!("reply-{id}.{}", info.kind.extension());
            Ok(file(info.kind.mime(), &ascii, &info.file_name, bytes))
        })
        .await
}
