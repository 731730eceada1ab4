//! Opening a file and reading it as rows of cells, whatever it is: CSV in UTF-8 (with or
//! without BOM), Windows-1251, KOI8-R or CP866 with `;`, `,` or tab ([`csv`](self::csv)); or an
//! Excel workbook, XLSX, XLS or ODS ([`workbook`]). The format is recognised by content, not
//! by the file's name.
//!
//! Both stream: memory does not grow with the file. A run of blank rows that a workbook
//! only implies (its rows 5 and 400 have cells, none between) is handed over as one
//! [`Next::Blank`], so a sheet that jumps a million rows costs no more than one that does not.

pub(crate) mod csv;
mod workbook;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::IngestError;
pub(crate) use crate::row::MAX_FIELD_BYTES;
pub use crate::row::{Cell, Defect, Row, RowLoc};

pub(crate) use self::csv::decode_field;
pub use workbook::excel_serial_to_datetime;
/// The limits a workbook is held to, for tests that make files just over them.
pub use workbook::limits as workbook_limits;

/// What [`Source::next_rows`] gives: one row, or a number of blank rows in a row.
#[derive(Debug)]
pub enum Next {
    Row(Row),
    /// Blank rows that the file does not spell out one by one; each counts as a row read.
    Blank(u64),
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

pub struct Source {
    pub file: String,
    pub format: Format,
    inner: Inner,
}

enum Inner {
    Csv(Box<csv::CsvRows>),
    Sheet(workbook::SheetRows),
}

/// The first bytes of a file, from which its format, encoding and delimiter are told.
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
            let (format, rows) = workbook::open(path, &file_name, kind, sheet)?;
            return Ok(Source {
                file: file_name,
                format,
                inner: Inner::Sheet(rows),
            });
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
        let (format, rows) = csv::open(&file_name, sample, file)?;
        Ok(Source {
            file: file_name,
            format,
            inner: Inner::Csv(Box::new(rows)),
        })
    }

    /// Whether this is CSV with lines ended by `\n` (or `\r\n`) and no quoted field across
    /// lines: a file the fast path can cut into blocks at any line end.
    pub(crate) fn is_plain_csv(&self) -> bool {
        matches!(&self.inner, Inner::Csv(rows) if rows.is_plain())
    }

    /// Bytes of the file read so far (CSV; 0 for a workbook).
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Csv(rows) => rows.bytes_read(),
            Inner::Sheet(_) => 0,
        }
    }

    /// The next row, blank rows included one by one, or `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, IngestError> {
        match &mut self.inner {
            Inner::Csv(rows) => rows.next_row(&self.file),
            Inner::Sheet(rows) => rows.next_row(&self.file),
        }
    }

    /// The next row, or the number of blank rows that come next, or `None` at the end. Where
    /// rows are only counted, this is [`Source::next_row`] without a row for each blank one.
    pub fn next_rows(&mut self) -> Result<Option<Next>, IngestError> {
        match &mut self.inner {
            Inner::Csv(rows) => Ok(rows.next_row(&self.file)?.map(Next::Row)),
            Inner::Sheet(rows) => rows.next_rows(&self.file),
        }
    }
}

pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
