//! The preview page of an upload: how tsos read it, and what a person can decide before it is
//! saved — the meaning of each column, the school of each name without ИНН, and whether a
//! snapshot may be replaced by far less. The import's handlers read the file and fill it in
//! ([`crate::handlers::import`]).

use askama::Template;
use tsos_app::import::{PreparedImport, by_role};
use tsos_domain::Role;
use tsos_ingest::error::column_letters;
use tsos_ingest::header::{Mapping, MappingSource, Meaning, Reading, normalize};
use tsos_ingest::search::HEADER_SEARCH_ROWS;
use tsos_ingest::{Column, IngestError, SchoolFigure};
use tsos_report::ru;

use super::Layout;
use crate::data::uploads::Shown;

#[derive(Template)]
#[template(path = "preview.html")]
pub(crate) struct PreviewPage {
    pub layout: Layout,
    pub file_name: String,
    pub dataset_name: String,
    /// Why the last confirmation was refused (a replacement by far less, names left without a
    /// school), with what to do about it here.
    pub refusal: Option<String>,
    /// How the file was read, what it is, for which date; empty when it could not be read.
    pub facts: Vec<(String, String)>,
    /// Every column of the header with its reading and a drop-down of meanings.
    pub columns: Vec<ColumnView>,
    /// Whether the columns show their cells of the first data row.
    pub examples: bool,
    /// The meanings a drop-down offers, by group: (group, [(code, label)]).
    pub meanings: Vec<(&'static str, Vec<(String, String)>)>,
    /// Where the meanings of the columns come from, and what a confirmation does with them.
    pub mapping_note: String,
    pub sample_header: Vec<String>,
    pub sample_rows: Vec<(u64, Vec<String>)>,
    pub stats: Vec<(String, String)>,
    pub warnings: Vec<String>,
    pub rejected: Vec<String>,
    /// Users and organisations of the file that no school's figures take in.
    pub outside: Vec<String>,
    /// Why the file cannot be imported as it is.
    pub error: Option<String>,
    pub replaces: Option<String>,
    /// What the file has far less of than the snapshot it replaces: the confirmation then
    /// needs the person's word.
    pub shrinks: Option<String>,
    /// Names without ИНН that match no registry school, or several.
    pub names: Vec<NameView>,
    pub token: String,
    /// Whether the strict import failed only for invalid rows, so that skipping them is an
    /// option.
    pub can_skip_invalid: bool,
    pub skip_invalid: bool,
    pub can_confirm: bool,
    pub datasets: Vec<(String, String)>,
}

impl PreviewPage {
    /// The page of an upload before it is read: `refusal` is the message of a confirmation
    /// the application refused.
    pub fn new(
        layout: Layout,
        file_name: String,
        dataset_name: String,
        refusal: Option<String>,
        token: &str,
        skip_invalid: bool,
        datasets: Vec<(String, String)>,
    ) -> PreviewPage {
        PreviewPage {
            layout,
            file_name,
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
            skip_invalid,
            can_confirm: false,
            datasets,
        }
    }

    /// Whether the upload is worth keeping: it can be imported, or its layout fixed here.
    pub fn keeps_upload(&self) -> bool {
        self.can_confirm || self.can_skip_invalid || !self.columns.is_empty()
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The readings as rows of the page, and what each drop-down shows.
    pub fn show_columns(
        &mut self,
        readings: &[Reading],
        applied: Option<&Mapping>,
        first: Option<&[String]>,
        shown: &mut Shown,
    ) {
        self.examples = first.is_some();
        for reading in readings {
            let selected = code_of(reading.column);
            self.columns.push(ColumnView {
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
}

/// One column of the header as the preview shows it.
pub(crate) struct ColumnView {
    /// `A`, `B`, … as in Excel.
    pub letter: String,
    pub text: String,
    pub why: String,
    /// The column's cell in the first data row, to tell what it holds.
    pub example: String,
    /// The drop-down's name: `col` and the column's index.
    pub field: String,
    /// The code of the meaning it is read with.
    pub selected: String,
    /// A reading no choice of the list names (ФИО), shown as the selected option.
    pub extra: Option<(String, String)>,
}

/// A name without ИНН and the schools it could be.
pub(crate) struct NameView {
    pub loc: String,
    pub name: String,
    pub municipality: String,
    /// Why it needs a person: several schools have the name, or none.
    pub what: String,
    /// The drop-down's name: `name` and the name's place in [`Shown::names`].
    pub field: String,
    /// (ИНН, label, selected)
    pub options: Vec<(String, String, bool)>,
}

/// The code of a reading's meaning, as its drop-down has it.
fn code_of(column: Option<Column>) -> String {
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
        SchoolFigure::Registered,
        SchoolFigure::Confirmed,
        SchoolFigure::Active,
        SchoolFigure::Share,
        SchoolFigure::Contingent,
    ];
    vec![
        (
            "Организация",
            [
                Column::Org,
                Column::Name,
                Column::Municipality,
                Column::Region,
                Column::Email,
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
                .flat_map(|measure| Role::ALL.map(|role| option(Column::Figure(role, *measure))))
                // A count of use (lessons, marks…): a recognised one's code is `count` too,
                // so its reading is the option selected.
                .chain([option(Column::Count(None))])
                .collect(),
        ),
        (
            "Прочее",
            vec![(Meaning::Ignore.code(), "не учитывается".to_string())],
        ),
    ]
}

/// The message of a read that stopped. Where the page shows the columns, their readings and
/// the command line's `--map` advice are left to the table and its drop-downs.
pub(crate) fn error_text(err: &IngestError, columns_shown: bool) -> String {
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
        (Meaning::Figure(_), None) => {
            format!("{by}, но в заголовке нет роли: выберите показатель с ролью")
        }
        _ => by,
    }
}

/// Users and organisations of the file that no school's figures take in, in plain words.
pub(crate) fn outside(prepared: &PreparedImport) -> Vec<String> {
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
