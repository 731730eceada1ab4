//! GET /chats/school/{inn}/template.xlsx

use axum::extract::{Path, State};
use axum::response::Response;
use tsos_app::today;

use super::school_in_scope;
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::response::{XLSX, file};

/// GET /chats/school/{inn}/template.xlsx: the form the school fills in, its ИНН in the
/// example row.
pub(crate) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let school = school_in_scope(db, &user.account, &inn, today())?;
            let bytes = tsos_report::chats::template(school.id.as_str())
                .map_err(|err| WebError::Internal(format!("шаблон XLSX: {err}")))?;
            db.audit_read(
                &user.account.login,
                Action::Download,
                &format!("шаблон реестра чатов школы {inn}"),
            );
            Ok(file(
                XLSX,
                &format!("chats_template_{inn}.xlsx"),
                &format!("Реестр чатов {inn}.xlsx"),
                bytes,
            ))
        })
        .await
}
