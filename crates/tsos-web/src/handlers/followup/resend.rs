//! POST /followup/resend

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tsos_app::notices::{SendRequest, SendState, plan_notices, send_notices};
use tsos_domain::OrgId;
use tsos_letter::{LetterSettings, PASSWORD_VAR};
use tsos_mail::{Sender, Smtp};

use super::{Notice, followup_page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;

#[derive(Deserialize)]
pub(crate) struct ResendForm {
    /// Defaulted so that a form without it is refused as a forgery, not as malformed.
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    letter: i64,
    #[serde(default)]
    org: String,
}

/// POST /followup/resend: an administrator sends one school's notice of a letter again, by the
/// path of `tsos notices send --only ИНН`: logged like any attempt, and not sent if an earlier
/// attempt delivered it.
pub(crate) async fn send(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ResendForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    user.account.require_admin()?;
    let settings_path = state.letter_settings().map(std::path::Path::to_path_buf);
    state
        .run(move |db| {
            let letter = Some(form.letter);
            let fail = |db: &mut _, reason: String| {
                followup_page(db, &user, letter, Notice::Error(reason))
            };
            let Some(org) = OrgId::normalize(&form.org) else {
                return fail(db, format!("«{}» — не ИНН", form.org));
            };
            let settings = match load(settings_path.as_deref()) {
                Ok(settings) => settings,
                Err(reason) => return fail(db, reason),
            };
            let Some(smtp) = settings.smtp.as_ref() else {
                return fail(
                    db,
                    "в настройках письма нет таблицы [smtp]: отправлять нечем".to_string(),
                );
            };
            let request = SendRequest {
                letter: form.letter,
                settings: &settings,
                only: std::slice::from_ref(&org),
            };
            let plan = match plan_notices(db.store, db.catalogue(), &request) {
                Ok(plan) => plan,
                Err(err) => return fail(db, err.to_string()),
            };
            let password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
            let sent = Sender::parse(&smtp.from)
                .map_err(|err| err.to_string())
                .and_then(|from| {
                    let mut outbox = Smtp::connect(smtp, password).map_err(|e| e.to_string())?;
                    send_notices(db.store, plan, &from, &mut outbox).map_err(|e| e.to_string())
                });
            let outcome = match sent {
                Ok(outcome) => outcome,
                Err(reason) => {
                    db.audit(
                        Some(&user.account.login),
                        Action::ResendNotice,
                        &format!(
                            "письмо {}, школа {org}: не отправлено: {reason}",
                            form.letter
                        ),
                    )?;
                    return fail(db, format!("не отправлено: {reason}"));
                }
            };
            let Some(line) = outcome.lines.first() else {
                return fail(db, format!("у школы {org} нет уведомления по этому письму"));
            };
            let (said, notice) = match &line.state {
                SendState::Sent(answer) => (
                    format!("отправлено на {}: {answer}", line.address),
                    Notice::Done(format!(
                        "Уведомление школе {} отправлено на {}.",
                        line.name, line.address
                    )),
                ),
                SendState::Failed(answer) => (
                    format!("не отправлено: {answer}"),
                    Notice::Error(format!(
                        "Уведомление школе {} не отправлено: {answer}",
                        line.name
                    )),
                ),
                SendState::NoAddress => (
                    "нет адреса".to_string(),
                    Notice::Error(format!(
                        "У школы {} нет адреса электронной почты: добавьте его в реестр.",
                        line.name
                    )),
                ),
                SendState::SentBefore(_) | SendState::Written(_) => (
                    "уже отправлено раньше".to_string(),
                    Notice::Done(format!(
                        "Уведомление школе {} уже доставлено раньше.",
                        line.name
                    )),
                ),
            };
            db.audit(
                Some(&user.account.login),
                Action::ResendNotice,
                &format!("письмо № {}, школа {org}: {said}", outcome.letter.number),
            )?;
            followup_page(db, &user, letter, notice)
        })
        .await
}

/// The letter settings the server was given, or why there are none to send with.
fn load(path: Option<&std::path::Path>) -> Result<LetterSettings, String> {
    let path = path.ok_or_else(|| {
        "сервер запущен без настроек письма (letter_settings в tsos.toml или tsos-letter.toml \
         в рабочем каталоге): отправлять нечем"
            .to_string()
    })?;
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("не удалось прочитать {}: {err}", path.display()))?;
    LetterSettings::from_toml(&text).map_err(|err| format!("{}: {err}", path.display()))
}
