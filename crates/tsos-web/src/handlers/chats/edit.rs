//! POST /chats/school/{inn}: one edit of a school's chats, dated today.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tsos_app::{AppError, today};
use tsos_domain::chats::{ChatEdit, ChatState, Purpose, chat_key, chat_platform};
use tsos_domain::{OrgId, parse_cli_date};

use super::{Asked, ChatsQuery, Notice, school_in_scope, school_page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::urls;

#[derive(Deserialize)]
pub(crate) struct EditForm {
    /// Defaulted so that a form without it is refused as a forgery, not as malformed.
    #[serde(default)]
    csrf: String,
    /// add, move, deactivate or confirm. Not `action`: a field of that name would hide the
    /// form's own `action` in the browser's DOM.
    #[serde(default)]
    op: String,
    #[serde(default)]
    name: String,
    purpose: Option<String>,
    class_label: Option<String>,
    platform: Option<String>,
    members: Option<String>,
    created_on: Option<String>,
    new_name: Option<String>,
    moved_on: Option<String>,
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

impl EditForm {
    /// The edit the form asks for, or why it is not one.
    fn edit(&self) -> Result<ChatEdit, String> {
        let platform = || {
            let text = non_empty(self.platform.as_deref()).ok_or("выберите платформу")?;
            chat_platform(text).ok_or_else(|| format!("неизвестная платформа «{text}»"))
        };
        let date = |what: &str, text: Option<&str>| {
            non_empty(text)
                .map(|t| parse_cli_date(t).map_err(|err| format!("{what}: {err}")))
                .transpose()
        };
        let members = non_empty(self.members.as_deref())
            .map(|t| {
                t.replace([' ', '\u{a0}'], "")
                    .parse::<u64>()
                    .map_err(|_| format!("число участников: «{t}» — не целое число"))
            })
            .transpose()?;
        let name = self.name.clone();
        Ok(match self.op.as_str() {
            "add" => ChatEdit::Add {
                name,
                purpose: non_empty(self.purpose.as_deref())
                    .and_then(Purpose::from_code)
                    .ok_or("выберите назначение чата")?,
                class_label: non_empty(self.class_label.as_deref()).map(str::to_string),
                platform: platform()?,
                members,
                created_on: date("дата создания", self.created_on.as_deref())?,
            },
            "move" => ChatEdit::Move {
                name,
                platform: platform()?,
                new_name: non_empty(self.new_name.as_deref()).map(str::to_string),
                moved_on: date("дата переноса", self.moved_on.as_deref())?,
            },
            "deactivate" => ChatEdit::Deactivate { name },
            "confirm" => ChatEdit::Confirm { name, members },
            other => return Err(format!("неизвестное действие «{other}»")),
        })
    }
}

/// For the audit log: what the edit did.
fn describe(edit: &ChatEdit, state: &ChatState) -> String {
    match edit {
        ChatEdit::Add { .. } => format!("добавлен чат «{}» ({})", state.name, state.platform),
        ChatEdit::Move { name, .. }
            if chat_key(&state.org, name) != chat_key(&state.org, &state.name) =>
        {
            format!(
                "чат «{name}» заменен чатом «{}» ({})",
                state.name, state.platform
            )
        }
        ChatEdit::Move { .. } => format!("чат «{}» перенесен в {}", state.name, state.platform),
        ChatEdit::Deactivate { .. } => format!("чат «{}» отмечен неактивным", state.name),
        ChatEdit::Confirm { .. } => format!("чат «{}» подтвержден", state.name),
    }
}

/// POST /chats/school/{inn}: one edit, dated today.
pub(crate) async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    let on = today();
    state
        .run(move |db| {
            let account = &user.account;
            let asked = Asked::of(&ChatsQuery::default())?;
            // Outside the scope the school does not exist; inside it, an authority account
            // only reads.
            let school = school_in_scope(db, account, &inn, on)?;
            if !account.edits_chats_of(&inn) {
                return Err(WebError::Forbidden(
                    "реестр чатов школы изменяет сама школа".to_string(),
                ));
            }
            let edit = match form.edit() {
                Ok(edit) => edit,
                Err(reason) => {
                    return school_page(db, &user, &school, &asked, Notice::Error(reason));
                }
            };
            let org: OrgId = school.id.clone();
            match tsos_app::chats::edit_chat(db.store, &org, &edit, on, &account.login) {
                Ok(saved) => {
                    db.audit(
                        Some(&account.login),
                        Action::EditChats,
                        &format!("школа {inn}: {}", describe(&edit, &saved)),
                    )?;
                    let to = format!(
                        "/chats/school/{}?done={}&chat={}",
                        urls::encode(&inn),
                        urls::encode(&form.op),
                        urls::encode(&saved.name)
                    );
                    Ok(Redirect::to(&to).into_response())
                }
                Err(AppError::ChatEdit(err)) => {
                    let reason = err.to_string();
                    school_page(db, &user, &school, &asked, Notice::Error(reason))
                }
                Err(err) => Err(err.into()),
            }
        })
        .await
}
