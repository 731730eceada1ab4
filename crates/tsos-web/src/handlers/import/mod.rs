//! Importing in the browser: upload a file, see how tsos read it, decide, confirm.
//!
//! The preview ([`preview`], and [`remap`] with a column given its meaning) reads the
//! uploaded file once, as the confirmation will ([`tsos_app::import::prepare_import`]), and
//! shows every column of the header with its reading and a drop-down of meanings, the first
//! rows, the row counts, the warnings and the errors with their lines, which snapshot a
//! confirmation would replace, and who would stay outside every school's figures. A person
//! may change a column's meaning (the remap reads the file again with it), choose the school
//! of a name without ИНН, and allow a replacement by far less. A file that can be imported,
//! or whose layout can be fixed in the page, waits in a private temporary folder under a
//! random token bound to the uploader ([`crate::data::uploads`]), with those choices; any
//! other is deleted with its request. The confirmation ([`confirm`]) runs the same
//! transaction as `tsos import` ([`tsos_app::import::import_file`]), which remembers the
//! layout and the names a person gave. Only an admin imports: a snapshot replaces the
//! figures of every school for its date.
//!
//! The preview page ([`crate::views::preview`]) is read here, once for each of the three
//! actions that show it.

pub(crate) mod confirm;
pub(crate) mod form;
pub(crate) mod preview;
pub(crate) mod remap;

use std::collections::HashSet;

use tsos_app::AppError;
use tsos_app::import::{PreparedImport, prepare_import, saved_profile};
use tsos_domain::{Catalogue, format_date_ru};
use tsos_ingest::header::{Mapping, MappingSource, header_key};
use tsos_ingest::search::{Search, find_header};
use tsos_ingest::{Content, Header, IngestError, RowStats, Source};
use tsos_report::{labels, ru};
use tsos_store::{REGISTRY, Store};

use crate::auth::CurrentUser;
use crate::data::uploads::{Pending, Shown};
use crate::data::{AppState, Db};
use crate::http::error::{WebError, ingest_is_users};
use crate::views::preview::{NameView, PreviewPage, error_text, outside};
use crate::views::{Layout, Section, moscow_time};

/// Data rows shown in the preview.
const SAMPLE_ROWS: usize = 5;

fn datasets(catalogue: &Catalogue) -> Vec<(String, String)> {
    std::iter::once((REGISTRY.to_string(), labels::REGISTRY.to_string()))
        .chain(catalogue.iter().map(|p| (p.code.clone(), p.name.clone())))
        .collect()
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
    user.account.require_admin()?;
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

/// The preview of `pending` read (again), with the message `refusal` of a confirmation the
/// application refused. Only a file that can be imported, or whose layout can be fixed in
/// the page, waits for the confirmation; any other is deleted with `pending` now.
fn show_preview(
    db: &mut Db<'_>,
    user: &CurrentUser,
    mut pending: Pending,
    token: String,
    refusal: Option<String>,
) -> Result<PreviewPage, WebError> {
    let (page, shown) = read_preview(db, user, &pending, &token, refusal)?;
    if page.keeps_upload() {
        pending.shown = shown;
        db.uploads().keep(token, pending);
    }
    Ok(page)
}

/// Reads the upload of `pending` as its confirmation would, and builds its preview. `refusal`
/// is the message of a confirmation the application refused.
fn read_preview(
    db: &mut Db<'_>,
    user: &CurrentUser,
    pending: &Pending,
    token: &str,
    refusal: Option<String>,
) -> Result<(PreviewPage, Shown), WebError> {
    let catalogue = db.catalogue().clone();
    let dataset_name = match catalogue.get(&pending.dataset) {
        Some(platform) => platform.name.clone(),
        None => labels::REGISTRY.to_string(),
    };
    let mut page = PreviewPage::new(
        Layout::new(
            &user.account,
            &user.csrf,
            Section::Import,
            "Предпросмотр импорта".to_string(),
        ),
        tsos_ingest::source::display_name(pending.file.path()),
        dataset_name,
        refusal,
        token,
        pending.skip_invalid,
        datasets(&catalogue),
    );
    let mut shown = Shown::default();
    // A preview saves nothing: no hashes to make.
    let request = pending.request(pending.skip_invalid, false, &[], SAMPLE_ROWS, None);
    match prepare_import(db.store, &catalogue, &request) {
        Ok(prepared) => show_prepared(db, pending, &prepared, &mut page, &mut shown)?,
        Err(AppError::Ingest(err)) if ingest_is_users(&err) => {
            page.can_skip_invalid = matches!(err, IngestError::InvalidRows { .. });
            if let IngestError::InvalidRows { errors, .. } = &err {
                page.rejected = errors.iter().map(ToString::to_string).collect();
            }
            let best_line = match &err {
                IngestError::NoHeader {
                    best: Some(best), ..
                } => best.line,
                _ => None,
            };
            show_header_again(db.store, pending, best_line, &mut page, &mut shown);
            page.error = Some(error_text(&err, !page.columns.is_empty()));
        }
        // The file was read, but its schools cannot be placed as it is: a repeated school can
        // be skipped; a registry without ИНН may have it under a header tsos did not know.
        Err(err @ (AppError::RepeatedSchools { .. } | AppError::RegistryWithoutInn { .. })) => {
            page.can_skip_invalid = matches!(err, AppError::RepeatedSchools { .. });
            page.error = Some(err.to_string());
            show_header_again(db.store, pending, None, &mut page, &mut shown);
        }
        Err(err) => return Err(err.into()),
    }
    Ok((page, shown))
}

/// Fills the page with a file read and reconciled without error.
fn show_prepared(
    db: &Db<'_>,
    pending: &Pending,
    prepared: &PreparedImport,
    page: &mut PreviewPage,
    shown: &mut Shown,
) -> Result<(), WebError> {
    let import = &prepared.import;
    let registry = pending.dataset == REGISTRY;
    page.facts = vec![
        ("Формат".to_string(), import.format.describe_ru()),
        (
            "Вид".to_string(),
            match (&import.content, registry) {
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
                match (pending.as_of, import.title_date) {
                    (Some(_), _) => "указана в форме",
                    (None, Some(_)) => "из заголовка файла",
                    (None, None) => "—",
                }
            ),
        ),
        ("SHA-256".to_string(), import.sha256.clone()),
    ];
    page.facts.push((
        "В файле".to_string(),
        match prepared.n_users {
            Some(users) => format!(
                "{} ОО, {} {} (после объединения повторов)",
                ru::integer(prepared.n_schools as u64),
                ru::integer(users),
                ru::plural(users, "пользователь", "пользователя", "пользователей")
            ),
            None => format!("{} ОО", ru::integer(prepared.n_schools as u64)),
        },
    ));
    let first = import.sample.first().map(|(_, cells)| cells.as_slice());
    page.show_columns(&import.readings, import.mapping.as_ref(), first, shown);
    shown.applied = import.mapping.clone();
    page.mapping_note = mapping_note(db.store, import.mapping.as_ref(), &import.header_key);
    page.sample_header = import.readings.iter().map(|r| r.text.clone()).collect();
    page.sample_rows = import
        .sample
        .iter()
        .map(|(loc, cells)| {
            let cells = import
                .readings
                .iter()
                .map(|r| cells.get(r.idx).cloned().unwrap_or_default())
                .collect();
            (loc.number(), cells)
        })
        .collect();
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
        .rejected_by_title()
        .iter()
        .map(|(reason, n)| format!("{reason}: {}", ru::integer(*n)))
        .chain(import.rejected_examples.iter().map(ToString::to_string))
        .collect();
    page.warnings = prepared.warnings.clone();
    if !registry {
        coverage(db.store, prepared, page)?;
    }
    page.outside = outside(prepared);
    page.replaces = match db.store.current_at(&pending.dataset, import.as_of)? {
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
            moscow_time(&current.imported_at)
        )),
        None => None,
    };
    page.shrinks = prepared
        .replaced
        .as_ref()
        .filter(|replacement| !replacement.shrinks.is_empty())
        .map(|replacement| replacement.describe_shrinks());
    for (n, unmatched) in prepared.unmatched.iter().enumerate() {
        let chosen = pending
            .choices
            .iter()
            .find(|(name, _)| *name == unmatched.name)
            .map(|(_, org)| org.as_str());
        page.names.push(NameView {
            loc: unmatched.loc.clone(),
            name: unmatched.name.clone(),
            municipality: unmatched.municipality.clone().unwrap_or_default(),
            what: if unmatched.several {
                "в реестре несколько ОО с таким названием".to_string()
            } else {
                "в реестре нет ОО с таким названием; ближайшие по написанию".to_string()
            },
            field: format!("name{n}"),
            options: unmatched
                .candidates
                .iter()
                .map(|(org, name, municipality)| {
                    (
                        org.to_string(),
                        format!("{name}, {municipality} (ИНН {org})"),
                        chosen == Some(org.as_str()),
                    )
                })
                .collect(),
        });
        shown.names.push(unmatched.name.clone());
    }
    page.can_confirm = true;
    Ok(())
}

/// Where the meanings of the columns come from, and what the confirmation does with them.
fn mapping_note(store: &Store, applied: Option<&Mapping>, key: &str) -> String {
    match applied.map(|mapping| mapping.source) {
        Some(MappingSource::Profile(id)) => {
            let saved = store
                .profile_for(key)
                .ok()
                .flatten()
                .filter(|profile| profile.id == id)
                .map(|profile| {
                    format!(
                        ", сохраненной при импорте файла «{}» {}",
                        profile.file_name,
                        moscow_time(&profile.saved_at)
                    )
                })
                .unwrap_or_default();
            format!(
                "Столбцы прочитаны по разметке №{id}{saved}. Если смысл столбца неверен, \
                 выберите верный: предпросмотр пересчитается, а импорт сохранит новую разметку."
            )
        }
        Some(MappingSource::Given) => {
            "Столбцы с пометкой «задано вами» прочитаны так, как вы выбрали. Импорт сохранит \
             эту разметку, и следующие файлы с таким же заголовком прочитаются так же."
                .to_string()
        }
        None => "Столбцы распознаны по словам заголовка. Если смысл столбца определен неверно, \
                 выберите верный: предпросмотр пересчитается, а импорт сохранит разметку для \
                 следующих файлов с таким же заголовком."
            .to_string(),
    }
}

/// Shows the header of a file the import stopped on, read again ([`header_again`]).
fn show_header_again(
    store: &Store,
    pending: &Pending,
    best_line: Option<u64>,
    page: &mut PreviewPage,
    shown: &mut Shown,
) {
    let Some(header) = header_again(store, pending, best_line) else {
        return;
    };
    page.show_columns(&header.readings, header.mapping.as_ref(), None, shown);
    page.mapping_note = mapping_note(store, header.mapping.as_ref(), &header.key);
    shown.applied = header.mapping;
}

/// The header of a file the import stopped on, read again from its first rows as the import
/// reads it: with the meanings a person gave, else with the layout saved for it. An error
/// does not always carry the readings, and never the mapping that made them, which a change
/// of a meaning starts from. With `best_line` (no row was a header) that row is read, so that
/// a person can say what its columns mean. At most [`HEADER_SEARCH_ROWS`] rows are read.
///
/// [`HEADER_SEARCH_ROWS`]: tsos_ingest::search::HEADER_SEARCH_ROWS
fn header_again(store: &Store, pending: &Pending, best_line: Option<u64>) -> Option<Header> {
    let mut source = Source::open(pending.file.path(), pending.sheet.as_deref()).ok()?;
    let found = find_header(&mut source, &mut RowStats::default(), |row| {
        let saved = match &pending.mapping {
            Some(_) => None,
            None => saved_profile(store, &header_key(row)),
        };
        let header = Header::read(row, pending.mapping.as_ref().or(saved.as_ref()));
        (header.is_plausible() || Some(row.loc.number()) == best_line).then_some(header)
    });
    match found {
        Ok(Search::Found { header, .. }) => Some(header),
        _ => None,
    }
}

/// How many of the registry's schools the file covers: a file of one municipality imported
/// as the region's snapshot would leave every other school at zero.
fn coverage(
    store: &Store,
    prepared: &PreparedImport,
    page: &mut PreviewPage,
) -> Result<(), WebError> {
    let import = &prepared.import;
    let registry = store.schools_at(import.as_of)?;
    if registry.is_empty() {
        return Ok(());
    }
    let known: HashSet<&str> = registry.iter().map(|s| s.id.as_str()).collect();
    let (in_file, by_name): (Vec<&str>, usize) = match &import.content {
        Content::PerUser(data) => (
            data.counts.by_org.keys().map(|org| org.as_str()).collect(),
            0,
        ),
        // A name without ИНН that the import matched is a registry school by construction;
        // the names it could not match are those a person is asked about.
        Content::PerSchool(rows) => (
            rows.iter()
                .filter_map(|row| row.org.as_ref().map(|org| org.as_str()))
                .collect(),
            rows.iter()
                .filter(|row| row.org.is_none())
                .count()
                .saturating_sub(prepared.unmatched.len()),
        ),
    };
    let covered = in_file.iter().filter(|org| known.contains(*org)).count() + by_name;
    let mut text = format!(
        "{} из {} школ реестра на {}",
        ru::integer(covered as u64),
        ru::integer(known.len() as u64),
        format_date_ru(import.as_of)
    );
    let unknown = in_file.len() + by_name - covered;
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
