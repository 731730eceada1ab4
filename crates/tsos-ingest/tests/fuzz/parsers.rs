//! The parsers of text and cells, on arbitrary strings and cells: the title's date, header
//! words, `--map` entries and meanings, dates, and the values of cells. None may panic; what
//! they give must be what their callers rely on.

use std::panic::{AssertUnwindSafe, catch_unwind};

use jiff::civil::DateTime;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use tsos_domain::dates::parse_date_text;
use tsos_ingest::header::{self, Header, Mapping, MappingSource, Meaning};
use tsos_ingest::{Cell, Row, RowLoc, title, values};

use crate::mutate::{MEANINGS, WORDS};
use crate::readers::{Giver, given_by, panic_text};

/// Pieces of titles and dates, put together in any order.
const PIECES: &[&str] = &[
    "на",
    "НА",
    "по состоянию",
    "01.10.2023",
    "1",
    "31",
    "сентября",
    "февраля",
    "2023",
    "2023г.",
    "г.",
    "-32768",
    "99999",
    "2023-10-01",
    "2023-02-29",
    "0000-00-00",
    "10:15",
    "T",
    "Z",
    "+03:00",
    "никогда",
    "\u{a0}",
    "İ",
    "ß",
    "\u{301}",
];

/// Text: anything, or pieces and words tsos knows, joined by what joins them in files.
pub fn text() -> impl Strategy<Value = String> {
    let joined = prop::collection::vec(
        (
            prop_oneof![select(PIECES), select(WORDS)],
            select(&[" ", "", "\u{a0}", ".", "-", ",", ":", "%", "=", "\t"][..]),
        ),
        0..7,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(piece, joint)| [piece, joint])
            .collect::<String>()
    });
    prop_oneof![2 => any::<String>(), 3 => joined]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        select(
            &[
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                f64::MAX,
                f64::MIN,
                f64::MIN_POSITIVE,
                1e15,
                9_007_199_254_740_993.0,
                18_446_744_073_709_551_616.0,
                -1.0,
                0.5,
                45_200.5,
                2_958_465.9999999,
                512_345_678.0,
            ][..]
        ),
        (0..3_000_000i64).prop_map(|n| n as f64),
    ]
}

fn datetime() -> impl Strategy<Value = DateTime> {
    (
        -9999i16..=9999,
        1..=12i8,
        1..=31i8,
        0..24i8,
        0..60i8,
        0..60i8,
    )
        .prop_filter_map("a real date", |(y, m, d, h, mi, s)| {
            DateTime::new(y, m, d, h, mi, s, 0).ok()
        })
}

pub fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        1 => Just(Cell::Empty),
        5 => text().prop_map(Cell::Text),
        3 => number().prop_map(Cell::Number),
        1 => datetime().prop_map(Cell::DateTime),
        1 => any::<bool>().prop_map(Cell::Bool),
    ]
}

#[derive(Clone, Debug)]
pub struct Case {
    text: String,
    cell: Cell,
    percent: bool,
}

pub fn case() -> impl Strategy<Value = Case> {
    (text(), cell(), any::<bool>()).prop_map(|(text, cell, percent)| Case {
        text,
        cell,
        percent,
    })
}

/// Runs `work`, failing the case with `what` where it panics.
fn unpanicking<T>(what: &str, work: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(|| crate::in_reader(work))).map_err(|panic| {
        TestCaseError::fail(format!(
            "{what} panicked: {} (at {})",
            panic_text(&*panic),
            crate::last_panic()
        ))
    })
}

/// An invalid value is told by a reason and a kind of the values' own.
fn check_invalid(what: &str, invalid: &values::Invalid) -> Result<(), TestCaseError> {
    if invalid.reason.is_empty() || given_by(invalid.kind) != Giver::Values {
        return Err(TestCaseError::fail(format!(
            "{what}: an invalid value without a reason or of another kind: {invalid:?}"
        )));
    }
    Ok(())
}

pub fn check(case: Case) -> Result<(), TestCaseError> {
    let Case {
        text,
        cell,
        percent,
    } = &case;
    let text = text.as_str();
    let fail = |why: String| Err(TestCaseError::fail(why));

    if let Some(date) = unpanicking("date_in_title", || title::date_in_title(text))?
        && !text.to_lowercase().split_whitespace().any(|w| w == "на")
    {
        return fail(format!(
            "date_in_title found {date} in a title without «на»"
        ));
    }
    match unpanicking("parse_date_text", || parse_date_text(text))? {
        Ok(_) => {}
        Err(err) => {
            if unpanicking("a date error's text", || err.to_string())?.is_empty() {
                return fail("a date error without text".into());
            }
        }
    }
    let (column, why) = unpanicking("classify_why", || header::classify_why(text))?;
    if why.is_empty() || header::classify(text) != column {
        return fail(format!(
            "classify and classify_why disagree: {column:?}, «{why}»"
        ));
    }
    unpanicking("normalize", || header::normalize(text))?;
    match unpanicking("Meaning::parse", || Meaning::parse(text))? {
        // What `--map` suggests in a message must read back as the same meaning.
        Ok(meaning) => {
            let again = Meaning::parse(&meaning.code());
            if again != Ok(meaning) {
                return fail(format!("{meaning:?} reads back as {again:?}"));
            }
        }
        Err(why) if why.is_empty() => return fail("an unknown meaning without a reason".into()),
        Err(_) => {}
    }
    match unpanicking("Mapping::parse_entry", || Mapping::parse_entry(text))? {
        Ok((header, meaning)) => {
            if header::normalize(&header).is_empty() {
                return fail(format!("an entry of no header: {header:?}"));
            }
            let again = Mapping::parse_entry(&format!("{header}={}", meaning.code()));
            if again != Ok((header.clone(), meaning)) {
                return fail(format!("({header:?}, {meaning:?}) reads back as {again:?}"));
            }
        }
        Err(why) if why.is_empty() => return fail("a bad entry without a reason".into()),
        Err(_) => {}
    }

    unpanicking("Cell::to_text", || (cell.to_text(), cell.is_empty()))?;
    match unpanicking("values::org_or_none", || values::org_or_none(cell))? {
        Ok(Some(org)) if org.as_str().is_empty() => {
            return fail("an organisation of no id".into());
        }
        Ok(_) => {}
        Err(invalid) => check_invalid("org_or_none", &invalid)?,
    }
    if let Err(invalid) = unpanicking("values::org_id", || values::org_id(cell))? {
        check_invalid("org_id", &invalid)?;
    }
    if let Err(invalid) = unpanicking("values::confirmed", || values::confirmed(cell))? {
        check_invalid("confirmed", &invalid)?;
    }
    match unpanicking("values::last_date", || values::last_date(cell))? {
        Ok(_) => {}
        Err(invalid) => check_invalid("last_date", &invalid)?,
    }
    if let Err(invalid) = unpanicking("values::count", || values::count(cell))? {
        check_invalid("count", &invalid)?;
    }
    match unpanicking("values::share", || values::share(cell, *percent))? {
        Ok(Some(share)) if !share.is_finite() || share < 0.0 => {
            return fail(format!("a share of {share}"));
        }
        Ok(_) => {}
        Err(invalid) => check_invalid("share", &invalid)?,
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct HeaderCase {
    cells: Vec<Cell>,
    mapping: Vec<(String, &'static str)>,
    profile: Option<i64>,
}

pub fn header_case() -> impl Strategy<Value = HeaderCase> {
    let header_cell = prop_oneof![
        4 => select(WORDS).prop_map(|w| Cell::Text(w.to_string())),
        2 => cell(),
    ];
    let mapped = prop_oneof![
        3 => select(WORDS).prop_map(str::to_string),
        1 => text(),
    ];
    (
        prop::collection::vec(header_cell, 0..14),
        prop::collection::vec((mapped, select(MEANINGS)), 0..4),
        prop::option::of(any::<i64>()),
    )
        .prop_map(|(cells, mapping, profile)| HeaderCase {
            cells,
            mapping,
            profile,
        })
}

/// A header row read with any mapping: the columns it finds are cells of the row, each
/// read once, the first of a kind kept.
pub fn check_header(case: HeaderCase) -> Result<(), TestCaseError> {
    let row = Row::new(RowLoc::Line(1), case.cells.clone());
    let mapping = Mapping {
        entries: case
            .mapping
            .iter()
            .filter_map(|(header, code)| Some((header.clone(), Meaning::parse(code).ok()?)))
            .collect(),
        source: case
            .profile
            .map_or(MappingSource::Given, MappingSource::Profile),
    };
    let header = unpanicking("Header::read", || Header::read(&row, Some(&mapping)))?;
    let fail = |why: String| Err(TestCaseError::fail(format!("{why}: {header:?}")));
    let n = row.cells.len();
    if header.texts.len() != n {
        return fail(format!("{} texts of {n} cells", header.texts.len()));
    }
    if header.readings.windows(2).any(|w| w[0].idx >= w[1].idx)
        || header
            .readings
            .iter()
            .any(|r| r.idx >= n || r.why.is_empty())
    {
        return fail("readings out of order or out of the row".into());
    }
    for (idx, text, column) in &header.columns {
        let first = header.readings.iter().find(|r| r.column == Some(*column));
        if *idx >= n || first.map(|r| (r.idx, &r.text)) != Some((*idx, text)) {
            return fail(format!("column {column:?} is not its first reading"));
        }
        if header.find(*column).map(|(i, _)| i) != Some(*idx) {
            return fail(format!("find({column:?}) is not its column"));
        }
    }
    unpanicking("the header's questions", || {
        header.is_plausible();
        header.repeats();
        header.measures().count();
        (0..n + 3).for_each(|idx| drop(header.text_of(idx)));
    })?;
    let key = unpanicking("header_key", || header::header_key(&row))?;
    if key != header.key {
        return fail(format!("a key of {key:?}"));
    }
    Ok(())
}
