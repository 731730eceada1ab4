//! Workbooks made to crash tsos or to exhaust it: each is an `IngestError` that names the
//! file, read quickly and in little memory. The files are written here, each test its own.
//!
//! This binary limits its own address space before any test runs, so that a guard that
//! regresses makes a test die of a failed allocation instead of taking the machine down.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tsos_domain::Catalogue;
use tsos_ingest::source::workbook_limits::{
    MAX_COLUMNS, MAX_ROWS, MAX_SHARED_STRINGS, MAX_UNPACKED_BYTES,
};
use tsos_ingest::{Dataset, IngestError, Next, ReadOptions, Source, read_export};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Room for the test binary, its threads' stacks and arenas and what the tests rightly
/// read; less than any of the bombs asks for.
const ADDRESS_SPACE: u64 = 3 << 30;

fn limit_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        rlimit::setrlimit(rlimit::Resource::AS, ADDRESS_SPACE, ADDRESS_SPACE)
            .expect("the address space of the test binary is limited");
    });
}

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_END: &str = "</sheetData></worksheet>";

/// The parts of an XLSX with one sheet, «Лист1», besides the sheet and shared strings.
fn skeleton(zip: &mut ZipWriter<Cursor<Vec<u8>>>, options: SimpleFileOptions) {
    let parts = [
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
}

/// An XLSX whose sheet's rows are `rows` and whose shared strings part, if any, is `shared`.
fn xlsx(rows: &str, shared: Option<&str>) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    skeleton(&mut zip, options);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    write!(zip, "{SHEET_START}{rows}{SHEET_END}").unwrap();
    if let Some(shared) = shared {
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        zip.write_all(shared.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// An XLSX whose part `name` is `head`, then `n` times `repeated`, then `tail`, written as
/// it goes, so that the test never holds the part.
fn xlsx_streamed(
    name: &str,
    head: &str,
    repeated: &[u8],
    n: u64,
    tail: &str,
    method: CompressionMethod,
) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    skeleton(&mut zip, options);
    if name != "xl/worksheets/sheet1.xml" {
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        write!(
            zip,
            "{SHEET_START}<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>{SHEET_END}"
        )
        .unwrap();
    }
    zip.start_file(name, options.compression_method(method).large_file(true))
        .unwrap();
    zip.write_all(head.as_bytes()).unwrap();
    for _ in 0..n {
        zip.write_all(repeated).unwrap();
    }
    zip.write_all(tail.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

struct Written {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn write(name: &str, bytes: &[u8]) -> Written {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    Written { _dir: dir, path }
}

/// Opens and reads every row of `path`, as an import would; the error, which must name the
/// file.
#[track_caller]
fn refused(path: &Path) -> IngestError {
    let started = Instant::now();
    let err = read_all(path).expect_err("the workbook is refused");
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(err.to_string().contains(name), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "refused in {:?}",
        started.elapsed()
    );
    err
}

fn read_all(path: &Path) -> Result<Vec<(u32, Vec<String>)>, IngestError> {
    limit_memory();
    let mut source = Source::open(path, None)?;
    let mut rows = Vec::new();
    while let Some(next) = source.next_rows()? {
        if let Next::Row(row) = next {
            let tsos_ingest::RowLoc::Sheet { row: number, .. } = row.loc else {
                panic!("a sheet row")
            };
            rows.push((number, row.cells.iter().map(|c| c.to_text()).collect()));
        }
    }
    Ok(rows)
}

#[test]
fn a_column_past_u32_is_an_error_not_an_abort() {
    // calamine computes the column in `u32`: in a release build it wraps to 2^31 - 1, in a
    // debug build it panics. Either way the file is refused, and nothing is allocated for it.
    let file = write(
        "col.xlsx",
        &xlsx(
            &format!("<row r=\"1\">{}</row>", inline("FXSHRXX1", "x")),
            None,
        ),
    );
    let err = refused(&file.path);
    assert!(
        matches!(
            err,
            IngestError::BadCell { .. } | IngestError::Spreadsheet { .. }
        ),
        "{err}"
    );
}

#[test]
fn references_outside_excels_sheet_name_their_cell() {
    assert_eq!((MAX_ROWS, MAX_COLUMNS), (1_048_576, 16_384));
    for (cell, shown) in [("XFE1", "XFE1"), ("XFD1048577", "XFD1048577")] {
        let file = write(
            "out.xlsx",
            &xlsx(&format!("<row>{}</row>", inline(cell, "x")), None),
        );
        let err = refused(&file.path);
        assert!(
            err.to_string().starts_with(&format!(
                "out.xlsx[Лист1]!{shown}: ссылка на ячейку за пределами листа"
            )),
            "{err}"
        );
    }
    // The last cell of the sheet is a cell.
    let file = write(
        "last.xlsx",
        &xlsx(&format!("<row>{}</row>", inline("XFD1048576", "x")), None),
    );
    let rows = read_all(&file.path).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].0, rows[0].1.len(), rows[0].1[16_383].as_str()),
        (1_048_576, 16_384, "x")
    );
}

#[test]
fn row_four_billion_is_refused_at_once() {
    let rows = format!(
        "<row r=\"1\">{}</row><row r=\"4000000000\">{}</row>",
        inline("A1", "ИНН"),
        inline("A4000000000", "x")
    );
    let file = write("far.xlsx", &xlsx(&rows, None));
    let err = refused(&file.path);
    assert!(
        err.to_string().starts_with("far.xlsx[Лист1]!A4000000000:"),
        "{err}"
    );
}

#[test]
fn a_row_that_wraps_round_to_an_earlier_row_is_an_error() {
    // 4,294,967,297 is row 1 once `u32` wraps it (a release build), and a panic in a debug
    // build; after rows 1 and 2 either way it is not a row to take.
    let rows = format!(
        "<row r=\"1\">{}</row><row r=\"2\">{}</row><row r=\"4294967297\">{}</row>",
        inline("A1", "a"),
        inline("A2", "b"),
        inline("A4294967297", "c")
    );
    let file = write("wrap.xlsx", &xlsx(&rows, None));
    let err = refused(&file.path);
    assert!(
        matches!(
            err,
            IngestError::BadCell { .. } | IngestError::Spreadsheet { .. }
        ),
        "{err}"
    );
    // A row that goes back, without any wrapping, is refused the same way.
    let rows = format!(
        "<row r=\"5\">{}</row><row r=\"3\">{}</row>",
        inline("A5", "a"),
        inline("A3", "b")
    );
    let file = write("back.xlsx", &xlsx(&rows, None));
    let err = refused(&file.path);
    assert!(
        err.to_string()
            .starts_with("back.xlsx[Лист1]!A3: строка 3 идет после строки 5"),
        "{err}"
    );
}

#[test]
fn row_zero_is_an_error_and_lower_case_is_a_reference() {
    let file = write(
        "a0.xlsx",
        &xlsx(&format!("<row>{}</row>", inline("A0", "x")), None),
    );
    assert!(matches!(
        refused(&file.path),
        IngestError::Spreadsheet { .. }
    ));
    let file = write(
        "lower.xlsx",
        &xlsx(&format!("<row>{}</row>", inline("b2", "x")), None),
    );
    assert_eq!(
        read_all(&file.path).unwrap(),
        [(2, vec![String::new(), "x".into()])]
    );
}

#[test]
fn a_declared_count_of_shared_strings_that_cannot_be_true_is_refused() {
    // calamine reserves room for `uniqueCount` strings: 10^18 panics with a capacity
    // overflow, 2^40 asks for 26 TB and aborts.
    for declared in ["1000000000000000000", "1099511627776"] {
        let shared = format!(
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{declared}"><si><t>ИНН</t></si></sst>"#
        );
        let file = write("count.xlsx", &xlsx("", Some(&shared)));
        let err = refused(&file.path);
        assert!(matches!(err, IngestError::WorkbookTooLarge { .. }), "{err}");
        assert!(
            err.to_string()
                .contains(&format!("объявлено {declared} строк")),
            "{err}"
        );
    }
}

/// A gigabyte of one letter, packed to about a megabyte.
const GIGABYTE: u64 = 1 << 30;
/// A quarter of that, where a gigabyte would only make the test slower.
const QUARTER: u64 = GIGABYTE / 4;

#[test]
fn a_shared_string_zip_bomb_is_refused_unread() {
    let bytes = xlsx_streamed(
        "xl/sharedStrings.xml",
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"#,
        &[b'a'; 1 << 20],
        GIGABYTE >> 20,
        "</t></si></sst>",
        CompressionMethod::Deflated,
    );
    assert!(bytes.len() < 4 << 20, "{} bytes", bytes.len());
    let file = write("bomb.xlsx", &bytes);
    let err = refused(&file.path);
    assert!(err.to_string().contains("похоже на ZIP-бомбу"), "{err}");
}

#[test]
fn a_cell_zip_bomb_is_refused_unread() {
    let bytes = xlsx_streamed(
        "xl/worksheets/sheet1.xml",
        &format!("{SHEET_START}<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>"),
        &[b'a'; 1 << 20],
        QUARTER >> 20,
        &format!("</t></is></c></row>{SHEET_END}"),
        CompressionMethod::Deflated,
    );
    let file = write("cell-bomb.xlsx", &bytes);
    let err = refused(&file.path);
    assert!(err.to_string().contains("похоже на ZIP-бомбу"), "{err}");
}

#[test]
fn parts_that_unpack_to_more_than_a_gigabyte_in_all_are_refused() {
    // Stored, not packed: no ratio to see, only the size.
    let bytes = xlsx_streamed(
        "xl/media/image1.bin",
        "",
        &[0; 1 << 20],
        (MAX_UNPACKED_BYTES >> 20) + 1,
        "",
        CompressionMethod::Stored,
    );
    let file = write("big.xlsx", &bytes);
    let err = refused(&file.path);
    assert!(
        err.to_string().contains("части книги распаковываются в"),
        "{err}"
    );
    assert!(
        err.to_string().contains("допустимо не больше 1024 МБ"),
        "{err}"
    );
}

#[test]
fn many_tiny_shared_strings_are_refused_before_calamine_keeps_them() {
    // Stored, so that no ratio gives them away: only their number does.
    let bytes = xlsx_streamed(
        "xl/sharedStrings.xml",
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        b"<si/>",
        MAX_SHARED_STRINGS + 1,
        "</sst>",
        CompressionMethod::Stored,
    );
    let file = write("strings.xlsx", &bytes);
    let err = refused(&file.path);
    assert!(
        err.to_string()
            .contains(&format!("больше {MAX_SHARED_STRINGS} строк")),
        "{err}"
    );
}

#[test]
fn a_text_longer_than_a_field_may_be_names_its_cell() {
    // `MAX_FIELD_BYTES`, the limit of a CSV field too.
    let limit = 64 * 1024;
    let rows = format!(
        "<row r=\"1\">{}</row><row r=\"7\">{}</row>",
        inline("A1", &"я".repeat(limit / 2)),
        inline("C7", &"a".repeat(limit + 1))
    );
    let file = write("long.xlsx", &xlsx(&rows, None));
    let err = refused(&file.path);
    assert!(
        err.to_string()
            .starts_with("long.xlsx[Лист1]!C7: текст ячейки длиной 65537 байт"),
        "{err}"
    );
}

/// Sets the declared unpacked size of the part `name` in both its headers to `size`.
fn declare_size(bytes: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for at in 0..bytes.len().saturating_sub(46) {
        let (signature, size_at, name_at) = match &bytes[at..at + 4] {
            b"PK\x03\x04" => ("local", 22, 30),
            b"PK\x01\x02" => ("central", 24, 46),
            _ => continue,
        };
        let name_len_at = if signature == "local" { 26 } else { 28 };
        let name_len = u16::from_le_bytes([bytes[at + name_len_at], bytes[at + name_len_at + 1]]);
        if bytes.get(at + name_at..at + name_at + name_len as usize) == Some(name.as_bytes()) {
            bytes[at + size_at..at + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both headers of {name}");
}

#[test]
fn a_part_that_unpacks_to_more_than_it_declares_fails_as_it_is_read() {
    // The central directory says 4 KB; the data is a quarter of a gigabyte of one cell. `zip` stops at the
    // declared size, which is what makes the declared sizes a bound.
    let mut bytes = xlsx_streamed(
        "xl/worksheets/sheet1.xml",
        &format!("{SHEET_START}<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>"),
        &[b'a'; 1 << 20],
        QUARTER >> 20,
        &format!("</t></is></c></row>{SHEET_END}"),
        CompressionMethod::Deflated,
    );
    declare_size(&mut bytes, "xl/worksheets/sheet1.xml", 4096);
    let file = write("liar.xlsx", &bytes);
    assert!(matches!(
        refused(&file.path),
        IngestError::Spreadsheet { .. }
    ));
    // The same of the shared strings, which the checks read themselves.
    let shared = format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{}</sst>"#,
        "<si><t>x</t></si>".repeat(1000)
    );
    let mut bytes = xlsx("", Some(&shared));
    declare_size(&mut bytes, "xl/sharedStrings.xml", 100);
    let file = write("liar.xlsx", &bytes);
    let err = refused(&file.path);
    assert!(err.to_string().contains("xl/sharedStrings.xml"), "{err}");
}

#[test]
fn a_million_blank_rows_are_counted_not_made() {
    let rows = format!(
        "<row r=\"1\">{}{}{}{}{}</row><row r=\"2\">{}{}{}{}{}</row><row r=\"1000003\">{}{}{}{}{}</row>",
        inline("A1", "ID"),
        inline("B1", "Роль"),
        inline("C1", "ИНН ОО"),
        inline("D1", "Подтвержденная УЗ"),
        inline("E1", "Дата последней авторизации"),
        inline("A2", "1"),
        inline("B2", "Учитель"),
        inline("C2", "0512345678"),
        inline("D2", "Да"),
        inline("E2", "01.09.2023"),
        inline("A1000003", "2"),
        inline("B1000003", "Учитель"),
        inline("C1000003", "0512345678"),
        inline("D1000003", "Да"),
        inline("E1000003", "31.02.2023"),
    );
    let file = write("gap.xlsx", &xlsx(&rows, None));
    limit_memory();
    let started = Instant::now();
    let catalogue = Catalogue::builtin();
    let mut options = ReadOptions {
        dataset: Dataset::Platform(catalogue.get("myschool").unwrap()),
        as_of: Some(jiff::civil::date(2023, 10, 1)),
        skip_invalid: true,
        sheet: None,
        fast: true,
        progress: None,
        mapping: None,
        profiles: None,
        sample: 0,
        flow_key: None,
    };
    let import = read_export(&file.path, &options).unwrap();
    assert_eq!(
        (import.stats.read, import.stats.blank, import.stats.accepted),
        (1_000_003, 1_000_000, 1)
    );
    assert_eq!(
        import.rejected_examples[0].loc.describe("gap.xlsx", 4),
        "gap.xlsx[Лист1]!E1000003"
    );
    options.skip_invalid = false;
    let err = read_export(&file.path, &options).unwrap_err();
    assert!(
        err.to_string()
            .contains("gap.xlsx[Лист1]!E1000003: column «Дата последней авторизации»"),
        "{err}"
    );
    // One by one the rows are there too, blank.
    let mut source = Source::open(&file.path, None).unwrap();
    let mut numbers = Vec::new();
    while let Some(row) = source.next_row().unwrap() {
        if !row.is_blank() || numbers.len() < 4 {
            numbers.push(row.loc.number());
        }
    }
    assert_eq!(numbers, [1, 2, 3, 4, 1_000_003]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_truncated_or_garbage_workbook_is_an_error() {
    let good = xlsx(&format!("<row>{}</row>", inline("A1", "x")), None);
    for cut in [10, good.len() / 2, good.len() - 10] {
        let file = write("cut.xlsx", &good[..cut]);
        refused(&file.path);
    }
    let mut garbage = b"PK\x03\x04".to_vec();
    garbage.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    refused(&write("junk.xlsx", &garbage).path);
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend((0..4096u32).map(|i| (i.wrapping_mul(2_246_822_519) >> 11) as u8));
    refused(&write("junk.xls", &ole).path);
}

/// An ODS with one sheet, «Лист1», of `rows`.
fn ods(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Лист1">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#)
        .unwrap();
    zip.start_file("content.xml", stored).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn an_ods_that_repeats_a_cell_into_a_billion_is_refused() {
    // One cell repeated along the row, and the row down the sheet: calamine would make
    // 100 million cells of it (its own cap), copying the text into each.
    let file = write(
        "repeat.ods",
        &ods(
            r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
        ),
    );
    let err = refused(&file.path);
    assert!(matches!(err, IngestError::WorkbookTooLarge { .. }), "{err}");
    // The empty rows LibreOffice writes down to the end of the sheet are not made, and pass.
    let file = write(
        "ok.ods",
        &ods(concat!(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>ИНН</text:p></table:table-cell></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
            r#"<table:table-row><table:table-cell office:value-type="float" office:value="5"><text:p>5</text:p></table:table-cell></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="1048572"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        )),
    );
    assert_eq!(
        read_all(&file.path).unwrap(),
        [(1, vec!["ИНН".to_string()]), (4, vec!["5".to_string()])]
    );
}

#[test]
fn a_refused_workbook_is_an_import_error_that_names_the_file() {
    let shared = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="1099511627776"><si><t>x</t></si></sst>"#;
    let file = write("выгрузка.xlsx", &xlsx("", Some(shared)));
    limit_memory();
    let catalogue = Catalogue::builtin();
    let err = read_export(
        &file.path,
        &ReadOptions {
            dataset: Dataset::Platform(catalogue.get("myschool").unwrap()),
            as_of: None,
            skip_invalid: false,
            sheet: None,
            fast: true,
            progress: None,
            mapping: None,
            profiles: None,
            sample: 0,
            flow_key: None,
        },
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("выгрузка.xlsx: книга не принята: часть xl/sharedStrings.xml"),
        "{err}"
    );
}

/// A BIFF record.
fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut bytes = typ.to_le_bytes().to_vec();
    bytes.extend((data.len() as u16).to_le_bytes());
    bytes.extend(data);
    bytes
}

/// The workbook stream of an XLS with one sheet, «S», of `sheet`'s records between its
/// BOF and EOF.
fn biff(sheet: &[Vec<u8>]) -> Vec<u8> {
    let bof = |kind: u16| {
        let mut data = vec![0x00, 0x06];
        data.extend(kind.to_le_bytes());
        data.extend([0; 12]);
        record(0x0809, &data)
    };
    let bound_sheet = |position: u32| {
        let mut data = position.to_le_bytes().to_vec();
        data.extend([0, 0, 1, 0, b'S']);
        record(0x0085, &data)
    };
    let globals_len = (bof(5).len() + bound_sheet(0).len() + 4) as u32;
    let mut stream = bof(5);
    stream.extend(bound_sheet(globals_len));
    stream.extend(record(0x000A, &[]));
    stream.extend(bof(0x10));
    for rec in sheet {
        stream.extend(rec);
    }
    stream.extend(record(0x000A, &[]));
    stream
}

/// A number cell.
fn number(row: u16, col: u16, value: f64) -> Vec<u8> {
    let mut data = row.to_le_bytes().to_vec();
    data.extend(col.to_le_bytes());
    data.extend(0u16.to_le_bytes());
    data.extend(value.to_le_bytes());
    record(0x0203, &data)
}

/// A compound file of 512-byte sectors with one stream, «Workbook», of `stream`, padded to
/// the 4,096 bytes from which a stream has sectors of its own. Sector 0 is the allocation
/// table, 1 the directory, the stream from 2 on; `fat` may change the table.
fn xls(stream: &[u8], fat: impl FnOnce(&mut [u32])) -> Vec<u8> {
    let mut stream = stream.to_vec();
    stream.resize(stream.len().max(4096).next_multiple_of(512), 0);
    let n = (stream.len() / 512) as u32;
    let mut table = vec![0xFFFF_FFFFu32; 128];
    table[0] = 0xFFFF_FFFD;
    table[1] = 0xFFFF_FFFE;
    for id in 2..2 + n {
        table[id as usize] = if id == n + 1 { 0xFFFF_FFFE } else { id + 1 };
    }
    fat(&mut table);
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 =
        |bytes: &mut [u8], at: usize, v: u16| bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |bytes: &mut [u8], at: usize, v: u32| bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut header, 24, 0x3E);
    put16(&mut header, 26, 3);
    put16(&mut header, 28, 0xFFFE);
    put16(&mut header, 30, 9);
    put16(&mut header, 32, 6);
    put32(&mut header, 44, 1);
    put32(&mut header, 48, 1);
    put32(&mut header, 56, 4096);
    put32(&mut header, 60, 0xFFFF_FFFE);
    put32(&mut header, 68, 0xFFFF_FFFE);
    for at in (76..512).step_by(4) {
        put32(&mut header, at, 0xFFFF_FFFF);
    }
    put32(&mut header, 76, 0);
    let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for (i, u) in units.iter().enumerate() {
            put16(&mut e, i * 2, *u);
        }
        put16(&mut e, 64, (units.len() * 2) as u16);
        e[66] = kind;
        e[67] = 1;
        put32(&mut e, 68, 0xFFFF_FFFF);
        put32(&mut e, 72, 0xFFFF_FFFF);
        put32(&mut e, 76, child);
        put32(&mut e, 116, start);
        put32(&mut e, 120, size);
        e
    };
    let mut file = header;
    file.extend(table.iter().flat_map(|id| id.to_le_bytes()));
    file.extend(entry("Root Entry", 5, 1, 0xFFFF_FFFE, 0));
    file.extend(entry("Workbook", 2, 0xFFFF_FFFF, 2, stream.len() as u32));
    file.extend(vec![0u8; 256]);
    file.extend(&stream);
    file
}

#[test]
fn an_xls_made_here_is_read() {
    // The file the tests below break, whole: calamine reads it as the tests make it.
    let file = write(
        "ok.xls",
        &xls(&biff(&[number(0, 0, 1.0), number(2, 1, 2.0)]), |_| {}),
    );
    assert_eq!(
        read_all(&file.path).unwrap(),
        [
            (1, vec!["1".to_string(), String::new()]),
            (3, vec![String::new(), "2".to_string()])
        ]
    );
}

#[test]
fn an_xls_whose_dimensions_ask_for_trillions_of_cells_is_refused() {
    // First row 0, last row past 2^32 - 1, 255 columns: calamine reserves room for them all.
    let mut dimensions = 0u32.to_le_bytes().to_vec();
    dimensions.extend(u32::MAX.to_le_bytes());
    dimensions.extend([0, 0, 0xFF, 0, 0, 0]);
    let file = write(
        "dims.xls",
        &xls(
            &biff(&[record(0x0200, &dimensions), number(0, 0, 1.0)]),
            |_| {},
        ),
    );
    let err = refused(&file.path);
    assert!(matches!(err, IngestError::WorkbookTooLarge { .. }), "{err}");
}

#[test]
fn an_xls_whose_cells_span_billions_is_refused() {
    // Two cells, in the first and in the last row and column a record can name: calamine
    // makes the range between them, 2^32 cells.
    let file = write(
        "span.xls",
        &xls(
            &biff(&[number(0, 0, 1.0), number(u16::MAX, u16::MAX, 2.0)]),
            |_| {},
        ),
    );
    let err = refused(&file.path);
    assert!(
        err.to_string()
            .contains("листы книги занимают 4294967296 ячеек"),
        "{err}"
    );
}

#[test]
fn an_xls_whose_chain_of_sectors_loops_is_refused() {
    // The directory's sector leads to itself: calamine would follow it for ever, copying it.
    let file = write(
        "loop.xls",
        &xls(&biff(&[number(0, 0, 1.0)]), |fat| fat[1] = 1),
    );
    let err = refused(&file.path);
    assert!(err.to_string().contains("кольцо"), "{err}");
}
