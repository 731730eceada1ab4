//! Dates as people write them in exports and on the command line.
//!
//! The date part as written is the date: a timestamp `2023-09-30T23:30:00+03:00` is the 30th,
//! whatever its offset (SPEC §5.1), so no time zone is ever applied.

use jiff::civil::Date;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DateError {
    #[error("несуществующая дата «{0}»")]
    Impossible(String),
    #[error("не дата: «{0}» (ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)")]
    NotADate(String),
}

/// Parses a date value of an export. `Ok(None)` is "never" (empty, «-», «нет», «никогда»).
pub fn parse_date_text(raw: &str) -> Result<Option<Date>, DateError> {
    let text = raw.trim().trim_matches('\u{a0}');
    // A date starts with a digit and none of the "never" words does: only those are
    // lowercased, not each of a file's million dates.
    if !text.starts_with(|c: char| c.is_ascii_digit())
        && matches!(
            text.to_lowercase().as_str(),
            "" | "-" | "—" | "–" | "нет" | "никогда" | "null" | "none"
        )
    {
        return Ok(None);
    }
    parse_date_prefix(text)
        .and_then(|(date, rest)| valid_time_tail(rest).then_some(date))
        .ok_or_else(|| DateError::NotADate(text.to_string()))?
        .map(Some)
        .map_err(|()| DateError::Impossible(text.to_string()))
}

/// Parses a date given on the command line: `YYYY-MM-DD` or `DD.MM.YYYY`.
pub fn parse_cli_date(raw: &str) -> Result<Date, DateError> {
    let text = raw.trim();
    match parse_date_prefix(text) {
        Some((Ok(date), "")) => Ok(date),
        Some((Err(()), "")) => Err(DateError::Impossible(text.to_string())),
        _ => Err(DateError::NotADate(text.to_string())),
    }
}

/// «01.10.2023».
pub fn format_date_ru(date: Date) -> String {
    format!("{:02}.{:02}.{:04}", date.day(), date.month(), date.year())
}

/// The date `months` calendar months before `date`, the day clamped to the month's end
/// (2024-02-29 minus 12 months is 2023-02-28).
pub fn months_before(date: Date, months: u32) -> Date {
    shift_months(date, -(months as i32))
}

/// The next monthly date after `as_of`: the same day a month later, clamped at the month's
/// end (31.01 → 28.02 or 29.02). What the forecast looks ahead to (SPEC §6).
pub fn next_monthly(as_of: Date) -> Date {
    months_after(as_of, 1)
}

/// The date `months` calendar months after `date`, clamped like [`months_before`].
pub fn months_after(date: Date, months: u32) -> Date {
    shift_months(date, months as i32)
}

fn shift_months(date: Date, months: i32) -> Date {
    let total = date.year() as i32 * 12 + (date.month() as i32 - 1) + months;
    let year = total.div_euclid(12) as i16;
    let month = (total.rem_euclid(12) + 1) as i8;
    let first = Date::new(year, month, 1).expect("first day of a month in range");
    let day = date.day().min(first.days_in_month());
    Date::new(year, month, day).expect("clamped day is valid")
}

/// Splits `text` into a leading date and the rest. The outer `Option` says whether the text
/// has the shape of a date; the inner `Result` whether that date exists.
fn parse_date_prefix(text: &str) -> Option<(Result<Date, ()>, &str)> {
    let bytes = text.as_bytes();
    let (year, month, day, len) = if bytes.len() >= 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        (
            digits(&bytes[0..4])?,
            digits(&bytes[5..7])?,
            digits(&bytes[8..10])?,
            10,
        )
    } else {
        // D.M.YYYY with one or two digits for day and month.
        let first_dot = bytes.iter().position(|&b| b == b'.')?;
        let second_dot = first_dot + 1 + bytes[first_dot + 1..].iter().position(|&b| b == b'.')?;
        if !(1..=2).contains(&first_dot) || !(1..=2).contains(&(second_dot - first_dot - 1)) {
            return None;
        }
        let year_end = second_dot + 5;
        if bytes.len() < year_end {
            return None;
        }
        (
            digits(&bytes[second_dot + 1..year_end])?,
            digits(&bytes[first_dot + 1..second_dot])?,
            digits(&bytes[..first_dot])?,
            year_end,
        )
    };
    let date = i16::try_from(year)
        .ok()
        .and_then(|year| Date::new(year, month as i8, day as i8).ok())
        .filter(|_| (1..=12).contains(&month) && (1..=31).contains(&day))
        .ok_or(());
    Some((date, &text[len..]))
}

/// Accepts what may follow the date: nothing, or a time `HH:MM[:SS][.fff][Z|±HH:MM]` after a
/// space or `T`, or the «г.» Russian writers add.
fn valid_time_tail(rest: &str) -> bool {
    let rest = rest.trim_end();
    if rest.is_empty() || matches!(rest.trim(), "г" | "г." | "года") {
        return true;
    }
    let Some(time) = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')) else {
        return false;
    };
    let time = time.trim_start();
    let bytes = time.as_bytes();
    if bytes.len() < 4 {
        return false;
    }
    // H:MM or HH:MM, then anything made of time characters.
    let colon = match bytes.iter().position(|&b| b == b':') {
        Some(pos @ 1..=2) => pos,
        _ => return false,
    };
    bytes[..colon].iter().all(u8::is_ascii_digit)
        && bytes[colon + 1..].iter().all(|&b| {
            b.is_ascii_digit() || matches!(b, b':' | b'.' | b',' | b'Z' | b'+' | b'-' | b' ')
        })
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn accepted_forms() {
        let cases = [
            ("01.10.2023", date(2023, 10, 1)),
            ("1.9.2023", date(2023, 9, 1)),
            ("30.09.2023 23:59", date(2023, 9, 30)),
            ("30.09.2023 23:59:59", date(2023, 9, 30)),
            ("2023-09-30", date(2023, 9, 30)),
            ("2023-09-30T23:30:00", date(2023, 9, 30)),
            ("2023-09-30 23:30", date(2023, 9, 30)),
            ("2023-09-30T23:30:00.123Z", date(2023, 9, 30)),
            ("2023-09-30T23:30:00+03:00", date(2023, 9, 30)),
            ("2023-09-30T01:30:00-05:00", date(2023, 9, 30)),
            ("29.02.2024", date(2024, 2, 29)),
            (" 01.10.2023г. ", date(2023, 10, 1)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date_text(text), Ok(Some(expected)), "{text}");
        }
    }

    #[test]
    fn never_forms() {
        for text in ["", " ", "-", "нет", "Никогда", "NULL"] {
            assert_eq!(parse_date_text(text), Ok(None), "{text}");
        }
    }

    #[test]
    fn impossible_dates() {
        for text in [
            "31.02.2023",
            "29.02.2023",
            "2023-13-01",
            "00.10.2023",
            "2023-02-30",
        ] {
            assert!(
                matches!(parse_date_text(text), Err(DateError::Impossible(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn not_dates() {
        for text in ["abc", "01.10.23", "2023/10/01", "01.10.2023 abc", "12345"] {
            assert!(
                matches!(parse_date_text(text), Err(DateError::NotADate(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn cli_dates() {
        assert_eq!(parse_cli_date("2023-10-01"), Ok(date(2023, 10, 1)));
        assert_eq!(parse_cli_date("01.10.2023"), Ok(date(2023, 10, 1)));
        assert!(parse_cli_date("2023-10-01T00:00").is_err());
        assert!(matches!(
            parse_cli_date("31.02.2023"),
            Err(DateError::Impossible(_))
        ));
    }

    #[test]
    fn month_shifts_clamp_to_month_end() {
        assert_eq!(months_before(date(2024, 2, 29), 12), date(2023, 2, 28));
        assert_eq!(months_before(date(2023, 10, 1), 12), date(2022, 10, 1));
        assert_eq!(months_before(date(2024, 3, 31), 1), date(2024, 2, 29));
        assert_eq!(months_before(date(2023, 1, 15), 1), date(2022, 12, 15));
        assert_eq!(months_after(date(2023, 1, 31), 1), date(2023, 2, 28));
        assert_eq!(months_after(date(2023, 12, 1), 1), date(2024, 1, 1));
    }

    #[test]
    fn russian_format() {
        assert_eq!(format_date_ru(date(2023, 10, 1)), "01.10.2023");
    }
}
