//! CSV: the encoding, the delimiter and the line ends are told from a sample, then the file is
//! read line by line and each line split into fields by `csv_core`. Every supported encoding
//! is ASCII-compatible, so delimiters and quotes are the same bytes in all of them and only the
//! fields are decoded.
//!
//! A line is the unit: a quote that opens a field must close on the same line, unless the
//! sample shows that the file really has quoted fields across lines (an address, a comment).
//! A stray quote then spoils only its own line, which becomes an invalid row naming its line,
//! instead of swallowing the rest of the file into one field — which once read a 58,000-row
//! export as 101 rows and one school, silently. Lines longer than [`MAX_LINE_BYTES`] and fields
//! longer than [`MAX_FIELD_BYTES`] are invalid rows too, so memory stays bounded whatever the
//! file holds.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Cursor, Read};

use csv_core::{ReadRecordResult, Terminator};
use encoding_rs::Encoding;

use super::{Cell, Defect, MAX_FIELD_BYTES, Row, SAMPLE};
use crate::error::{IngestError, RowErrorKind, RowLoc};

/// A line longer than this is an invalid row, read past without being kept.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// A quoted field may span at most this many lines for the sample to count it as a real
/// multi-line field: an address or a comment spans a few, a stray quote pairs with a quote
/// far below.
const MULTILINE_MAX_LINES: usize = 10;

/// The records of a CSV file, with their physical line numbers.
pub(super) struct CsvRows {
    input: BufReader<Box<dyn Read>>,
    encoding: &'static Encoding,
    /// `\n`, or `\r` for a file whose lines end in a lone carriage return (old Mac Excel).
    line_end: u8,
    /// Whether a quoted field may continue on the next line (decided from the sample).
    multiline: bool,
    splitter: LineSplitter,
    /// The number of the last physical line read from `input`.
    line: u64,
    bytes_read: u64,
    /// Lines read ahead for a multi-line record that failed, to be read again one by one.
    pending: VecDeque<Line>,
    /// The current line's bytes, kept to reuse its allocation.
    text: Vec<u8>,
}

/// Splits lines into fields: RFC 4180 quoting with doubled quotes, as Excel writes it; a quote
/// in the middle of a field is a character. Lines are fed one at a time, each ended by `\n`;
/// the fast path splits quoted lines with it too, so both read a line alike.
pub(crate) struct LineSplitter {
    parser: csv_core::Reader,
    /// The parser's output for the current record: `out[..out_len]` holds the fields,
    /// `ends[..n_ends]` where each ends.
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    n_ends: usize,
}

/// One physical line.
struct Line {
    number: u64,
    bytes: Vec<u8>,
    /// Longer than [`MAX_LINE_BYTES`]: `bytes` holds only its start.
    too_long: bool,
}

/// Reads a CSV file whose first bytes are `sample`; `file` is positioned just after them.
pub(super) fn open(
    file_name: &str,
    sample: Vec<u8>,
    file: std::fs::File,
) -> Result<(super::Format, CsvRows), IngestError> {
    let (encoding, bom_len) = detect_encoding(&sample, file_name)?;
    let body = &sample[bom_len..];
    let delimiter = detect_delimiter(body);
    let line_end = if memchr::memchr(b'\n', body).is_none() && memchr::memchr(b'\r', body).is_some()
    {
        b'\r'
    } else {
        b'\n'
    };
    let multiline = has_multiline_fields(body, delimiter, line_end, sample.len() < SAMPLE);
    let format = super::Format::Csv {
        encoding: encoding.name(),
        delimiter,
        bom: bom_len > 0,
    };
    let mut input: BufReader<Box<dyn Read>> =
        BufReader::with_capacity(256 * 1024, Box::new(Cursor::new(sample).chain(file)));
    // Drop the BOM so that it does not become part of the first header.
    input.consume(bom_len);
    Ok((
        format,
        CsvRows {
            input,
            encoding,
            line_end,
            multiline,
            splitter: LineSplitter::new(delimiter),
            line: 0,
            bytes_read: bom_len as u64,
            pending: VecDeque::new(),
            text: Vec::new(),
        },
    ))
}

/// The field splitter: RFC 4180 quoting with doubled quotes, as Excel writes it; a quote in
/// the middle of a field is a character. Lines are fed one at a time, each ended by `\n`.
fn parser(delimiter: u8) -> csv_core::Reader {
    csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .terminator(Terminator::Any(b'\n'))
        .build()
}

/// How a line fed to the parser left the record.
pub(crate) enum Split {
    /// The record ended with the line.
    Done,
    /// A quoted field is still open at the line's end; it opened in this 0-based field.
    OpenQuote(usize),
}

impl CsvRows {
    pub(super) fn is_plain(&self) -> bool {
        self.line_end == b'\n' && !self.multiline
    }

    pub(super) fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next row, or `None` at the end.
    pub(super) fn next_row(&mut self, file: &str) -> Result<Option<Row>, IngestError> {
        let io = |source: std::io::Error| IngestError::Io {
            path: file.into(),
            source,
        };
        let Some(first) = self.next_line().map_err(io)? else {
            return Ok(None);
        };
        let loc = RowLoc::Line(first.number);
        if first.too_long {
            return Ok(Some(defective(
                loc,
                None,
                RowErrorKind::LongLine,
                format!(
                    "строка длиннее {} МБ: это не строка выгрузки",
                    MAX_LINE_BYTES >> 20
                ),
            )));
        }
        if first.bytes.is_empty() {
            return Ok(Some(Row::new(loc, Vec::new())));
        }
        self.splitter.start();
        let mut split = self.splitter.feed(&first.bytes);
        // Lines taken into a multi-line record, given back if the record fails.
        let mut taken: Vec<Line> = Vec::new();
        let mut record_bytes = first.bytes.len();
        while let Split::OpenQuote(column) = split {
            let failure = if !self.multiline {
                let defect = unclosed_quote(column);
                Some((defect.kind, defect.reason))
            } else {
                match self.next_line().map_err(io)? {
                    None => Some((
                        RowErrorKind::UnclosedQuote,
                        "кавычка, открывающая поле, не закрыта до конца файла".to_string(),
                    )),
                    Some(next) => {
                        record_bytes += next.bytes.len() + 1;
                        let too_long = next.too_long || record_bytes > MAX_LINE_BYTES;
                        if !too_long {
                            split = self.splitter.feed(&next.bytes);
                        }
                        taken.push(next);
                        too_long.then(|| {
                            (
                                RowErrorKind::UnclosedQuote,
                                format!(
                                    "кавычка, открывающая поле, не закрыта и в следующих {} МБ",
                                    MAX_LINE_BYTES >> 20
                                ),
                            )
                        })
                    }
                }
            };
            if let Some((kind, reason)) = failure {
                // The lines after the first are read again as rows of their own: a stray
                // quote costs one row, not the rows it would have swallowed.
                for line in taken.into_iter().rev() {
                    self.pending.push_front(line);
                }
                return Ok(Some(defective(loc, Some(column), kind, reason)));
            }
        }
        let mut cells = Vec::with_capacity(self.splitter.n_ends);
        for (idx, field) in self.splitter.fields().enumerate() {
            if field.len() > MAX_FIELD_BYTES {
                return Ok(Some(Row {
                    loc,
                    cells: Vec::new(),
                    defect: Some(long_value(idx)),
                }));
            }
            cells.push(decode_field(field, self.encoding).ok_or_else(|| {
                IngestError::MixedEncoding {
                    file: file.to_string(),
                    line: first.number,
                }
            })?);
        }
        self.text = first.bytes;
        Ok(Some(Row::new(loc, cells)))
    }

    /// The next physical line without its end (`\n`, `\r\n`, or a lone `\r` in a file that
    /// ends its lines so).
    fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        if let Some(line) = self.pending.pop_front() {
            return Ok(Some(line));
        }
        let mut bytes = std::mem::take(&mut self.text);
        bytes.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (chunk, used, done) = match memchr::memchr(self.line_end, buf) {
                Some(pos) => (&buf[..pos], pos + 1, true),
                None => (buf, buf.len(), false),
            };
            if bytes.len() + chunk.len() > MAX_LINE_BYTES {
                too_long = true;
            }
            if !too_long {
                bytes.extend_from_slice(chunk);
            }
            self.input.consume(used);
            self.bytes_read += used as u64;
            if done {
                break;
            }
        }
        if self.line_end == b'\n' {
            while bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        self.line += 1;
        Ok(Some(Line {
            number: self.line,
            bytes,
            too_long,
        }))
    }
}

impl LineSplitter {
    pub(crate) fn new(delimiter: u8) -> LineSplitter {
        LineSplitter {
            parser: parser(delimiter),
            out: Vec::new(),
            out_len: 0,
            ends: Vec::new(),
            n_ends: 0,
        }
    }

    /// Forgets the record so far: the next line starts a new one.
    pub(crate) fn start(&mut self) {
        self.parser.reset();
        self.out_len = 0;
        self.n_ends = 0;
    }

    /// Feeds one line and its end to the parser.
    pub(crate) fn feed(&mut self, line: &[u8]) -> Split {
        for mut input in [line, b"\n".as_slice()] {
            loop {
                // A record's output is never longer than its input.
                let room = self.out_len + input.len() + 1;
                if self.out.len() < room {
                    self.out.resize(room, 0);
                }
                if self.ends.len() <= self.n_ends {
                    self.ends.resize(self.n_ends + 16, 0);
                }
                let (result, n_in, n_out, n_end) = self.parser.read_record(
                    input,
                    &mut self.out[self.out_len..],
                    &mut self.ends[self.n_ends..],
                );
                // The ends count from the record's start, across calls.
                self.out_len += n_out;
                self.n_ends += n_end;
                input = &input[n_in..];
                match result {
                    ReadRecordResult::Record => return Split::Done,
                    ReadRecordResult::InputEmpty | ReadRecordResult::End => break,
                    ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {}
                }
            }
        }
        Split::OpenQuote(self.n_ends)
    }

    /// The fields of the record, unquoted.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let ends = &self.ends[..self.n_ends];
        ends.iter().enumerate().map(move |(idx, &end)| {
            let start = if idx == 0 { 0 } else { ends[idx - 1] };
            &self.out[start..end]
        })
    }
}

/// Splits a line the way [`LineSplitter`] would, where that is simple: every field is either
/// free of quotes or wholly quoted with no quote inside (`"a";"b;c";d`), as systems that quote
/// every field write them. `fields` gets each field's range in `line`, quotes left out.
/// `false` for any other line (a quote inside a field, a doubled quote, an open quote):
/// the caller then asks the splitter. The shortcut exists because csv_core, state by state, was
/// the largest cost of reading a file quoted throughout.
pub(crate) fn split_simply_quoted(
    line: &[u8],
    delimiter: u8,
    fields: &mut Vec<(usize, usize)>,
) -> bool {
    fields.clear();
    let mut start = 0;
    loop {
        let rest = &line[start..];
        let (field, next) = match rest.first() {
            Some(b'"') => {
                // The closing quote must be followed by the delimiter or the line's end.
                let Some(close) = memchr::memchr(b'"', &rest[1..]).map(|p| start + 1 + p) else {
                    return false;
                };
                match line.get(close + 1) {
                    None => ((start + 1, close), None),
                    Some(&b) if b == delimiter => ((start + 1, close), Some(close + 2)),
                    Some(_) => return false,
                }
            }
            _ => {
                let end = memchr::memchr(delimiter, rest).map_or(line.len(), |p| start + p);
                if memchr::memchr(b'"', &line[start..end]).is_some() {
                    return false;
                }
                ((start, end), (end < line.len()).then_some(end + 1))
            }
        };
        fields.push(field);
        match next {
            Some(next) => start = next,
            None => return true,
        }
    }
}

/// A quote that opens field `column` and does not close on its line.
pub(crate) fn unclosed_quote(column: usize) -> Defect {
    Defect {
        column_idx: Some(column),
        kind: RowErrorKind::UnclosedQuote,
        reason: "кавычка, открывающая поле, не закрыта до конца строки".to_string(),
    }
}

/// A value in field `column` longer than [`MAX_FIELD_BYTES`].
pub(crate) fn long_value(column: usize) -> Defect {
    Defect {
        column_idx: Some(column),
        kind: RowErrorKind::LongValue,
        reason: format!("значение длиннее {} КБ", MAX_FIELD_BYTES >> 10),
    }
}

fn defective(loc: RowLoc, column_idx: Option<usize>, kind: RowErrorKind, reason: String) -> Row {
    Row {
        loc,
        cells: Vec::new(),
        defect: Some(Defect {
            column_idx,
            kind,
            reason,
        }),
    }
}

/// Whether the sample shows quoted fields that really span lines: a record that closes its
/// quote within a few lines and has as many fields as the file's usual one-line record. A
/// stray quote that pairs with a quote some lines below gives a record of another width. The
/// last line of a sample cut short is left out, since it may be cut inside such a field.
fn has_multiline_fields(sample: &[u8], delimiter: u8, line_end: u8, whole: bool) -> bool {
    let mut lines: Vec<&[u8]> = sample.split(|&b| b == line_end).collect();
    if !whole {
        lines.pop();
    }
    let mut parser = parser(delimiter);
    let mut out = vec![0u8; sample.len() + 1];
    let mut ends = vec![0usize; sample.len() + 1];
    // (fields, lines spanned) of each record that closed.
    let mut records: Vec<(usize, usize)> = Vec::new();
    let mut idx = 0;
    while idx < lines.len() {
        // An empty line between records is no record; the parser would wait past it.
        if lines[idx]
            .strip_suffix(b"\r")
            .unwrap_or(lines[idx])
            .is_empty()
        {
            idx += 1;
            continue;
        }
        parser.reset();
        let mut spanned = 0;
        let mut fields = 0;
        let mut closed = false;
        while !closed && idx + spanned < lines.len() && spanned < MULTILINE_MAX_LINES {
            let line = lines[idx + spanned];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            spanned += 1;
            for mut input in [line, b"\n".as_slice()] {
                while !input.is_empty() && !closed {
                    let (result, n_in, _, n_end) = parser.read_record(input, &mut out, &mut ends);
                    input = &input[n_in..];
                    fields += n_end;
                    closed = result == ReadRecordResult::Record;
                }
            }
        }
        if closed {
            records.push((fields, spanned));
        }
        idx += if closed { spanned } else { 1 };
    }
    let mut widths = std::collections::HashMap::<usize, usize>::new();
    for &(fields, _) in records.iter().filter(|(_, spanned)| *spanned == 1) {
        *widths.entry(fields).or_default() += 1;
    }
    let Some((usual, _)) = widths.into_iter().max_by_key(|&(fields, n)| (n, fields)) else {
        return false;
    };
    records
        .iter()
        .any(|&(fields, spanned)| spanned > 1 && fields == usual)
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

    #[test]
    fn simple_quoting_splits_as_the_splitter_does() {
        let mut splitter = LineSplitter::new(b';');
        let mut fields = Vec::new();
        let mut check = |line: &[u8]| -> bool {
            if !split_simply_quoted(line, b';', &mut fields) {
                return false;
            }
            splitter.start();
            assert!(matches!(splitter.feed(line), Split::Done), "{line:?}");
            let simple: Vec<&[u8]> = fields.iter().map(|&(from, to)| &line[from..to]).collect();
            let general: Vec<&[u8]> = splitter.fields().collect();
            assert_eq!(simple, general, "{:?}", String::from_utf8_lossy(line));
            true
        };
        // The shapes it is for: quoted throughout, empty quoted and unquoted fields.
        for line in [
            &b"\"1\";\"\xd0\x98\";\"01.10.2023\""[..],
            b"\"a\";;\"\";b;\"\"",
            b"a;b;c",
            b";",
            b"\"a\";",
            b"\"a;b\";c",
        ] {
            assert!(check(line), "{line:?}");
        }
        // What it leaves to the splitter.
        for line in [
            &b"\"a\"\"b\";c"[..],
            b"a\"b;c",
            b"\"a\"b;c",
            b"\"a",
            b"\"",
            b" \"a\";b",
        ] {
            assert!(!check(line), "{line:?}");
        }
        // Every line of quotes, delimiters and letters: where it answers, it agrees.
        let mut rng = fastrand::Rng::with_seed(1205);
        let mut answered = 0;
        for _ in 0..100_000 {
            let len = rng.usize(1..12);
            let line: Vec<u8> = (0..len)
                .map(|_| [b'"', b';', b'a'][rng.usize(..3)])
                .collect();
            answered += usize::from(check(&line));
        }
        assert!(answered > 1_000, "{answered}");
    }

    fn read_all(text: &[u8]) -> Vec<(u64, Vec<String>)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut source = super::super::Source::open(&path, None).unwrap();
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

    /// A row as (line, cells, the defect's kind and column).
    type Read = (u64, Vec<String>, Option<(&'static str, Option<usize>)>);

    fn read_rows(text: &[u8]) -> Vec<Read> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut source = super::super::Source::open(&path, None).unwrap();
        let mut rows = Vec::new();
        while let Some(row) = source.next_row().unwrap() {
            rows.push((
                row.loc.number(),
                row.cells.iter().map(Cell::to_text).collect(),
                row.defect.map(|d| (d.kind.title_ru(), d.column_idx)),
            ));
        }
        rows
    }

    fn cells(row: &Read) -> Vec<&str> {
        row.1.iter().map(String::as_str).collect()
    }

    #[test]
    fn a_stray_quote_spoils_only_its_own_line() {
        let mut text = String::from("ИНН;Роль;Дата\n");
        for n in 2..=200 {
            if n == 101 {
                text.push_str("0500000001;\"Учитель;01.10.2023\n");
            } else {
                text.push_str(&format!("0500000001;Учитель;0{}.10.2023\n", n % 9 + 1));
            }
        }
        let rows = read_rows(text.as_bytes());
        assert_eq!(rows.len(), 200, "every line is a row");
        let bad: Vec<_> = rows.iter().filter(|r| r.2.is_some()).collect();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, 101);
        assert_eq!(bad[0].2, Some(("кавычка не закрыта", Some(1))));
        assert_eq!(cells(&rows[101]), ["0500000001", "Учитель", "04.10.2023"]);
    }

    #[test]
    fn a_quote_open_to_the_end_of_the_file_is_an_invalid_row() {
        let rows = read_rows(b"a;b\n1;2\n3;\"4\n5;6\n");
        assert_eq!(rows[2].0, 3);
        assert_eq!(rows[2].2, Some(("кавычка не закрыта", Some(1))));
        assert_eq!(cells(&rows[3]), ["5", "6"]);
        // In a file that really has multi-line fields, too.
        let rows = read_rows(b"a;b\n\"x\ny\";1\n3;\"4\n5;6\n");
        assert_eq!(cells(&rows[1]), ["x\ny", "1"]);
        assert_eq!(rows[2].0, 4);
        assert_eq!(rows[2].2, Some(("кавычка не закрыта", Some(1))));
        assert_eq!((rows[3].0, cells(&rows[3])), (5, vec!["5", "6"]));
        assert_eq!(rows.len(), 4);
    }

    #[test]
    fn quotes_that_close_on_their_line_are_read_as_excel_writes_them() {
        let rows = read_rows(
            "ИНН;Наименование;Число\n\"0500000001\";\"МБОУ \"\"СОШ №1\"\"; корпус 2\";\"5\"\n0500000002;МБОУ \"Лицей\";6\n"
                .as_bytes(),
        );
        assert_eq!(
            cells(&rows[1]),
            ["0500000001", "МБОУ \"СОШ №1\"; корпус 2", "5"]
        );
        assert_eq!(cells(&rows[2]), ["0500000002", "МБОУ \"Лицей\"", "6"]);
        assert!(rows.iter().all(|r| r.2.is_none()));
    }

    #[test]
    fn multi_line_fields_are_told_from_the_header_and_first_rows() {
        // A stray quote that pairs with a quote three lines below makes a record of another
        // width: no multi-line fields, so each line stands on its own.
        let text = b"a;b;c\n1;\"2;3\n4;5;6\n7;8;9\n\"10\";11;12\n";
        let rows = read_rows(text);
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[1].2, Some(("кавычка не закрыта", Some(1))));
        assert_eq!(cells(&rows[4]), ["10", "11", "12"]);
        // Empty lines between records are no multi-line fields.
        let rows = read_rows(b"a;b\r\n\r\n1;2\r\n\r\n3;\"4\r\n5;6\r\n");
        assert_eq!(rows[4].2, Some(("кавычка не закрыта", Some(1))));
        assert_eq!(cells(&rows[5]), ["5", "6"]);
        // A real one, as wide as every other record.
        let rows = read_rows(b"a;b;c\n1;\"2\n2a\";3\n4;5;6\n");
        assert_eq!(cells(&rows[1]), ["1", "2\n2a", "3"]);
        assert_eq!((rows[2].0, cells(&rows[2])), (4, vec!["4", "5", "6"]));
    }

    #[test]
    fn lines_and_values_too_long_to_be_data_are_invalid_rows() {
        let mut text = b"a;b\n1;2\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        text.extend(b"\n3;");
        text.extend(std::iter::repeat_n(b'y', MAX_FIELD_BYTES + 1));
        text.extend(b"\n5;6\n");
        let rows = read_rows(&text);
        assert_eq!(rows[2].2, Some(("строка слишком длинная", None)));
        assert_eq!(rows[3].0, 4);
        assert_eq!(rows[3].2, Some(("слишком длинное значение", Some(1))));
        assert_eq!((rows[4].0, cells(&rows[4])), (5, vec!["5", "6"]));
    }

    #[test]
    fn lines_ended_by_a_lone_carriage_return_are_lines() {
        let rows = read_rows(b"a;b\r1;2\r\r3;4\r");
        let lines: Vec<(u64, Vec<&str>)> = rows.iter().map(|r| (r.0, cells(r))).collect();
        assert_eq!(
            lines,
            [
                (1, vec!["a", "b"]),
                (2, vec!["1", "2"]),
                (3, vec![]),
                (4, vec!["3", "4"])
            ]
        );
    }
}
