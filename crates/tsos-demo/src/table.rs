//! A file's content as a table, and its writing as CSV or XLSX.
//!
//! Content and format are kept apart so that the same export can be written in any of the
//! forms real senders use; the formats differ in exactly the ways SPEC §5 says the importer
//! must absorb (encodings, delimiters, title lines, number and date spellings).

use std::fmt::Write as _;

use jiff::civil::Date;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

#[derive(Clone)]
pub(crate) enum Cell {
    Empty,
    Text(String),
    /// A quantity: grouped in thousands where the CSV style says so, a number in XLSX.
    Count(u64),
    /// A code made of digits (ИНН, user id) kept as a number: a CSV prints the digits, an
    /// XLSX cell is numeric, so a leading zero is lost exactly as in files saved by Excel.
    Code(u64),
    /// A share in per cent, shown with one decimal: «81,3».
    Percent(f64),
    /// A date with a time of day in seconds.
    Moment(Date, u32),
}

pub(crate) struct Table {
    pub title: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Clone, Copy)]
pub(crate) enum Encoding {
    Utf8Bom,
    Utf8,
    Windows1251,
}

#[derive(Clone, Copy)]
pub(crate) enum MomentStyle {
    /// `2023-09-14T08:31:12+03:00`, as APIs and exports of web systems write it.
    IsoOffset,
    /// `2023-09-14 08:31:12`, as database dumps write it.
    IsoSpace,
    /// `14.09.2023 08:31`, as Russian Excel writes it.
    Russian,
}

#[derive(Clone, Copy)]
pub(crate) struct CsvStyle {
    pub encoding: Encoding,
    pub delimiter: char,
    pub crlf: bool,
    /// Whether the title line and a blank line stand above the header.
    pub title: bool,
    /// Saved from Excel: the title and blank lines carry the delimiters of their empty cells.
    pub padded: bool,
    pub moments: MomentStyle,
    /// Thousands separator of counts (space or no-break space), if any.
    pub thousands: Option<char>,
}

impl CsvStyle {
    pub fn encode(&self, table: &Table) -> Vec<u8> {
        let newline = if self.crlf { "\r\n" } else { "\n" };
        let padding = if self.padded {
            self.delimiter
                .to_string()
                .repeat(table.header.len().saturating_sub(1))
        } else {
            String::new()
        };
        let mut text = String::with_capacity(table.rows.len() * 96);
        if self.title {
            self.push_field(&mut text, &table.title);
            text.push_str(&padding);
            text.push_str(newline);
            text.push_str(&padding);
            text.push_str(newline);
        }
        for (index, name) in table.header.iter().enumerate() {
            if index > 0 {
                text.push(self.delimiter);
            }
            self.push_field(&mut text, name);
        }
        text.push_str(newline);
        // One buffer for every value: per-user files have hundreds of thousands of them.
        let mut value = String::new();
        for row in &table.rows {
            for (index, cell) in row.iter().enumerate() {
                if index > 0 {
                    text.push(self.delimiter);
                }
                value.clear();
                self.render(cell, &mut value);
                self.push_field(&mut text, &value);
            }
            text.push_str(newline);
        }
        match self.encoding {
            Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            Encoding::Utf8 => text.into_bytes(),
            Encoding::Windows1251 => {
                let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&text);
                // Every character the demo writes exists in Windows-1251; a slip would
                // silently become an HTML entity in the file.
                debug_assert!(!unmappable, "a character outside Windows-1251");
                bytes.into_owned()
            }
        }
    }

    fn render(&self, cell: &Cell, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = match cell {
            Cell::Empty => Ok(()),
            Cell::Text(text) => {
                out.push_str(text);
                Ok(())
            }
            Cell::Count(n) => match self.thousands {
                Some(separator) => {
                    out.push_str(&group_thousands(*n, separator));
                    Ok(())
                }
                None => write!(out, "{n}"),
            },
            Cell::Code(n) => write!(out, "{n}"),
            Cell::Percent(p) => {
                let tenths = (p * 10.0).round() as u64;
                write!(out, "{},{}", tenths / 10, tenths % 10)
            }
            Cell::Moment(date, seconds) => {
                let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
                let (y, mo, d) = (date.year(), date.month(), date.day());
                match self.moments {
                    MomentStyle::IsoOffset => {
                        write!(out, "{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}+03:00")
                    }
                    MomentStyle::IsoSpace => {
                        write!(out, "{y:04}-{mo:02}-{d:02} {h:02}:{m:02}:{s:02}")
                    }
                    MomentStyle::Russian => write!(out, "{d:02}.{mo:02}.{y:04} {h:02}:{m:02}"),
                }
            }
        };
    }

    /// RFC 4180 quoting, only where the value needs it (names with quotes or delimiters).
    fn push_field(&self, out: &mut String, value: &str) {
        if value.contains([self.delimiter, '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(value);
        }
    }
}

/// One decimal, halves away from zero as people round (formatting alone rounds 81,25 down).
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// «1 234 567» with the given separator.
pub(crate) fn group_thousands(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

pub(crate) struct XlsxStyle {
    pub sheet: &'static str,
    /// An empty row between the merged title and the header, as in hand-made registries.
    pub gap_after_title: bool,
    /// The workbook's creation time, fixed so that the same seed gives the same bytes.
    pub created: Date,
}

impl XlsxStyle {
    pub fn encode(&self, table: &Table) -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        // Per-user workbooks run to tens of thousands of rows; the fastest deflate level
        // halves their writing time for files a few per cent larger.
        workbook.set_zip_compression_level(1);
        let created = excel_date(self.created)?.and_hms(9, 0, 0)?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
        let sheet = workbook.add_worksheet();
        sheet.set_name(self.sheet)?;
        let title_format = Format::new().set_bold().set_font_size(12);
        let header_format = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
        let moment_format = Format::new().set_num_format("dd.mm.yyyy hh:mm");
        let percent_format = Format::new().set_num_format("0.0");
        let bold = Format::new().set_bold();

        let last_col = table.header.len().saturating_sub(1) as u16;
        if last_col > 0 {
            sheet.merge_range(0, 0, 0, last_col, &table.title, &title_format)?;
        } else {
            sheet.write_string_with_format(0, 0, &table.title, &title_format)?;
        }
        let header_row = if self.gap_after_title { 2 } else { 1 };
        for (col, name) in table.header.iter().enumerate() {
            sheet.write_string_with_format(header_row, col as u16, *name, &header_format)?;
            sheet.set_column_width(col as u16, column_width(table, col))?;
        }
        for (index, cells) in table.rows.iter().enumerate() {
            let row = header_row + 1 + index as u32;
            let mut first_value = 0;
            // A totals label spans the empty cells after it, as in hand-made tables.
            if let Some(Cell::Text(label)) = cells.first() {
                let span = cells[1..]
                    .iter()
                    .take_while(|c| matches!(c, Cell::Empty))
                    .count();
                if label == crate::TOTALS && span > 0 {
                    sheet.merge_range(row, 0, row, span as u16, label, &bold)?;
                    first_value = span + 1;
                }
            }
            for (col, cell) in cells.iter().enumerate().skip(first_value) {
                let col = col as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(text) => {
                        sheet.write_string(row, col, text)?;
                    }
                    Cell::Count(n) | Cell::Code(n) => {
                        sheet.write_number(row, col, *n as f64)?;
                    }
                    Cell::Percent(p) => {
                        sheet.write_number_with_format(row, col, round1(*p), &percent_format)?;
                    }
                    Cell::Moment(date, seconds) => {
                        let moment = excel_date(*date)?.and_hms(
                            (seconds / 3600) as u16,
                            (seconds / 60 % 60) as u8,
                            seconds % 60,
                        )?;
                        sheet.write_datetime_with_format(row, col, &moment, &moment_format)?;
                    }
                }
            }
        }
        workbook.save_to_buffer()
    }
}

fn excel_date(date: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
}

/// Wide enough for the header and the longest of the first rows, within reason.
fn column_width(table: &Table, col: usize) -> f64 {
    let header = table.header[col].chars().count().min(24);
    let values = table
        .rows
        .iter()
        .take(200)
        .filter_map(|row| match row.get(col) {
            Some(Cell::Text(text)) => Some(text.chars().count()),
            Some(Cell::Moment(..)) => Some(16),
            Some(Cell::Code(_) | Cell::Count(_)) => Some(11),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    (header.max(values).clamp(6, 60) + 2) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn style(delimiter: char) -> CsvStyle {
        CsvStyle {
            encoding: Encoding::Utf8,
            delimiter,
            crlf: false,
            title: true,
            padded: true,
            moments: MomentStyle::Russian,
            thousands: Some('\u{a0}'),
        }
    }

    #[test]
    fn csv_quotes_only_where_needed() {
        let table = Table {
            title: "Заголовок".into(),
            header: vec!["А", "Б", "В"],
            rows: vec![vec![
                Cell::Text("МБОУ \"СОШ №1\"".into()),
                Cell::Text("a;b".into()),
                Cell::Count(1234),
            ]],
        };
        let text = String::from_utf8(style(';').encode(&table)).unwrap();
        assert_eq!(
            text,
            "Заголовок;;\n;;\nА;Б;В\n\"МБОУ \"\"СОШ №1\"\"\";\"a;b\";1\u{a0}234\n"
        );
    }

    #[test]
    fn moments_and_percents() {
        let render = |style: &CsvStyle, cell: &Cell| {
            let mut out = String::new();
            style.render(cell, &mut out);
            out
        };
        let moment = Cell::Moment(date(2023, 9, 14), 8 * 3600 + 31 * 60 + 12);
        let mut csv = style(',');
        assert_eq!(render(&csv, &moment), "14.09.2023 08:31");
        csv.moments = MomentStyle::IsoOffset;
        assert_eq!(render(&csv, &moment), "2023-09-14T08:31:12+03:00");
        csv.moments = MomentStyle::IsoSpace;
        assert_eq!(render(&csv, &moment), "2023-09-14 08:31:12");
        assert_eq!(render(&csv, &Cell::Percent(81.25)), "81,3");
        assert_eq!(render(&csv, &Cell::Percent(0.04)), "0,0");
        assert_eq!(render(&csv, &Cell::Percent(100.0)), "100,0");
        assert_eq!(render(&csv, &Cell::Code(512345678)), "512345678");
        assert_eq!(render(&csv, &Cell::Count(1234)), "1\u{a0}234");
    }

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(0, ' '), "0");
        assert_eq!(group_thousands(999, ' '), "999");
        assert_eq!(group_thousands(1000, ' '), "1 000");
        assert_eq!(group_thousands(1234567, ' '), "1 234 567");
    }
}
