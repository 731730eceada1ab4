//! POST /notices/school/{inn}/reply

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use tsos_app::replies::{Upload, send_reply};
use tsos_app::today;
use tsos_domain::replies::{MAX_ATTACHMENT_BYTES, NoticeReply, ReplyReason};
use tsos_domain::{OrgId, Role, parse_cli_date};
use tsos_store::ReplySubject;

use super::{Notice, NoticesQuery, Refusal, notices_page, threads_in_scope};
use crate::auth::{CsrfFirst, CurrentUser};
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::upload::{field_text, safe_file_name, upload_error};
use crate::scope::AccountRole;

/// The form: the largest file and a few pages of text.
pub(crate) const MAX_UPLOAD: u64 = MAX_ATTACHMENT_BYTES as u64 + (256 << 10);

/// The fields of the reply form, as sent.
#[derive(Default)]
struct ReplyForm {
    letter: String,
    platform: String,
    role: String,
    reason: String,
    text: String,
    measures: String,
    expected_by: String,
    file: Option<Upload>,
}

impl ReplyForm {
    /// What the form names and replies, or why it is not a reply.
    fn parse(&self, org: &str) -> Result<(ReplySubject, NoticeReply), String> {
        let subject = ReplySubject {
            letter_id: self
                .letter
                .trim()
                .parse()
                .map_err(|_| "форма без номера письма".to_string())?,
            org: OrgId::from_normalized(org.to_string()),
            platform: self.platform.trim().to_string(),
            role: Role::from_code(self.role.trim())
                .ok_or_else(|| format!("неизвестная роль «{}»", self.role))?,
        };
        let reason = ReplyReason::from_code(self.reason.trim())
            .ok_or_else(|| "выберите причину из списка".to_string())?;
        let expected_by = match self.expected_by.trim() {
            "" => return Err("укажите срок, к которому цель будет достигнута".to_string()),
            text => parse_cli_date(text).map_err(|err| format!("срок: {err}"))?,
        };
        Ok((
            subject,
            NoticeReply {
                reason,
                text: self.text.clone(),
                measures: self.measures.clone(),
                expected_by,
            },
        ))
    }
}

/// POST /notices/school/{inn}/reply: the school `inn` replies about one indicator; only the
/// school's own account may, and only within its scope (another school's answers 404).
pub(crate) async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let limit = MAX_UPLOAD;
    let mut csrf = CsrfFirst::new(&user, limit);
    let mut form = ReplyForm::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|err| upload_error(err, limit))?
    {
        let Some(field) = csrf.admit(field).await? else {
            continue;
        };
        let name = field.name().unwrap_or_default().to_string();
        let slot = match name.as_str() {
            "letter" => &mut form.letter,
            "platform" => &mut form.platform,
            "role" => &mut form.role,
            "reason" => &mut form.reason,
            "text" => &mut form.text,
            "measures" => &mut form.measures,
            "expected_by" => &mut form.expected_by,
            "file" => {
                let file_name = safe_file_name(field.file_name().unwrap_or_default());
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|err| upload_error(err, limit))?;
                // A browser sends an empty part when no file is chosen.
                if !bytes.is_empty() {
                    form.file = Some(Upload {
                        file_name,
                        bytes: bytes.to_vec(),
                    });
                }
                continue;
            }
            _ => continue,
        };
        *slot = field_text(field, limit).await?;
    }
    csrf.finish()?;
    state
        .run(move |db| {
            let account = &user.account;
            // Only the school itself replies; any other account learns nothing of the school.
            if account.role != AccountRole::School || account.scope != inn {
                return Err(WebError::NotFound);
            }
            let query = NoticesQuery::default();
            let (subject, reply) = match form.parse(&inn) {
                Ok(parsed) => parsed,
                Err(reason) => return notices_page(db, &user, &query, Notice::Error(reason)),
            };
            if !threads_in_scope(db, account)?
                .iter()
                .any(|t| t.subject() == subject)
            {
                return Err(WebError::NotFound);
            }
            match send_reply(
                db.store,
                &subject,
                reply,
                form.file,
                &account.login,
                today(),
            ) {
                Ok(saved) => {
                    db.audit(
                        Some(&account.login),
                        Action::NoticeReply,
                        &format!(
                            "школа {inn}, письмо {}, {}.{}: ответ № {} ({}){}",
                            subject.letter_id,
                            subject.platform,
                            subject.role.code(),
                            saved.id,
                            saved.reply.reason.title_ru(),
                            saved
                                .attachment
                                .as_ref()
                                .map(|f| format!(", файл «{}»", f.file_name))
                                .unwrap_or_default()
                        ),
                    )?;
                    Ok(Redirect::to("/notices?done=reply").into_response())
                }
                Err(err) => match Refusal::from(err) {
                    Refusal::Page(reason) => notices_page(db, &user, &query, Notice::Error(reason)),
                    Refusal::Error(err) => Err(err),
                },
            }
        })
        .await
}
