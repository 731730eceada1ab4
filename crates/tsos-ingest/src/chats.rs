//! Reading the registry of official chats a school fills in (the template `tsos chats
//! template` writes, SPEC §10), with the same rules as exports: header found by its words
//! among title lines, blank lines skipped, every bad cell reported by file, line or cell,
//! column and reason, and nothing kept unless every row is good.
//!
//! The same reader takes the school's list of classes: the template's sheet «Классы», read
//! with the chats, or a file of its own, known by its header («ИНН» and «Класс», and no column
//! of a chat's).

use std::path::Path;

use jiff::civil::Date;
use std::collections::HashSet;
use tsos_domain::OrgId;

use tsos_domain::chats::{
    CHAT_PLATFORMS, CLASS_HEADERS, CLASSES_SHEET, ChatPlatform, Purpose, TEMPLATE_HEADERS,
    chat_platform, class_key,
};

use crate::error::{IngestError, RowError};
use crate::header::normalize;
use crate::search::{Search, find_header};
use crate::source::{Cell, Format, Next, Row, Source};
use crate::{RowStats, file_sha256, values};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChatColumn {
    Org,
    Name,
    Purpose,
    Class,
    Platform,
    Members,
    Active,
    Confirmed,
    Created,
    Moved,
    Replaces,
    /// «Обучающихся», of a list of classes.
    Students,
}

fn classify(text: &str) -> Option<ChatColumn> {
    let norm = normalize(text);
    let has = |part: &str| norm.contains(part);
    Some(if norm.split(' ').any(|w| w == "инн") {
        ChatColumn::Org
    } else if has("заменяет") {
        ChatColumn::Replaces
    } else if has("подтвержд") {
        ChatColumn::Confirmed
    } else if has("создан") {
        ChatColumn::Created
    } else if has("перенос") || has("перевод") {
        ChatColumn::Moved
    } else if has("назначение") {
        ChatColumn::Purpose
    } else if has("платформ") || has("мессенджер") {
        ChatColumn::Platform
    } else if has("участник") {
        ChatColumn::Members
    } else if has("актив") || has("использ") {
        ChatColumn::Active
    } else if has("обучающ") || has("учащ") || has("ученик") {
        // Before «класс»: «Обучающихся в классе» is a count, not a class.
        ChatColumn::Students
    } else if has("класс") {
        ChatColumn::Class
    } else if has("чат") || has("название") || has("наименование") {
        ChatColumn::Name
    } else {
        return None;
    })
}

/// One good row of the chats registry.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRow {
    pub org: OrgId,
    pub name: String,
    pub purpose: Purpose,
    pub class_label: Option<String>,
    pub platform: &'static ChatPlatform,
    pub members: Option<u64>,
    pub active: bool,
    pub confirmed_on: Option<Date>,
    pub created_on: Option<Date>,
    pub moved_on: Option<Date>,
    pub replaces: Option<String>,
}

/// One class of a school's list of classes.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassRow {
    pub org: OrgId,
    /// As written; a class given twice for a school is kept once, as first written.
    pub label: String,
    pub students: Option<u64>,
}

/// A chats registry, a list of classes, or both (the template with its sheet «Классы»).
#[derive(Clone, Debug, PartialEq)]
pub struct ChatsImport {
    pub file_name: String,
    pub sha256: String,
    pub as_of: Date,
    pub rows: Vec<ChatRow>,
    pub classes: Vec<ClassRow>,
    pub stats: RowStats,
}

impl ChatsImport {
    /// The organisation of every row, chats then classes, as the file has them.
    pub fn orgs(&self) -> impl Iterator<Item = &OrgId> {
        self.rows
            .iter()
            .map(|row| &row.org)
            .chain(self.classes.iter().map(|class| &class.org))
    }
}

const REQUIRED: [ChatColumn; 3] = [ChatColumn::Org, ChatColumn::Name, ChatColumn::Platform];

/// The columns a header row has: (index, header as written, meaning).
type Columns = Vec<(usize, String, ChatColumn)>;

/// What a sheet holds, by its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    Chats,
    Classes,
}

/// A header of chats has the required columns. A header with «ИНН» and «Класс» but no
/// platform and no column that names a chat is a list of classes, so that a chats registry
/// that lost its platform column is still an error, not a list of classes.
fn content_of(found: &[(usize, String, ChatColumn)]) -> Option<Content> {
    let has = |wanted: ChatColumn| found.iter().any(|(_, _, c)| *c == wanted);
    if REQUIRED.iter().all(|&c| has(c)) {
        Some(Content::Chats)
    } else if has(ChatColumn::Org)
        && has(ChatColumn::Class)
        && !has(ChatColumn::Platform)
        && !found
            .iter()
            .any(|(_, text, _)| normalize(text).contains("чат"))
    {
        Some(Content::Classes)
    } else {
        None
    }
}

/// What one sheet, or a CSV file, gave.
struct SheetRead {
    title_date: Option<Date>,
    chats: Vec<ChatRow>,
    classes: Vec<ClassRow>,
    /// The first of the errors, and how many there are in all.
    errors: Vec<RowError>,
    n_errors: usize,
    stats: RowStats,
}

/// A good row of either kind.
enum Parsed {
    Chat(ChatRow),
    Class(ClassRow),
}

/// How many row errors an import shows.
const SHOWN_ERRORS: usize = 20;

/// Reads a chats registry, or a list of classes, or both; the date is `as_of`, else a title
/// line's. Of a workbook, the sheet `sheet`, else the first, and then also the sheet
/// «Классы» when there is one.
pub fn read_chats(
    path: &Path,
    as_of: Option<Date>,
    sheet: Option<&str>,
) -> Result<ChatsImport, IngestError> {
    let sha256 = file_sha256(path)?;
    let mut source = Source::open(path, sheet)?;
    let file = source.file.clone();
    let first = read_sheet(&mut source, &file)?;
    let mut sheets = vec![first];
    // The template's list of classes is read with its chats, unless the user chose one sheet.
    let first_sheet = match &source.format {
        Format::Workbook { sheet, .. } => Some(sheet.clone()),
        Format::Csv { .. } => None,
    };
    if sheet.is_none()
        && let Some(first_sheet) = first_sheet
        && first_sheet != CLASSES_SHEET
    {
        match Source::open(path, Some(CLASSES_SHEET)) {
            Ok(mut classes) => {
                let place = format!("{file}, лист «{CLASSES_SHEET}»");
                match read_sheet(&mut classes, &place) {
                    Ok(read) => sheets.push(read),
                    // A sheet left empty gives no list.
                    Err(IngestError::Empty { .. }) => {}
                    Err(err) => return Err(err),
                }
            }
            Err(IngestError::NoSheet { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    let n_errors: usize = sheets.iter().map(|s| s.n_errors).sum();
    if n_errors > 0 {
        return Err(IngestError::InvalidRows {
            file,
            total: n_errors,
            errors: sheets
                .into_iter()
                .flat_map(|s| s.errors)
                .take(SHOWN_ERRORS)
                .collect(),
        });
    }
    let as_of = as_of
        .or_else(|| sheets.iter().find_map(|s| s.title_date))
        .ok_or_else(|| IngestError::NoDate { file: file.clone() })?;
    let mut stats = RowStats::default();
    let mut rows = Vec::new();
    let mut classes = Vec::new();
    let mut seen: HashSet<(OrgId, String)> = HashSet::new();
    for sheet in sheets {
        stats.read += sheet.stats.read;
        stats.title += sheet.stats.title;
        stats.blank += sheet.stats.blank;
        stats.accepted += sheet.stats.accepted;
        rows.extend(sheet.chats);
        classes.extend(
            sheet
                .classes
                .into_iter()
                .filter(|c| seen.insert((c.org.clone(), class_key(&c.label)))),
        );
    }
    if rows.is_empty() && classes.is_empty() {
        return Err(IngestError::NoRows { file });
    }
    Ok(ChatsImport {
        file_name: file,
        sha256,
        as_of,
        rows,
        classes,
        stats,
    })
}

/// Reads one sheet: its header, by words among the first rows, then every row, as chats or
/// as classes by the header. `place` names the sheet in errors about the sheet as a whole;
/// row errors name their cell.
fn read_sheet(source: &mut Source, place: &str) -> Result<SheetRead, IngestError> {
    let file = source.file.clone();
    let mut stats = RowStats::default();
    let recognise = |row: &Row| {
        let found: Columns = row
            .cells
            .iter()
            .enumerate()
            .filter_map(|(idx, cell)| match cell {
                Cell::Text(_) => classify(&cell.to_text()).map(|c| (idx, cell.to_text(), c)),
                _ => None,
            })
            .collect();
        content_of(&found).map(|content| (content, found))
    };
    let (content, columns, title_date) = match find_header(source, &mut stats, recognise)? {
        Search::Found {
            header: (content, columns),
            title_date,
            ..
        } => (content, columns, title_date),
        Search::Empty => {
            return Err(IngestError::Empty {
                file: place.to_string(),
            });
        }
        Search::NotFound(before) => {
            let found = before
                .iter()
                .find(|row| !row.is_blank())
                .map(|row| {
                    row.cells
                        .iter()
                        .map(Cell::to_text)
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let quoted = |headers: &[&str]| {
                headers
                    .iter()
                    .map(|h| format!("«{h}»"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(IngestError::NoHeader {
                file: place.to_string(),
                expected: format!(
                    "{}; для списка классов — {}",
                    quoted(&TEMPLATE_HEADERS),
                    quoted(&CLASS_HEADERS)
                ),
                best: Some(Box::new(crate::error::BestRow {
                    line: None,
                    found,
                    readings: Vec::new(),
                    fix: None,
                })),
            });
        }
    };
    let column = |wanted: ChatColumn| {
        columns
            .iter()
            .find(|(_, _, c)| *c == wanted)
            .map(|(idx, text, _)| (*idx, text.clone()))
    };
    let platforms = CHAT_PLATFORMS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ");
    let mut chats = Vec::new();
    let mut classes = Vec::new();
    let mut errors: Vec<RowError> = Vec::new();
    let mut n_errors = 0usize;
    while let Some(next) = source.next_rows()? {
        let row = match next {
            Next::Row(row) => row,
            Next::Blank(n) => {
                stats.read += n;
                stats.blank += n;
                continue;
            }
        };
        stats.read += 1;
        if row.is_blank() {
            stats.blank += 1;
            continue;
        }
        if let Some(defect) = &row.defect {
            n_errors += 1;
            if errors.len() < SHOWN_ERRORS {
                errors.push(RowError {
                    file: file.clone(),
                    loc: row.loc.clone(),
                    column_idx: defect.column_idx.unwrap_or(0),
                    header: defect
                        .column_idx
                        .and_then(|idx| columns.iter().find(|(i, _, _)| *i == idx))
                        .map(|(_, text, _)| text.clone())
                        .unwrap_or_else(|| "(вся строка)".to_string()),
                    reason: defect.reason.clone(),
                    kind: defect.kind,
                });
            }
            continue;
        }
        let mut row_errors: Vec<RowError> = Vec::new();
        let mut bad = |idx: usize, header: &str, kind: &'static str, reason: String| {
            row_errors.push(RowError {
                file: file.clone(),
                loc: row.loc.clone(),
                column_idx: idx,
                header: header.to_string(),
                reason,
                kind,
            });
        };
        let text = |wanted| {
            column(wanted)
                .map(|(idx, _)| row.cell(idx).to_text())
                .filter(|t| !t.is_empty())
        };
        let (org_idx, org_header) = column(ChatColumn::Org).expect("either header has it");
        let org = match values::org_id(row.cell(org_idx)) {
            Ok(org) => Some(org),
            Err(invalid) => {
                bad(org_idx, &org_header, invalid.kind, invalid.reason);
                None
            }
        };
        let parsed = match content {
            Content::Chats => {
                let date =
                    |wanted: ChatColumn, bad: &mut dyn FnMut(usize, &str, &'static str, String)| {
                        let (idx, header) = column(wanted)?;
                        match values::last_date(row.cell(idx)) {
                            Ok(date) => date,
                            Err(invalid) => {
                                bad(idx, &header, invalid.kind, invalid.reason);
                                None
                            }
                        }
                    };
                let (name_idx, name_header) = column(ChatColumn::Name).expect("required");
                let name = text(ChatColumn::Name);
                if name.is_none() {
                    bad(
                        name_idx,
                        &name_header,
                        "нет названия чата",
                        "не указано название чата".into(),
                    );
                }
                let (platform_idx, platform_header) =
                    column(ChatColumn::Platform).expect("required");
                let platform_text = row.cell(platform_idx).to_text();
                let platform = chat_platform(&platform_text);
                if platform.is_none() {
                    bad(
                        platform_idx,
                        &platform_header,
                        "неизвестная платформа",
                        format!("неизвестная платформа «{platform_text}»; допустимы: {platforms}"),
                    );
                }
                let purpose = match column(ChatColumn::Purpose) {
                    Some((idx, header)) => {
                        let label = row.cell(idx).to_text();
                        let purpose = Purpose::from_label(&label);
                        if purpose.is_none() {
                            bad(
                                idx,
                                &header,
                                "неизвестное назначение",
                                format!(
                                    "неизвестное назначение «{label}»; допустимы: классный, родительский, педагогический коллектив, администрация"
                                ),
                            );
                        }
                        purpose
                    }
                    None => Some(Purpose::Class),
                };
                let members = match column(ChatColumn::Members) {
                    Some((idx, header)) => match values::count(row.cell(idx)) {
                        Ok(members) => members,
                        Err(invalid) => {
                            bad(idx, &header, invalid.kind, invalid.reason);
                            None
                        }
                    },
                    None => None,
                };
                let active = match column(ChatColumn::Active) {
                    Some((idx, header)) => match values::confirmed(row.cell(idx)) {
                        Ok(value) => value.unwrap_or(true),
                        Err(_) => {
                            bad(
                                idx,
                                &header,
                                "не да/нет",
                                format!("ожидается Да или Нет, а не «{}»", row.cell(idx).to_text()),
                            );
                            true
                        }
                    },
                    None => true,
                };
                let confirmed_on = date(ChatColumn::Confirmed, &mut bad);
                let created_on = date(ChatColumn::Created, &mut bad);
                let moved_on = date(ChatColumn::Moved, &mut bad);
                match (org, name, platform, purpose) {
                    (Some(org), Some(name), Some(platform), Some(purpose)) => {
                        Some(Parsed::Chat(ChatRow {
                            org,
                            name,
                            purpose,
                            class_label: text(ChatColumn::Class),
                            platform,
                            members,
                            active,
                            confirmed_on,
                            created_on,
                            moved_on,
                            replaces: text(ChatColumn::Replaces),
                        }))
                    }
                    _ => None,
                }
            }
            Content::Classes => {
                let (class_idx, class_header) = column(ChatColumn::Class).expect("required");
                // A label of nothing but spaces and dashes names no class either.
                let label = text(ChatColumn::Class).filter(|l| !class_key(l).is_empty());
                if label.is_none() {
                    let written = row.cell(class_idx).to_text();
                    bad(
                        class_idx,
                        &class_header,
                        "нет класса",
                        if written.is_empty() {
                            "не указан класс".into()
                        } else {
                            format!("не указан класс: «{written}» не название класса")
                        },
                    );
                }
                let students = match column(ChatColumn::Students) {
                    Some((idx, header)) => match values::count(row.cell(idx)) {
                        Ok(students) => students,
                        Err(invalid) => {
                            bad(idx, &header, invalid.kind, invalid.reason);
                            None
                        }
                    },
                    None => None,
                };
                match (org, label) {
                    (Some(org), Some(label)) => Some(Parsed::Class(ClassRow {
                        org,
                        label,
                        students,
                    })),
                    _ => None,
                }
            }
        };
        if !row_errors.is_empty() {
            n_errors += row_errors.len();
            let room = SHOWN_ERRORS.saturating_sub(errors.len());
            errors.extend(row_errors.into_iter().take(room));
            continue;
        }
        let Some(parsed) = parsed else {
            continue;
        };
        stats.accepted += 1;
        match parsed {
            Parsed::Chat(chat) => chats.push(chat),
            Parsed::Class(class) => classes.push(class),
        }
    }
    Ok(SheetRead {
        title_date,
        chats,
        classes,
        errors,
        n_errors,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn csv(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("классы.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn a_file_of_inn_and_class_is_a_list_of_classes() {
        let (_dir, path) = csv(
            "Список классов на 01.09.2023\nИНН;Наименование ОО;Класс;Количество обучающихся\n\
             0512345678;СОШ №1;5 а;25\n0512345678;СОШ №1;5А;26\n0512345678;СОШ №1;6Б;\n",
        );
        let import = read_chats(&path, None, None).unwrap();
        assert_eq!(import.as_of, date(2023, 9, 1));
        assert!(import.rows.is_empty());
        let classes: Vec<(&str, Option<u64>)> = import
            .classes
            .iter()
            .map(|c| (c.label.as_str(), c.students))
            .collect();
        assert_eq!(
            classes,
            [("5 а", Some(25)), ("6Б", None)],
            "a class given twice is kept once, as first written"
        );
        assert_eq!(import.stats.accepted, 3);
    }

    #[test]
    fn a_chats_registry_without_its_platform_column_is_not_a_list_of_classes() {
        let (_dir, path) = csv("ИНН ОО;Название чата;Класс\n0512345678;5А — класс;5А\n");
        let err = read_chats(&path, Some(date(2023, 9, 1)), None).unwrap_err();
        assert!(
            matches!(err, IngestError::NoHeader { .. }),
            "{err}: the header is of chats, not of classes"
        );
        assert!(err.to_string().contains("для списка классов"), "{err}");
    }

    #[test]
    fn the_sheet_of_classes_is_read_with_the_chats_and_its_errors_name_their_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("шаблон.xlsx");
        let write = |classes: &[[&str; 3]]| {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let chats = workbook.add_worksheet().set_name("Чаты").unwrap();
            chats.write_row(0, 0, TEMPLATE_HEADERS).unwrap();
            chats
                .write_row(
                    1,
                    0,
                    ["0512345678", "5А — класс", "классный", "5А", "Сферум"],
                )
                .unwrap();
            let sheet = workbook.add_worksheet().set_name(CLASSES_SHEET).unwrap();
            sheet.write_string(0, 0, "Список классов").unwrap();
            sheet.write_row(1, 0, CLASS_HEADERS).unwrap();
            for (idx, row) in classes.iter().enumerate() {
                sheet.write_row(2 + idx as u32, 0, *row).unwrap();
            }
            workbook.save(&path).unwrap();
        };
        write(&[["0512345678", "5А", "25"], ["0512345678", "5Б", "24"]]);
        let import = read_chats(&path, Some(date(2023, 9, 1)), None).unwrap();
        assert_eq!((import.rows.len(), import.classes.len()), (1, 2));
        // The user chose the chats sheet: its classes are not read.
        let only = read_chats(&path, Some(date(2023, 9, 1)), Some("Чаты")).unwrap();
        assert!(only.classes.is_empty());
        let only = read_chats(&path, Some(date(2023, 9, 1)), Some(CLASSES_SHEET)).unwrap();
        assert_eq!((only.rows.len(), only.classes.len()), (0, 2));

        write(&[["0512345678", "5А", "25"], ["0512345678", " - ", "много"]]);
        let err = read_chats(&path, Some(date(2023, 9, 1)), None).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("шаблон.xlsx[Классы]!B4: column «Класс»: не указан класс"),
            "{text}"
        );
        assert!(
            text.contains("шаблон.xlsx[Классы]!C4: column «Обучающихся»"),
            "{text}"
        );
    }
}
