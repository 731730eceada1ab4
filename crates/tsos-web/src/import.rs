//! Importing in the browser: upload a file, see how tsos read it, decide, confirm.
//!
//! The preview ([`preview`]) reads the uploaded file once, as the confirmation will
//! ([`tsos_app::import::prepare_import`]), and shows every column of the header with its
//! reading and a drop-down of meanings, the first rows, the row counts, the warnings and the
//! errors with their lines, which snapshot a confirmation would replace, and who would stay
//! outside every school's figures. A person may change a column's meaning (`/import/remap`
//! reads the file again with it), choose the school of a name without ИНН, and allow a
//! replacement by far less. A file that can be imported, or whose layout can be fixed in the
//! page, waits in a private temporary folder under a random token bound to the uploader
//! ([`UploadFile`]), with those choices ([`Pending`]); any other is deleted with its request.
//! The confirmation runs the same transaction as `tsos import`
//! ([`tsos_app::import::import_file`]), which remembers the layout and the names a person
//! gave. Only an admin imports: a snapshot replaces the figures of every school for its date.

mod preview;

use std::time::Instant;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use tokio::io::AsyncWriteExt;
use tsos_app::AppError;
use tsos_app::import::{ProfileUse, by_role, import_file};
use tsos_domain::{Catalogue, OrgId, format_date_ru};
use tsos_ingest::header::{Mapping, MappingSource, Meaning, normalize};
use tsos_report::ru;
use tsos_store::{REGISTRY, SaveOutcome};

use crate::auth::{CsrfFirst, CurrentUser, random_token};
use crate::data::AppState;
use crate::data::uploads::{Pending, Shown, UploadFile};
use crate::http::error::WebError;
use crate::http::query::parse_date;
use crate::http::response::html;
use crate::http::upload::{field_text, safe_file_name, upload_error};
use crate::views::{Layout, Section};
use preview::read_preview;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    datasets: Vec<(String, String)>,
}

fn datasets(catalogue: &Catalogue) -> Vec<(String, String)> {
    std::iter::once((REGISTRY.to_string(), "Реестр ОО".to_string()))
        .chain(catalogue.iter().map(|p| (p.code.clone(), p.name.clone())))
        .collect()
}

fn require_admin(user: &CurrentUser) -> Result<(), WebError> {
    if user.account.is_admin() {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "импорт доступен только администратору: снимок заменяет данные всех школ на дату"
                .to_string(),
        ))
    }
}

/// GET /import
pub(crate) async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    require_admin(&user)?;
    let page = ImportPage {
        layout: Layout::new(
            &user.account,
            &user.csrf,
            Section::Import,
            "Импорт выгрузки".to_string(),
        ),
        datasets: datasets(state.catalogue()),
    };
    Ok(html(&page)?.into_response())
}

/// The fields of the upload form, the CSRF token first.
#[derive(Default)]
struct UploadForm {
    dataset: String,
    as_of: Option<Date>,
    skip_invalid: bool,
    sheet: Option<String>,
}

/// POST /import/preview (multipart): stores the file and shows how it reads.
pub(crate) async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    require_admin(&user)?;
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
    let mut pending = Pending {
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
            let (page, shown) = read_preview(db, &user, &pending, &token, None)?;
            db.audit_read(
                &pending.login,
                "view",
                &format!(
                    "предпросмотр импорта {} ({})",
                    page.file_name(),
                    pending.dataset
                ),
            );
            // Only a file that can be imported, or whose layout can be fixed in the page,
            // waits for the confirmation; any other is deleted with `pending` now.
            if page.keeps_upload() {
                pending.shown = shown;
                db.uploads().keep(token, pending);
            }
            Ok(html(&page)?.into_response())
        })
        .await
}

/// The value of the field `name` of a form sent as pairs.
fn field<'f>(form: &'f [(String, String)], name: &str) -> Option<&'f str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Whether a checkbox of a form sent as pairs is ticked.
fn ticked(form: &[(String, String)], name: &str) -> bool {
    field(form, name).is_some_and(|value| !value.is_empty())
}

/// Checks the form's CSRF token and takes the upload it names, if this account made it.
fn take_pending(
    state: &AppState,
    user: &CurrentUser,
    form: &[(String, String)],
) -> Result<(String, Pending), WebError> {
    require_admin(user)?;
    user.check_csrf(field(form, "csrf").unwrap_or_default())?;
    let token = field(form, "token").unwrap_or_default().to_string();
    let pending = state
        .uploads()
        .take(&token, &user.account.login)
        .ok_or_else(|| {
            WebError::BadRequest(
                "загруженный файл не найден: он уже импортирован или ожидал подтверждения \
                 дольше часа; загрузите его снова"
                    .to_string(),
            )
        })?;
    Ok((token, pending))
}

/// POST /import/remap: the preview again, with the meanings a person chose for columns.
pub(crate) async fn remap(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (token, mut pending) = take_pending(&state, &user, &form)?;
    if let Some(mapping) = remapped(&pending, &form)? {
        pending.mapping = Some(mapping);
    }
    state
        .run(move |db| {
            let (page, shown) = read_preview(db, &user, &pending, &token, None)?;
            db.audit_read(
                &pending.login,
                "view",
                &format!(
                    "предпросмотр импорта {} ({}) с разметкой столбцов",
                    page.file_name(),
                    pending.dataset
                ),
            );
            if page.keeps_upload() {
                pending.shown = shown;
                db.uploads().keep(token, pending);
            }
            Ok(html(&page)?.into_response())
        })
        .await
}

/// The mapping after the drop-downs of `form`, or `None` where no meaning changed. A column
/// whose drop-down still shows its reading keeps what gave it; only a changed one becomes the
/// person's word. Starting from the mapping the reading applied keeps a saved layout's other
/// columns as they were.
fn remapped(pending: &Pending, form: &[(String, String)]) -> Result<Option<Mapping>, WebError> {
    let mut entries = pending
        .mapping
        .as_ref()
        .or(pending.shown.applied.as_ref())
        .map(|mapping| mapping.entries.clone())
        .unwrap_or_default();
    let mut changed = false;
    for (idx, text, shown) in &pending.shown.columns {
        let Some(chosen) = field(form, &format!("col{idx}")) else {
            continue;
        };
        if chosen == shown {
            continue;
        }
        let meaning = Meaning::parse(chosen).map_err(WebError::BadRequest)?;
        let key = normalize(text);
        entries.retain(|(header, _)| normalize(header) != key);
        entries.push((text.clone(), meaning));
        changed = true;
    }
    Ok(changed.then_some(Mapping {
        entries,
        source: MappingSource::Given,
    }))
}

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
pub(crate) async fn confirm(
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
            let outcome = import_file(
                db.store,
                &catalogue,
                &pending.request(skip_invalid, replace, &pending.choices, 0),
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
                    db.audit(Some(&login), "import_failed", &err.public_message())?;
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
                        let (page, shown) = read_preview(db, &user, &pending, &token, Some(refusal))?;
                        if page.keeps_upload() {
                            pending.shown = shown;
                            db.uploads().keep(token, pending);
                        }
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
                "import",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(applied: Option<Mapping>, columns: &[(usize, &str, &str)]) -> Pending {
        let dir = tempfile::tempdir().expect("a folder").keep();
        Pending {
            file: UploadFile::in_folder(dir, "файл.csv"),
            login: "admin".to_string(),
            dataset: "sferum".to_string(),
            as_of: None,
            sheet: None,
            skip_invalid: false,
            mapping: None,
            choices: Vec::new(),
            shown: Shown {
                columns: columns
                    .iter()
                    .map(|(idx, text, code)| (*idx, text.to_string(), code.to_string()))
                    .collect(),
                applied,
                names: Vec::new(),
            },
            created: Instant::now(),
        }
    }

    fn form(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_a_changed_meaning_is_the_persons_word_and_a_saved_layout_stays() {
        use tsos_ingest::Column;
        let columns = [
            (0, "Код школы", "organisation"),
            (1, "Всего учеников", "contingent:students"),
            (2, "Прочее", "ignore"),
        ];
        // Nothing changed: no mapping of the person's, whatever the form repeats.
        let unchanged = pending(None, &columns);
        let same = form(&[("col0", "organisation"), ("col1", "contingent:students")]);
        assert_eq!(remapped(&unchanged, &same).unwrap(), None);
        // A saved layout read «Код школы»; a change of another column keeps it.
        let saved = Mapping {
            entries: vec![("Код школы".to_string(), Meaning::Column(Column::Org))],
            source: MappingSource::Profile(3),
        };
        let with_profile = pending(Some(saved), &columns);
        let changed = form(&[("col0", "organisation"), ("col1", "registered:students")]);
        let mapping = remapped(&with_profile, &changed)
            .unwrap()
            .expect("a change");
        assert_eq!(mapping.source, MappingSource::Given);
        let codes: Vec<(String, String)> = mapping
            .entries
            .iter()
            .map(|(header, meaning)| (header.clone(), meaning.code()))
            .collect();
        assert_eq!(
            codes,
            [
                ("Код школы".to_string(), "organisation".to_string()),
                (
                    "Всего учеников".to_string(),
                    "registered:students".to_string()
                )
            ]
        );
        let unknown = form(&[("col2", "школа")]);
        assert!(matches!(
            remapped(&with_profile, &unknown),
            Err(WebError::BadRequest(_))
        ));
    }
}
