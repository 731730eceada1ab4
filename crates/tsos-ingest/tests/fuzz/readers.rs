//! Every reader of files, called through its public entry point on one input, and the
//! properties each call must have:
//! - it returns, without a panic, in bounded time (and, as the binary limits its address
//!   space, in bounded memory);
//! - an error displays without a panic and names the file; a row error names a line of the
//!   file (or a row of Excel's sheet), a column and a kind its reader gives;
//! - a successful import counts every row it read: the header, titles, blanks, totals,
//!   accepted and rejected rows add up to `stats.read`, which is the file's physical lines
//!   where no quote can join two;
//! - the fast path gives what the general path gives, errors included;
//! - `visit_users` visits the rows an import accepts.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jiff::civil::{Date, date};
use proptest::test_runner::TestCaseError;
use tsos_domain::Catalogue;
use tsos_ingest::chats::read_chats;
use tsos_ingest::header::{Mapping, MappingSource, Meaning};
use tsos_ingest::source::workbook_limits::MAX_ROWS;
use tsos_ingest::{
    Column, Content, Dataset, Format, Import, IngestError, ReadOptions, RowError, RowErrorKind,
    RowLoc, read_export, visit_users,
};

use crate::mutate::ReadChoice;

/// Which readers give a kind of row error: the values of any cell, a source that cannot
/// split a row, or the chats registry alone. Every kind is named here, so that a new one is
/// placed before it compiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Giver {
    Values,
    Source,
    Chats,
}

pub fn given_by(kind: RowErrorKind) -> Giver {
    match kind {
        RowErrorKind::NotInn
        | RowErrorKind::EmptyInn
        | RowErrorKind::RepeatedInn
        | RowErrorKind::UnknownConfirmation
        | RowErrorKind::NotDate
        | RowErrorKind::ImpossibleDate
        | RowErrorKind::NotCount
        | RowErrorKind::NotShare => Giver::Values,
        RowErrorKind::UnclosedQuote | RowErrorKind::LongValue | RowErrorKind::LongLine => {
            Giver::Source
        }
        RowErrorKind::NoChatName
        | RowErrorKind::UnknownPlatform
        | RowErrorKind::UnknownPurpose
        | RowErrorKind::NotYesNo
        | RowErrorKind::NoClass => Giver::Chats,
    }
}

/// The longest a reader may take on one fuzzed input. The inputs are a few kilobytes, or
/// a megabyte with a long run; a reader that takes longer has met something it loops on.
const SLOW: Duration = Duration::from_secs(20);

/// What the readers gave over a run: outcomes by kind, for the summary a long run prints.
#[derive(Default)]
pub struct Tally {
    pub inputs: AtomicU64,
    pub reads: AtomicU64,
    outcomes: Mutex<BTreeMap<String, u64>>,
    pub slowest_ms: AtomicU64,
}

impl Tally {
    fn outcome(&self, name: &str) {
        *self
            .outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default() += 1;
    }

    pub fn summary(&self) -> String {
        let outcomes = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
        let list: Vec<String> = outcomes.iter().map(|(k, n)| format!("{k} {n}")).collect();
        format!(
            "{} inputs, {} reads, slowest read {} ms; outcomes: {}",
            self.inputs.load(Ordering::Relaxed),
            self.reads.load(Ordering::Relaxed),
            self.slowest_ms.load(Ordering::Relaxed),
            list.join(", ")
        )
    }
}

/// The name of an error's variant, for the tally.
fn variant(err: &IngestError) -> String {
    let debug = format!("{err:?}");
    let name: String = debug
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    // A panic inside calamine, caught by the library, is an error of its own kind here.
    if err.to_string().contains("сбой при разборе книги") {
        format!("{name}(panic caught in calamine)")
    } else {
        name
    }
}

/// One input: the file, as written, and what the properties need to know of it.
pub struct Input<'a> {
    pub path: &'a Path,
    pub bytes: &'a [u8],
    pub read: &'a ReadChoice,
    pub tally: &'a Tally,
}

impl Input<'_> {
    fn file_name(&self) -> String {
        self.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    /// The file's physical lines as the CSV reader counts them: ended by `\n`, or by a lone
    /// `\r` where the first 64 KB have no `\n`; a last line without its end counts.
    fn lines(&self) -> u64 {
        let body = self
            .bytes
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(self.bytes);
        let sample = &body[..body.len().min(64 * 1024)];
        let end = if !sample.contains(&b'\n') && sample.contains(&b'\r') {
            b'\r'
        } else {
            b'\n'
        };
        let ends = memchr::memchr_iter(end, body).count() as u64;
        ends + u64::from(body.last().is_some_and(|b| *b != end))
    }

    /// Whether the readers take the file for CSV: it is neither a ZIP package nor a
    /// compound file, as `Source::open` tells them.
    fn csv(&self) -> bool {
        !(self.bytes.starts_with(b"PK\x03\x04")
            || self
                .bytes
                .starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]))
    }

    /// Whether no quote can join two lines into one record.
    fn has_no_quote(&self) -> bool {
        !self.bytes.contains(&b'"')
    }

    /// Describes the input for a failure: its size and its text, where short enough to read.
    pub fn shown(&self) -> String {
        shown(self.bytes)
    }
}

/// Bytes as text where they are UTF-8, escaped where not, cut to a few kilobytes.
pub fn shown(bytes: &[u8]) -> String {
    const SHOWN: usize = 4096;
    let mut out = String::new();
    for chunk in bytes[..bytes.len().min(SHOWN)].utf8_chunks() {
        out.extend(chunk.valid().chars().flat_map(char::escape_debug));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    if bytes.len() > SHOWN {
        out.push_str(&format!("… ({} bytes in all)", bytes.len()));
    }
    // Text of a single-byte encoding is shown as Windows-1251 too, the commonest of them.
    let cp1251 = match std::str::from_utf8(bytes) {
        Ok(_) => String::new(),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1251.decode_without_bom_handling(bytes);
            let text: String = text
                .chars()
                .take(SHOWN)
                .flat_map(char::escape_debug)
                .collect();
            format!("\nas Windows-1251: \"{text}\"")
        }
    };
    format!("\"{out}\"{cp1251}")
}

/// The text of a panic's payload.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

/// Runs one call of a reader: a panic, or a call slower than [`SLOW`], fails the case with
/// the reader's name and the input.
pub fn call<T>(
    reader: &str,
    input: &Input<'_>,
    work: impl FnOnce() -> T,
) -> Result<T, TestCaseError> {
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| {
        crate::watched(
            // The file stays on disk after an abort: its path is enough.
            || format!("{reader}, {}", input.path.display()),
            || crate::in_reader(work),
        )
    }));
    let took = started.elapsed();
    input.tally.reads.fetch_add(1, Ordering::Relaxed);
    input
        .tally
        .slowest_ms
        .fetch_max(took.as_millis() as u64, Ordering::Relaxed);
    match result {
        Ok(_) if took > SLOW => Err(TestCaseError::fail(format!(
            "{reader} took {took:?} on {}: {}",
            input.file_name(),
            input.shown()
        ))),
        Ok(value) => Ok(value),
        Err(panic) => Err(TestCaseError::fail(format!(
            "{reader} panicked on {}: {}\n{}",
            input.file_name(),
            panic_text(&*panic),
            input.shown()
        ))),
    }
}

fn fail(what: String, input: &Input<'_>) -> TestCaseError {
    TestCaseError::fail(format!(
        "{what}\non {}: {}",
        input.file_name(),
        input.shown()
    ))
}

/// A row error names the file, a line of it or a row of Excel's sheet, a column and a kind
/// its reader gives, and displays.
fn check_row_error(
    reader: &str,
    err: &RowError,
    input: &Input<'_>,
    csv: bool,
) -> Result<(), TestCaseError> {
    let file = input.file_name();
    let text = call(reader, input, || err.to_string())?;
    let bad = |why: &str| Err(fail(format!("{reader}: {why}: {text} ({err:?})"), input));
    if err.file != file || !text.contains(&file) {
        return bad("the row error does not name the file");
    }
    if given_by(err.kind) == Giver::Chats && reader != "read_chats" {
        return bad("a kind of row error of the chats registry in an export");
    }
    if err.header.is_empty() || err.reason.is_empty() {
        return bad("a row error without a column or a reason");
    }
    match &err.loc {
        RowLoc::Line(line) if csv => {
            if *line == 0 || *line > input.lines() {
                return bad(&format!("line {line} of a file of {} lines", input.lines()));
            }
        }
        // The sheet's name is the workbook's, whatever it is: even empty, as the long run
        // found in an edited `workbook.xml`; Excel would refuse it, calamine does not.
        RowLoc::Sheet { row, .. } if !csv => {
            if *row == 0 || *row > MAX_ROWS {
                return bad("a row outside Excel's sheet");
            }
        }
        _ => return bad("a line of a workbook or a sheet of a CSV file"),
    }
    Ok(())
}

/// An error displays without a panic, names the file, and its row errors are well formed.
fn check_error(reader: &str, err: &IngestError, input: &Input<'_>) -> Result<(), TestCaseError> {
    input.tally.outcome(&format!("{reader}: {}", variant(err)));
    let text = call(reader, input, || err.to_string())?;
    let file = input.file_name();
    if !text.contains(&file) {
        return Err(fail(
            format!("{reader}: the error does not name the file: {text}"),
            input,
        ));
    }
    let csv = input.csv();
    match err {
        IngestError::InvalidRows { total, errors, .. } => {
            if errors.is_empty() || errors.len() > 20 || *total < errors.len() {
                return Err(fail(
                    format!("{reader}: {total} invalid rows, {} shown", errors.len()),
                    input,
                ));
            }
            for row_error in errors {
                check_row_error(reader, row_error, input, csv)?;
            }
        }
        IngestError::MixedEncoding { line, .. } if *line == 0 || *line > input.lines() => {
            return Err(fail(
                format!("{reader}: line {line} of {}", input.lines()),
                input,
            ));
        }
        IngestError::NoHeader {
            best: Some(best), ..
        } => {
            if let Some(line) = best.line
                && (line == 0 || (csv && line > input.lines()))
            {
                return Err(fail(
                    format!("{reader}: best row at line {line}: {text}"),
                    input,
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// What an import holds, for the tally.
fn content_kind(content: &Content) -> &'static str {
    match content {
        Content::PerUser(_) => "per_user",
        Content::PerSchool(_) => "per_school",
    }
}

/// Whether `loc` is a line of the file (CSV) or a row of Excel's sheet (a workbook).
fn in_file(loc: &RowLoc, input: &Input<'_>) -> bool {
    match loc {
        RowLoc::Line(line) => input.csv() && *line >= 1 && *line <= input.lines(),
        RowLoc::Sheet { row, .. } => !input.csv() && *row >= 1 && *row <= MAX_ROWS,
    }
}

/// The counts of a successful import add up, and its rejected rows are well formed.
fn check_import(
    reader: &str,
    import: &Import,
    skip: bool,
    input: &Input<'_>,
) -> Result<(), TestCaseError> {
    let path = if import.fast_path { ", fast path" } else { "" };
    input.tally.outcome(&format!(
        "{reader}: Ok({}{path})",
        content_kind(&import.content)
    ));
    let csv = matches!(import.format, Format::Csv { .. });
    let stats = &import.stats;
    let counted = stats.title + stats.blank + stats.totals + stats.accepted + 1;
    let bad = |why: String| Err(fail(format!("{reader}: {why}: {stats:?}"), input));
    if !skip && (!stats.rejected.is_empty() || !import.rejected_examples.is_empty()) {
        return bad("rows rejected without skip_invalid".into());
    }
    // Every row after the header is a blank, totals, accepted or rejected row; a rejected
    // row has at least one invalid cell.
    if stats.read < counted || stats.read - counted > stats.rejected_total() {
        return bad(format!("{} rows read, {counted} counted", stats.read));
    }
    if import.rejected_examples.len() > 20
        || import.rejected_examples.len() as u64 > stats.rejected_total()
    {
        return bad("more examples of rejected rows than rejected rows".into());
    }
    for err in &import.rejected_examples {
        check_row_error(reader, err, input, csv)?;
    }
    // The first data rows a preview shows: as many as asked for at most, each a row of the
    // file, in its order, with no ФИО in it.
    let sample = &import.sample;
    if sample.len() > input.read.sample
        || sample.len() as u64 > stats.accepted + stats.rejected_total()
    {
        return bad(format!(
            "{} rows in a sample of {}",
            sample.len(),
            input.read.sample
        ));
    }
    if sample.iter().any(|(loc, _)| !in_file(loc, input))
        || sample
            .windows(2)
            .any(|w| w[0].0.number() >= w[1].0.number())
    {
        let locs: Vec<&RowLoc> = sample.iter().map(|(loc, _)| loc).collect();
        return bad(format!(
            "sample rows out of the file or of its order: {locs:?}"
        ));
    }
    let full_name = import
        .readings
        .iter()
        .find(|r| r.column == Some(Column::FullName))
        .map(|r| r.idx);
    if let Some(idx) = full_name
        && let Some((loc, _)) = sample.iter().find(|(_, texts)| {
            texts
                .get(idx)
                .is_some_and(|text| !text.is_empty() && text != "—")
        })
    {
        return bad(format!("the sample shows the ФИО of {loc:?}"));
    }
    if csv && (input.has_no_quote() || import.fast_path) && stats.read != input.lines() {
        return bad(format!(
            "{} rows read of a file of {} lines",
            stats.read,
            input.lines()
        ));
    }
    if let Content::PerSchool(rows) = &import.content
        && rows.len() as u64 != stats.accepted
    {
        return bad(format!(
            "{} rows kept, {} accepted",
            rows.len(),
            stats.accepted
        ));
    }
    Ok(())
}

/// The as-of date, the platform and the mapping a case reads with.
pub struct Choice {
    pub as_of: Option<Date>,
    pub platform: &'static tsos_domain::Platform,
    pub mapping: Option<Mapping>,
}

pub fn choice(read: &ReadChoice) -> Choice {
    static CATALOGUE: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    let catalogue = CATALOGUE.get_or_init(Catalogue::builtin);
    let codes = ["myschool", "sferum"];
    let code = *read.platform.get::<&str>(&codes);
    let platform = catalogue.get(code).expect("a built-in platform");
    let entries: Vec<(String, Meaning)> = read
        .mapping
        .iter()
        .filter_map(|(header, code)| Some((header.to_string(), Meaning::parse(code).ok()?)))
        .collect();
    Choice {
        as_of: read.as_of.then(|| date(2023, 10, 1)),
        platform,
        mapping: (!entries.is_empty()).then_some(Mapping {
            entries,
            source: if read.profile {
                MappingSource::Profile(7)
            } else {
                MappingSource::Given
            },
        }),
    }
}

/// Runs every reader on the input and checks the properties of each call.
pub fn check_all(input: &Input<'_>) -> Result<(), TestCaseError> {
    input.tally.inputs.fetch_add(1, Ordering::Relaxed);
    let choice = choice(input.read);
    let size = input.bytes.len() as u64;
    let progress = |bytes: u64, _rows: u64| {
        // A reader reports no more bytes than the file has.
        assert!(bytes <= size, "progress: {bytes} bytes of a file of {size}");
    };
    let (given, saved) = match (&choice.mapping, input.read.profile) {
        (Some(mapping), false) => (Some(mapping), None),
        (Some(mapping), true) => (None, Some(mapping.clone())),
        (None, _) => (None, None),
    };
    let profiles = move |_key: &str| saved.clone();
    let options = |dataset, fast, skip| ReadOptions {
        dataset,
        as_of: choice.as_of,
        skip_invalid: skip,
        sheet: input.read.sheet,
        fast,
        progress: Some(&progress),
        mapping: given,
        profiles: Some(&profiles),
        sample: input.read.sample,
        flow_key: None,
    };
    let platform = Dataset::Platform(choice.platform);
    let mut strict_per_user: Option<u64> = None;
    for skip in [false, true] {
        let general = call("read_export", input, || {
            read_export(input.path, &options(platform, false, skip))
        })?;
        let fast = call("read_export (fast)", input, || {
            read_export(input.path, &options(platform, true, skip))
        })?;
        for (reader, result) in [("read_export", &general), ("read_export (fast)", &fast)] {
            match result {
                Ok(import) => check_import(reader, import, skip, input)?,
                Err(err) => check_error(reader, err, input)?,
            }
        }
        match (general, fast) {
            (Ok(general), Ok(fast)) => {
                if general.fast_path {
                    return Err(fail(
                        "the general path says it is the fast one".into(),
                        input,
                    ));
                }
                let fast = Import {
                    fast_path: false,
                    ..fast
                };
                if general != fast {
                    return Err(fail(
                        format!(
                            "the paths disagree (skip_invalid {skip}):\n general {:?} {:?}\n fast    {:?} {:?}",
                            general.stats, general.content, fast.stats, fast.content
                        ),
                        input,
                    ));
                }
                if !skip && matches!(general.content, Content::PerUser(_)) {
                    strict_per_user = Some(general.stats.accepted);
                }
            }
            (Err(general), Err(fast)) => {
                let (general, fast) = (general.to_string(), fast.to_string());
                if general != fast {
                    return Err(fail(
                        format!("the paths fail differently:\n general {general}\n fast    {fast}"),
                        input,
                    ));
                }
            }
            (general, fast) => {
                return Err(fail(
                    format!(
                        "one path reads what the other refuses (skip_invalid {skip}):\n general {:?}\n fast    {:?}",
                        general.map(|i| i.stats).map_err(|e| e.to_string()),
                        fast.map(|i| i.stats).map_err(|e| e.to_string())
                    ),
                    input,
                ));
            }
        }
        let registry = call("read_export (registry)", input, || {
            read_export(input.path, &options(Dataset::Registry, true, skip))
        })?;
        match &registry {
            Ok(import) => check_import("read_export (registry)", import, skip, input)?,
            Err(err) => check_error("read_export (registry)", err, input)?,
        }
    }
    for skip in [false, true] {
        let mut visited = 0u64;
        let mut misplaced: Option<String> = None;
        let result = call("visit_users", input, || {
            visit_users(input.path, &options(platform, true, skip), &mut |row| {
                visited += 1;
                if (!in_file(row.loc, input) || (row.org.is_some() && row.role.is_none()))
                    && misplaced.is_none()
                {
                    misplaced = Some(format!("{row:?}"));
                }
            })
        })?;
        if let Some(row) = misplaced {
            return Err(fail(
                format!("visit_users: a row out of place: {row}"),
                input,
            ));
        }
        match &result {
            Ok(_) => input.tally.outcome("visit_users: Ok"),
            Err(err) => check_error("visit_users", err, input)?,
        }
        if !skip
            && let Some(accepted) = strict_per_user
            && (result.is_err() || visited != accepted)
        {
            return Err(fail(
                format!(
                    "visit_users visited {visited} rows ({:?}) of an import that accepted {accepted}",
                    result.map_err(|e| e.to_string())
                ),
                input,
            ));
        }
    }
    let chats = call("read_chats", input, || {
        read_chats(input.path, choice.as_of, input.read.sheet)
    })?;
    match &chats {
        Ok(import) => {
            input.tally.outcome("read_chats: Ok");
            let stats = &import.stats;
            // The header of each sheet read, one or two (the chats and «Классы»), is the row
            // not counted otherwise; classes given twice are kept once.
            let headers = stats
                .read
                .saturating_sub(stats.title + stats.blank + stats.accepted);
            let kept = (import.rows.len() + import.classes.len()) as u64;
            if !(1..=2).contains(&headers) || stats.accepted < kept {
                return Err(fail(
                    format!("read_chats: counts do not add up: {stats:?}, {kept} rows kept"),
                    input,
                ));
            }
            if input.csv() && input.has_no_quote() && stats.read != input.lines() {
                return Err(fail(
                    format!(
                        "read_chats: {} rows read of {} lines",
                        stats.read,
                        input.lines()
                    ),
                    input,
                ));
            }
        }
        Err(err) => check_error("read_chats", err, input)?,
    }
    Ok(())
}
