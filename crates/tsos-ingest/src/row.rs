//! Rows and cells as every reader hands them over, and where they are in their file: the
//! leaf the readers, the header and the errors all build on.

use jiff::civil::DateTime;

/// Where a row is: a physical 1-based line of a CSV file, or a row of a sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowLoc {
    Line(u64),
    Sheet { sheet: String, row: u32 },
}

impl RowLoc {
    /// `file.csv:58`, or `file.xlsx[Лист1]!B58` for the cell in column `column_idx`.
    pub fn describe(&self, file: &str, column_idx: usize) -> String {
        match self {
            RowLoc::Line(line) => format!("{file}:{line}"),
            RowLoc::Sheet { sheet, row } => {
                format!("{file}[{sheet}]!{}{row}", column_letters(column_idx))
            }
        }
    }

    /// The 1-based line or row number.
    pub fn number(&self) -> u64 {
        match self {
            RowLoc::Line(line) => *line,
            RowLoc::Sheet { row, .. } => u64::from(*row),
        }
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub fn column_letters(idx: usize) -> String {
    let mut n = idx + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// The longest text a cell or field may hold, in bytes: Excel's own limit is 32,767
/// characters, so a real export never comes near it, while a longer one is a file made to
/// make tsos hold it.
pub(crate) const MAX_FIELD_BYTES: usize = 64 * 1024;

/// A cell as the file gives it. CSV gives only text; workbooks give typed cells.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    DateTime(DateTime),
    Bool(bool),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, for headers, names and error messages.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::DateTime(dt) => tsos_domain::format_date_ru(dt.date()),
            Cell::Bool(b) => if *b { "ИСТИНА" } else { "ЛОЖЬ" }.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Row {
    pub loc: RowLoc,
    pub cells: Vec<Cell>,
    /// Why the row could not be read into cells (its `cells` are then empty): every reader
    /// of rows reports it as an invalid row.
    pub defect: Option<Defect>,
}

/// What makes a row unreadable: a quote left open, a line or a value too long to be data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defect {
    /// The 0-based column where it is, or `None` for the line as a whole.
    pub column_idx: Option<usize>,
    pub kind: RowErrorKind,
    pub reason: String,
}

/// What is wrong with a rejected row, without its values: rejected rows are counted by it.
///
/// Its Russian title is what a snapshot's lineage stores and shows, so a title never
/// changes once released.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowErrorKind {
    NotInn,
    EmptyInn,
    RepeatedInn,
    UnknownConfirmation,
    NotDate,
    ImpossibleDate,
    NotCount,
    NotShare,
    NotYesNo,
    UnclosedQuote,
    LongValue,
    LongLine,
    NoChatName,
    UnknownPlatform,
    UnknownPurpose,
    NoClass,
}

impl RowErrorKind {
    pub const ALL: [RowErrorKind; 16] = [
        RowErrorKind::NotInn,
        RowErrorKind::EmptyInn,
        RowErrorKind::RepeatedInn,
        RowErrorKind::UnknownConfirmation,
        RowErrorKind::NotDate,
        RowErrorKind::ImpossibleDate,
        RowErrorKind::NotCount,
        RowErrorKind::NotShare,
        RowErrorKind::NotYesNo,
        RowErrorKind::UnclosedQuote,
        RowErrorKind::LongValue,
        RowErrorKind::LongLine,
        RowErrorKind::NoChatName,
        RowErrorKind::UnknownPlatform,
        RowErrorKind::UnknownPurpose,
        RowErrorKind::NoClass,
    ];

    /// A stable ASCII name, for machines.
    pub fn code(self) -> &'static str {
        match self {
            RowErrorKind::NotInn => "not_inn",
            RowErrorKind::EmptyInn => "empty_inn",
            RowErrorKind::RepeatedInn => "repeated_inn",
            RowErrorKind::UnknownConfirmation => "unknown_confirmation",
            RowErrorKind::NotDate => "not_date",
            RowErrorKind::ImpossibleDate => "impossible_date",
            RowErrorKind::NotCount => "not_count",
            RowErrorKind::NotShare => "not_share",
            RowErrorKind::NotYesNo => "not_yes_no",
            RowErrorKind::UnclosedQuote => "unclosed_quote",
            RowErrorKind::LongValue => "long_value",
            RowErrorKind::LongLine => "long_line",
            RowErrorKind::NoChatName => "no_chat_name",
            RowErrorKind::UnknownPlatform => "unknown_platform",
            RowErrorKind::UnknownPurpose => "unknown_purpose",
            RowErrorKind::NoClass => "no_class",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            RowErrorKind::NotInn => "не ИНН",
            RowErrorKind::EmptyInn => "пустой ИНН",
            RowErrorKind::RepeatedInn => "ИНН повторяется",
            RowErrorKind::UnknownConfirmation => "неизвестное значение подтверждения",
            RowErrorKind::NotDate => "не дата",
            RowErrorKind::ImpossibleDate => "несуществующая дата",
            RowErrorKind::NotCount => "не число",
            RowErrorKind::NotShare => "не доля",
            RowErrorKind::NotYesNo => "не да/нет",
            RowErrorKind::UnclosedQuote => "кавычка не закрыта",
            RowErrorKind::LongValue => "слишком длинное значение",
            RowErrorKind::LongLine => "строка слишком длинная",
            RowErrorKind::NoChatName => "нет названия чата",
            RowErrorKind::UnknownPlatform => "неизвестная платформа",
            RowErrorKind::UnknownPurpose => "неизвестное назначение",
            RowErrorKind::NoClass => "нет класса",
        }
    }
}

impl Row {
    pub fn new(loc: RowLoc, cells: Vec<Cell>) -> Row {
        Row {
            loc,
            cells,
            defect: None,
        }
    }

    pub fn cell(&self, idx: usize) -> &Cell {
        self.cells.get(idx).unwrap_or(&Cell::Empty)
    }

    /// Every cell empty; a defective row is not blank.
    pub fn is_blank(&self) -> bool {
        self.defect.is_none() && self.cells.iter().all(Cell::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_error_kinds_have_distinct_codes_and_titles() {
        let codes: std::collections::HashSet<_> =
            RowErrorKind::ALL.iter().map(|k| k.code()).collect();
        let titles: std::collections::HashSet<_> =
            RowErrorKind::ALL.iter().map(|k| k.title_ru()).collect();
        assert_eq!(codes.len(), RowErrorKind::ALL.len());
        assert_eq!(titles.len(), RowErrorKind::ALL.len());
        assert!(RowErrorKind::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
