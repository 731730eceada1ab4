//! Workbooks: XLSX, XLS and ODS through calamine. An XLSX sheet is streamed cell by cell on a
//! reader thread; XLS and ODS sheets are read whole by calamine (they are small by nature)
//! and handed over row by row.
//!
//! A workbook is a file someone sent, and calamine trusts what it says: the sizes in a ZIP,
//! the number of shared strings, the rows and columns of a cell reference. So before calamine
//! reads a package, [`limits`] checks it against what a real export can be, and the rows that
//! calamine gives are checked again here: a cell reference inside Excel's sheet, rows in
//! ascending order, a text no longer than [`MAX_FIELD_BYTES`]. A panic inside calamine is an
//! error, not a crash and not a sheet that silently ends early.

pub mod limits;

use std::fs::File;
use std::io::BufReader;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use calamine::{Data, Reader, Sheets};
use jiff::civil::DateTime;

use self::limits::{MAX_COLUMNS, MAX_ROWS, MAX_SHEET_CELLS};
use super::{Cell, Format, MAX_FIELD_BYTES, Next, Row};
use crate::error::{IngestError, RowLoc, column_letters};

/// A row of a sheet that has a value: its 1-based number and its cells.
struct SheetRow {
    number: u32,
    cells: Vec<Cell>,
}

/// What can go wrong inside a sheet, told to [`SheetRows`], which knows the file's name.
#[derive(Debug)]
enum Problem {
    /// calamine's own error, or a panic inside it.
    Unreadable(String),
    /// A cell that cannot be: its reference as far as it can be named, and why.
    Cell { cell: String, reason: String },
    /// The sheet is bigger than any real export.
    TooLarge(String),
}

impl Problem {
    fn into_error(self, file: &str, sheet: &str) -> IngestError {
        match self {
            Problem::Unreadable(detail) => IngestError::Spreadsheet {
                file: file.to_string(),
                detail,
            },
            Problem::Cell { cell, reason } => IngestError::BadCell {
                file: file.to_string(),
                sheet: sheet.to_string(),
                cell,
                reason,
            },
            Problem::TooLarge(detail) => IngestError::WorkbookTooLarge {
                file: file.to_string(),
                detail: format!("лист «{sheet}»: {detail}"),
            },
        }
    }
}

/// The rows of one sheet. The reader gives only rows that have a value, in ascending order;
/// the rows between two of them are blank rows, counted without being made.
pub(super) struct SheetRows {
    sheet: String,
    rows: Box<dyn Iterator<Item = Result<SheetRow, Problem>>>,
    /// The number of the row after the last one given; `None` before the first. The rows
    /// above a sheet's first value are not rows of the export, as they never were.
    after: Option<u32>,
    /// Blank rows to give before `queued`.
    blank: Range<u32>,
    queued: Option<SheetRow>,
}

impl SheetRows {
    fn new(sheet: String, rows: Box<dyn Iterator<Item = Result<SheetRow, Problem>>>) -> Self {
        SheetRows {
            sheet,
            rows,
            after: None,
            blank: 0..0,
            queued: None,
        }
    }

    /// Makes sure a blank row or a row is waiting; `false` at the end.
    fn fill(&mut self, file: &str) -> Result<bool, IngestError> {
        if !self.blank.is_empty() || self.queued.is_some() {
            return Ok(true);
        }
        let row = match self.rows.next() {
            None => return Ok(false),
            Some(Err(problem)) => return Err(problem.into_error(file, &self.sheet)),
            Some(Ok(row)) => row,
        };
        if let Some(after) = self.after {
            self.blank = after..row.number;
        }
        self.after = Some(row.number + 1);
        self.queued = Some(row);
        Ok(true)
    }

    /// The next row, blank or not, or `None` at the end.
    pub(super) fn next_row(&mut self, file: &str) -> Result<Option<Row>, IngestError> {
        if !self.fill(file)? {
            return Ok(None);
        }
        let (number, cells) = match self.blank.next() {
            Some(number) => (number, Vec::new()),
            None => {
                let row = self.queued.take().expect("filled");
                (row.number, row.cells)
            }
        };
        Ok(Some(Row::new(
            RowLoc::Sheet {
                sheet: self.sheet.clone(),
                row: number,
            },
            cells,
        )))
    }

    /// The next row, or the number of blank rows before it, or `None` at the end.
    pub(super) fn next_rows(&mut self, file: &str) -> Result<Option<Next>, IngestError> {
        if !self.fill(file)? {
            return Ok(None);
        }
        if !self.blank.is_empty() {
            let n = self.blank.len() as u64;
            self.blank = 0..0;
            return Ok(Some(Next::Blank(n)));
        }
        self.next_row(file).map(|row| row.map(Next::Row))
    }
}

/// Runs `work`, which calls calamine, turning a panic into an error: calamine trusts numbers
/// a file gives and some of them overflow. The default hook still prints the panic.
fn guarded<T>(work: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!("сбой при разборе книги ({message})"))
    })
}

/// Opens the sheet `sheet` (the first by default) of the workbook at `path`.
pub(super) fn open(
    path: &Path,
    file: &str,
    kind: &'static str,
    sheet: Option<&str>,
) -> Result<(Format, SheetRows), IngestError> {
    limits::check(path, file, kind)?;
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let reader = BufReader::new(File::open(path).map_err(io)?);
    let spreadsheet = |detail: String| IngestError::Spreadsheet {
        file: file.to_string(),
        detail,
    };
    let workbook: Sheets<_> = match kind {
        "XLS" => Sheets::Xls(
            guarded(|| calamine::Xls::new(reader).map_err(|e| e.to_string()))
                .map_err(spreadsheet)?,
        ),
        "ODS" => Sheets::Ods(
            guarded(|| calamine::Ods::new(reader).map_err(|e| e.to_string()))
                .map_err(spreadsheet)?,
        ),
        _ => Sheets::Xlsx(
            guarded(|| calamine::Xlsx::new(reader).map_err(|e| e.to_string())).map_err(
                |detail| IngestError::NotSpreadsheet {
                    file: file.to_string(),
                    ext: "xlsx".into(),
                    detail,
                },
            )?,
        ),
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
    let rows: Box<dyn Iterator<Item = Result<SheetRow, Problem>>> = match workbook {
        // An XLSX sheet is streamed cell by cell: a per-user export at Excel's limit of
        // 1,048,576 rows never sits in memory whole.
        Sheets::Xlsx(xlsx) => Box::new(stream_xlsx(xlsx, name.clone())),
        mut other => {
            let range = guarded(|| other.worksheet_range(&name).map_err(|e| e.to_string()))
                .map_err(spreadsheet)?;
            // calamine keeps its own copy of every sheet: only the range is kept.
            drop(other);
            Box::new(RangeRows::new(range))
        }
    };
    Ok((
        Format::Workbook {
            kind,
            sheet: name.clone(),
        },
        SheetRows::new(name, rows),
    ))
}

/// The rows of a range calamine read whole, converted one at a time. A row without a value is
/// left to [`SheetRows`] to count as blank.
struct RangeRows {
    range: calamine::Range<Data>,
    start: (u32, u32),
    next: usize,
}

impl RangeRows {
    fn new(range: calamine::Range<Data>) -> RangeRows {
        let start = range.start().unwrap_or((0, 0));
        RangeRows {
            range,
            start,
            next: 0,
        }
    }
}

impl Iterator for RangeRows {
    type Item = Result<SheetRow, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let idx = self.next;
            // The row by its index: `rows().nth(idx)` walks every row above it, so that a
            // sheet of n rows took n²/2 steps, hours for an ODS of a million rows.
            if idx >= self.range.height() {
                return None;
            }
            let row = (0..self.range.width())
                .map(|col| self.range.get((idx, col)).unwrap_or(&Data::Empty));
            self.next += 1;
            if row.clone().all(|data| matches!(data, Data::Empty)) {
                continue;
            }
            // An XLS has at most 65,536 rows and an ODS is read to Excel's limit, so the
            // number fits; checked all the same, as a workbook is input.
            let Some(number) = u32::try_from(idx)
                .ok()
                .and_then(|idx| self.start.0.checked_add(idx))
                .filter(|row| *row < MAX_ROWS)
            else {
                return Some(Err(Problem::TooLarge(format!(
                    "в листе больше {} строк",
                    MAX_ROWS
                ))));
            };
            let mut cells = vec![Cell::Empty; self.start.1 as usize];
            for (col, data) in row.enumerate() {
                let cell = convert_cell(data);
                if let Cell::Text(text) = &cell
                    && text.len() > MAX_FIELD_BYTES
                {
                    let col = self.start.1 as usize + col;
                    return Some(Err(long_text(col, number, text.len())));
                }
                cells.push(cell);
            }
            return Some(Ok(SheetRow {
                number: number + 1,
                cells,
            }));
        }
    }
}

fn long_text(col: usize, row: u32, len: usize) -> Problem {
    Problem::Cell {
        cell: format!("{}{}", column_letters(col), u64::from(row) + 1),
        reason: format!(
            "текст ячейки длиной {len} байт длиннее допустимых {MAX_FIELD_BYTES} (в Excel не больше 32 767 знаков)"
        ),
    }
}

/// What the reader thread sends: rows, and whether the sheet ended with them. The last batch
/// says so; a channel that closes without it means the thread died, and the sheet did not end.
struct Batch {
    rows: Vec<Result<SheetRow, Problem>>,
    done: bool,
}

/// Reads the sheet on a thread of its own (calamine's cell reader borrows the workbook) and
/// hands the rows that have a value over a bounded channel. If the reader of the rows stops
/// early, the thread ends at its next send.
///
/// The work is bounded by the package: every cell is some bytes of the sheet's XML, whose
/// size [`limits`] bounds, and the cells a row spans are bounded by [`MAX_SHEET_CELLS`].
fn stream_xlsx(
    mut workbook: calamine::Xlsx<BufReader<File>>,
    sheet: String,
) -> impl Iterator<Item = Result<SheetRow, Problem>> + use<> {
    // Rows go over in batches: a message per row cost more in waking the other thread than
    // the row itself, at a million rows a sheet. A batch also ends at `BATCH_CELLS`, so that
    // wide rows do not pile up in the channel.
    const BATCH: usize = 512;
    const BATCH_CELLS: usize = 64 * 1024;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(8);
    std::thread::spawn(move || {
        let mut batch = Batch {
            rows: Vec::with_capacity(BATCH),
            done: false,
        };
        let mut batch_cells = 0usize;
        // `Ok(false)`: the reader of the rows is gone.
        let send = |batch: &mut Batch, row: SheetRow, batch_cells: &mut usize| -> bool {
            *batch_cells += row.cells.len().max(1);
            batch.rows.push(Ok(row));
            if batch.rows.len() >= BATCH || *batch_cells >= BATCH_CELLS {
                *batch_cells = 0;
                let full = std::mem::replace(
                    batch,
                    Batch {
                        rows: Vec::with_capacity(BATCH),
                        done: false,
                    },
                );
                return tx.send(full).is_ok();
            }
            true
        };
        let mut read = |batch: &mut Batch| -> Result<bool, Problem> {
            let mut cells = workbook
                .worksheet_cells_reader(&sheet)
                .map_err(|e| Problem::Unreadable(e.to_string()))?;
            let mut row = SheetRow {
                number: 0,
                cells: Vec::new(),
            };
            let mut spanned = 0u64;
            while let Some(cell) = cells
                .next_cell()
                .map_err(|e| Problem::Unreadable(e.to_string()))?
            {
                let (row_idx, col_idx) = cell.get_position();
                let place = || {
                    format!(
                        "{}{}",
                        column_letters(col_idx as usize),
                        u64::from(row_idx) + 1
                    )
                };
                if row_idx >= MAX_ROWS || col_idx >= MAX_COLUMNS {
                    return Err(Problem::Cell {
                        cell: place(),
                        reason: format!(
                            "ссылка на ячейку за пределами листа Excel (столбцы A–XFD, строки 1–{MAX_ROWS})"
                        ),
                    });
                }
                let number = row_idx + 1;
                if number != row.number {
                    // calamine reads a reference past `u32` by wrapping it round, into a row
                    // above: rows of a sheet come in ascending order, so one that goes back is
                    // a reference that cannot be trusted.
                    if number < row.number {
                        return Err(Problem::Cell {
                            cell: place(),
                            reason: format!(
                                "строка {number} идет после строки {}: строки листа идут по возрастанию, ссылка на ячейку неверна",
                                row.number
                            ),
                        });
                    }
                    if row.number > 0 {
                        let done = std::mem::replace(
                            &mut row,
                            SheetRow {
                                number,
                                cells: Vec::new(),
                            },
                        );
                        if !send(batch, done, &mut batch_cells) {
                            return Ok(false);
                        }
                    } else {
                        row.number = number;
                    }
                }
                let value = convert_ref(cell.get_value());
                if value == Cell::Empty {
                    // A cell with a style and no value makes its row, not a column: rows stay
                    // as wide as their values.
                    continue;
                }
                if let Cell::Text(text) = &value
                    && text.len() > MAX_FIELD_BYTES
                {
                    return Err(long_text(col_idx as usize, row_idx, text.len()));
                }
                let col_idx = col_idx as usize;
                if row.cells.len() <= col_idx {
                    spanned += (col_idx + 1 - row.cells.len()) as u64;
                    if spanned > MAX_SHEET_CELLS {
                        return Err(Problem::TooLarge(format!(
                            "строки листа занимают больше {MAX_SHEET_CELLS} ячеек"
                        )));
                    }
                    row.cells.resize(col_idx + 1, Cell::Empty);
                }
                row.cells[col_idx] = value;
            }
            if row.number > 0 && !send(batch, row, &mut batch_cells) {
                return Ok(false);
            }
            Ok(true)
        };
        match guarded(|| Ok(read(&mut batch))) {
            Ok(Ok(true)) => {}
            // The reader of the rows is gone: nobody to tell.
            Ok(Ok(false)) => return,
            Ok(Err(problem)) => batch.rows.push(Err(problem)),
            Err(panic) => batch.rows.push(Err(Problem::Unreadable(panic))),
        }
        batch.done = true;
        let _ = tx.send(batch);
    });
    Streamed {
        rx,
        rows: Vec::new().into_iter(),
        done: false,
    }
}

/// The rows the reader thread sends, with an error if it ended without saying so.
struct Streamed {
    rx: std::sync::mpsc::Receiver<Batch>,
    rows: std::vec::IntoIter<Result<SheetRow, Problem>>,
    done: bool,
}

impl Iterator for Streamed {
    type Item = Result<SheetRow, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.rows.next() {
                return Some(row);
            }
            if self.done {
                return None;
            }
            match self.rx.recv() {
                Ok(batch) => {
                    self.done = batch.done;
                    self.rows = batch.rows.into_iter();
                }
                Err(_) => {
                    self.done = true;
                    return Some(Err(Problem::Unreadable(
                        "чтение листа оборвалось до его конца".into(),
                    )));
                }
            }
        }
    }
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

    fn rows(numbers: &[u32]) -> SheetRows {
        let rows: Vec<Result<SheetRow, Problem>> = numbers
            .iter()
            .map(|&number| {
                Ok(SheetRow {
                    number,
                    cells: vec![Cell::Text(number.to_string())],
                })
            })
            .collect();
        SheetRows::new("Лист1".into(), Box::new(rows.into_iter()))
    }

    #[test]
    fn a_gap_between_rows_is_one_run_of_blank_rows() {
        let mut sheet = rows(&[3, 4, 1_000_005]);
        let mut seen = Vec::new();
        while let Some(next) = sheet.next_rows("f.xlsx").unwrap() {
            seen.push(match next {
                Next::Row(row) => format!("{}:{}", row.loc.number(), row.cells[0].to_text()),
                Next::Blank(n) => format!("blank {n}"),
            });
        }
        // The rows above the first are not the sheet's, as they never were.
        assert_eq!(seen, ["3:3", "4:4", "blank 1000000", "1000005:1000005"]);
    }

    #[test]
    fn blank_rows_one_by_one_and_the_rest_as_a_run() {
        let mut sheet = rows(&[1, 6]);
        let mut numbers = Vec::new();
        for _ in 0..3 {
            let row = sheet.next_row("f.xlsx").unwrap().unwrap();
            numbers.push((row.loc.number(), row.is_blank()));
        }
        assert_eq!(numbers, [(1, false), (2, true), (3, true)]);
        assert!(matches!(
            sheet.next_rows("f.xlsx"),
            Ok(Some(Next::Blank(2)))
        ));
        assert!(
            matches!(sheet.next_rows("f.xlsx"), Ok(Some(Next::Row(row))) if row.loc.number() == 6)
        );
        assert!(sheet.next_rows("f.xlsx").unwrap().is_none());
    }

    #[test]
    fn a_panic_is_an_error() {
        let result: Result<(), String> = guarded(|| panic!("attempt to multiply with overflow"));
        assert_eq!(
            result.unwrap_err(),
            "сбой при разборе книги (attempt to multiply with overflow)"
        );
    }

    #[test]
    fn a_reader_thread_that_dies_does_not_end_the_sheet() {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
        tx.send(Batch {
            rows: vec![Ok(SheetRow {
                number: 1,
                cells: Vec::new(),
            })],
            done: false,
        })
        .unwrap();
        drop(tx);
        let mut streamed = Streamed {
            rx,
            rows: Vec::new().into_iter(),
            done: false,
        };
        assert!(matches!(streamed.next(), Some(Ok(_))));
        assert!(matches!(streamed.next(), Some(Err(Problem::Unreadable(_)))));
        assert!(streamed.next().is_none());
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
