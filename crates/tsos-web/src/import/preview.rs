//! The preview page of an upload: how tsos read it, and what a person can decide before it is
//! saved — the meaning of each column, the school of each name without ИНН, and whether a
//! snapshot may be replaced by far less.
//!
//! The file is read once, by [`prepare_import`], exactly as the confirmation will read it.
//! Only where the import stops on the file (no header, a layout read two ways, missing
//! columns, invalid rows, a registry without ИНН) is the header read again on its own from the
//! first rows ([`header_again`]), so that the page can show every column with its drop-down
//! and the person can fix the layout here instead of on the command line.

use std::collections::HashSet;

use askama::Template;
use tsos_app::AppError;
use tsos_app::import::{PreparedImport, by_role, prepare_import, saved_profile};
use tsos_domain::{Role, format_date_ru};
use tsos_ingest::error::column_letters;
use tsos_ingest::header::{Mapping, MappingSource, Meaning, Reading, header_key, normalize};
use tsos_ingest::search::{HEADER_SEARCH_ROWS, Search, find_header};
use tsos_ingest::{Column, Content, Header, IngestError, Measure, RowStats, Source};
use tsos_report::ru;
use tsos_store::{REGISTRY, Store};

use super::datasets;
use crate::auth::CurrentUser;
use crate::data::Db;
use crate::data::uploads::{Pending, Shown};
use crate::http::error::{WebError, ingest_is_users};
use crate::views::{Layout, Section};

/// Data rows shown in the preview.
const SAMPLE_ROWS: usize = 5;

#[derive(Template)]
#[template(path = "preview.html")]
pub(super) struct PreviewPage {
    layout: Layout,
    file_name: String,
    dataset_name: String,
    /// Why the last confirmation was refused (a replacement by far less, names left without a
    /// school), with what to do about it here.
    refusal: Option<String>,
    /// How the file was read, what it is, for which date; empty when it could not be read.
    facts: Vec<(String, String)>,
    /// Every column of the header with its reading and a drop-down of meanings.
    columns: Vec<ColumnView>,
    /// Whether the columns show their cells of the first data row.
    examples: bool,
    /// The meanings a drop-down offers, by group: (group, [(code, label)]).
    meanings: Vec<(&'static str, Vec<(String, String)>)>,
    /// Where the meanings of the columns come from, and what a confirmation does with them.
    mapping_note: String,
    sample_header: Vec<String>,
    sample_rows: Vec<(u64, Vec<String>)>,
    stats: Vec<(String, String)>,
    warnings: Vec<String>,
    rejected: Vec<String>,
    /// Users and organisations of the file that no school's figures take in.
    outside: Vec<String>,
    /// Why the file cannot be imported as it is.
    error: Option<String>,
    replaces: Option<String>,
    /// What the file has far less of than the snapshot it replaces: the confirmation then
    /// needs the person's word.
    shrinks: Option<String>,
    /// Names without ИНН that match no registry school, or several.
    names: Vec<NameView>,
    token: String,
    /// Whether the strict import failed only for invalid rows, so that skipping them is an
    /// option.
    can_skip_invalid: bool,
    skip_invalid: bool,
    can_confirm: bool,
    datasets: Vec<(String, String)>,
}

impl PreviewPage {
    /// Whether the upload is worth keeping: it can be imported, or its layout fixed here.
    pub fn keeps_upload(&self) -> bool {
        self.can_confirm || self.can_skip_invalid || !self.columns.is_empty()
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }
}

/// One column of the header as the preview shows it.
struct ColumnView {
    /// `A`, `B`, … as in Excel.
    letter: String,
    text: String,
    why: String,
    /// The column's cell in the first data row, to tell what it holds.
    example: String,
    /// The drop-down's name: `col` and the column's index.
    field: String,
    /// The code of the meaning it is read with.
    selected: String,
    /// A reading no choice of the list names (ФИО), shown as the selected option.
    extra: Option<(String, String)>,
}

/// A name without ИНН and the schools it could be.
struct NameView {
    loc: String,
    name: String,
    municipality: String,
    /// Why it needs a person: several schools have the name, or none.
    what: String,
    /// The drop-down's name: `name` and the name's place in [`Shown::names`].
    field: String,
    /// (ИНН, label, selected)
    options: Vec<(String, String, bool)>,
}

/// The code of a reading's meaning, as its drop-down has it.
pub(super) fn code_of(column: Option<Column>) -> String {
    match column {
        Some(column) => Meaning::Column(column).code(),
        None => Meaning::Ignore.code(),
    }
}

/// The meanings a column may be given, labelled as the readings are. A measure is offered
/// with each role: the drop-down says what the column counts and for whom.
fn meanings() -> Vec<(&'static str, Vec<(String, String)>)> {
    let option = |column: Column| (Meaning::Column(column).code(), column.describe_ru());
    let measures = [
        Measure::Registered,
        Measure::Confirmed,
        Measure::Active,
        Measure::Share,
        Measure::Contingent,
    ];
    vec![
        (
            "Организация",
            [
                Column::Org,
                Column::Name,
                Column::Municipality,
                Column::Region,
            ]
            .map(option)
            .to_vec(),
        ),
        (
            "Выгрузка по пользователям",
            [
                Column::UserId,
                Column::Role,
                Column::Confirmed,
                Column::LastDate,
            ]
            .map(option)
            .to_vec(),
        ),
        (
            "Выгрузка по школам",
            measures
                .iter()
                .flat_map(|measure| Role::ALL.map(|role| option(Column::Measure(role, *measure))))
                .collect(),
        ),
        (
            "Прочее",
            vec![(Meaning::Ignore.code(), "не учитывается".to_string())],
        ),
    ]
}

/// Reads the upload of `pending` as its confirmation would, and builds its preview. `refusal`
/// is the message of a confirmation the application refused.
pub(super) fn read_preview(
    db: &mut Db<'_>,
    user: &CurrentUser,
    pending: &Pending,
    token: &str,
    refusal: Option<String>,
) -> Result<(PreviewPage, Shown), WebError> {
    let catalogue = db.catalogue().clone();
    let dataset_name = match catalogue.get(&pending.dataset) {
        Some(platform) => platform.name.clone(),
        None => "Реестр ОО".to_string(),
    };
    let mut page = PreviewPage {
        layout: Layout::new(
            &user.account,
            &user.csrf,
            Section::Import,
            "Предпросмотр импорта".to_string(),
        ),
        file_name: tsos_ingest::source::display_name(pending.file.path()),
        dataset_name,
        refusal,
        facts: Vec::new(),
        columns: Vec::new(),
        examples: false,
        meanings: meanings(),
        mapping_note: String::new(),
        sample_header: Vec::new(),
        sample_rows: Vec::new(),
        stats: Vec::new(),
        warnings: Vec::new(),
        rejected: Vec::new(),
        outside: Vec::new(),
        error: None,
        replaces: None,
        shrinks: None,
        names: Vec::new(),
        token: token.to_string(),
        can_skip_invalid: false,
        skip_invalid: pending.skip_invalid,
        can_confirm: false,
        datasets: datasets(&catalogue),
    };
    let mut shown = Shown::default();
    let request = pending.request(pending.skip_invalid, false, &[], SAMPLE_ROWS);
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

/// The message of a read that stopped. Where the page shows the columns, their readings and
/// the command line's `--map` advice are left to the table and its drop-downs.
fn error_text(err: &IngestError, columns_shown: bool) -> String {
    match err {
        IngestError::InvalidRows { total, .. } => format!(
            "Ошибочных строк: {}. Файл можно исправить и загрузить снова или импортировать \
             без ошибочных строк: они будут подсчитаны в происхождении снимка.",
            ru::integer(*total as u64)
        ),
        IngestError::NoHeader {
            file,
            expected,
            best,
        } if columns_shown => {
            let mut text = format!(
                "{file}: не найдена строка заголовков в первых {HEADER_SEARCH_ROWS} строках.\n\
                 Ожидались столбцы: {expected}"
            );
            if let Some(line) = best.as_ref().and_then(|best| best.line) {
                text.push_str(&format!(
                    "\nСамая похожая — строка {line}; ее столбцы в таблице ниже."
                ));
            }
            text
        }
        IngestError::MissingColumns {
            file,
            missing,
            expected,
            ..
        } if columns_shown => format!(
            "{file}: нет обязательных столбцов: {}.\nОжидаются: {expected}",
            missing.join(", ")
        ),
        IngestError::Layout { file, problem, .. } if columns_shown => format!("{file}: {problem}."),
        other => other.to_string(),
    }
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
    show_columns(
        &import.readings,
        import.mapping.as_ref(),
        first,
        page,
        shown,
    );
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
            crate::pages::moscow_time(&current.imported_at)
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

/// The readings as rows of the page, and what each drop-down shows.
fn show_columns(
    readings: &[Reading],
    applied: Option<&Mapping>,
    first: Option<&[String]>,
    page: &mut PreviewPage,
    shown: &mut Shown,
) {
    page.examples = first.is_some();
    for reading in readings {
        let selected = code_of(reading.column);
        page.columns.push(ColumnView {
            letter: column_letters(reading.idx),
            text: reading.text.clone(),
            why: why_of(reading, applied),
            example: first
                .and_then(|cells| cells.get(reading.idx))
                .cloned()
                .unwrap_or_default(),
            field: format!("col{}", reading.idx),
            extra: (reading.column == Some(Column::FullName))
                .then(|| (selected.clone(), "ФИО (не сохраняется)".to_string())),
            selected: selected.clone(),
        });
        shown
            .columns
            .push((reading.idx, reading.text.clone(), selected));
    }
}

/// Why a column reads as it does. Ingestion says so for a meaning from a mapping with its
/// code, as `--map` takes it; the page names whose word it is instead, since its drop-down
/// shows the meaning.
fn why_of(reading: &Reading, applied: Option<&Mapping>) -> String {
    let key = normalize(&reading.text);
    let given = applied.and_then(|mapping| {
        mapping
            .entries
            .iter()
            .find(|(header, _)| normalize(header) == key)
            .map(|(_, meaning)| (*meaning, mapping.source))
    });
    let Some((meaning, source)) = given else {
        return reading.why.clone();
    };
    let by = match source {
        MappingSource::Given => "задано вами".to_string(),
        MappingSource::Profile(id) => format!("по сохраненной разметке №{id}"),
    };
    match (meaning, reading.column) {
        (Meaning::Measure(_), None) => {
            format!("{by}, но в заголовке нет роли: выберите показатель с ролью")
        }
        _ => by,
    }
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
                        crate::pages::moscow_time(&profile.saved_at)
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
    show_columns(&header.readings, header.mapping.as_ref(), None, page, shown);
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

/// Users and organisations of the file that no school's figures take in, in plain words.
fn outside(prepared: &PreparedImport) -> Vec<String> {
    let unknown = &prepared.unknown;
    let mut out = Vec::new();
    if !unknown.ids.is_empty() {
        let listed: Vec<String> = unknown
            .ids
            .iter()
            .take(10)
            .map(ToString::to_string)
            .collect();
        let more = unknown.ids.len() - listed.len();
        out.push(format!(
            "Организаций не из реестра: {} ({} польз.): {}{}. Их пользователи в показатели ОО \
             не вошли; если это школы региона, сначала обновите реестр.",
            ru::integer(unknown.ids.len() as u64),
            ru::integer(unknown.users),
            listed.join(", "),
            if more > 0 {
                format!(" и еще {more}")
            } else {
                String::new()
            }
        ));
    }
    let without_org = unknown.users_without_org();
    if without_org > 0 {
        out.push(format!(
            "Пользователей без организации (ИНН в строке не указан): {} — {}. В показатели ОО \
             не вошли: их нельзя отнести ни к одной школе.",
            ru::integer(without_org),
            by_role(&unknown.without_org)
        ));
    }
    out
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
