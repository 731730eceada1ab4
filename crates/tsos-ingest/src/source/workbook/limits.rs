//! What a workbook may be before calamine reads it. calamine believes the numbers a file
//! gives: a ZIP part's size, a count of shared strings it reserves room for, the rows and
//! columns an ODS row repeats. A file of a few kilobytes can so ask for gigabytes, and
//! allocating them aborts the whole process (the web server with it). Each limit here is
//! far above what a real export needs and far below what would hurt the machine.
//!
//! XLSX and ODS are ZIP packages. The central directory gives every part's size before
//! anything is unpacked, and `zip` stops with an error when a part unpacks to more than it
//! declared, so declared sizes bound what calamine can unpack. The parts calamine keeps
//! whole (the shared strings, the styles, ODS's `content.xml`) are also read here once,
//! streaming, to count what they would make.
//!
//! The limits on the cells of a sheet, which the readers of rows check, are here too.
//!
//! What is left. A worksheet is streamed, not read here, and calamine holds one piece of its
//! XML whole (a cell's text, a tag) before tsos sees the cell, some three times over: only
//! the part's size bounds it. A 36 MB XLSX whose one cell is a gigabyte of text packed 28
//! times is refused at that cell, after calamine held 3 GB for some seconds. Reading the
//! sheet here first would unpack it twice, 6 % more time on a sheet at Excel's row limit.
//! The central directory is parsed by `zip` before any limit applies; what it makes grows
//! with the file's bytes, not with the numbers it declares.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use crate::error::IngestError;

/// Excel's sheet: 1,048,576 rows by 16,384 columns (A to XFD). Nothing outside it is a cell.
pub const MAX_ROWS: u32 = 1 << 20;
pub const MAX_COLUMNS: u32 = 1 << 14;

/// The most cells the rows of one XLSX sheet may span, counting every cell from column A to
/// each row's last value: 128 columns at every one of Excel's rows. A file of a few megabytes
/// whose every row has a value in column XFD would otherwise make 16,384 cells of each row,
/// and a minute of work for every million rows.
pub const MAX_SHEET_CELLS: u64 = 128 << 20;

/// All the parts of a package together, unpacked. A per-user export at Excel's row limit
/// unpacks to a few hundred megabytes; calamine streams the sheet, but holds the shared
/// strings whole.
pub const MAX_UNPACKED_BYTES: u64 = 1 << 30;
/// A part that unpacks to more than this many times its packed size, once it is over
/// [`RATIO_CHECKED_FROM`], is a ZIP bomb: the XML of real sheets packs 5 to 30 times.
pub const MAX_RATIO: u64 = 100;
pub const RATIO_CHECKED_FROM: u64 = 8 << 20;
/// Parts of a package. A workbook has a dozen, and one more per sheet, image or chart.
pub const MAX_PARTS: usize = 10_000;
/// The shared strings part, unpacked: 256 bytes of it for each of Excel's 1,048,576 rows.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 256 << 20;
/// Distinct shared strings: eight for each of Excel's rows (a user's id, login, e-mail…).
/// calamine keeps each as a `String`, some 50 bytes even when empty.
pub const MAX_SHARED_STRINGS: u64 = 8 << 20;
/// The XML of one shared string, or any one piece of XML text or tag in a part read here:
/// a cell holds at most [`MAX_FIELD_BYTES`](crate::source::MAX_FIELD_BYTES), which escaped
/// and marked up takes a few times as much.
pub const MAX_XML_TOKEN: u64 = 1 << 20;
/// Each other part calamine reads whole when it opens a workbook (relationships, workbook,
/// styles, theme; ODS's manifest and meta): Excel's 64,000 cell formats take some 10 MB.
pub const MAX_OPENING_PART: u64 = 16 << 20;
/// Fonts, fills, borders, number formats and cell formats of the styles part, together:
/// twice Excel's 64,000 cell formats. calamine builds a style of some hundred bytes from a
/// dozen bytes of each.
pub const MAX_STYLE_RECORDS: u64 = 128 * 1024;
/// The cells calamine makes of all the sheets of an ODS, repeats expanded: a whole sheet of
/// the old XLS (65,536 rows × 256 columns).
pub const MAX_ODS_CELLS: u64 = 1 << 24;
/// The text calamine copies into those cells.
pub const MAX_ODS_TEXT: u64 = 256 << 20;

/// Checks the workbook at `path` of `kind` (`XLSX`, `ODS` or `XLS`) before calamine reads it.
pub(super) fn check(path: &Path, file: &str, kind: &str) -> Result<(), IngestError> {
    match kind {
        "XLS" => check_xls(path, file),
        _ => check_package(path, file, kind),
    }
}

/// A part of a package as the checks see it.
struct Part {
    index: usize,
    /// As calamine looks parts up: `\` as `/`, lower case.
    name: String,
    /// As the package has it, for messages.
    raw: String,
    size: u64,
}

fn check_package(path: &Path, file: &str, kind: &str) -> Result<(), IngestError> {
    let too_large = |detail: String| IngestError::WorkbookTooLarge {
        file: file.to_string(),
        detail,
    };
    let damaged = |detail: String| IngestError::Spreadsheet {
        file: file.to_string(),
        detail,
    };
    let reader = BufReader::new(File::open(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?);
    let mut archive = ZipArchive::new(reader).map_err(|err| IngestError::NotSpreadsheet {
        file: file.to_string(),
        ext: kind.to_lowercase(),
        detail: err.to_string(),
    })?;
    if archive.len() > MAX_PARTS {
        return Err(too_large(format!(
            "в архиве {} частей, допустимо не больше {MAX_PARTS}",
            archive.len()
        )));
    }
    let mut parts = Vec::with_capacity(archive.len());
    let mut total = 0u64;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|err| damaged(err.to_string()))?;
        let raw_name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let (size, packed) = (entry.size(), entry.compressed_size());
        if size > RATIO_CHECKED_FROM && size / packed.max(1) > MAX_RATIO {
            return Err(too_large(format!(
                "часть {raw_name} распаковывается из {} в {}, в {} раз: похоже на ZIP-бомбу",
                megabytes(packed),
                megabytes(size),
                size / packed.max(1)
            )));
        }
        total = total.saturating_add(size);
        parts.push(Part {
            index,
            name: raw_name.replace('\\', "/").to_ascii_lowercase(),
            raw: raw_name,
            size,
        });
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(too_large(format!(
            "части книги распаковываются в {}, допустимо не больше {}",
            megabytes(total),
            megabytes(MAX_UNPACKED_BYTES)
        )));
    }
    let mut scan = Scan {
        archive: &mut archive,
        parts: &parts,
        file,
    };
    if kind == "ODS" {
        for name in ["meta.xml", "meta-inf/manifest.xml"] {
            scan.opening_part(name)?;
        }
        scan.ods_content()
    } else {
        let (dir, workbook) = scan.office_document()?;
        for name in [
            format!("{dir}{workbook}"),
            format!("{dir}_rels/{workbook}.rels"),
            format!("{dir}theme/theme1.xml"),
        ] {
            scan.opening_part(&name)?;
        }
        scan.styles(&format!("{dir}styles.xml"))?;
        scan.shared_strings(&format!("{dir}sharedstrings.xml"))
    }
}

/// `1 МБ`, `1 024 МБ`: sizes in refusals.
fn megabytes(bytes: u64) -> String {
    format!("{} МБ", bytes.div_ceil(1 << 20))
}

/// Reads parts of a checked package.
struct Scan<'a, R> {
    archive: &'a mut ZipArchive<R>,
    parts: &'a [Part],
    file: &'a str,
}

/// What reading one part found wrong.
enum Found {
    /// More than a limit allows: why.
    TooLarge(String),
    /// The part cannot be read: why.
    Damaged(String),
}

impl<R: Read + Seek> Scan<'_, R> {
    fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|part| part.name == name)
    }

    fn error(&self, name: &str, found: Found) -> IngestError {
        let name = self.part(name).map_or(name, |part| part.raw.as_str());
        match found {
            Found::TooLarge(why) => IngestError::WorkbookTooLarge {
                file: self.file.to_string(),
                detail: format!("часть {name}: {why}"),
            },
            Found::Damaged(why) => IngestError::Spreadsheet {
                file: self.file.to_string(),
                detail: format!("часть {name}: {why}"),
            },
        }
    }

    /// Refuses the part `name`, if there is one, when it is larger than `limit`.
    fn size_at_most(&self, name: &str, limit: u64) -> Result<(), IngestError> {
        match self.part(name) {
            Some(part) if part.size > limit => Err(self.error(
                name,
                Found::TooLarge(format!(
                    "распаковывается в {}, допустимо не больше {}",
                    megabytes(part.size),
                    megabytes(limit)
                )),
            )),
            _ => Ok(()),
        }
    }

    /// Reads the part `name`, if there is one, event by event, with `visit` told each event
    /// and the position after it; `visit` returns what it found wrong, and stops the read.
    fn read_xml(
        &mut self,
        name: &str,
        mut visit: impl FnMut(&Event<'_>, u64) -> Result<(), Found>,
    ) -> Result<(), IngestError> {
        let Some(index) = self.part(name).map(|part| part.index) else {
            return Ok(());
        };
        let result = (|| {
            let entry = self
                .archive
                .by_index(index)
                .map_err(|err| Found::Damaged(err.to_string()))?;
            let mut xml = quick_xml::Reader::from_reader(BufReader::new(TokenGuard {
                inner: entry,
                since_open: 0,
                overlong: false,
            }));
            // As calamine reads: what it accepts is read here too.
            let config = xml.config_mut();
            config.check_end_names = false;
            config.check_comments = false;
            let mut buf = Vec::new();
            loop {
                buf.clear();
                let event = match xml.read_event_into(&mut buf) {
                    Ok(event) => event,
                    Err(err) if xml.get_ref().get_ref().overlong => {
                        return Err(Found::TooLarge(format!(
                            "текст или тег XML длиннее {} ({err})",
                            megabytes(MAX_XML_TOKEN)
                        )));
                    }
                    Err(err) => return Err(Found::Damaged(err.to_string())),
                };
                if matches!(event, Event::Eof) {
                    return Ok(());
                }
                visit(&event, xml.buffer_position())?;
            }
        })();
        result.map_err(|found| self.error(name, found))
    }

    /// A part calamine reads whole at opening: bounded by [`MAX_OPENING_PART`], and its XML
    /// by [`MAX_XML_TOKEN`].
    fn opening_part(&mut self, name: &str) -> Result<(), IngestError> {
        self.size_at_most(name, MAX_OPENING_PART)?;
        self.read_xml(name, |_, _| Ok(()))
    }

    /// The folder and name of the workbook part, as calamine finds them: the target of the
    /// package's `officeDocument` relationship, `xl/workbook.xml` by default.
    fn office_document(&mut self) -> Result<(String, String), IngestError> {
        let rels = "_rels/.rels";
        self.size_at_most(rels, MAX_OPENING_PART)?;
        let mut target = None;
        self.read_xml(rels, |event, _| {
            if let Event::Start(e) | Event::Empty(e) = event
                && e.local_name().as_ref() == "Relationship"
                && attribute(e, "Type")
                    .is_some_and(|t| t.ends_with("/relationships/officeDocument"))
            {
                target = attribute(e, "Target");
            }
            Ok(())
        })?;
        let target = target
            .unwrap_or_else(|| "xl/workbook.xml".into())
            .replace('\\', "/")
            .to_ascii_lowercase();
        let target = target.strip_prefix('/').unwrap_or(&target);
        let (dir, name) = match target.rfind('/') {
            Some(at) => target.split_at(at + 1),
            None => ("", target),
        };
        let name = if name.is_empty() {
            "workbook.xml"
        } else {
            name
        };
        Ok((dir.to_string(), name.to_string()))
    }

    /// The styles part: calamine builds a style of every cell format, with copies of its
    /// font, fill and border, so their number is bounded by [`MAX_STYLE_RECORDS`].
    fn styles(&mut self, name: &str) -> Result<(), IngestError> {
        self.size_at_most(name, MAX_OPENING_PART)?;
        let mut records = 0u64;
        self.read_xml(name, |event, _| {
            if let Event::Start(e) | Event::Empty(e) = event
                && matches!(
                    e.local_name().as_ref(),
                    "xf" | "font" | "fill" | "border" | "numFmt"
                )
            {
                records += 1;
                if records > MAX_STYLE_RECORDS {
                    return Err(Found::TooLarge(format!(
                        "больше {MAX_STYLE_RECORDS} шрифтов, заливок, границ и форматов"
                    )));
                }
            }
            Ok(())
        })
    }

    /// The shared strings part, which calamine reads whole into a `Vec<String>` when it
    /// opens the workbook, reserving the `uniqueCount` the part declares. Refused: a part
    /// over [`MAX_SHARED_STRINGS_BYTES`], a declared count over [`MAX_SHARED_STRINGS`] or over
    /// what the part's bytes can hold (the shortest string, `<si/>`, takes 5), more strings
    /// than that in fact, and a string whose XML is over [`MAX_XML_TOKEN`].
    ///
    /// The part is read as bytes, tag by tag, not as XML events: a real export's shared
    /// strings are tens of megabytes, and events cost about as much as calamine's own read.
    /// A tag in a comment counts too, which only errs on the side of refusing.
    fn shared_strings(&mut self, name: &str) -> Result<(), IngestError> {
        self.size_at_most(name, MAX_SHARED_STRINGS_BYTES)?;
        let Some(part) = self.part(name) else {
            return Ok(());
        };
        let (index, size) = (part.index, part.size);
        let mut strings = SharedStrings {
            size,
            count: 0,
            open: None,
        };
        let result = match self.archive.by_index(index) {
            Ok(entry) => scan_tags(entry, |tag, at| strings.tag(tag, at)),
            Err(err) => Err(Found::Damaged(err.to_string())),
        };
        result.map_err(|found| self.error(name, found))
    }

    /// ODS's `content.xml`: calamine reads every sheet of it whole, repeating a cell
    /// `table:number-columns-repeated` times and a row `table:number-rows-repeated` times
    /// (each up to Excel's limits), so a few bytes can ask for hundreds of millions of cells.
    /// This counts, for every sheet, the cells and text calamine would make: every cell of
    /// every row (empty ones too), and each row from the first with a value to the last as
    /// wide as the widest, with its text, as many times as it repeats. That is at least
    /// what calamine makes, and it is bounded by [`MAX_ODS_CELLS`] and [`MAX_ODS_TEXT`].
    fn ods_content(&mut self) -> Result<(), IngestError> {
        let mut sheets = OdsCount::default();
        let mut sheet = OdsSheet::default();
        let mut row = OdsRow::default();
        let mut cell: Option<(u64, u64)> = None;
        // calamine reads a sheet to its end tag and, at the end of the XML without one, loops
        // for ever: a `content.xml` cut inside a sheet is refused here.
        let mut in_sheet = false;
        self.read_xml("content.xml", |event, at| {
            match event {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    "table:table" => {
                        sheet = OdsSheet::default();
                        in_sheet = matches!(event, Event::Start(_));
                    }
                    "table:table-row" => {
                        let repeats = number(e, "table:number-rows-repeated");
                        let repeats =
                            repeats.min(u64::from(MAX_ROWS) - sheet.rows.min(u64::from(MAX_ROWS)));
                        sheet.rows += repeats;
                        row = OdsRow {
                            repeats,
                            ..OdsRow::default()
                        };
                        if matches!(event, Event::Empty(_)) {
                            sheet.add_row(&row);
                            sheets.check(&sheet)?;
                        }
                    }
                    "table:table-cell" | "table:covered-table-cell" => {
                        let repeats = number(e, "table:number-columns-repeated")
                            .min(u64::from(MAX_COLUMNS) - row.cells.min(u64::from(MAX_COLUMNS)));
                        row.cells += repeats;
                        let valued = e.attributes().flatten().any(|a| {
                            matches!(a.key.as_ref(), "office:value-type" | "table:formula")
                        });
                        row.valued |= valued;
                        if matches!(event, Event::Start(_)) {
                            cell = Some((repeats, at));
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.name().as_ref() {
                    "table:table-cell" | "table:covered-table-cell" => {
                        if let Some((repeats, from)) = cell.take() {
                            // What is between the cell's tags bounds its text; a cell with
                            // content has a value even without a type.
                            let end_tag = e.name().as_ref().len() as u64 + 3;
                            let bytes = (at - from).saturating_sub(end_tag);
                            row.valued |= bytes > 0;
                            row.text = row.text.saturating_add(repeats.saturating_mul(bytes));
                        }
                    }
                    "table:table-row" => {
                        sheet.add_row(&row);
                        sheets.check(&sheet)?;
                    }
                    "table:table" => {
                        sheets.cells = sheets.cells.saturating_add(sheet.cells());
                        sheets.text = sheets.text.saturating_add(sheet.text());
                        sheet = OdsSheet::default();
                        in_sheet = false;
                    }
                    _ => {}
                },
                _ => {}
            }
            Ok(())
        })?;
        if in_sheet {
            return Err(self.error(
                "content.xml",
                Found::Damaged("часть обрывается внутри листа".into()),
            ));
        }
        Ok(())
    }
}

/// What the shared strings part has shown so far.
struct SharedStrings {
    size: u64,
    count: u64,
    /// Where the string being read began.
    open: Option<u64>,
}

impl SharedStrings {
    /// One tag, without its `<` and `>`, that begins at `at`.
    fn tag(&mut self, tag: &[u8], at: u64) -> Result<(), Found> {
        let (closing, rest) = match tag.strip_prefix(b"/") {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let name_len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        // The local name, as calamine compares it: `x:si` is `si`.
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        match local {
            b"sst" if !closing => {
                // As calamine reads it: only a number it can parse is reserved.
                if let Some(declared) = unique_count(&rest[name_len..])
                    && (declared > MAX_SHARED_STRINGS || declared > self.size / 5)
                {
                    return Err(Found::TooLarge(format!(
                        "объявлено {declared} строк, а их может быть не больше {}",
                        MAX_SHARED_STRINGS.min(self.size / 5)
                    )));
                }
            }
            b"si" if closing => {
                if let Some(from) = self.open.take()
                    && at - from > MAX_XML_TOKEN
                {
                    return Err(Found::TooLarge(format!(
                        "строка {} длиннее {}",
                        self.count,
                        megabytes(MAX_XML_TOKEN)
                    )));
                }
            }
            b"si" => {
                self.count += 1;
                if self.count > MAX_SHARED_STRINGS {
                    return Err(Found::TooLarge(format!(
                        "больше {MAX_SHARED_STRINGS} строк"
                    )));
                }
                if !tag.ends_with(b"/") {
                    self.open = Some(at);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The value of `uniqueCount` among the attributes `attrs`, if it is a number.
fn unique_count(attrs: &[u8]) -> Option<u64> {
    let mut rest = attrs;
    while let Some(at) = memchr::memmem::find(rest, b"uniqueCount") {
        let before = at.checked_sub(1).map(|i| rest[i]);
        let after = &rest[at + b"uniqueCount".len()..];
        rest = after;
        if before.is_some_and(|b| !b.is_ascii_whitespace()) {
            continue;
        }
        let value = after
            .trim_ascii_start()
            .strip_prefix(b"=")?
            .trim_ascii_start();
        let quote = *value.first()?;
        let value = &value[1..];
        let end = value.iter().position(|b| *b == quote)?;
        return std::str::from_utf8(&value[..end]).ok()?.parse().ok();
    }
    None
}

/// Calls `visit` with every tag of `input` (the bytes between `<` and `>`) and the offset
/// of its `<`. Fails where a tag, or the text between two tags, is longer than
/// [`MAX_XML_TOKEN`].
fn scan_tags(
    mut input: impl Read,
    mut visit: impl FnMut(&[u8], u64) -> Result<(), Found>,
) -> Result<(), Found> {
    const CHUNK: usize = 256 * 1024;
    let too_long = || {
        Found::TooLarge(format!(
            "текст или тег XML длиннее {}",
            megabytes(MAX_XML_TOKEN)
        ))
    };
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
    // The offset of `buf[0]` in the part, and of the last `<` seen.
    let mut base = 0u64;
    let mut last_open = 0u64;
    loop {
        let kept = buf.len();
        buf.resize(kept + CHUNK, 0);
        let n = loop {
            match input.read(&mut buf[kept..]) {
                Ok(n) => break n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(Found::Damaged(err.to_string())),
            }
        };
        buf.truncate(kept + n);
        let mut pos = 0;
        while let Some(found) = memchr::memchr(b'<', &buf[pos..]) {
            let start = pos + found;
            let at = base + start as u64;
            if at - last_open > MAX_XML_TOKEN {
                return Err(too_long());
            }
            last_open = at;
            let Some(len) = memchr::memchr(b'>', &buf[start..]) else {
                break;
            };
            visit(&buf[start + 1..start + len], at)?;
            pos = start + len + 1;
        }
        // What is left is text, or a tag not yet whole: the tag is kept for the next chunk.
        let keep_from = match memchr::memchr(b'<', &buf[pos..]) {
            Some(found) => pos + found,
            None => buf.len(),
        };
        buf.drain(..keep_from);
        base += keep_from as u64;
        if buf.len() as u64 > MAX_XML_TOKEN || base + buf.len() as u64 - last_open > MAX_XML_TOKEN {
            return Err(too_long());
        }
        if n == 0 {
            return Ok(());
        }
    }
}

/// The cells and text of the ODS sheets read so far.
#[derive(Default)]
struct OdsCount {
    cells: u64,
    text: u64,
}

impl OdsCount {
    /// Refuses the sheets read so far with `sheet` as it stands.
    fn check(&self, sheet: &OdsSheet) -> Result<(), Found> {
        let cells = self.cells.saturating_add(sheet.cells());
        if cells > MAX_ODS_CELLS {
            return Err(Found::TooLarge(format!(
                "листы книги, с повторами строк и ячеек, занимают больше {MAX_ODS_CELLS} ячеек"
            )));
        }
        if self.text.saturating_add(sheet.text()) > MAX_ODS_TEXT {
            return Err(Found::TooLarge(format!(
                "текст ячеек, с повторами строк и ячеек, больше {}",
                megabytes(MAX_ODS_TEXT)
            )));
        }
        Ok(())
    }
}

/// One row of an ODS sheet as written, before calamine repeats it.
#[derive(Default)]
struct OdsRow {
    repeats: u64,
    cells: u64,
    text: u64,
    valued: bool,
}

/// One ODS sheet: what its rows as written make, and the span from the first row with a
/// value to the last, which calamine makes as wide as its widest row.
#[derive(Default)]
struct OdsSheet {
    /// Rows so far, repeats included, as calamine caps them.
    rows: u64,
    written: u64,
    written_text: u64,
    /// Rows of the span so far, repeats included, and their text.
    span_rows: u64,
    span_text: u64,
    /// Rows without a value after the span, that join it if a row with a value follows.
    pending: u64,
    started: bool,
    widest: u64,
}

impl OdsSheet {
    fn add_row(&mut self, row: &OdsRow) {
        self.written = self.written.saturating_add(row.cells);
        self.written_text = self.written_text.saturating_add(row.text);
        if row.valued {
            self.started = true;
            self.widest = self.widest.max(row.cells);
            self.span_rows = self
                .span_rows
                .saturating_add(self.pending)
                .saturating_add(row.repeats);
            self.pending = 0;
            self.span_text = self
                .span_text
                .saturating_add(row.repeats.saturating_mul(row.text));
        } else if self.started {
            self.pending = self.pending.saturating_add(row.repeats);
        }
    }

    fn cells(&self) -> u64 {
        self.written
            .saturating_add(self.span_rows.saturating_mul(self.widest))
    }

    fn text(&self) -> u64 {
        self.written_text.saturating_add(self.span_text)
    }
}

/// The value of the attribute `key` (as written, with its prefix), as text.
fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key || a.key.local_name().as_ref() == key)
        .map(|a| a.value.into_owned())
}

/// A repeat count: 1 where there is none, or it is not a number (calamine refuses those).
fn number(e: &BytesStart<'_>, key: &str) -> u64 {
    attribute(e, key)
        .and_then(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(1)
}

/// Fails a read once the bytes between two `<` are more than [`MAX_XML_TOKEN`]: the XML
/// reader holds a whole piece of text or a whole tag in memory.
struct TokenGuard<R> {
    inner: R,
    since_open: u64,
    overlong: bool,
}

impl<R: Read> Read for TokenGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut from = 0;
        for at in memchr::memchr_iter(b'<', &buf[..n]).chain(std::iter::once(n)) {
            self.since_open += (at - from) as u64;
            if self.since_open > MAX_XML_TOKEN {
                self.overlong = true;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "слишком длинный фрагмент XML",
                ));
            }
            if at < n {
                self.since_open = 0;
            }
            from = at;
        }
        Ok(n)
    }
}

/// An XLS file. The old format holds at most 65,536 rows of 256 columns; a per-user export at
/// that limit is some tens of megabytes.
pub const MAX_XLS_BYTES: u64 = 256 << 20;
/// The cells calamine makes of all the sheets of an XLS, empty ones included: it makes each
/// sheet whole, from its first cell to its last, and reserves what a sheet's dimensions
/// record declares. 64 columns at every one of the old format's rows.
pub const MAX_XLS_CELLS: u64 = 1 << 22;

/// calamine reads an XLS whole when it opens it: the compound file's sectors, then every
/// sheet. It follows the file's chains of sectors without looking for loops, copies a
/// sector of the allocation table as often as it is listed, reserves a sheet's declared
/// dimensions and makes a range from its first cell to its last. Here the file is walked
/// the same way, refusing what calamine would not survive: a loop, more table sectors than
/// the file has, and sheets of more than [`MAX_XLS_CELLS`] cells.
fn check_xls(path: &Path, file: &str) -> Result<(), IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_XLS_BYTES {
        return Err(IngestError::WorkbookTooLarge {
            file: file.to_string(),
            detail: format!(
                "файл XLS размером {}, допустимо не больше {}",
                megabytes(size),
                megabytes(MAX_XLS_BYTES)
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let stream = match Compound::open(&bytes).and_then(|cfb| cfb.workbook()) {
        Ok(Some(stream)) => stream,
        // No workbook stream: calamine says so itself.
        Ok(None) => return Ok(()),
        Err(Found::TooLarge(detail)) => {
            return Err(IngestError::WorkbookTooLarge {
                file: file.to_string(),
                detail,
            });
        }
        Err(Found::Damaged(detail)) => {
            return Err(IngestError::Spreadsheet {
                file: file.to_string(),
                detail,
            });
        }
    };
    let cells = xls_cells(&stream);
    if cells > MAX_XLS_CELLS {
        return Err(IngestError::WorkbookTooLarge {
            file: file.to_string(),
            detail: format!(
                "листы книги занимают {cells} ячеек, допустимо не больше {MAX_XLS_CELLS}"
            ),
        });
    }
    Ok(())
}

/// Sector numbers of a compound file that are not sectors.
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;

/// A compound file (the container of an XLS) as calamine reads it.
struct Compound<'a> {
    /// The sectors, after the header.
    data: &'a [u8],
    sector: usize,
    /// The highest sector number calamine accepts.
    max_id: u32,
    fat: Vec<u32>,
    dir_start: u32,
    mini_fat_start: u32,
    mini_fat_len: usize,
}

fn damaged(why: &str) -> Found {
    Found::Damaged(format!("файл XLS поврежден: {why}"))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
}

impl<'a> Compound<'a> {
    fn open(bytes: &'a [u8]) -> Result<Compound<'a>, Found> {
        if bytes.len() < 512 {
            return Err(damaged("нет заголовка"));
        }
        let sector = match u16_at(bytes, 30) {
            9 => 512,
            12 => 4096,
            _ => return Err(damaged("неверный размер сектора")),
        };
        if bytes.len() < sector {
            return Err(damaged("нет заголовка"));
        }
        let mut cfb = Compound {
            data: &bytes[sector..],
            sector,
            max_id: u32::try_from(bytes.len() / sector).unwrap_or(u32::MAX),
            fat: Vec::new(),
            dir_start: u32_at(bytes, 48),
            mini_fat_start: u32_at(bytes, 60),
            mini_fat_len: u32_at(bytes, 64) as usize,
        };
        let mut difat: Vec<u32> = (76..512).step_by(4).map(|at| u32_at(bytes, at)).collect();
        let mut seen = Seen::new(cfb.max_id);
        let mut id = u32_at(bytes, 68);
        while id < RESERVED_SECTORS {
            seen.visit(id)?;
            let sector = cfb.sector(id)?;
            difat.extend((0..sector.len() / 4).map(|i| u32_at(sector, i * 4)));
            id = difat.pop().ok_or_else(|| damaged("пустой сектор DIFAT"))?;
        }
        // calamine copies a sector of the table each time it is listed: more of them than the
        // file has sectors would copy the file many times over.
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFAT_SECTOR).collect();
        if fat_sectors.len() as u64 > u64::from(cfb.max_id) + 1 {
            return Err(Found::TooLarge(
                "таблица размещения файла XLS больше самого файла".into(),
            ));
        }
        let mut fat = Vec::new();
        for id in fat_sectors {
            let sector = cfb.sector(id)?;
            fat.extend((0..sector.len() / 4).map(|i| u32_at(sector, i * 4)));
        }
        cfb.fat = fat;
        Ok(cfb)
    }

    /// The sector `id`, short at the end of the file.
    fn sector(&self, id: u32) -> Result<&'a [u8], Found> {
        let start = id as usize * self.sector;
        if id > self.max_id || start > self.data.len() {
            return Err(damaged("сектор за концом файла"));
        }
        Ok(&self.data[start..(start + self.sector).min(self.data.len())])
    }

    /// The bytes of the chain from `id`, at most `len`; a chain that comes back to a sector
    /// would never end in calamine.
    fn chain(&self, mut id: u32, len: usize) -> Result<Vec<u8>, Found> {
        let mut seen = Seen::new(self.max_id);
        let mut bytes = Vec::new();
        while id != END_OF_CHAIN {
            seen.visit(id)?;
            let sector = self.sector(id)?;
            bytes.extend_from_slice(&sector[..sector.len().min(len - bytes.len())]);
            if bytes.len() >= len {
                break;
            }
            id = *self
                .fat
                .get(id as usize)
                .ok_or_else(|| damaged("цепочка секторов за концом таблицы"))?;
        }
        Ok(bytes)
    }

    /// The workbook stream, if the file has one.
    fn workbook(&self) -> Result<Option<Vec<u8>>, Found> {
        let dirs = self.chain(self.dir_start, usize::MAX)?;
        let entries: Vec<(String, u32, usize)> = dirs
            .chunks_exact(128)
            .map(|entry| {
                let units: Vec<u16> = (0..32).map(|i| u16_at(entry, i * 2)).collect();
                let name = String::from_utf16_lossy(&units);
                let name = name.split('\0').next().unwrap_or("").to_string();
                let len = if self.sector == 512 {
                    u32_at(entry, 120) as usize
                } else {
                    (u64::from(u32_at(entry, 120)) | u64::from(u32_at(entry, 124)) << 32) as usize
                };
                (name, u32_at(entry, 116), len)
            })
            .collect();
        let Some(root) = entries.first() else {
            return Err(damaged("нет корневого каталога"));
        };
        let (mini_stream, mini_fat) = if self.mini_fat_len > 0 {
            let stream = self.chain(root.1, root.2)?;
            let fat = self.chain(
                self.mini_fat_start,
                self.mini_fat_len.saturating_mul(self.sector),
            )?;
            let fat: Vec<u32> = (0..fat.len() / 4).map(|i| u32_at(&fat, i * 4)).collect();
            (stream, fat)
        } else {
            (Vec::new(), Vec::new())
        };
        let found = ["Workbook", "Book"].iter().find_map(|wanted| {
            entries
                .iter()
                .find(|(name, _, _)| name.eq_ignore_ascii_case(wanted))
        });
        let Some((_, start, len)) = found else {
            return Ok(None);
        };
        if *len >= 4096 {
            return self.chain(*start, *len).map(Some);
        }
        // A small stream lives in the mini stream, in sectors of 64 bytes.
        let mut seen = Seen::new(u32::try_from(mini_stream.len() / 64).unwrap_or(u32::MAX));
        let mut bytes = Vec::new();
        let mut id = *start;
        while id != END_OF_CHAIN {
            seen.visit(id)?;
            let at = id as usize * 64;
            let sector = mini_stream
                .get(at..at + 64)
                .ok_or_else(|| damaged("мини-сектор за концом мини-потока"))?;
            bytes.extend_from_slice(&sector[..64.min(len - bytes.len())]);
            if bytes.len() >= *len {
                break;
            }
            id = *mini_fat
                .get(id as usize)
                .ok_or_else(|| damaged("цепочка мини-секторов за концом таблицы"))?;
        }
        Ok(Some(bytes))
    }
}

/// The sectors a chain has passed.
struct Seen(Vec<bool>);

impl Seen {
    fn new(max_id: u32) -> Seen {
        Seen(vec![false; max_id as usize + 1])
    }

    fn visit(&mut self, id: u32) -> Result<(), Found> {
        match self.0.get_mut(id as usize) {
            Some(seen) if !*seen => {
                *seen = true;
                Ok(())
            }
            Some(_) => Err(damaged("цепочка секторов замкнута в кольцо")),
            None => Err(damaged("сектор за концом файла")),
        }
    }
}

/// The records of a BIFF stream from its start: type and data, as far as they are whole.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0);
        let len = u16_at(rest, 2) as usize;
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

/// The cells calamine makes of the sheets of a workbook stream: for each sheet what its
/// dimensions records reserve, and the range from its first cell to its last, twice if it
/// has a formula (calamine keeps the formulas in a range of their own).
fn xls_cells(stream: &[u8]) -> u64 {
    let positions: Vec<usize> = records(stream)
        .take_while(|(typ, _)| *typ != 0x000A)
        .filter(|(typ, _)| *typ == 0x0085)
        .map(|(_, data)| u32_at(data, 0) as usize)
        .collect();
    let mut total = 0u64;
    for position in positions {
        let Some(sheet) = stream.get(position..) else {
            continue;
        };
        let mut reserved = 0u64;
        let mut bounds: Option<(u32, u32, u32, u32)> = None;
        let mut formulas = false;
        let mut depth = 0usize;
        let mut seen_bof = false;
        for (typ, data) in records(sheet) {
            // Charts and the like inside a sheet are skipped, as calamine skips them.
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let mut cell = |row: u32, first: u32, last: u32| {
                let (r0, r1, c0, c1) = bounds.unwrap_or((row, row, first, last));
                bounds = Some((r0.min(row), r1.max(row), c0.min(first), c1.max(last)));
            };
            let row = u32::from(u16_at(data, 0));
            let col = u32::from(u16_at(data, 2));
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                // Dimensions, read as calamine reads them, wrapping as a release build does.
                0x0200 => {
                    let (first_row, last_row, mut first_col, last_col) = match data.len() {
                        10 => (
                            u32::from(u16_at(data, 0)),
                            u32::from(u16_at(data, 2)),
                            u32::from(u16_at(data, 4)),
                            u32::from(u16_at(data, 6)),
                        ),
                        14 | 16 => (
                            u32_at(data, 0),
                            u32_at(data, 4),
                            u32::from(u16_at(data, 8)),
                            u32::from(u16_at(data, 10)),
                        ),
                        _ => break,
                    };
                    if 0xFF < first_col || last_col < first_col {
                        first_col = 0;
                    }
                    let (end_row, end_col) = if last_row >= 1 && last_col >= 1 {
                        (last_row - 1, last_col - 1)
                    } else {
                        (first_row, first_col)
                    };
                    let rows = u64::from(end_row.wrapping_sub(first_row).wrapping_add(1));
                    let cols = u64::from(end_col.wrapping_sub(first_col).wrapping_add(1));
                    reserved = reserved.saturating_add(rows.saturating_mul(cols));
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => cell(row, col, col),
                0x00BD => cell(
                    row,
                    col,
                    u32::from(u16_at(data, data.len().saturating_sub(2))),
                ),
                0x0006 => {
                    cell(row, col, col);
                    formulas = true;
                }
                _ => {}
            }
        }
        let range = bounds.map_or(0, |(r0, r1, c0, c1)| {
            u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
        });
        let ranges = if formulas { 2 * range } else { range };
        total = total.saturating_add(reserved).saturating_add(ranges);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_longer_than_the_limit_fails_the_read() {
        let read = |text: Vec<u8>| {
            let mut guard = TokenGuard {
                inner: &text[..],
                since_open: 0,
                overlong: false,
            };
            let mut out = Vec::new();
            let result = guard.read_to_end(&mut out);
            (result.is_ok(), guard.overlong)
        };
        let limit = MAX_XML_TOKEN as usize;
        // From one `<` to the next: a tag and the text after it.
        let mut text = b"<t>".to_vec();
        text.extend(std::iter::repeat_n(b'a', limit - 3));
        text.extend(b"</t>");
        assert_eq!(read(text.clone()), (true, false));
        text.insert(3, b'a');
        assert_eq!(read(text), (false, true));
    }

    /// A reader that gives one byte at a time, so that every tag spans reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            buf[0] = *first;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn shared_strings_are_counted_by_their_tags_whatever_the_reads() {
        let part = br#"<?xml version="1.0"?><x:sst xmlns:x="urn" count="9" uniqueCount = '3'><x:si><x:t>a&lt;</x:t></x:si><si/><si ><t>b</t><rPh><t>c</t></rPh></si><sis/></x:sst>"#;
        let mut strings = SharedStrings {
            size: part.len() as u64,
            count: 0,
            open: None,
        };
        let mut tags = 0;
        scan_tags(Trickle(part), |tag, at| {
            tags += 1;
            strings.tag(tag, at)
        })
        .unwrap_or_else(|_| panic!("read"));
        assert_eq!((strings.count, tags), (3, 17));
        assert_eq!(unique_count(br#" count="9" uniqueCount = '3'"#), Some(3));
        assert_eq!(unique_count(br#" xuniqueCount="7""#), None);
        // More strings declared than the part can hold.
        strings.size = 10;
        assert!(strings.tag(br#"sst uniqueCount="3""#, 0).is_err());
    }

    #[test]
    fn an_ods_sheet_counts_its_span_as_wide_as_its_widest_row() {
        let mut sheet = OdsSheet::default();
        let row = |repeats, cells, valued| OdsRow {
            repeats,
            cells,
            text: if valued { 10 } else { 0 },
            valued,
        };
        // Rows above the first value and after the last are not made.
        sheet.add_row(&row(5, 1, false));
        sheet.add_row(&row(1, 3, true));
        sheet.add_row(&row(100, 1, false));
        sheet.add_row(&row(2, 10, true));
        sheet.add_row(&row(1_000_000, 1, false));
        assert_eq!(sheet.written, 16);
        assert_eq!(sheet.cells(), 16 + 103 * 10);
        assert_eq!(sheet.text(), 20 + 10 + 20);
    }
}
