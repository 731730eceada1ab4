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
    chat_platform, class_key, is_bare_sferum,
};

use crate::error::{IngestError, RowError, RowErrorKind};
use crate::header::normalize;
use crate::rejections::Rejections;
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
pub struct ChatEntry {
    pub org: OrgId,
    pub name: String,
    pub purpose: Purpose,
    pub class_label: Option<String>,
    pub platform: &'static ChatPlatform,
    /// The cell said only «Сферум», which since Сферум moved into MAX may mean either; it is
    /// read as «Сферум (VK Мессенджер)» ([`tsos_domain::chats::CHAT_PLATFORMS`]).
    pub bare_sferum: bool,
    pub members: Option<u64>,
    pub active: bool,
    pub confirmed_on: Option<Date>,
    pub created_on: Option<Date>,
    pub moved_on: Option<Date>,
    pub replaces: Option<String>,
}

/// One class of a school's list of classes.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassEntry {
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
    pub rows: Vec<ChatEntry>,
    pub classes: Vec<ClassEntry>,
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

/// The columns a header row has: (index, header as written, meaning).
type Columns = Vec<(usize, String, ChatColumn)>;

/// What a sheet holds, by its header, with the columns each row of it must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SheetContent {
    Chats { name: usize, platform: usize },
    Classes { class: usize },
}

/// Where a sheet's columns are.
struct Layout {
    content: SheetContent,
    org: usize,
    columns: Columns,
}

impl Layout {
    /// A header of chats has an organisation, a name and a platform. A header with «ИНН» and
    /// «Класс» but no platform and no column that names a chat is a list of classes, so that
    /// a chats registry that lost its platform column is still an error, not a list of
    /// classes.
    fn of(columns: Columns) -> Option<Layout> {
        let find = |wanted: ChatColumn| {
            columns
                .iter()
                .find(|(_, _, c)| *c == wanted)
                .map(|(idx, _, _)| *idx)
        };
        let org = find(ChatColumn::Org)?;
        let content = match (find(ChatColumn::Name), find(ChatColumn::Platform)) {
            (Some(name), Some(platform)) => SheetContent::Chats { name, platform },
            (_, None)
                if !columns
                    .iter()
                    .any(|(_, text, _)| normalize(text).contains("чат")) =>
            {
                SheetContent::Classes {
                    class: find(ChatColumn::Class)?,
                }
            }
            _ => return None,
        };
        Some(Layout {
            content,
            org,
            columns,
        })
    }

    fn column(&self, wanted: ChatColumn) -> Option<usize> {
        self.columns
            .iter()
            .find(|(_, _, c)| *c == wanted)
            .map(|(idx, _, _)| *idx)
    }

    /// The header of column `idx` as written, if it is one of the sheet's columns.
    fn header(&self, idx: usize) -> Option<&str> {
        self.columns
            .iter()
            .find(|(i, _, _)| *i == idx)
            .map(|(_, text, _)| text.as_str())
    }
}

/// What one sheet, or a CSV file, gave.
struct SheetRead {
    title_date: Option<Date>,
    chats: Vec<ChatEntry>,
    classes: Vec<ClassEntry>,
    rejections: Rejections,
    stats: RowStats,
}

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
        && let Some(classes) = read_classes_sheet(path, &file)?
    {
        sheets.push(classes);
    }
    let mut stats = RowStats::default();
    let mut rejections = Rejections::default();
    let mut rows = Vec::new();
    let mut classes = Vec::new();
    let mut seen: HashSet<(OrgId, String)> = HashSet::new();
    let mut title_date = None;
    for sheet in sheets {
        stats.read += sheet.stats.read;
        stats.title += sheet.stats.title;
        stats.blank += sheet.stats.blank;
        stats.accepted += sheet.stats.accepted;
        rejections.append(sheet.rejections, |_| {});
        title_date = title_date.or(sheet.title_date);
        rows.extend(sheet.chats);
        classes.extend(
            sheet
                .classes
                .into_iter()
                .filter(|c| seen.insert((c.org.clone(), class_key(&c.label)))),
        );
    }
    // Nothing is kept unless every row is good.
    rejections.settle(&file, false)?;
    let as_of = as_of
        .or(title_date)
        .ok_or_else(|| IngestError::NoDate { file: file.clone() })?;
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

/// The template's sheet «Классы», where the workbook has one that is not left empty.
fn read_classes_sheet(path: &Path, file: &str) -> Result<Option<SheetRead>, IngestError> {
    let mut classes = match Source::open(path, Some(CLASSES_SHEET)) {
        Ok(classes) => classes,
        Err(IngestError::NoSheet { .. }) => return Ok(None),
        Err(err) => return Err(err),
    };
    let place = format!("{file}, лист «{CLASSES_SHEET}»");
    match read_sheet(&mut classes, &place) {
        Ok(read) => Ok(Some(read)),
        // A sheet left empty gives no list.
        Err(IngestError::Empty { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Reads one sheet: its header, by words among the first rows, then every row, as chats or
/// as classes by the header. `place` names the sheet in errors about the sheet as a whole;
/// row errors name their cell.
fn read_sheet(source: &mut Source, place: &str) -> Result<SheetRead, IngestError> {
    let mut stats = RowStats::default();
    let (layout, title_date) = find_layout(source, place, &mut stats)?;
    let mut read = SheetRead {
        title_date,
        chats: Vec::new(),
        classes: Vec::new(),
        rejections: Rejections::default(),
        stats,
    };
    let file = source.file.clone();
    while let Some(next) = source.next_rows()? {
        let row = match next {
            Next::Row(row) => row,
            Next::Blank(n) => {
                read.stats.read += n;
                read.stats.blank += n;
                continue;
            }
        };
        read.stats.read += 1;
        if row.is_blank() {
            read.stats.blank += 1;
            continue;
        }
        let mut cells = Cells {
            file: &file,
            layout: &layout,
            row: &row,
            rejections: &mut read.rejections,
            faults: 0,
        };
        if let Some(defect) = &row.defect {
            let header = defect
                .column_idx
                .and_then(|idx| layout.header(idx))
                .unwrap_or("(вся строка)")
                .to_string();
            let invalid = values::Invalid::new(defect.kind, defect.reason.clone());
            cells.reject(defect.column_idx.unwrap_or(0), &header, invalid);
            continue;
        }
        let org = cells.org();
        let parsed = match layout.content {
            SheetContent::Chats { name, platform } => {
                cells.chat(org, name, platform).map(Parsed::Chat)
            }
            SheetContent::Classes { class } => cells.class(org, class).map(Parsed::Class),
        };
        // A row with any bad cell is rejected whole, every bad cell reported.
        if cells.faults > 0 {
            continue;
        }
        let Some(parsed) = parsed else {
            continue;
        };
        read.stats.accepted += 1;
        match parsed {
            Parsed::Chat(chat) => read.chats.push(chat),
            Parsed::Class(class) => read.classes.push(class),
        }
    }
    Ok(read)
}

/// A good row of either kind.
enum Parsed {
    Chat(ChatEntry),
    Class(ClassEntry),
}

/// The header of a sheet, by words among its first rows, and a title line's date.
fn find_layout(
    source: &mut Source,
    place: &str,
    stats: &mut RowStats,
) -> Result<(Layout, Option<Date>), IngestError> {
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
        Layout::of(found)
    };
    match find_header(source, stats, recognise)? {
        Search::Found {
            header, title_date, ..
        } => Ok((header, title_date)),
        Search::Empty => Err(IngestError::Empty {
            file: place.to_string(),
        }),
        Search::NotFound(before) => Err(no_header(place, &before)),
    }
}

/// A sheet whose header was not found: what a header would say, and its first words.
fn no_header(place: &str, before: &[Row]) -> IngestError {
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
    IngestError::NoHeader {
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
    }
}

/// The cells of one row, read as the sheet's layout says; every bad cell is rejected.
struct Cells<'a> {
    file: &'a str,
    layout: &'a Layout,
    row: &'a Row,
    rejections: &'a mut Rejections,
    /// Bad cells of this row so far.
    faults: usize,
}

impl Cells<'_> {
    fn reject(&mut self, idx: usize, header: &str, invalid: values::Invalid) {
        self.faults += 1;
        self.rejections.add(invalid.kind, || RowError {
            file: self.file.to_string(),
            loc: self.row.loc.clone(),
            column_idx: idx,
            header: header.to_string(),
            reason: invalid.reason,
            kind: invalid.kind,
        });
    }

    /// Column `idx`'s value by `parse`, or `None` where the cell is bad (and rejected).
    fn parse<T>(
        &mut self,
        idx: usize,
        parse: impl FnOnce(&Cell) -> Result<T, values::Invalid>,
    ) -> Option<T> {
        match parse(self.row.cell(idx)) {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.reject_cell(idx, invalid);
                None
            }
        }
    }

    /// Rejects the cell of one of the sheet's columns.
    fn reject_cell(&mut self, idx: usize, invalid: values::Invalid) {
        let header = self.layout.header(idx).unwrap_or_default().to_string();
        self.reject(idx, &header, invalid);
    }

    /// The text of a column the sheet may have, where not empty.
    fn text(&self, wanted: ChatColumn) -> Option<String> {
        self.layout
            .column(wanted)
            .map(|idx| self.row.cell(idx).to_text())
            .filter(|t| !t.is_empty())
    }

    fn org(&mut self) -> Option<OrgId> {
        self.parse(self.layout.org, values::org_id)
    }

    fn date(&mut self, wanted: ChatColumn) -> Option<Date> {
        let idx = self.layout.column(wanted)?;
        self.parse(idx, values::last_date).flatten()
    }

    fn count(&mut self, wanted: ChatColumn) -> Option<u64> {
        let idx = self.layout.column(wanted)?;
        self.parse(idx, values::count).flatten()
    }

    fn chat(
        &mut self,
        org: Option<OrgId>,
        name_idx: usize,
        platform_idx: usize,
    ) -> Option<ChatEntry> {
        let name = self.text(ChatColumn::Name);
        if name.is_none() {
            let invalid =
                values::Invalid::new(RowErrorKind::NoChatName, "не указано название чата".into());
            self.reject_cell(name_idx, invalid);
        }
        let bare_sferum = is_bare_sferum(&self.row.cell(platform_idx).to_text());
        let platform = self.parse(platform_idx, |cell| {
            let text = cell.to_text();
            chat_platform(&text).ok_or_else(|| {
                let known = CHAT_PLATFORMS
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ");
                values::Invalid::new(
                    RowErrorKind::UnknownPlatform,
                    format!("неизвестная платформа «{text}»; допустимы: {known}"),
                )
            })
        });
        let purpose = match self.layout.column(ChatColumn::Purpose) {
            Some(idx) => self.parse(idx, |cell| {
                let label = cell.to_text();
                Purpose::from_label(&label).ok_or_else(|| {
                    values::Invalid::new(
                        RowErrorKind::UnknownPurpose,
                        format!(
                            "неизвестное назначение «{label}»; допустимы: {}",
                            Purpose::ALL.map(Purpose::title_ru).join(", ")
                        ),
                    )
                })
            }),
            None => Some(Purpose::Class),
        };
        let members = self.count(ChatColumn::Members);
        let active = match self.layout.column(ChatColumn::Active) {
            // An empty cell: in use.
            Some(idx) => self
                .parse(idx, |cell| {
                    values::confirmed(cell).map_err(|_| {
                        values::Invalid::new(
                            RowErrorKind::NotYesNo,
                            format!("ожидается Да или Нет, а не «{}»", cell.to_text()),
                        )
                    })
                })
                .flatten()
                .unwrap_or(true),
            None => true,
        };
        let confirmed_on = self.date(ChatColumn::Confirmed);
        let created_on = self.date(ChatColumn::Created);
        let moved_on = self.date(ChatColumn::Moved);
        Some(ChatEntry {
            org: org?,
            name: name?,
            purpose: purpose?,
            class_label: self.text(ChatColumn::Class),
            platform: platform?,
            bare_sferum,
            members,
            active,
            confirmed_on,
            created_on,
            moved_on,
            replaces: self.text(ChatColumn::Replaces),
        })
    }

    fn class(&mut self, org: Option<OrgId>, class_idx: usize) -> Option<ClassEntry> {
        // A label of nothing but spaces and dashes names no class either.
        let label = self.parse(class_idx, |cell| {
            let written = cell.to_text();
            if !written.is_empty() && !class_key(&written).is_empty() {
                return Ok(written);
            }
            Err(values::Invalid::new(
                RowErrorKind::NoClass,
                if written.is_empty() {
                    "не указан класс".into()
                } else {
                    format!("не указан класс: «{written}» не название класса")
                },
            ))
        });
        let students = self.count(ChatColumn::Students);
        Some(ClassEntry {
            org: org?,
            label: label?,
            students,
        })
    }
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
