//! POST /chats/school/{inn}/upload

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use tsos_domain::{format_date_ru, parse_cli_date};
use tsos_report::ru;
use tsos_store::SaveOutcome;

use super::{Asked, ChatsQuery, Notice, school_in_scope, school_page};
use crate::auth::{CsrfFirst, CurrentUser};
use crate::data::audit::Action;
use crate::data::{AppState, Db};
use crate::http::error::WebError;
use crate::http::upload::{field_text, safe_file_name, upload_error};

/// A school's filled chats template is a few hundred rows.
pub(crate) const MAX_UPLOAD: u64 = 16 << 20;

/// POST /chats/school/{inn}/upload: the school's filled template, stored at once as its
/// snapshot for the date of the form (or of the file's title), or nothing with the errors
/// shown on the page. A row of another school refuses the whole file.
pub(crate) async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let limit = MAX_UPLOAD;
    let mut csrf = CsrfFirst::new(&user, limit);
    let mut as_of: Option<String> = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|err| upload_error(err, limit))?
    {
        let Some(field) = csrf.admit(field).await? else {
            continue;
        };
        match field.name().unwrap_or_default() {
            "as_of" => as_of = Some(field_text(field, limit).await?),
            "file" => {
                let file_name = safe_file_name(field.file_name().unwrap_or_default());
                file = Some((
                    file_name,
                    field
                        .bytes()
                        .await
                        .map_err(|err| upload_error(err, limit))?
                        .to_vec(),
                ));
            }
            _ => {}
        }
    }
    csrf.finish()?;
    state
        .run(move |db| {
            let account = &user.account;
            let asked = Asked::of(&ChatsQuery::default())?;
            let school = school_in_scope(db, account, &inn, asked.when.as_of)?;
            if !account.edits_chats_of(&inn) {
                return Err(WebError::Forbidden(
                    "реестр чатов школы загружает сама школа".to_string(),
                ));
            }
            let fail = |db: &mut Db<'_>, reason: String| {
                school_page(db, &user, &school, &asked, Notice::Error(reason))
            };
            let Some((file_name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
                return fail(db, "выберите файл".to_string());
            };
            let as_of = match as_of.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(text) => match parse_cli_date(text) {
                    Ok(date) if date > asked.when.as_of => {
                        return fail(
                            db,
                            format!("дата сведений {} еще не наступила", format_date_ru(date)),
                        );
                    }
                    Ok(date) => Some(date),
                    Err(err) => return fail(db, format!("дата сведений: {err}")),
                },
                None => None,
            };
            let dir = tempfile::Builder::new().prefix("tsos-chats-").tempdir()?;
            let path = dir.path().join(&file_name);
            std::fs::write(&path, &bytes)?;
            match tsos_app::chats::import_school_chats(db.store, &path, as_of, &school.id) {
                Ok(outcome) => {
                    let import = &outcome.import;
                    let what = format!(
                        "файл «{file_name}» на {}: чатов {}, классов {}",
                        format_date_ru(import.as_of),
                        ru::integer(import.rows.len() as u64),
                        ru::integer(import.classes.len() as u64)
                    );
                    db.audit(
                        Some(&account.login),
                        Action::EditChats,
                        &format!("школа {inn}: загружен {what}"),
                    )?;
                    let done = match outcome.saved {
                        SaveOutcome::Unchanged { .. } => {
                            format!("Этот файл уже загружен ({what}): ничего не изменилось.")
                        }
                        SaveOutcome::Saved { .. } => format!("Загружен {what}."),
                    };
                    school_page(db, &user, &school, &asked, Notice::Done(done))
                }
                Err(err) => {
                    let err = WebError::App(err);
                    if err.is_internal() {
                        return Err(err);
                    }
                    fail(db, err.to_string())
                }
            }
        })
        .await
}
