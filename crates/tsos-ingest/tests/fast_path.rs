//! The fast path for per-user CSV files gives exactly what the general path gives, or
//! declines; here both read the same files.

use std::path::Path;

use jiff::civil::{Date, date};
use tsos_domain::Catalogue;
use tsos_ingest::{Dataset, FlowKey, Import, IngestError, ReadOptions, read_export};

fn read(
    path: &Path,
    platform: &str,
    as_of: Option<Date>,
    fast: bool,
) -> Result<Import, IngestError> {
    let catalogue = Catalogue::builtin();
    // Both paths hash the same active users the same way.
    let key = FlowKey::new(&[3; 32]);
    read_export(
        path,
        &ReadOptions {
            dataset: Dataset::Platform(catalogue.get(platform).unwrap()),
            as_of,
            skip_invalid: false,
            sheet: None,
            fast,
            progress: None,
            mapping: None,
            profiles: None,
            sample: 5,
            flow_key: Some(&key),
        },
    )
}

/// Both paths agree; returns whether the fast one took the file.
#[track_caller]
fn check(path: &Path, platform: &str, as_of: Option<Date>) -> bool {
    let general = read(path, platform, as_of, false);
    let fast = read(path, platform, as_of, true);
    match (general, fast) {
        (Ok(general), Ok(fast)) => {
            assert!(!general.fast_path);
            let took_fast = fast.fast_path;
            let fast = Import {
                fast_path: false,
                ..fast
            };
            assert_eq!(general.content, fast.content, "{}", path.display());
            assert_eq!(general.stats, fast.stats, "{}", path.display());
            assert_eq!(general.warnings, fast.warnings, "{}", path.display());
            assert_eq!(general, fast, "{}", path.display());
            took_fast
        }
        (Err(general), Err(fast)) => {
            assert_eq!(general.to_string(), fast.to_string());
            false
        }
        (general, fast) => panic!(
            "paths disagree on {}: {general:?} vs {fast:?}",
            path.display()
        ),
    }
}

/// Both paths agree when invalid rows are skipped; returns whether the fast one took it.
#[track_caller]
fn check_skipping(path: &Path, platform: &str, as_of: Option<Date>) -> bool {
    let catalogue = Catalogue::builtin();
    let key = FlowKey::new(&[3; 32]);
    let read = |fast| {
        read_export(
            path,
            &ReadOptions {
                dataset: Dataset::Platform(catalogue.get(platform).unwrap()),
                as_of,
                skip_invalid: true,
                sheet: None,
                fast,
                progress: None,
                mapping: None,
                profiles: None,
                sample: 5,
                flow_key: Some(&key),
            },
        )
    };
    match (read(false), read(true)) {
        (Ok(general), Ok(fast)) => {
            let took_fast = fast.fast_path;
            assert_eq!(
                general,
                Import {
                    fast_path: false,
                    ..fast
                },
                "{}",
                path.display()
            );
            took_fast
        }
        (Err(general), Err(fast)) => {
            assert_eq!(general.to_string(), fast.to_string());
            false
        }
        (general, fast) => panic!(
            "paths disagree on {}: {general:?} vs {fast:?}",
            path.display()
        ),
    }
}

const HEADER: &str = "ID;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации";

/// A grouped My School export with every quirk the fast path must count like the general one.
fn quirky_rows() -> String {
    let mut text = String::new();
    for school in 0..40u64 {
        let inn = 512_000_000 + school; // nine digits: the leading zero comes back
        for user in 0..60u64 {
            let id = school * 1000 + user;
            let role = [
                "Учитель",
                "Обучающийся",
                "родитель",
                "Администратор ОО",
                " Ученик ",
            ][(user % 5) as usize];
            let confirmed = ["Да", "Нет", "", "yes", "1"][(user % 5 + school % 2) as usize % 5];
            let last = match user % 9 {
                0 => String::new(),
                1 => "03.10.2023".into(),
                2 => format!("2023-0{}-1{} 10:15", 1 + user % 9, user % 9),
                3 => "02.10.2022".into(),
                4 => "01.10.2022".into(),
                5 => "2023-09-30".into(),
                6 => "никогда".into(),
                7 => "2023-09-30T23:30:00+03:00".into(),
                _ => format!("{:02}.0{}.2023", 1 + user % 27, 1 + user % 8),
            };
            let id = if user == 7 {
                String::new()
            } else {
                format!(" {id}")
            };
            text.push_str(&format!(
                "{id};Иванов И. И.;{role};{inn};{confirmed};{last}\n"
            ));
            if user % 17 == 0 {
                // A duplicate with an older date and no confirmation.
                text.push_str(&format!("{id};Иванов И. И.;{role};{inn};Нет;01.01.2021\n"));
            }
        }
        if school % 7 == 0 {
            text.push_str("\n;;;;;\n");
        }
    }
    text.push_str("\n\n");
    text
}

#[test]
fn a_quirky_grouped_file_takes_the_fast_path_with_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "Выгрузка по состоянию на 01.10.2023\n\n{HEADER}\n{}",
        quirky_rows()
    );
    let utf8 = dir.path().join("utf8.csv");
    std::fs::write(&utf8, format!("\u{feff}{body}")).unwrap();
    assert!(check(&utf8, "myschool", None));
    // The first data rows as read, without the names of people.
    let import = read(&utf8, "myschool", None, true).unwrap();
    assert_eq!(import.sample.len(), 5);
    assert_eq!(
        import.sample[0].0.number(),
        4,
        "after the title, a blank line and the header"
    );
    assert_eq!(import.sample[0].1[1], "—");
    assert_eq!(import.sample[0].1[3], "512000000");
    let crlf = dir.path().join("crlf.csv");
    std::fs::write(&crlf, body.replace('\n', "\r\n")).unwrap();
    assert!(check(&crlf, "myschool", Some(date(2023, 10, 1))));
    let cp1251 = dir.path().join("cp1251.csv");
    std::fs::write(&cp1251, encoding_rs::WINDOWS_1251.encode(&body).0).unwrap();
    assert!(check(&cp1251, "sferum", None));
    let tabs = dir.path().join("tabs.csv");
    std::fs::write(&tabs, body.replace(';', "\t")).unwrap();
    assert!(check(&tabs, "myschool", None));
}

#[test]
fn what_only_the_general_path_can_read_goes_there_with_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let row = "1;А;Учитель;0512345678;Да;01.09.2023";
    let cases: [(&str, Vec<u8>); 4] = [
        // Quoted fields across lines: a block cannot be cut at any line end.
        (
            "multiline.csv",
            format!("{HEADER}\n1;\"Иванов\nИван\";Учитель;0512345678;Да;01.09.2023\n{row}\n")
                .into_bytes(),
        ),
        // Lines ended by a lone carriage return.
        (
            "cr_lines.csv",
            format!("{HEADER}\r{row}\r{row}\r").into_bytes(),
        ),
        // A line over 1 MB.
        (
            "long_line.csv",
            format!("{HEADER}\n{row}\n{}\n{row}\n", "x".repeat(1 << 21)).into_bytes(),
        ),
        // Text that is not UTF-8 in a UTF-8 file.
        (
            "bad_utf8.csv",
            format!("{HEADER}\n{row}\n")
                .into_bytes()
                .into_iter()
                .chain(*b"2;\xff\xfe;x;0512345678;x;x\n")
                .collect(),
        ),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        assert!(!check(&path, "myschool", Some(date(2023, 10, 1))), "{name}");
        assert!(
            !check_skipping(&path, "myschool", Some(date(2023, 10, 1))),
            "{name}"
        );
    }
    // A header with nothing under it, or only empty records: no rows, on either path.
    for (name, text) in [
        ("header_only.csv", format!("{HEADER}\n")),
        ("empty_records.csv", format!("{HEADER}\n;;;;;\n\n;;;;;\n")),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let fast = read(&path, "myschool", Some(date(2023, 10, 1)), true);
        assert!(
            matches!(fast, Err(IngestError::NoRows { .. })),
            "{name}: {fast:?}"
        );
        check(&path, "myschool", Some(date(2023, 10, 1)));
    }
}

#[test]
fn quotes_totals_spaced_ids_and_bad_rows_read_alike_on_the_fast_path() {
    let dir = tempfile::tempdir().unwrap();
    let row = "1;А;Учитель;0512345678;Да;01.09.2023";
    let cases = [
        (
            "quoted.csv",
            format!(
                "{HEADER}\n1;\"Иванов; Иван\";Учитель;\"0512345678\";\"Да\";01.09.2023\n{row}\n"
            ),
        ),
        (
            "spaced.csv",
            format!("{HEADER}\n{row}\n2;А;Учитель;05 1234 5678;Да;01.09.2023\n"),
        ),
        (
            "totals.csv",
            format!("{HEADER}\n{row}\n;Итого;;;;\n;;;Всего: 1;;\n"),
        ),
        (
            "lone_cr_inside.csv",
            format!("{HEADER}\n1;А\rБ;Учитель;0512345678;Да;01.09.2023\r\n{row}\r"),
        ),
        (
            "no_org.csv",
            format!(
                "{HEADER}\n{row}\n2;Б;Учитель;;Да;01.09.2023\n3;В;Ученик;-;Да;01.09.2023\n4;Г;Ученик; нет ;Да;01.09.2023\n2;Б;Учитель;;Нет;01.10.2023\n"
            ),
        ),
        (
            "nbsp_blank.csv",
            encoding_rs::WINDOWS_1251
                .encode(&format!("{HEADER}\n{row}\n\u{a0};;\u{a0};;;\n"))
                .0
                .iter()
                .map(|&b| b as char)
                .collect(),
        ),
        (
            // Quotes of every shape, lines ended by CRLF: a simply quoted field is taken
            // without its quotes in the block's one scan, a line with any other quote is split
            // as the general path splits it, an odd quote in a field past those a row needs
            // included.
            "odd_quotes.csv",
            [
                HEADER,
                "\"1\";\"Иванов\";\"Учитель\";\"0512345678\";\"Да\";\"01.09.2023\"",
                "2;\"\";Учитель;0512345678;Да;01.09.2023",
                "3;\"Ива\"\"нов\";Учитель;0512345678;Да;01.09.2023",
                "4;\"Иванов; Иван\";\"Ученик\";\"0512345678\";\"Нет\";\"01.09.2023\"",
                "5;Ива\"нов;Учитель;0512345678;Да;01.09.2023",
                "6;\"Иванов\"x;Учитель;0512345678;Да;01.09.2023",
                "\"\";\"\";\"\";\"\";\"\";\"\"",
                ";\"Итого\";;;;",
                "7;Петров;Учитель;\"0512345678\";Да;\"01.09.2023\"\r",
                "8;\"Сидоров\";\"Родитель\";\"0512345678\";\"Да\";\"\"",
                "9;А;Учитель;0512345678;Да;01.09.2023;\"x\"\"y\"",
                "10;А;Учитель;0512345678;Да;01.09.2023;x\"y",
                "",
            ]
            .join("\r\n"),
        ),
        (
            // Every field quoted, the last line without its end: the block's last line is
            // split its own way, as the general path splits it.
            "quoted_no_end.csv",
            format!(
                "{HEADER}\r\n\"1\";\"Иванов\";\"Учитель\";\"0512345678\";\"Да\";\"01.09.2023\"\r\n\"2\";\"\";\"Ученик\";\"0512345678\";\"Нет\";\"\""
            ),
        ),
        (
            "bad_rows.csv",
            format!(
                "{HEADER}\n{row}\n2;А;Учитель;0512345678;Да;31.02.2023\n3;\"А;Учитель;0512345678;Да;01.09.2023\n4;А;Учитель;0512345678;Может быть;abc\n5;{};Учитель;0512345678;Да;01.09.2023\n{row}\n",
                "я".repeat(40_000)
            ),
        ),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        // Text of single bytes is written as the bytes themselves.
        let bytes: Vec<u8> = if name == "nbsp_blank.csv" {
            text.chars().map(|c| c as u32 as u8).collect()
        } else {
            text.into_bytes()
        };
        std::fs::write(&path, bytes).unwrap();
        let strict = check(&path, "myschool", Some(date(2023, 10, 1)));
        assert!(strict || name == "bad_rows.csv", "{name}");
        assert!(
            check_skipping(&path, "myschool", Some(date(2023, 10, 1))),
            "{name}"
        );
    }
    let bad = read(
        &dir.path().join("bad_rows.csv"),
        "myschool",
        Some(date(2023, 10, 1)),
        true,
    )
    .unwrap_err()
    .to_string();
    for expected in [
        "bad_rows.csv:3: column «Дата последней авторизации»: несуществующая дата",
        "bad_rows.csv:4: column «ФИО»: кавычка, открывающая поле, не закрыта",
        "bad_rows.csv:5: column «Подтвержденная УЗ»",
        "bad_rows.csv:5: column «Дата последней авторизации»",
        "bad_rows.csv:6: column «ФИО»: значение длиннее 64 КБ",
    ] {
        assert!(bad.contains(expected), "{expected}: {bad}");
    }
}

/// A ~5 MB export (two blocks of the fast path): schools of 9- and 10-digit ИНН and a school with a spelled code, users of
/// every role with repeated rows far apart, rows without an id or an organisation, other
/// roles, blank and totals lines.
fn many_rows() -> Vec<String> {
    let mut rows = Vec::new();
    let mut rng = fastrand::Rng::with_seed(12);
    let mut school = 0u64;
    while rows.len() < 90_000 {
        let org = match school % 50 {
            7 => "ШК-7".to_string(),
            n if n % 2 == 0 => (512_000_000 + school).to_string(),
            _ => format!("0{}", 523_000_000 + school),
        };
        for user in 0..rng.u64(50..900) {
            let id = if user % 97 == 0 {
                String::new()
            } else {
                (school * 10_000 + user).to_string()
            };
            let role =
                ["Учитель", "Обучающийся", "Родитель", "Администратор ОО"][(user % 4) as usize];
            let confirmed = ["Да", "Нет", ""][(user % 3) as usize];
            let last = match user % 5 {
                0 => String::new(),
                1 => "15.09.2023".into(),
                2 => "2022-10-01".into(),
                3 => format!("{:02}.0{}.2023", 1 + user % 27, 1 + user % 9),
                _ => "03.10.2023".into(),
            };
            rows.push(format!(
                "{id};Иванова А. Б.;{role};{org};{confirmed};{last}"
            ));
            if user % 31 == 0 {
                rows.push(format!("{id};Иванова А. Б.;{role};{org};Да;01.01.2021"));
            }
        }
        school += 1;
    }
    for n in 0..300 {
        let org = ["", "-", "нет"][n % 3];
        rows.push(format!("n{};Б;Учитель;{org};Да;01.09.2023", n % 200));
    }
    rows.push(";;;;;".into());
    rows.push(";Итого по региону;;;;".into());
    rows
}

fn write_rows(path: &Path, rows: &[String]) {
    std::fs::write(path, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
}

#[test]
fn every_order_of_the_rows_reads_the_same_on_the_fast_path() {
    let dir = tempfile::tempdir().unwrap();
    let grouped = many_rows();
    let path = dir.path().join("grouped.csv");
    write_rows(&path, &grouped);
    let general = read(&path, "myschool", Some(date(2023, 10, 1)), false).unwrap();
    assert!(general.stats.accepted > 80_000);
    let mut orders: Vec<(&str, Vec<String>)> = vec![("grouped", grouped.clone())];
    let mut by_user = grouped.clone();
    by_user.sort_by_key(|row| row.split(';').next().unwrap_or("").to_string());
    orders.push(("by_user", by_user));
    let mut shuffled = grouped.clone();
    fastrand::Rng::with_seed(3).shuffle(&mut shuffled);
    orders.push(("shuffled", shuffled));
    orders.push(("reversed", grouped.iter().rev().cloned().collect()));
    // One school's rows in three places: the start, the middle and the end.
    let (school, rest): (Vec<String>, Vec<String>) = grouped
        .iter()
        .cloned()
        .partition(|row| row.contains(";512000010;"));
    let third = school.len() / 3;
    let mut split = school[..third].to_vec();
    split.extend_from_slice(&rest[..rest.len() / 2]);
    split.extend_from_slice(&school[third..2 * third]);
    split.extend_from_slice(&rest[rest.len() / 2..]);
    split.extend_from_slice(&school[2 * third..]);
    orders.push(("split", split));
    for (name, rows) in &orders {
        let path = dir.path().join(format!("{name}.csv"));
        write_rows(&path, rows);
        let fast = read(&path, "myschool", Some(date(2023, 10, 1)), true).unwrap();
        assert!(fast.fast_path, "{name}");
        assert_eq!(fast.content, general.content, "{name}");
        assert_eq!(fast.stats, general.stats, "{name}");
        assert_eq!(fast.warnings, general.warnings, "{name}");
    }
    // Every field quoted, lines ended by CRLF, as many systems write them.
    let quoted: Vec<String> = orders[2]
        .1
        .iter()
        .map(|row| {
            row.split(';')
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(";")
        })
        .collect();
    let path = dir.path().join("quoted.csv");
    std::fs::write(&path, format!("{HEADER}\r\n{}\r\n", quoted.join("\r\n"))).unwrap();
    let fast = read(&path, "myschool", Some(date(2023, 10, 1)), true).unwrap();
    assert!(fast.fast_path);
    assert_eq!(fast.content, general.content);
    assert_eq!(fast.stats, general.stats);
    assert!(check(&path, "myschool", Some(date(2023, 10, 1))));
}

#[test]
fn the_demo_exports_read_the_same_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let files = tsos_demo::generate(&tsos_demo::DemoOptions {
        out_dir: dir.path().to_path_buf(),
        schools: 60,
        ..tsos_demo::DemoOptions::default()
    })
    .unwrap();
    // The demo scatters its duplicate rows through the file on purpose, so most of its files
    // are not grouped by school and go to the general path; either way the result is the same.
    for file in files.iter().filter(|f| f.dataset != "registry") {
        check(&file.path, file.dataset, Some(file.as_of));
    }
}

/// A `connected` platform (MAX) needs no date column, and a bad date where there is one is
/// still an invalid row: both paths read both files alike. A dated platform still requires
/// the column.
#[test]
fn a_connected_platform_reads_alike_with_and_without_dates() {
    let dir = tempfile::tempdir().unwrap();
    let undated = dir.path().join("max.csv");
    std::fs::write(
        &undated,
        "ID пользователя;Роль;ИНН ОО\n\
         1;Родитель;0512345678\n\
         2;Сотрудник;0512345678\n\
         1;Родитель;0512345678\n\
         3;Ученик;-\n\
         4;Администратор;0512345678\n",
    )
    .unwrap();
    assert!(check(&undated, "max", Some(date(2025, 11, 10))));
    let import = read(&undated, "max", Some(date(2025, 11, 10)), true).unwrap();
    assert_eq!(import.stats.accepted, 5);
    let err = read(&undated, "sferum", Some(date(2025, 11, 10)), false).unwrap_err();
    assert!(
        err.to_string().contains("дата последней активности"),
        "{err}"
    );

    let dated = dir.path().join("max_dated.csv");
    std::fs::write(
        &dated,
        "ID пользователя;Роль;ИНН ОО;Последняя активность\n\
         1;Родитель;0512345678;\n\
         2;Сотрудник;0512345678;01.01.2020\n\
         3;Ученик;0512345678;31.02.2025\n",
    )
    .unwrap();
    check(&dated, "max", Some(date(2025, 11, 10)));
    let err = read(&dated, "max", Some(date(2025, 11, 10)), true).unwrap_err();
    assert!(err.to_string().contains("max_dated.csv:4"), "{err}");
}
