//! CSV: the encoding and the delimiter detected from a sample, then records streamed with the
//! `csv` crate over raw bytes. Every supported encoding is ASCII-compatible, so delimiters and
//! quotes are the same bytes in all of them and only the fields are decoded.

use std::io::{BufReader, Cursor, Read};

use encoding_rs::Encoding;

use super::{Cell, Row, SAMPLE};
use crate::error::{IngestError, RowLoc};

/// The records of a CSV file, with their physical line numbers.
pub(super) struct CsvRows {
    reader: Box<csv::Reader<StripCr<Box<dyn Read>>>>,
    record: csv::ByteRecord,
    encoding: &'static Encoding,
    /// The line the next record starts on if no blank lines come first.
    next_line: u64,
    /// Blank lines the `csv` crate skipped, handed out as blank rows before `queued`.
    blank_lines: std::ops::Range<u64>,
    queued: Option<Row>,
}

/// Reads a CSV file whose first bytes are `sample`; `file` is positioned just after them.
pub(super) fn open(
    path: &std::path::Path,
    file_name: &str,
    sample: Vec<u8>,
    file: std::fs::File,
) -> Result<(super::Format, CsvRows), IngestError> {
    let (encoding, bom_len) = detect_encoding(&sample, file_name)?;
    let delimiter = detect_delimiter(&sample[bom_len..]);
    let format = super::Format::Csv {
        encoding: encoding.name(),
        delimiter,
        bom: bom_len > 0,
    };
    let mut rest: Box<dyn Read> = Box::new(Cursor::new(sample).chain(BufReader::new(file)));
    // Drop the BOM so that it does not become part of the first header.
    let mut bom = vec![0; bom_len];
    rest.read_exact(&mut bom)
        .map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(StripCr::new(rest));
    Ok((
        format,
        CsvRows {
            reader: Box::new(reader),
            record: csv::ByteRecord::new(),
            encoding,
            next_line: 1,
            blank_lines: 0..0,
            queued: None,
        },
    ))
}

impl CsvRows {
    pub(super) fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The next row, or `None` at the end.
    pub(super) fn next_row(&mut self, file: &str) -> Result<Option<Row>, IngestError> {
        if let Some(line) = self.blank_lines.next() {
            return Ok(Some(Row {
                loc: RowLoc::Line(line),
                cells: Vec::new(),
            }));
        }
        if let Some(row) = self.queued.take() {
            return Ok(Some(row));
        }
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|err| {
                let line = err.position().map(|p| p.line()).unwrap_or(0);
                IngestError::Csv {
                    file: file.to_string(),
                    line,
                    detail: err.to_string(),
                }
            })?;
        if !more {
            return Ok(None);
        }
        // The record's own start position is taken before the blank lines in front of it are
        // skipped; its end is exact (see `StripCr`).
        let spanned = self
            .record
            .as_slice()
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        let line = self
            .reader
            .position()
            .line()
            .saturating_sub(1 + spanned)
            .max(1);
        let mut cells = Vec::with_capacity(self.record.len());
        for field in self.record.iter() {
            cells.push(decode_field(field, self.encoding).ok_or_else(|| {
                IngestError::MixedEncoding {
                    file: file.to_string(),
                    line,
                }
            })?);
        }
        let row = Row {
            loc: RowLoc::Line(line),
            cells,
        };
        let blank_from = self.next_line;
        self.next_line = line + spanned + 1;
        if line > blank_from {
            self.blank_lines = blank_from + 1..line;
            self.queued = Some(row);
            return Ok(Some(Row {
                loc: RowLoc::Line(blank_from),
                cells: Vec::new(),
            }));
        }
        Ok(Some(row))
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
}
