//! The crafted CSV files of the security review, kept as tests of the import as a whole, on
//! both paths. (Its crafted workbooks are in `workbook_limits.rs`.)

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use jiff::civil::date;
use tsos_domain::Catalogue;
use tsos_ingest::{Content, Dataset, Import, IngestError, ReadOptions, read_export};

const HEADER: &str = "ID;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации";

fn read(path: &Path, fast: bool, skip_invalid: bool) -> Result<Import, IngestError> {
    crate::limit_memory();
    let catalogue = Catalogue::builtin();
    read_export(
        path,
        &ReadOptions {
            dataset: Dataset::Platform(catalogue.get("myschool").unwrap()),
            as_of: Some(date(2023, 10, 1)),
            skip_invalid,
            sheet: None,
            fast,
            progress: None,
            mapping: None,
            profiles: None,
            sample: 0,
            flow_key: None,
        },
    )
}

/// The export's lines, header first: 200 in all.
fn lines() -> Vec<String> {
    let mut lines = vec![HEADER.to_string()];
    for n in 2..=200 {
        lines.push(format!(
            "{n};Иванова Мария;Учитель;0512345678;Да;0{}.09.2023",
            n % 9 + 1
        ));
    }
    lines
}

/// Both paths fail alike, with the one invalid row `expected` names; skipping it keeps the
/// other `accepted` rows.
#[track_caller]
fn one_invalid_row(path: &Path, expected: &str, accepted: u64) {
    let general = read(path, false, false).unwrap_err().to_string();
    let fast = read(path, true, false).unwrap_err().to_string();
    assert_eq!(general, fast);
    assert!(general.contains("ошибочных строк: 1\n"), "{general}");
    assert!(general.contains(expected), "{general}");
    for fast in [false, true] {
        let import = read(path, fast, true).unwrap();
        assert_eq!(import.stats.accepted, accepted, "{:?}", import.stats);
        assert_eq!(import.stats.rejected_total(), 1);
        assert_eq!(import.stats.read, 200);
    }
}

#[test]
fn a_stray_quote_on_line_101_costs_that_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = lines();
    lines[100] = lines[100].replace(";Учитель;", ";\"Учитель;");
    let path = dir.path().join("stray.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    one_invalid_row(
        &path,
        "stray.csv:101: column «Роль»: кавычка, открывающая поле, не закрыта до конца строки",
        198,
    );
    // The fast path takes the file: a stray quote is no field across lines.
    assert!(read(&path, true, true).unwrap().fast_path);
}

#[test]
fn a_quote_left_open_to_the_end_of_the_file_costs_that_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = lines();
    // A real field across lines near the top makes the file one of multi-line fields, where
    // a quote may close on a later line: one that never closes is still one row.
    lines[1] = "2;\"Иванова\nМария\";Учитель;0512345678;Да;01.09.2023".into();
    lines[150] = lines[150].replace(";Иванова", ";\"Иванова");
    let text = lines.join("\n");
    let path = dir.path().join("open.csv");
    std::fs::write(&path, &text).unwrap();
    // Line 152 of the file: the field across lines takes two.
    one_invalid_row(
        &path,
        "open.csv:152: column «ФИО»: кавычка, открывающая поле, не закрыта до конца файла",
        198,
    );
    assert!(!read(&path, true, true).unwrap().fast_path);
}

/// Writes `head`, then `size` bytes of `x` with no line end, then `tail`, a megabyte at a
/// time: the test never holds the line.
fn one_long_line(path: &Path, head: &str, size: usize, tail: &str) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..size / chunk.len() {
        file.write_all(&chunk).unwrap();
    }
    file.write_all(tail.as_bytes()).unwrap();
    file.flush().unwrap();
}

#[test]
fn a_csv_of_one_line_of_100_mb_fails_quickly_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("line.csv");
    one_long_line(&path, "", 100 << 20, "");
    let started = Instant::now();
    for fast in [false, true] {
        let err = read(&path, fast, true).unwrap_err();
        assert!(matches!(err, IngestError::NoHeader { .. }), "{err}");
    }
    // The same line under a header is one invalid row; the row after it is read.
    let row = "1;А;Учитель;0512345678;Да;01.09.2023";
    one_long_line(
        &path,
        &format!("{HEADER}\n"),
        100 << 20,
        &format!("\n{row}\n"),
    );
    for fast in [false, true] {
        let err = read(&path, fast, false).unwrap_err().to_string();
        assert!(
            err.contains("line.csv:2: column «(вся строка)»: строка длиннее 1 МБ"),
            "{err}"
        );
        let import = read(&path, fast, true).unwrap();
        assert_eq!(
            (import.stats.read, import.stats.accepted),
            (3, 1),
            "{:?}",
            import.stats
        );
    }
    // Four reads of 100 MB each, the line never held: seconds, not minutes.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_per_school_header_without_its_inn_column_reads_schools_by_name() {
    // The harness's first find: a header of names and measures, read as a per-school export
    // whose reader expected an ИНН column, panicked. Such a file now names its schools, to
    // be matched to the registry by name.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schools.csv");
    std::fs::write(
        &path,
        "Наименование ОО;Численность педагогов;Количество активных педагогов\nСОШ №1;5;4\n",
    )
    .unwrap();
    let catalogue = Catalogue::builtin();
    for dataset in [
        Dataset::Registry,
        Dataset::Platform(catalogue.get("myschool").unwrap()),
    ] {
        let import = read_export(
            &path,
            &ReadOptions {
                dataset,
                as_of: Some(date(2023, 10, 1)),
                skip_invalid: true,
                sheet: None,
                fast: true,
                progress: None,
                mapping: None,
                profiles: None,
                sample: 0,
                flow_key: None,
            },
        )
        .unwrap();
        let Content::PerSchool(rows) = &import.content else {
            panic!("a per-school export: {:?}", import.content)
        };
        let names: Vec<_> = rows.iter().map(|r| (&r.org, r.name.as_deref())).collect();
        assert_eq!(names, [(&None, Some("СОШ №1"))]);
        assert_eq!(import.stats.accepted, 1, "{:?}", import.stats);
    }
}

#[test]
fn an_ods_sheet_of_a_million_rows_is_read_row_by_row_in_linear_time() {
    // Its second: each row of a sheet calamine reads whole was found by walking every row
    // above it. A value on the first and on the last row of Excel's sheet is a million rows.
    let cell = |text: &str| {
        format!(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row>"#
        )
    };
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Лист1">{}<table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row>{}</table:table></office:spreadsheet></office:body></office:document-content>"#,
        cell("ИНН"),
        cell("0512345678")
    );
    let bytes = crate::seeds::ods(&content);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tall.ods");
    std::fs::write(&path, bytes).unwrap();
    crate::limit_memory();
    let started = Instant::now();
    let mut source = tsos_ingest::Source::open(&path, None).unwrap();
    let (mut rows, mut blank) = (Vec::new(), 0);
    while let Some(next) = source.next_rows().unwrap() {
        match next {
            tsos_ingest::Next::Row(row) => rows.push(row.loc.number()),
            tsos_ingest::Next::Blank(n) => blank += n,
        }
    }
    assert_eq!((rows, blank), (vec![1, 1_048_576], 1_048_574));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_bom_at_the_start_of_a_line_reads_alike_on_both_paths() {
    // The third find: where two exports were put together, the second's BOM begins a line.
    // The general path's splitter drops it, so that user 101 is one user; the fast path,
    // splitting by hand, read a user «\u{feff}101» and one duplicate fewer.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("joined.csv");
    let row = |date: &str| format!("101;Иванова Мария;Учитель;0512345678;Да;{date}");
    std::fs::write(
        &path,
        format!(
            "{HEADER}\n{}\n\u{feff}{}\n",
            row("01.09.2023"),
            row("01.10.2023")
        ),
    )
    .unwrap();
    let general = read(&path, false, false).unwrap();
    let fast = read(&path, true, false).unwrap();
    assert_eq!(
        general,
        Import {
            fast_path: false,
            ..fast
        }
    );
    let Content::PerUser(data) = &general.content else {
        panic!("a per-user export")
    };
    assert_eq!(data.counts.duplicates_merged, 1);
}

#[test]
fn an_ods_cut_inside_a_sheet_is_refused_not_read_for_ever() {
    // The fourth find, by the long run: calamine reads an ODS sheet to its end tag, and at
    // the end of `content.xml` without one it loops for ever (a server thread at 100 %).
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Лист1"><table:table-row><table:table-cell office:value-type="string"><text:p>ИНН</text:p></table:table-cell></table:table-row>"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.ods");
    std::fs::write(&path, crate::seeds::ods(content)).unwrap();
    // On a thread of its own, so that a regression fails the test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(
            read(&path, false, true)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        );
    });
    let err = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the workbook is read in seconds")
        .unwrap_err();
    assert!(
        err.contains("cut.ods: не удалось прочитать книгу Excel")
            && err.contains("часть content.xml: часть обрывается внутри листа"),
        "{err}"
    );
}
