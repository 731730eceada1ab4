//! Errors of ingestion. Every one names the file; row errors name the line (or sheet and
//! cell), the column and the reason, as `FILE:LINE: column «HEADER»: reason` (SPEC §5.3).

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

use crate::header::Reading;
pub use crate::row::{RowErrorKind, RowLoc, column_letters};

/// One invalid row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub loc: RowLoc,
    /// 0-based column index, for the sheet cell reference.
    pub column_idx: usize,
    pub header: String,
    pub reason: String,
    pub kind: RowErrorKind,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: column «{}»: {}",
            self.loc.describe(&self.file, self.column_idx),
            self.header,
            self.reason
        )
    }
}

/// The row most like a header among those searched, for a file whose header was not found.
#[derive(Debug)]
pub struct BestRow {
    /// Its line (or sheet row), where known.
    pub line: Option<u64>,
    /// Its non-empty cells.
    pub found: Vec<String>,
    /// How its columns were read, where they were.
    pub readings: Vec<Reading>,
    /// The `--map` option that would make it a header.
    pub fix: Option<String>,
}

impl BestRow {
    fn describe(&self) -> String {
        let mut text = format!(
            "Самая похожая строка{}: {}",
            self.line
                .map(|l| format!(" (строка {l})"))
                .unwrap_or_default(),
            if self.found.is_empty() {
                "—".to_string()
            } else {
                self.found
                    .iter()
                    .map(|h| format!("«{h}»"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        if let Some(fix) = &self.fix
            && !self.readings.is_empty()
        {
            text.push_str(&format!(
                "\n  Как прочитаны ее столбцы:\n{}\n  Если это заголовок, укажите смысл недостающего столбца: {fix}",
                describe_readings(&self.readings)
            ));
        }
        text
    }
}

/// Every column of a header with how it was read and why, a line each.
pub fn describe_readings(readings: &[Reading]) -> String {
    readings
        .iter()
        .map(|reading| {
            let meaning = reading
                .column
                .map_or_else(|| "не учитывается".to_string(), |c| c.describe_ru());
            format!(
                "    {} «{}» → {meaning} ({})",
                column_letters(reading.idx),
                reading.text,
                reading.why
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Error)]
pub enum IngestError {
    #[error("{}: не удалось прочитать файл: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: файл пуст")]
    Empty { file: String },
    #[error("{file}: двоичный файл, а не CSV или XLSX (ожидается таблица CSV или книга Excel)")]
    Binary { file: String },
    #[error(
        "{file}: файл в кодировке UTF-16 («Текст Юникод» Excel); сохраните его как «CSV UTF-8» или CSV в кодировке Windows-1251"
    )]
    Utf16 { file: String },
    #[error(
        "{file}: неожиданная кодировка{}: ожидается UTF-8 или Windows-1251",
        guess.as_deref().map(|g| format!(" (похоже на {g})")).unwrap_or_default()
    )]
    Encoding { file: String, guess: Option<String> },
    #[error(
        "{file}: строка {line}: текст не в кодировке UTF-8, хотя начало файла в ней (смешанные кодировки?)"
    )]
    MixedEncoding { file: String, line: u64 },
    #[error(
        "{file}: файл с расширением .{ext} не является книгой Excel (не ZIP-архив и не XLS): {detail}"
    )]
    NotSpreadsheet {
        file: String,
        ext: String,
        detail: String,
    },
    #[error(
        "{file}: не удалось прочитать книгу Excel, книга повреждена или не поддерживается: {detail}"
    )]
    Spreadsheet { file: String, detail: String },
    /// A workbook bigger than any real export, or made to look small: refused before it is
    /// read, so that it cannot exhaust memory or time.
    #[error("{file}: книга не принята: {detail}")]
    WorkbookTooLarge { file: String, detail: String },
    /// A cell of a workbook that cannot be read as a cell at all.
    #[error("{file}[{sheet}]!{cell}: {reason}")]
    BadCell {
        file: String,
        sheet: String,
        cell: String,
        reason: String,
    },
    #[error("{file}: в книге нет листа «{sheet}»; есть: {}", available.join(", "))]
    NoSheet {
        file: String,
        sheet: String,
        available: Vec<String>,
    },
    #[error(
        "{file}: не найдена строка заголовков в первых 20 строках.\n  Ожидались столбцы: {expected}\n  {}",
        best.as_deref().map_or_else(|| "Похожей строки нет.".to_string(), BestRow::describe)
    )]
    NoHeader {
        file: String,
        expected: String,
        /// The row most like a header, if any row had a word of one.
        best: Option<Box<BestRow>>,
    },
    #[error(
        "{file}: нет обязательных столбцов: {}.\n  Как прочитаны столбцы:\n{}\n  Ожидаются: {expected}\n  Если нужный столбец есть под другим заголовком, укажите его смысл: {fix}",
        missing.join(", "),
        describe_readings(readings)
    )]
    MissingColumns {
        file: String,
        missing: Vec<String>,
        readings: Vec<Reading>,
        expected: String,
        /// The `--map` option that would place a column, with a header of the file.
        fix: String,
    },
    /// The header cannot be read one way only, or a `--map` names no column of the file; the
    /// import stops before reading a row.
    #[error(
        "{file}: {problem}.\n  Как прочитаны столбцы:\n{}\n  Чтобы указать смысл столбца: {fix}",
        describe_readings(readings)
    )]
    Layout {
        file: String,
        problem: String,
        readings: Vec<Reading>,
        fix: String,
    },
    #[error(
        "{file}: не указана отчетная дата: нет строки заголовка вида «по состоянию на 01.10.2023»; укажите --as-of ДАТА"
    )]
    NoDate { file: String },
    #[error("{file}: это не выгрузка по пользователям (нет столбца «Роль»)")]
    NotPerUser { file: String },
    #[error("{file}: нет ни одной строки данных после заголовка")]
    NoRows { file: String },
    #[error(
        "{file}: импорт отменен, ошибочных строк: {total}{}\n{}",
        if *total > errors.len() { format!(" (показаны первые {})", errors.len()) } else { String::new() },
        errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n")
    )]
    InvalidRows {
        file: String,
        total: usize,
        errors: Vec<RowError>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_past_z() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(1), "B");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn row_error_formats() {
        let mut err = RowError {
            file: "users.csv".into(),
            loc: RowLoc::Line(58),
            column_idx: 3,
            header: "Дата последней авторизации".into(),
            reason: "несуществующая дата «31.02.2023»".into(),
            kind: RowErrorKind::ImpossibleDate,
        };
        assert_eq!(
            err.to_string(),
            "users.csv:58: column «Дата последней авторизации»: несуществующая дата «31.02.2023»"
        );
        err.file = "users.xlsx".into();
        err.loc = RowLoc::Sheet {
            sheet: "Лист1".into(),
            row: 58,
        };
        err.column_idx = 1;
        assert!(err.to_string().starts_with("users.xlsx[Лист1]!B58: column"));
    }
}
