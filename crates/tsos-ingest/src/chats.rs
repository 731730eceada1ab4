//! Reading the registry of official chats a school fills in (the template `tsos chats
//! template` writes, SPEC §10), with the same rules as exports: header found by its words
//! among title lines, blank lines skipped, every bad cell reported by file, line or cell,
//! column and reason, and nothing kept unless every row is good.

use std::path::Path;

use jiff::civil::Date;
use tsos_domain::OrgId;
use tsos_domain::chats::{CHAT_PLATFORMS, ChatPlatform, Purpose, TEMPLATE_HEADERS, chat_platform};

use crate::error::{IngestError, RowError};
use crate::header::{HEADER_SEARCH_ROWS, normalize};
use crate::source::{Cell, Row, Source};
use crate::{RowStats, file_sha256, title, values};

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

#[derive(Clone, Debug, PartialEq)]
pub struct ChatsImport {
    pub file_name: String,
    pub sha256: String,
    pub as_of: Date,
    pub rows: Vec<ChatRow>,
    pub stats: RowStats,
}

const REQUIRED: [ChatColumn; 3] = [ChatColumn::Org, ChatColumn::Name, ChatColumn::Platform];

/// Reads a chats registry; the date is `as_of`, else a title line's.
pub fn read_chats(
    path: &Path,
    as_of: Option<Date>,
    sheet: Option<&str>,
) -> Result<ChatsImport, IngestError> {
    let sha256 = file_sha256(path)?;
    let mut source = Source::open(path, sheet)?;
    let file = source.file.clone();
    let mut stats = RowStats::default();
    let mut before: Vec<Row> = Vec::new();
    let mut columns: Option<Vec<(usize, String, ChatColumn)>> = None;
    while before.len() < HEADER_SEARCH_ROWS {
        let Some(row) = source.next_row()? else {
            break;
        };
        stats.read += 1;
        let found: Vec<(usize, String, ChatColumn)> = row
            .cells
            .iter()
            .enumerate()
            .filter_map(|(idx, cell)| match cell {
                Cell::Text(_) => classify(&cell.to_text()).map(|c| (idx, cell.to_text(), c)),
                _ => None,
            })
            .collect();
        if REQUIRED
            .iter()
            .all(|r| found.iter().any(|(_, _, c)| c == r))
        {
            columns = Some(found);
            break;
        }
        before.push(row);
    }
    let expected = TEMPLATE_HEADERS.map(|h| format!("«{h}»")).join(", ");
    let Some(columns) = columns else {
        if before.iter().all(Row::is_blank) {
            return Err(IngestError::Empty { file });
        }
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
        return Err(IngestError::NoHeader {
            file,
            best_line: None,
            found,
            expected,
        });
    };
    for row in &before {
        if row.is_blank() {
            stats.blank += 1;
        } else {
            stats.title += 1;
        }
    }
    let title_date = before.iter().find_map(|row| {
        let text: Vec<String> = row.cells.iter().map(Cell::to_text).collect();
        title::date_in_title(&text.join(" "))
    });
    let as_of = as_of
        .or(title_date)
        .ok_or_else(|| IngestError::NoDate { file: file.clone() })?;
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
    let mut rows = Vec::new();
    let mut errors: Vec<RowError> = Vec::new();
    let mut n_errors = 0usize;
    while let Some(row) = source.next_row()? {
        stats.read += 1;
        if row.is_blank() {
            stats.blank += 1;
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
        let date = |wanted: ChatColumn, bad: &mut dyn FnMut(usize, &str, &'static str, String)| {
            let (idx, header) = column(wanted)?;
            match values::last_date(row.cell(idx)) {
                Ok(date) => date,
                Err(invalid) => {
                    bad(idx, &header, invalid.kind, invalid.reason);
                    None
                }
            }
        };
        let (org_idx, org_header) = column(ChatColumn::Org).expect("required");
        let org = match values::org_id(row.cell(org_idx)) {
            Ok(org) => Some(org),
            Err(invalid) => {
                bad(org_idx, &org_header, invalid.kind, invalid.reason);
                None
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
        let (platform_idx, platform_header) = column(ChatColumn::Platform).expect("required");
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
        if !row_errors.is_empty() {
            n_errors += row_errors.len();
            let room = 20usize.saturating_sub(errors.len());
            errors.extend(row_errors.into_iter().take(room));
            continue;
        }
        let (Some(org), Some(name), Some(platform), Some(purpose)) = (org, name, platform, purpose)
        else {
            continue;
        };
        stats.accepted += 1;
        rows.push(ChatRow {
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
        });
    }
    if n_errors > 0 {
        return Err(IngestError::InvalidRows {
            file,
            total: n_errors,
            errors,
        });
    }
    if rows.is_empty() {
        return Err(IngestError::NoRows { file });
    }
    Ok(ChatsImport {
        file_name: file,
        sha256,
        as_of,
        rows,
        stats,
    })
}
