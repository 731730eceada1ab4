//! POST /import/confirm: the import itself.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use tsos_app::AppError;
use tsos_app::import::{ProfileUse, by_role, import_file};
use tsos_domain::{OrgId, format_date_ru};
use tsos_report::ru;
use tsos_store::SaveOutcome;

use super::{field, show_preview, take_pending, ticked};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::data::uploads::Pending;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::views::{Layout, Section};

/// The schools chosen in `form` for the names the preview offered; «не загружать» is none.
fn chosen_names(
    pending: &Pending,
    form: &[(String, String)],
) -> Result<Vec<(String, OrgId)>, WebError> {
    let mut choices = Vec::new();
    for (n, name) in pending.shown.names.iter().enumerate() {
        let value = field(form, &format!("name{n}")).unwrap_or_default().trim();
        if value.is_empty() {
            continue;
        }
        let org = OrgId::normalize(value)
            .ok_or_else(|| WebError::BadRequest(format!("«{value}» — не ИНН")))?;
        choices.push((name.clone(), org));
    }
    Ok(choices)
}

#[derive(Template)]
#[template(path = "imported.html")]
struct ImportedPage {
    layout: Layout,
    ok: bool,
    headline: String,
    lines: Vec<String>,
    warnings: Vec<String>,
}

/// POST /import/confirm: the import itself, as `tsos import` does it, with the choices the
/// preview offered. A refusal the person can answer in the preview (a replacement by far
/// less, names without a school) shows the preview again with the application's message and
/// keeps the upload; any other outcome deletes it.
pub(crate) async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (token, mut pending) = take_pending(&state, &user, &form)?;
    let skip_invalid = ticked(&form, "skip_invalid");
    let replace = ticked(&form, "replace");
    pending.choices = chosen_names(&pending, &form)?;
    state
        .run(move |db| {
            let catalogue = db.catalogue().clone();
            let flow_key = db.flow_key().cloned();
            let outcome = import_file(
                db.store,
                &catalogue,
                &pending.request(skip_invalid, replace, &pending.choices, 0, flow_key.as_ref()),
            );
            let login = user.account.login.clone();
            let layout = Layout::new(
                &user.account,
                &user.csrf,
                Section::Import,
                "Импорт".to_string(),
            );
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(err) => {
                    let err = WebError::App(err);
                    db.audit(Some(&login), Action::ImportFailed, &err.public_message())?;
                    if err.is_internal() {
                        return Err(err);
                    }
                    let what_to_do = match &err {
                        WebError::App(AppError::SuspectReplacement { .. }) => Some(
                            "Если файл верен, отметьте «Заменить, хотя данных заметно меньше» и \
                             подтвердите снова.",
                        ),
                        WebError::App(AppError::UnmatchedNames { .. }) => Some(
                            "Выберите школу для каждого названия или отметьте «Загрузить без ОО, \
                             для которых школа не выбрана».",
                        ),
                        _ => None,
                    };
                    if let Some(what_to_do) = what_to_do {
                        let refusal = format!("{err}\n{what_to_do}");
                        let page = show_preview(db, &user, pending, token, Some(refusal))?;
                        return Ok((err.status(), html(&page)?).into_response());
                    }
                    let page = ImportedPage {
                        layout,
                        ok: false,
                        headline: "Импорт не выполнен, данные не изменились.".to_string(),
                        lines: err.to_string().lines().map(str::to_string).collect(),
                        warnings: Vec::new(),
                    };
                    return Ok((err.status(), html(&page)?).into_response());
                }
            };
            let remembered = pending.choices.len();
            // The file is deleted here: it is stored.
            drop(pending);
            let import = &outcome.import;
            let headline = match outcome.saved {
                SaveOutcome::Saved {
                    id,
                    superseded: None,
                } => {
                    format!("Сохранено: снимок №{id}.")
                }
                SaveOutcome::Saved {
                    id,
                    superseded: Some(old),
                } => format!(
                    "Сохранено: снимок №{id}; он заменил снимок №{old} на ту же дату \
                     (прежний сохранен, вернуть: tsos snapshots restore {old})."
                ),
                SaveOutcome::Unchanged { id } => {
                    format!("Этот файл уже импортирован (снимок №{id}): ничего не изменилось.")
                }
            };
            db.audit(
                Some(&login),
                Action::Import,
                &format!(
                    "{} → {} на {}: {headline}",
                    import.file_name,
                    outcome.dataset_name,
                    format_date_ru(import.as_of)
                ),
            )?;
            let mut lines = vec![
                format!(
                    "{}: {} на {}",
                    import.file_name,
                    outcome.dataset_name,
                    format_date_ru(import.as_of)
                ),
                format!(
                    "Строк: прочитано {}, принято {}, пропущено {}, отклонено {}",
                    ru::integer(import.stats.read),
                    ru::integer(import.stats.accepted),
                    ru::integer(import.stats.skipped()),
                    ru::integer(import.stats.rejected_total())
                ),
                format!("Школ в файле: {}", ru::integer(outcome.n_schools as u64)),
            ];
            if let Some(users) = outcome.n_users {
                lines.push(format!("Пользователей: {}", ru::integer(users)));
            }
            if !outcome.schools_added.is_empty() {
                lines.push(format!(
                    "Добавлено в реестр ОО из файла: {}",
                    ru::integer(outcome.schools_added.len() as u64)
                ));
            }
            if !outcome.unknown.ids.is_empty() {
                lines.push(format!(
                    "Организаций не из реестра: {} ({} польз.)",
                    outcome.unknown.ids.len(),
                    ru::integer(outcome.unknown.users)
                ));
            }
            let without_org = outcome.unknown.users_without_org();
            if without_org > 0 {
                lines.push(format!(
                    "Пользователей без организации: {} ({}); в показатели ОО не вошли",
                    ru::integer(without_org),
                    by_role(&outcome.unknown.without_org)
                ));
            }
            match outcome.profile {
                Some(ProfileUse::Applied(id)) => lines.push(format!(
                    "Столбцы прочитаны по сохраненной разметке №{id}."
                )),
                Some(ProfileUse::Saved(id)) => lines.push(format!(
                    "Разметка столбцов сохранена (№{id}): следующие файлы с таким же заголовком \
                     прочитаются так же."
                )),
                None => {}
            }
            if remembered > 0 {
                lines.push(format!(
                    "Запомнены школы для названий без ИНН: {}; следующие файлы сопоставятся так же.",
                    ru::integer(remembered as u64)
                ));
            }
            let page = ImportedPage {
                layout,
                ok: true,
                headline,
                lines,
                warnings: outcome.warnings,
            };
            Ok(html(&page)?.into_response())
        })
        .await
}
