//! Workbooks: XLSX, XLS and ODS through calamine. An XLSX sheet is streamed cell by cell on a
//! reader thread; XLS and ODS sheets are read whole by calamine (they are small by nature).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, Reader, Sheets};
use jiff::civil::DateTime;

use super::{Cell, Format, Row};
use crate::error::{IngestError, RowLoc};

/// A row of a sheet: its 1-based number and cells, or the workbook's own error.
type SheetRow = Result<(u32, Vec<Cell>), String>;

/// The rows of one sheet.
pub(super) struct SheetRows {
    sheet: String,
    rows: Box<dyn Iterator<Item = SheetRow>>,
}

impl SheetRows {
    /// The next row, or `None` at the end.
    pub(super) fn next_row(&mut self, file: &str) -> Result<Option<Row>, IngestError> {
        match self.rows.next() {
            None => Ok(None),
            Some(Ok((row, cells))) => Ok(Some(Row::new(
                RowLoc::Sheet {
                    sheet: self.sheet.clone(),
                    row,
                },
                cells,
            ))),
            Some(Err(detail)) => Err(IngestError::Spreadsheet {
                file: file.to_string(),
                detail,
            }),
        }
    }
}

/// Opens the sheet `sheet` (the first by default) of the workbook at `path`.
pub(super) fn open(
    path: &Path,
    file: &str,
    kind: &'static str,
    sheet: Option<&str>,
) -> Result<(Format, SheetRows), IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let reader = BufReader::new(File::open(path).map_err(io)?);
    let spreadsheet = |err: &dyn std::fmt::Display| IngestError::Spreadsheet {
        file: file.to_string(),
        detail: err.to_string(),
    };
    let workbook: Sheets<_> =
        match kind {
            "XLS" => Sheets::Xls(calamine::Xls::new(reader).map_err(|e| spreadsheet(&e))?),
            "ODS" => Sheets::Ods(calamine::Ods::new(reader).map_err(|e| spreadsheet(&e))?),
            _ => Sheets::Xlsx(calamine::Xlsx::new(reader).map_err(|e| {
                IngestError::NotSpreadsheet {
                    file: file.to_string(),
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
                file: file.to_string(),
                sheet: wanted.to_string(),
                available: names.clone(),
            })?,
        None => names.first().cloned().ok_or_else(|| IngestError::Empty {
            file: file.to_string(),
        })?,
    };
    let rows: Box<dyn Iterator<Item = SheetRow>> = match workbook {
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
    Ok((
        Format::Workbook {
            kind,
            sheet: name.clone(),
        },
        SheetRows { sheet: name, rows },
    ))
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
