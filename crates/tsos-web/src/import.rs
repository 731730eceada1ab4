//! Importing in the browser: upload a file, see how tsos read it, confirm.
//!
//! The preview reads the uploaded file once, exactly as an import would
//! ([`tsos_ingest::read_export`]), and shows the recognised columns, the first rows (of a
//! CSV), the row counts, the warnings and the errors with their lines, and which snapshot a
//! confirmation would replace. A file that can be imported waits in a private temporary
//! folder under a random token bound to the uploader ([`UploadFile`]); any other is deleted
//! with its request. The confirmation runs the same transaction as `tsos import`
//! ([`tsos_app::import::import_file`]). Only an admin imports: a snapshot replaces the figures
//! of every school for its date.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use tsos_app::import::{ImportRequest, import_file};
use tsos_domain::{Catalogue, format_date_ru};
use tsos_ingest::search::{Search, find_header};
use tsos_ingest::{
    Column, Content, Format, Header, IngestError, ReadOptions, RowStats, Source, Target,
};
use tsos_report::ru;
use tsos_store::{REGISTRY, SaveOutcome};

use crate::auth::{CsrfFirst, CurrentUser, field_text, random_token, upload_error};
use crate::error::{WebError, ingest_is_users};
use crate::pages::html;
use crate::state::AppState;
use crate::urls;
use crate::views::{Layout, Section};

/// An upload not confirmed within this time is deleted.
const PENDING_FOR: Duration = Duration::from_secs(3600);
/// Data rows shown in the preview.
const SAMPLE_ROWS: usize = 5;

/// Uploaded files awaiting confirmation, in a private folder that is deleted with them.
pub(crate) struct Uploads {
    dir: tempfile::TempDir,
    pending: Mutex<HashMap<String, Pending>>,
}

struct Pending {
    file: UploadFile,
    login: String,
    dataset: String,
    as_of: Option<Date>,
    sheet: Option<String>,
    created: Instant,
}

/// An uploaded file in a folder of its own, deleted with the folder when dropped: an upload
/// that fails, is refused, or whose request panics leaves nothing behind. Only the pending
/// list keeps one beyond its request, until it is confirmed or too old.
pub(crate) struct UploadFile {
    dir: PathBuf,
    path: PathBuf,
}

impl UploadFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for UploadFile {
    fn drop(&mut self) {
        if let Err(err) = std::fs::remove_dir_all(&self.dir)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.dir.display(), error = %err, "загрузка не удалена");
        }
    }
}

impl Uploads {
    /// A private folder for uploads in `parent`, or in the system's temporary folder.
    pub fn new(parent: Option<&Path>) -> Result<Uploads, WebError> {
        let builder = tempfile::Builder::new().prefix("tsos-upload-").clone();
        let dir = match parent {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        Ok(Uploads {
            dir,
            pending: Mutex::new(HashMap::new()),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Deletes every upload and the folder, when the server stops: a request still running
    /// cannot keep them.
    pub fn remove_all(&self) {
        self.lock().clear();
        if let Err(err) = std::fs::remove_dir_all(self.dir.path())
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.dir.path().display(), error = %err, "папка загрузок не удалена");
        }
    }

    /// A new, empty file named `file_name` under a random token.
    async fn create(&self, file_name: &str) -> Result<(String, UploadFile), WebError> {
        let token = random_token()?;
        let dir = self.dir.path().join(&token);
        tokio::fs::create_dir(&dir).await?;
        let path = dir.join(file_name);
        Ok((token, UploadFile { dir, path }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets uploads older than [`PENDING_FOR`], deleting their files.
    fn prune(&self) {
        self.lock().retain(|_, p| p.created.elapsed() < PENDING_FOR);
    }

    /// The upload of `token`, if `login` made it.
    fn take(&self, token: &str, login: &str) -> Option<Pending> {
        let mut pending = self.lock();
        match pending.get(token) {
            Some(p) if p.login == login => pending.remove(token),
            _ => None,
        }
    }
}

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
        datasets: datasets(&state.inner.catalogue),
    };
    Ok(html(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    layout: Layout,
    file_name: String,
    dataset_name: String,
    /// How the file was read, what it is, for which date; empty when it could not be read.
    facts: Vec<(String, String)>,
    columns: Vec<(String, String)>,
    sample_header: Vec<String>,
    sample_rows: Vec<(u64, Vec<String>)>,
    stats: Vec<(String, String)>,
    warnings: Vec<String>,
    rejected: Vec<String>,
    /// Why the file cannot be imported as it is.
    error: Option<String>,
    replaces: Option<String>,
    token: String,
    /// Whether the strict import failed only for invalid rows, so that skipping them is an
    /// option.
    can_skip_invalid: bool,
    skip_invalid: bool,
    can_confirm: bool,
    datasets: Vec<(String, String)>,
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
    let uploads = &state.inner.uploads;
    let limit = state.inner.max_upload;
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
                    form.as_of = Some(urls::parse_date("отчетная дата", text.trim())?);
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
                let (token, upload) = uploads.create(&file_name).await?;
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
    if state.inner.catalogue.get(&form.dataset).is_none() && form.dataset != REGISTRY {
        return Err(WebError::BadRequest(format!(
            "неизвестный набор данных «{}»",
            form.dataset
        )));
    }
    let login = user.account.login.clone();
    state
        .run(move |db| {
            let catalogue = db.catalogue().clone();
            let page = read_preview(db, &catalogue, &user, &form, upload.path(), &token)?;
            db.audit_read(
                &login,
                "view",
                &format!("предпросмотр импорта {} ({})", page.file_name, form.dataset),
            );
            // Only a file that can be imported waits for the confirmation; any other is
            // deleted with `upload` now.
            if page.can_confirm || page.can_skip_invalid {
                db.uploads().lock().insert(
                    token,
                    Pending {
                        file: upload,
                        login: login.clone(),
                        dataset: form.dataset.clone(),
                        as_of: form.as_of,
                        sheet: form.sheet.clone(),
                        created: Instant::now(),
                    },
                );
            }
            Ok(html(&page)?.into_response())
        })
        .await
}

/// The name a browser gave the file, as a plain file name: no folders, no control
/// characters. It becomes the snapshot's file name in the lineage.
pub(crate) fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "файл".to_string()
    } else {
        clean
    }
}

fn read_preview(
    db: &mut crate::data::Db<'_>,
    catalogue: &Catalogue,
    user: &CurrentUser,
    form: &UploadForm,
    path: &Path,
    token: &str,
) -> Result<PreviewPage, WebError> {
    let (target, dataset_name) = match catalogue.get(&form.dataset) {
        Some(platform) => (Target::Platform(platform), platform.name.clone()),
        None => (Target::Registry, "Реестр ОО".to_string()),
    };
    let options = ReadOptions {
        target,
        as_of: form.as_of,
        skip_invalid: form.skip_invalid,
        sheet: form.sheet.as_deref(),
        fast: true,
        progress: None,
        mapping: None,
        profiles: None,
        sample: 0,
    };
    let mut page = PreviewPage {
        layout: Layout::new(
            &user.account,
            &user.csrf,
            Section::Import,
            "Предпросмотр импорта".to_string(),
        ),
        file_name: tsos_ingest::source::display_name(path),
        dataset_name,
        facts: Vec::new(),
        columns: Vec::new(),
        sample_header: Vec::new(),
        sample_rows: Vec::new(),
        stats: Vec::new(),
        warnings: Vec::new(),
        rejected: Vec::new(),
        error: None,
        replaces: None,
        token: token.to_string(),
        can_skip_invalid: false,
        skip_invalid: form.skip_invalid,
        can_confirm: false,
        datasets: datasets(catalogue),
    };
    match tsos_ingest::read_export(path, &options) {
        Ok(import) => {
            // The first rows come from a second opening of the file, which costs a CSV only
            // its first lines. A workbook would be unpacked again whole, so its rows are not
            // shown until ingestion hands them over from its one reading.
            if let Format::Csv { .. } = import.format {
                (page.sample_header, page.sample_rows) = sample(path);
            }
            page.facts = vec![
                ("Формат".to_string(), import.format.describe_ru()),
                (
                    "Вид".to_string(),
                    match (&import.content, form.dataset == REGISTRY) {
                        (_, true) => "реестр ОО".to_string(),
                        (Content::PerUser(_), _) => "по пользователям".to_string(),
                        (Content::PerSchool(_), _) => "по школам".to_string(),
                    },
                ),
                (
                    "Отчетная дата".to_string(),
                    format!(
                        "{} ({})",
                        format_date_ru(import.as_of),
                        match (form.as_of, import.title_date) {
                            (Some(_), _) => "указана в форме",
                            (None, Some(_)) => "из заголовка файла",
                            (None, None) => "—",
                        }
                    ),
                ),
                ("SHA-256".to_string(), import.sha256.clone()),
            ];
            match &import.content {
                Content::PerUser(data) => page.facts.push((
                    "В файле".to_string(),
                    format!(
                        "{} ОО, {} пользователей (после объединения повторов)",
                        ru::integer(data.counts.by_org.len() as u64),
                        ru::integer(data.counts.users)
                    ),
                )),
                Content::PerSchool(rows) => page.facts.push((
                    "В файле".to_string(),
                    format!("{} ОО", ru::integer(rows.len() as u64)),
                )),
            }
            page.columns = import.columns.clone();
            let stats = &import.stats;
            page.stats = vec![
                ("Прочитано строк".to_string(), ru::integer(stats.read)),
                ("Принято".to_string(), ru::integer(stats.accepted)),
                (
                    "Пропущено".to_string(),
                    format!(
                        "{} (заголовки {}, пустые {}, итоги {})",
                        ru::integer(stats.skipped()),
                        stats.title,
                        stats.blank,
                        stats.totals
                    ),
                ),
                ("Отклонено".to_string(), ru::integer(stats.rejected_total())),
            ];
            page.rejected = stats
                .rejected
                .iter()
                .map(|(reason, n)| format!("{reason}: {}", ru::integer(*n)))
                .chain(import.rejected_examples.iter().map(ToString::to_string))
                .collect();
            page.warnings = import.warnings.clone();
            if form.dataset != REGISTRY {
                coverage(db, &import, &mut page)?;
            }
            page.replaces = match db.store.current_at(&form.dataset, import.as_of)? {
                Some(current) if current.sha256 == import.sha256 => Some(format!(
                    "Этот файл уже импортирован (снимок №{}): подтверждение ничего не изменит.",
                    current.id
                )),
                Some(current) => Some(format!(
                    "На {} уже есть снимок №{} (файл {}, импортирован {}). Подтверждение заменит его; \
                     прежний сохранится, и его можно будет вернуть.",
                    format_date_ru(import.as_of),
                    current.id,
                    current.file_name,
                    crate::pages::moscow_time(&current.imported_at)
                )),
                None => None,
            };
            page.can_confirm = true;
        }
        Err(err) if !ingest_is_users(&err) => return Err(tsos_app::AppError::from(err).into()),
        Err(err) => {
            page.can_skip_invalid = matches!(err, IngestError::InvalidRows { .. });
            if let IngestError::InvalidRows { errors, .. } = &err {
                page.rejected = errors.iter().map(ToString::to_string).collect();
            }
            page.error = Some(match &err {
                IngestError::InvalidRows { total, .. } => format!(
                    "Ошибочных строк: {}. Файл можно исправить и загрузить снова или импортировать \
                     без ошибочных строк: они будут подсчитаны в происхождении снимка.",
                    ru::integer(*total as u64)
                ),
                other => other.to_string(),
            });
        }
    }
    Ok(page)
}

/// How many of the registry's schools the file covers: a file of one municipality imported
/// as the region's snapshot would leave every other school at zero.
fn coverage(
    db: &crate::data::Db<'_>,
    import: &tsos_ingest::Import,
    page: &mut PreviewPage,
) -> Result<(), WebError> {
    let registry = db.store.schools_at(import.as_of)?;
    if registry.is_empty() {
        return Ok(());
    }
    let known: HashSet<&str> = registry.iter().map(|s| s.id.as_str()).collect();
    let in_file: Vec<&str> = match &import.content {
        Content::PerUser(data) => data.counts.by_org.keys().map(|org| org.as_str()).collect(),
        // Schools named without ИНН are matched at the import; the preview counts the others.
        Content::PerSchool(rows) => rows
            .iter()
            .filter_map(|row| row.org.as_ref().map(|org| org.as_str()))
            .collect(),
    };
    let covered = in_file.iter().filter(|org| known.contains(*org)).count();
    let mut text = format!(
        "{} из {} школ реестра на {}",
        ru::integer(covered as u64),
        ru::integer(known.len() as u64),
        format_date_ru(import.as_of)
    );
    let unknown = in_file.len() - covered;
    if unknown > 0 {
        text.push_str(&format!("; не из реестра: {}", ru::integer(unknown as u64)));
    }
    page.facts.push(("Школы реестра".to_string(), text));
    if covered < known.len() {
        page.warnings.insert(
            0,
            format!(
                "В файле нет {} из {} школ реестра: у них на эту дату будут нули. Проверьте, \
                 что это выгрузка по всему региону.",
                ru::integer((known.len() - covered) as u64),
                ru::integer(known.len() as u64)
            ),
        );
    }
    Ok(())
}

/// The recognised columns of the first data rows, as the file has them. The full name
/// (ФИО) is personal data that tsos never keeps, so it is not shown either.
fn sample(path: &Path) -> (Vec<String>, Vec<(u64, Vec<String>)>) {
    let Ok(mut source) = Source::open(path, None) else {
        return (Vec::new(), Vec::new());
    };
    // The header as an import finds it.
    let found = find_header(&mut source, &mut RowStats::default(), |row| {
        Some(Header::from_row(row)).filter(Header::is_plausible)
    });
    let Ok(Search::Found { header, .. }) = found else {
        return (Vec::new(), Vec::new());
    };
    let shown: Vec<&(usize, String, Column)> = header
        .columns
        .iter()
        .filter(|(_, _, column)| *column != Column::FullName)
        .collect();
    let mut rows = Vec::new();
    for _ in 0..SAMPLE_ROWS * 4 {
        let Ok(Some(row)) = source.next_row() else {
            break;
        };
        if row.is_blank() {
            continue;
        }
        let cells = shown
            .iter()
            .map(|(idx, _, _)| row.cell(*idx).to_text())
            .collect();
        rows.push((row.loc.number(), cells));
        if rows.len() == SAMPLE_ROWS {
            break;
        }
    }
    let names = shown.iter().map(|(_, text, _)| text.clone()).collect();
    (names, rows)
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    skip_invalid: Option<String>,
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

/// POST /import/confirm: the import itself, as `tsos import` does it.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    require_admin(&user)?;
    user.check_csrf(&form.csrf)?;
    let pending = state
        .inner
        .uploads
        .take(&form.token, &user.account.login)
        .ok_or_else(|| {
            WebError::BadRequest(
                "загруженный файл не найден: он уже импортирован или ожидал подтверждения \
                 дольше часа; загрузите его снова"
                    .to_string(),
            )
        })?;
    let skip_invalid = form.skip_invalid.is_some_and(|v| !v.is_empty());
    state
        .run(move |db| {
            let catalogue = db.catalogue().clone();
            let outcome = import_file(
                db.store,
                &catalogue,
                &ImportRequest {
                    dataset: &pending.dataset,
                    path: pending.file.path(),
                    as_of: pending.as_of,
                    skip_invalid,
                    sheet: pending.sheet.as_deref(),
                    progress: None,
                    replace: false,
                    mapping: None,
                    name_matches: &[],
                    sample: 0,
                },
            );
            // The file is deleted here, whatever the outcome.
            drop(pending);
            let login = user.account.login.clone();
            let layout = Layout::new(
                &user.account,
                &user.csrf,
                Section::Import,
                "Импорт".to_string(),
            );
            let page = match outcome {
                Ok(outcome) => {
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
                        SaveOutcome::Unchanged { id } => format!(
                            "Этот файл уже импортирован (снимок №{id}): ничего не изменилось."
                        ),
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
                    ImportedPage {
                        layout,
                        ok: true,
                        headline,
                        lines,
                        warnings: outcome.warnings,
                    }
                }
                Err(err) => {
                    let err = WebError::App(err);
                    db.audit(Some(&login), "import_failed", &err.public_message())?;
                    if err.is_internal() {
                        return Err(err);
                    }
                    ImportedPage {
                        layout,
                        ok: false,
                        headline: "Импорт не выполнен, данные не изменились.".to_string(),
                        lines: err.to_string().lines().map(str::to_string).collect(),
                        warnings: Vec::new(),
                    }
                }
            };
            Ok(html(&page)?.into_response())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_names_stay_names() {
        assert_eq!(safe_file_name("выгрузка.csv"), "выгрузка.csv");
        assert_eq!(safe_file_name("C:\\Users\\a\\МШ.xlsx"), "МШ.xlsx");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name(".."), "файл");
        assert_eq!(safe_file_name(""), "файл");
    }
}
