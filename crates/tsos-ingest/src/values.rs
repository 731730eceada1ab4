//! Reading values out of cells: organisation ids, roles, confirmation flags, dates, counts
//! and shares, as people and systems write them (SPEC §5.1).
//!
//! Each parser returns the value or a reason in Russian; the caller adds file, line and
//! column.

use jiff::civil::Date;
use tsos_domain::OrgId;
use tsos_domain::dates::{DateError, parse_date_text};

use crate::row::RowErrorKind;
use crate::source::{Cell, excel_serial_to_datetime};

/// A reason a cell is invalid, with its kind for counting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub kind: RowErrorKind,
    pub reason: String,
}

impl Invalid {
    pub(crate) fn new(kind: RowErrorKind, reason: String) -> Invalid {
        Invalid { kind, reason }
    }
}

pub fn org_id(cell: &Cell) -> Result<OrgId, Invalid> {
    let text = match cell {
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 => format!("{}", *n as u64),
        Cell::Number(_) | Cell::DateTime(_) | Cell::Bool(_) => {
            return Err(Invalid::new(
                RowErrorKind::NotInn,
                format!("не ИНН: «{}»", cell.to_text()),
            ));
        }
        _ => cell.to_text(),
    };
    OrgId::normalize(&text)
        .ok_or_else(|| Invalid::new(RowErrorKind::EmptyInn, "ИНН не указан".into()))
}

/// The organisation of a per-user row. `Ok(None)` where the row names none (an empty cell,
/// «-», «нет»): its user is counted apart, never an error (SPEC §5.1). A cell that is filled
/// but is no organisation is invalid, as in [`org_id`].
pub fn org_or_none(cell: &Cell) -> Result<Option<OrgId>, Invalid> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(text) if names_no_org(text) => Ok(None),
        _ => org_id(cell).map(Some),
    }
}

/// «-», «нет» and the like in an organisation cell: no organisation.
fn names_no_org(text: &str) -> bool {
    let text = text.trim();
    text.is_empty() || matches!(text, "-" | "—" | "–" | "−") || text.to_lowercase() == "нет"
}

/// Confirmation flag. `Ok(None)` for an empty cell: not confirmed, counted in a warning.
pub fn confirmed(cell: &Cell) -> Result<Option<bool>, Invalid> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Bool(b) => return Ok(Some(*b)),
        Cell::Number(n) if *n == 1.0 => return Ok(Some(true)),
        Cell::Number(n) if *n == 0.0 => return Ok(Some(false)),
        _ => cell.to_text(),
    };
    let norm = text.trim().to_lowercase().replace('ё', "е");
    let value = match norm.as_str() {
        "" => return Ok(None),
        "да"
        | "yes"
        | "true"
        | "1"
        | "+"
        | "подтверждена"
        | "подтвержден"
        | "подтверждено"
        | "approved"
        | "истина" => true,
        "нет"
        | "no"
        | "false"
        | "0"
        | "-"
        | "−"
        | "–"
        | "не подтверждена"
        | "не подтвержден"
        | "неподтверждена"
        | "none"
        | "not_approved"
        | "ложь" => false,
        _ => {
            return Err(Invalid::new(
                RowErrorKind::UnknownConfirmation,
                format!("неизвестное значение «{text}» (ожидается Да/Нет)"),
            ));
        }
    };
    Ok(Some(value))
}

/// A last login or activity date. `Ok(None)` is "never".
pub fn last_date(cell: &Cell) -> Result<Option<Date>, Invalid> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::DateTime(dt) => Ok(Some(dt.date())),
        // A date cell that lost its format is its Excel serial number.
        Cell::Number(n) => excel_serial_to_datetime(*n)
            .filter(|dt| (1990..=2100).contains(&dt.year()))
            .map(|dt| Some(dt.date()))
            .ok_or_else(|| {
                Invalid::new(
                    RowErrorKind::NotDate,
                    format!("не дата: «{}»", cell.to_text()),
                )
            }),
        Cell::Bool(_) => Err(Invalid::new(
            RowErrorKind::NotDate,
            format!("не дата: «{}»", cell.to_text()),
        )),
        Cell::Text(text) => parse_date_text(text).map_err(|err| match err {
            DateError::Impossible(_) => Invalid::new(RowErrorKind::ImpossibleDate, err.to_string()),
            DateError::NotADate(_) => Invalid::new(RowErrorKind::NotDate, err.to_string()),
        }),
    }
}

/// A count: a whole non-negative number, with spaces or non-breaking spaces as thousands
/// separators. `Ok(None)` for an empty cell or a dash.
pub fn count(cell: &Cell) -> Result<Option<u64>, Invalid> {
    let not_count = || {
        Invalid::new(
            RowErrorKind::NotCount,
            format!("не целое неотрицательное число: «{}»", cell.to_text()),
        )
    };
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 => Ok(Some(*n as u64)),
        Cell::Text(text) => {
            let digits = strip_number(text);
            if digits.is_empty() || digits == "-" {
                return Ok(None);
            }
            let digits = digits
                .strip_suffix(",0")
                .or_else(|| digits.strip_suffix(".0"))
                .unwrap_or(&digits);
            digits.parse::<u64>().map(Some).map_err(|_| not_count())
        }
        _ => Err(not_count()),
    }
}

/// A share as a fraction. Written with «%», or above 1, it is in percent; a header with «%»
/// makes bare numbers percent too.
pub fn share(cell: &Cell, header_has_percent: bool) -> Result<Option<f64>, Invalid> {
    let not_share = || {
        Invalid::new(
            RowErrorKind::NotShare,
            format!("не доля: «{}»", cell.to_text()),
        )
    };
    let (value, percent) = match cell {
        Cell::Empty => return Ok(None),
        // Under a «%» header a number is in percent: 0,5 means half a percent. (A cell
        // formatted as percent in Excel stores a fraction; calamine does not tell us the
        // format, and exports write percent as numbers far more often.)
        Cell::Number(n) => (*n, header_has_percent || *n > 1.0),
        Cell::Text(text) => {
            let has_sign = text.contains('%');
            let digits = strip_number(text).replace('%', "").replace(',', ".");
            if digits.is_empty() || digits == "-" {
                return Ok(None);
            }
            let value: f64 = digits.parse().map_err(|_| not_share())?;
            (value, has_sign || header_has_percent || value > 1.0)
        }
        _ => return Err(not_share()),
    };
    if !value.is_finite() || value < 0.0 {
        return Err(not_share());
    }
    Ok(Some(if percent { value / 100.0 } else { value }))
}

fn strip_number(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}' && *c != '\'')
        .collect()
}

/// `a == b`, without a call to `memcmp` for the short fields every row compares (an ИНН, a
/// role, «Да»): up to 32 bytes are compared as a few overlapping words.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 4 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    if n < 8 {
        // «Да» and «Нет» are 4 and 6 bytes: the first and last four cover them.
        let word =
            |s: &[u8], at: usize| u32::from_ne_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
        return word(a, 0) == word(b, 0) && word(a, n - 4) == word(b, n - 4);
    }
    if n > 32 {
        return a == b;
    }
    let word = |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let eq = |at: usize| word(a, at) == word(b, at);
    // The first and last eight bytes cover up to 16; the next and the one before the last,
    // up to 32.
    eq(0) && eq(n - 8) && (n <= 16 || (eq(8) && eq(n - 16)))
}

/// The few distinct spellings of a role or flag column («Учитель», «Да»), each recognised
/// once: a file repeats them on every row, and recognising one allocates.
pub(crate) struct Spellings<T> {
    known: Vec<(Vec<u8>, T)>,
}

impl<T> Default for Spellings<T> {
    fn default() -> Self {
        Spellings { known: Vec::new() }
    }
}

impl<T: Copy> Spellings<T> {
    /// More distinct spellings than this mean the column is not what it seems.
    const MAX: usize = 64;

    pub fn find(&self, spelling: &[u8]) -> Option<T> {
        self.known
            .iter()
            .find(|(known, _)| same(known, spelling))
            .map(|(_, value)| *value)
    }

    /// Keeps `value` for `spelling`; `false` when there are already too many to keep.
    pub fn remember(&mut self, spelling: &[u8], value: T) -> bool {
        if self.known.len() > Self::MAX {
            return false;
        }
        self.known.push((spelling.to_vec(), value));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    #[test]
    fn org_ids_from_numbers_and_text() {
        assert_eq!(
            org_id(&Cell::Number(512345678.0)).unwrap().as_str(),
            "0512345678"
        );
        assert_eq!(org_id(&text("0512345678")).unwrap().as_str(), "0512345678");
        assert_eq!(org_id(&text("512 345 678")).unwrap().as_str(), "0512345678");
        assert_eq!(
            org_id(&Cell::Empty).unwrap_err().kind,
            RowErrorKind::EmptyInn
        );
        assert!(org_id(&Cell::Number(1.5)).is_err());
        for none in ["", "  ", "-", "—", "Нет", " нет "] {
            assert_eq!(org_or_none(&text(none)), Ok(None), "«{none}»");
        }
        assert_eq!(org_or_none(&Cell::Empty), Ok(None));
        assert_eq!(
            org_or_none(&text("512345678")).unwrap().unwrap().as_str(),
            "0512345678"
        );
        assert!(org_or_none(&Cell::Number(1.5)).is_err());
    }

    #[test]
    fn confirmed_spellings() {
        for yes in ["Да", "yes", "TRUE", "1", "+", "Подтверждена", "APPROVED"] {
            assert_eq!(confirmed(&text(yes)), Ok(Some(true)), "{yes}");
        }
        for no in [
            "Нет",
            "no",
            "false",
            "0",
            "-",
            "−",
            "Не подтверждена",
            "NONE",
            "NOT_APPROVED",
        ] {
            assert_eq!(confirmed(&text(no)), Ok(Some(false)), "{no}");
        }
        assert_eq!(confirmed(&Cell::Empty), Ok(None));
        assert_eq!(confirmed(&text("  ")), Ok(None));
        assert_eq!(confirmed(&Cell::Bool(true)), Ok(Some(true)));
        assert_eq!(confirmed(&Cell::Number(0.0)), Ok(Some(false)));
        assert!(confirmed(&text("может быть")).is_err());
    }

    #[test]
    fn last_dates() {
        assert_eq!(last_date(&text("01.10.2023")), Ok(Some(date(2023, 10, 1))));
        assert_eq!(
            last_date(&Cell::Number(45200.0)),
            Ok(Some(date(2023, 10, 1)))
        );
        assert_eq!(
            last_date(&Cell::DateTime(date(2023, 9, 30).at(23, 59, 0, 0))),
            Ok(Some(date(2023, 9, 30)))
        );
        assert_eq!(last_date(&text("никогда")), Ok(None));
        assert_eq!(
            last_date(&text("31.02.2023")).unwrap_err().kind,
            RowErrorKind::ImpossibleDate
        );
        assert_eq!(
            last_date(&text("abc")).unwrap_err().kind,
            RowErrorKind::NotDate
        );
        assert!(last_date(&Cell::Number(12.0)).is_err());
    }

    #[test]
    fn counts_with_thousands_separators() {
        assert_eq!(count(&text("1 234")), Ok(Some(1234)));
        assert_eq!(count(&text("1\u{a0}234")), Ok(Some(1234)));
        assert_eq!(count(&text("1\u{202f}234 567")), Ok(Some(1_234_567)));
        assert_eq!(count(&text("57,0")), Ok(Some(57)));
        assert_eq!(count(&Cell::Number(640.0)), Ok(Some(640)));
        assert_eq!(count(&text("")), Ok(None));
        assert_eq!(count(&text("-")), Ok(None));
        assert!(count(&text("12,5")).is_err());
        assert!(count(&text("-3")).is_err());
        assert!(count(&Cell::Number(-1.0)).is_err());
    }

    #[test]
    fn shares_in_percent_and_fractions() {
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12;
        assert!(close(share(&text("81,3"), true).unwrap(), 0.813));
        assert!(close(share(&text("81,3 %"), false).unwrap(), 0.813));
        assert!(close(share(&text("0,813"), false).unwrap(), 0.813));
        assert!(close(share(&Cell::Number(0.5), false).unwrap(), 0.5));
        assert!(close(share(&Cell::Number(51.0), false).unwrap(), 0.51));
        assert!(close(share(&Cell::Number(0.5), true).unwrap(), 0.005));
        assert_eq!(share(&Cell::Empty, true), Ok(None));
        assert!(share(&text("много"), true).is_err());
    }

    #[test]
    fn short_fields_compare_as_equality_does() {
        let base: Vec<u8> = (0..40u8).map(|b| b'a' + b % 26).collect();
        for len in 0..=40 {
            let a = &base[..len];
            assert!(same(a, a), "{len}");
            assert!(
                !same(a, &base[..len.saturating_sub(1)]) || len == 0,
                "{len}"
            );
            for pos in 0..len {
                let mut b = a.to_vec();
                b[pos] ^= 0x20;
                assert!(!same(a, &b), "{len} differs at {pos}");
            }
        }
    }
}
