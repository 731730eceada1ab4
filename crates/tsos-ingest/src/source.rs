//! Opening a file and reading it as rows of cells, whatever it is: CSV in UTF-8 (with or
//! without BOM), Windows-1251, KOI8-R or CP866 with `;`, `,` or tab; or an Excel workbook
//! (XLSX, XLS, ODS).
//!
//! CSV is streamed: the `csv` crate splits raw bytes (every supported encoding is
//! ASCII-compatible, so delimiters and quotes are the same bytes) and only the fields are
//! decoded. Memory does not grow with the file.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use calamine::{Data, Reader, Sheets};
use encoding_rs::Encoding;
use jiff::civil::DateTime;

use crate::error::{IngestError, RowLoc};

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
}

impl Row {
    pub fn cell(&self, idx: usize) -> &Cell {
        self.cells.get(idx).unwrap_or(&Cell::Empty)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

/// How a file was read, for the import summary and the web preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Csv {
        encoding: &'static str,
        delimiter: u8,
        bom: bool,
    },
    Workbook {
        kind: &'static str,
        sheet: String,
    },
}

impl Format {
    pub fn describe_ru(&self) -> String {
        match self {
            Format::Csv {
                encoding,
                delimiter,
                bom,
            } => {
                let delimiter = match delimiter {
                    b'\t' => "табуляция".to_string(),
                    d => format!("«{}»", *d as char),
                };
                let bom = if *bom { " с BOM" } else { "" };
                format!("CSV, {encoding}{bom}, разделитель {delimiter}")
            }
            Format::Workbook { kind, sheet } => format!("{kind}, лист «{sheet}»"),
        }
    }
}

/// A row of a sheet: its 1-based number and cells, or the workbook's own error.
type SheetRow = Result<(u32, Vec<Cell>), String>;
type SheetRows = Box<dyn Iterator<Item = SheetRow>>;

pub struct Source {
    pub file: String,
    pub format: Format,
    inner: Inner,
}

enum Inner {
    Csv {
        reader: Box<csv::Reader<StripCr<Box<dyn Read>>>>,
        record: csv::ByteRecord,
        encoding: &'static Encoding,
        /// The line the next record starts on if no blank lines come first.
        next_line: u64,
        /// Blank lines the `csv` crate skipped, handed out as blank rows before `queued`.
        blank_lines: std::ops::Range<u64>,
        queued: Option<Row>,
    },
    Sheet {
        sheet: String,
        /// (1-based row number, cells), or the workbook's own error.
        rows: SheetRows,
    },
}

const SAMPLE: usize = 64 * 1024;

impl Source {
    /// Opens `path`, recognising the format by content (an `.xlsx` that is not a workbook is
    /// an error; a workbook with a `.csv` name is still read as a workbook).
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<Source, IngestError> {
        let file_name = display_name(path);
        let io = |source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let mut sample = Vec::with_capacity(SAMPLE);
        (&mut file)
            .take(SAMPLE as u64)
            .read_to_end(&mut sample)
            .map_err(io)?;
        if sample.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(IngestError::Empty { file: file_name });
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_lowercase();
        let is_zip = sample.starts_with(b"PK\x03\x04");
        let is_ole = sample.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        if is_zip || is_ole {
            let kind = match (is_zip, ext.as_str()) {
                (false, _) => "XLS",
                (true, "ods") => "ODS",
                (true, _) => "XLSX",
            };
            drop(file);
            return open_workbook(path, file_name, kind, sheet);
        }
        if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods") {
            let detail = if sample.starts_with(b"%PDF") {
                "это PDF".to_string()
            } else {
                "содержимое не похоже на книгу Excel".to_string()
            };
            return Err(IngestError::NotSpreadsheet {
                file: file_name,
                ext,
                detail,
            });
        }
        let (encoding, bom_len) = detect_encoding(&sample, &file_name)?;
        let delimiter = detect_delimiter(&sample[bom_len..]);
        let format = Format::Csv {
            encoding: encoding.name(),
            delimiter,
            bom: bom_len > 0,
        };
        let mut rest: Box<dyn Read> = Box::new(Cursor::new(sample).chain(BufReader::new(file)));
        // Drop the BOM so that it does not become part of the first header.
        let mut bom = vec![0; bom_len];
        rest.read_exact(&mut bom).map_err(io)?;
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(256 * 1024)
            .from_reader(StripCr::new(rest));
        let reader = Box::new(reader);
        Ok(Source {
            file: file_name,
            format,
            inner: Inner::Csv {
                reader,
                record: csv::ByteRecord::new(),
                encoding,
                next_line: 1,
                blank_lines: 0..0,
                queued: None,
            },
        })
    }

    /// Bytes of the file read so far (CSV; 0 for a workbook, which is read whole at open).
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Csv { reader, .. } => reader.position().byte(),
            Inner::Sheet { .. } => 0,
        }
    }

    /// The next row, or `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, IngestError> {
        match &mut self.inner {
            Inner::Csv {
                reader,
                record,
                encoding,
                next_line,
                blank_lines,
                queued,
            } => {
                if let Some(line) = blank_lines.next() {
                    return Ok(Some(Row {
                        loc: RowLoc::Line(line),
                        cells: Vec::new(),
                    }));
                }
                if let Some(row) = queued.take() {
                    return Ok(Some(row));
                }
                let more = reader.read_byte_record(record).map_err(|err| {
                    let line = err.position().map(|p| p.line()).unwrap_or(0);
                    IngestError::Csv {
                        file: self.file.clone(),
                        line,
                        detail: err.to_string(),
                    }
                })?;
                if !more {
                    return Ok(None);
                }
                // The record's own start position is taken before the blank lines in front
                // of it are skipped; its end is exact (see `StripCr`).
                let spanned = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
                let line = reader.position().line().saturating_sub(1 + spanned).max(1);
                let mut cells = Vec::with_capacity(record.len());
                for field in record.iter() {
                    cells.push(decode_field(field, encoding).ok_or_else(|| {
                        IngestError::MixedEncoding {
                            file: self.file.clone(),
                            line,
                        }
                    })?);
                }
                let row = Row {
                    loc: RowLoc::Line(line),
                    cells,
                };
                let blank_from = *next_line;
                *next_line = line + spanned + 1;
                if line > blank_from {
                    *blank_lines = blank_from + 1..line;
                    *queued = Some(row);
                    return Ok(Some(Row {
                        loc: RowLoc::Line(blank_from),
                        cells: Vec::new(),
                    }));
                }
                Ok(Some(row))
            }
            Inner::Sheet { sheet, rows } => match rows.next() {
                None => Ok(None),
                Some(Ok((row, cells))) => Ok(Some(Row {
                    loc: RowLoc::Sheet {
                        sheet: sheet.clone(),
                        row,
                    },
                    cells,
                })),
                Some(Err(detail)) => Err(IngestError::Spreadsheet {
                    file: self.file.clone(),
                    detail,
                }),
            },
        }
    }
}

/// Turns every `\r\n` into `\n` and ends the text with a `\n`, so that the `csv` crate,
/// which counts lines on `\n`, has consumed each record's terminator when it returns the
/// record: its end position is then the line after the record, whatever the line ends.
struct StripCr<R> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    pending_cr: bool,
    last: Option<u8>,
}

impl<R: Read> StripCr<R> {
    fn new(inner: R) -> StripCr<R> {
        StripCr {
            inner,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            pending_cr: false,
            last: None,
        }
    }
}

impl<R: Read> Read for StripCr<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut written = 0;
        while written < out.len() {
            if self.start == self.end {
                if written > 0 {
                    break;
                }
                self.end = self.inner.read(&mut self.buf)?;
                self.start = 0;
                if self.end == 0 {
                    if std::mem::take(&mut self.pending_cr) {
                        out[written] = b'\r';
                        written += 1;
                        self.last = Some(b'\r');
                    } else if self.last.is_some_and(|b| b != b'\n') {
                        out[written] = b'\n';
                        written += 1;
                        self.last = Some(b'\n');
                    }
                    break;
                }
            }
            let byte = self.buf[self.start];
            self.start += 1;
            if std::mem::take(&mut self.pending_cr) && byte != b'\n' {
                // A lone `\r` stays; the byte after it is read again next time round.
                out[written] = b'\r';
                written += 1;
                self.start -= 1;
                continue;
            }
            if byte == b'\r' {
                self.pending_cr = true;
                continue;
            }
            out[written] = byte;
            written += 1;
            self.last = Some(byte);
        }
        Ok(written)
    }
}

pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

pub(crate) fn decode_field(field: &[u8], encoding: &'static Encoding) -> Option<Cell> {
    if field.iter().all(|b| *b == b' ') {
        return Some(Cell::Empty);
    }
    let text = if encoding == encoding_rs::UTF_8 {
        std::str::from_utf8(field).ok()?.to_string()
    } else {
        encoding.decode_without_bom_handling(field).0.into_owned()
    };
    Some(Cell::Text(text))
}

/// BOM → UTF-8; valid UTF-8 → UTF-8; otherwise a Cyrillic single-byte encoding if the bytes
/// look like one. Returns the encoding and the length of the BOM to skip.
fn detect_encoding(sample: &[u8], file: &str) -> Result<(&'static Encoding, usize), IngestError> {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok((encoding_rs::UTF_8, 3));
    }
    if sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]) {
        return Err(IngestError::Utf16 { file: file.into() });
    }
    let probe = &sample[..sample.len().min(4096)];
    let nuls = probe.iter().filter(|b| **b == 0).count();
    if nuls > 0 {
        // UTF-16 without BOM has a NUL in every other byte of ASCII text.
        // UTF-16LE text has its high bytes (0x00 for ASCII, 0x04 for Cyrillic) at every odd
        // position and no NUL at even ones.
        let odd_high = probe
            .iter()
            .skip(1)
            .step_by(2)
            .filter(|b| matches!(**b, 0x00 | 0x04))
            .count();
        let even_nul = probe.iter().step_by(2).filter(|b| **b == 0).count();
        let utf16 = probe.len() >= 4 && odd_high * 10 >= (probe.len() / 2) * 9 && even_nul == 0;
        return Err(if utf16 {
            IngestError::Utf16 { file: file.into() }
        } else {
            IngestError::Binary { file: file.into() }
        });
    }
    let control = probe
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    if control * 20 > probe.len() {
        return Err(IngestError::Binary { file: file.into() });
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return Ok((encoding_rs::UTF_8, 0)),
        // The sample may end in the middle of a character.
        Err(err) if err.error_len().is_none() && sample.len() == SAMPLE => {
            return Ok((encoding_rs::UTF_8, 0));
        }
        Err(_) => {}
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() < SAMPLE);
    let guess = detector.guess(Some(b"ru"), chardetng::Utf8Detection::Allow);
    // KOI8-U differs from KOI8-R only in Ukrainian letters; a Russian text guessed as one is
    // the other.
    let encoding = if guess == encoding_rs::KOI8_R || guess == encoding_rs::KOI8_U {
        encoding_rs::KOI8_R
    } else if guess == encoding_rs::IBM866 {
        guess
    } else {
        encoding_rs::WINDOWS_1251
    };
    if looks_cyrillic(sample, encoding) {
        Ok((encoding, 0))
    } else {
        Err(IngestError::Encoding {
            file: file.into(),
            guess: Some(guess.name().to_string()),
        })
    }
}

/// Whether the non-ASCII characters of `sample` decode to Russian letters and the usual
/// typographic signs in `encoding`.
fn looks_cyrillic(sample: &[u8], encoding: &'static Encoding) -> bool {
    let (text, _) = encoding.decode_without_bom_handling(sample);
    let mut n_non_ascii = 0usize;
    let mut n_good = 0usize;
    for c in text.chars().filter(|c| !c.is_ascii()) {
        n_non_ascii += 1;
        if matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' | '«' | '»' | '№' | '\u{a0}' | '–' | '—' | '…' | '“' | '”' | '„')
        {
            n_good += 1;
        }
    }
    // Western text read as Cyrillic mixes scripts inside words («Йcole»); Russian does not.
    let (mut n_cyrillic_words, mut n_mixed_words) = (0usize, 0usize);
    for word in text.split(|c: char| !c.is_alphabetic()) {
        let cyrillic = word
            .chars()
            .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'));
        if cyrillic {
            n_cyrillic_words += 1;
            if word.chars().any(|c| c.is_ascii_alphabetic()) {
                n_mixed_words += 1;
            }
        }
    }
    n_non_ascii > 0 && n_good * 10 >= n_non_ascii * 9 && n_mixed_words * 5 <= n_cyrillic_words
}

/// Picks `;`, tab or `,`. A candidate wins when its count outside quotes is the same on at
/// least half of the first lines; `;` and tab are tried first because a comma also appears
/// as the decimal sign in Russian numbers («81,3») and in headers («Доля, %»).
fn detect_delimiter(sample: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = sample
        .split(|&b| b == b'\n')
        .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
        .take(30)
        .collect();
    let consistency = |delimiter: u8| -> (usize, usize) {
        let mut counts = std::collections::HashMap::<usize, usize>::new();
        for line in &lines {
            let mut in_quotes = false;
            let mut n = 0;
            for &b in *line {
                if b == b'"' {
                    in_quotes = !in_quotes;
                } else if b == delimiter && !in_quotes {
                    n += 1;
                }
            }
            if n > 0 {
                *counts.entry(n).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .map(|(n, n_lines)| (n_lines, n))
            .max()
            .unwrap_or((0, 0))
    };
    let candidates = [b';', b'\t', b','];
    let scores: Vec<(usize, usize)> = candidates.iter().map(|&d| consistency(d)).collect();
    let half = lines.len().div_ceil(2).max(1);
    candidates
        .iter()
        .zip(&scores)
        .find(|(_, (n_lines, _))| *n_lines >= half)
        .or_else(|| {
            candidates
                .iter()
                .zip(&scores)
                .max_by_key(|(_, score)| **score)
        })
        .map(|(&d, _)| d)
        .unwrap_or(b';')
}

fn open_workbook(
    path: &Path,
    file: String,
    kind: &'static str,
    sheet: Option<&str>,
) -> Result<Source, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let reader = BufReader::new(File::open(path).map_err(io)?);
    let spreadsheet = |err: &dyn std::fmt::Display| IngestError::Spreadsheet {
        file: file.clone(),
        detail: err.to_string(),
    };
    let workbook: Sheets<_> =
        match kind {
            "XLS" => Sheets::Xls(calamine::Xls::new(reader).map_err(|e| spreadsheet(&e))?),
            "ODS" => Sheets::Ods(calamine::Ods::new(reader).map_err(|e| spreadsheet(&e))?),
            _ => Sheets::Xlsx(calamine::Xlsx::new(reader).map_err(|e| {
                IngestError::NotSpreadsheet {
                    file: file.clone(),
                    ext: "xlsx".into(),
                    detail: e.to_string(),
                }
            })?),
        };
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| IngestError::NoSheet {
                file: file.clone(),
                sheet: wanted.to_string(),
                available: names.clone(),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| IngestError::Empty { file: file.clone() })?,
    };
    let rows: SheetRows = match workbook {
        // An XLSX sheet is streamed cell by cell: a per-user export at Excel's limit of
        // 1,048,576 rows never sits in memory whole.
        Sheets::Xlsx(xlsx) => Box::new(stream_xlsx(xlsx, name.clone())),
        mut other => {
            let range = other.worksheet_range(&name).map_err(|e| spreadsheet(&e))?;
            let (start_row, start_col) = range.start().unwrap_or((0, 0));
            let rows: Vec<SheetRow> = range
                .rows()
                .enumerate()
                .map(|(idx, row)| {
                    let mut cells = vec![Cell::Empty; start_col as usize];
                    cells.extend(row.iter().map(convert_cell));
                    Ok((start_row + idx as u32 + 1, cells))
                })
                .collect();
            Box::new(rows.into_iter())
        }
    };
    Ok(Source {
        file,
        format: Format::Workbook {
            kind,
            sheet: name.clone(),
        },
        inner: Inner::Sheet { sheet: name, rows },
    })
}

/// Reads the sheet on a thread of its own (calamine's cell reader borrows the workbook) and
/// hands rows over a bounded channel, with the rows that have no cell as blank rows. If the
/// reader of the rows stops early, the thread ends at its next send.
fn stream_xlsx(
    mut workbook: calamine::Xlsx<BufReader<File>>,
    sheet: String,
) -> impl Iterator<Item = SheetRow> + use<> {
    // Rows go over in batches: a message per row cost more in waking the other thread than
    // the row itself, at a million rows a sheet.
    const BATCH: usize = 512;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<SheetRow>>(8);
    std::thread::spawn(move || {
        let mut batch: Vec<SheetRow> = Vec::with_capacity(BATCH);
        let mut read = |batch: &mut Vec<SheetRow>| -> Result<bool, calamine::XlsxError> {
            let mut cells = workbook.worksheet_cells_reader(&sheet)?;
            let mut current: Option<u32> = None;
            let mut row: Vec<Cell> = Vec::new();
            while let Some(cell) = cells.next_cell()? {
                let (row_idx, col_idx) = cell.get_position();
                if current != Some(row_idx) {
                    if let Some(previous) = current {
                        let done = std::mem::take(&mut row);
                        let blanks = (previous + 1..row_idx).map(|r| (r + 1, Vec::new()));
                        for item in std::iter::once((previous + 1, done)).chain(blanks) {
                            batch.push(Ok(item));
                            if batch.len() >= BATCH
                                && tx
                                    .send(std::mem::replace(batch, Vec::with_capacity(BATCH)))
                                    .is_err()
                            {
                                return Ok(false);
                            }
                        }
                    }
                    current = Some(row_idx);
                }
                let col_idx = col_idx as usize;
                if row.len() <= col_idx {
                    row.resize(col_idx + 1, Cell::Empty);
                }
                row[col_idx] = convert_ref(cell.get_value());
            }
            if let Some(previous) = current {
                batch.push(Ok((previous + 1, row)));
            }
            Ok(true)
        };
        match read(&mut batch) {
            Ok(true) => {}
            // The reader of the rows is gone: nobody to tell.
            Ok(false) => return,
            Err(err) => batch.push(Err(err.to_string())),
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
    });
    rx.into_iter().flatten()
}

fn convert_ref(data: &calamine::DataRef<'_>) -> Cell {
    use calamine::DataRef;
    match data {
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Empty | DataRef::Error(_) => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.clone())
        }
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => excel_serial_to_datetime(dt.as_f64())
            .map(Cell::DateTime)
            .unwrap_or(Cell::Number(dt.as_f64())),
    }
}

fn convert_cell(data: &Data) -> Cell {
    match data {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => excel_serial_to_datetime(dt.as_f64())
            .map(Cell::DateTime)
            .unwrap_or(Cell::Number(dt.as_f64())),
    }
}

/// Converts an Excel serial date (1900 system) to a civil date-time. Serial 60 is Excel's
/// fictional 29.02.1900; every real date after it is off by one day, as Excel intends.
pub fn excel_serial_to_datetime(serial: f64) -> Option<DateTime> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let epoch = jiff::civil::date(1899, 12, 30);
    let date = epoch.checked_add(jiff::Span::new().days(days)).ok()?;
    let seconds = ((serial - serial.floor()) * 86_400.0).round() as i64;
    date.to_datetime(jiff::civil::Time::midnight())
        .checked_add(jiff::Span::new().seconds(seconds.min(86_399)))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter(b"a\tb\tc\n1\t2\t3\n"), b'\t');
        // Decimal commas and a title line do not win over the real delimiter.
        assert_eq!(
            detect_delimiter("Отчет, октябрь\nИНН;Доля, %;Число\n1;81,3;5\n2;7,5;6\n".as_bytes()),
            b';'
        );
        // Quoted delimiters are not counted.
        assert_eq!(detect_delimiter(b"a,\"b;c;d\",e\n1,\"x;y;z\",2\n"), b',');
    }

    #[test]
    fn encodings() {
        let (utf8, bom) = detect_encoding("\u{feff}ИНН;Роль".as_bytes(), "f").unwrap();
        assert_eq!((utf8.name(), bom), ("UTF-8", 3));
        let (utf8, bom) = detect_encoding("ИНН;Роль".as_bytes(), "f").unwrap();
        assert_eq!((utf8.name(), bom), ("UTF-8", 0));
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251
            .encode("ИНН;Роль;Дата последней авторизации\n0512345678;Учитель;01.10.2023\n");
        let (enc, bom) = detect_encoding(&cp1251, "f").unwrap();
        assert_eq!((enc.name(), bom), ("windows-1251", 0));
        let koi8_text = "ИНН;Роль;Дата последней авторизации\n".to_string()
            + &"0512345678;Учитель;Иванова Мария Петровна;01.10.2023\n".repeat(20);
        let (koi8, _, _) = encoding_rs::KOI8_R.encode(&koi8_text);
        let (enc, _) = detect_encoding(&koi8, "f").unwrap();
        assert_eq!(enc.name(), "KOI8-R");
        assert!(matches!(
            detect_encoding(&[0xFF, 0xFE, b'a', 0], "f"),
            Err(IngestError::Utf16 { .. })
        ));
        assert!(matches!(
            detect_encoding(&[0x00, 0x01, 0x02, 0x03, 0x89, 0x50], "f"),
            Err(IngestError::Binary { .. })
        ));
        // Latin-1 accented text is not a Russian export.
        let latin = encoding_rs::WINDOWS_1252
            .encode("École;Élève;café crème brûlée\n")
            .0;
        assert!(matches!(
            detect_encoding(&latin, "f"),
            Err(IngestError::Encoding { .. })
        ));
    }

    fn read_all(text: &[u8]) -> Vec<(u64, Vec<String>)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut source = Source::open(&path, None).unwrap();
        let mut rows = Vec::new();
        while let Some(row) = source.next_row().unwrap() {
            let RowLoc::Line(line) = row.loc else {
                panic!("a CSV row has a line")
            };
            rows.push((line, row.cells.iter().map(Cell::to_text).collect()));
        }
        rows
    }

    #[test]
    fn physical_lines_whatever_the_line_ends() {
        let owned = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let expected = vec![
            (1, owned(&["a", "b"])),
            (2, vec![]),
            (3, vec![]),
            (4, owned(&["1", "2"])),
            (5, owned(&["x\ny", "3"])),
            (7, owned(&["4", "5"])),
        ];
        assert_eq!(read_all(b"a;b\n\n\n1;2\n\"x\ny\";3\n4;5\n"), expected);
        assert_eq!(
            read_all(b"a;b\r\n\r\n\r\n1;2\r\n\"x\r\ny\";3\r\n4;5"),
            expected
        );
    }

    #[test]
    fn strip_cr_keeps_lone_carriage_returns() {
        let mut out = Vec::new();
        StripCr::new(&b"a\r\nb\rc\r"[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"a\nb\rc\r\n");
        out.clear();
        StripCr::new(&b"a\nb"[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"a\nb\n");
    }

    #[test]
    fn excel_serials() {
        assert_eq!(
            excel_serial_to_datetime(45200.0).unwrap().date(),
            jiff::civil::date(2023, 10, 1)
        );
        let dt = excel_serial_to_datetime(45200.5).unwrap();
        assert_eq!((dt.date(), dt.hour()), (jiff::civil::date(2023, 10, 1), 12));
        assert!(excel_serial_to_datetime(-1.0).is_none());
    }
}
