//! The fast path for per-user CSV files gives exactly what the general path gives, or
//! declines; here both read the same files.

use std::path::Path;

use jiff::civil::{Date, date};
use tsos_domain::Catalogue;
use tsos_ingest::{Import, IngestError, ReadOptions, Target, read_export};

fn read(
    path: &Path,
    platform: &str,
    as_of: Option<Date>,
    fast: bool,
) -> Result<Import, IngestError> {
    let catalogue = Catalogue::builtin();
    read_export(
        path,
        &ReadOptions {
            target: Target::Platform(catalogue.get(platform).unwrap()),
            as_of,
            skip_invalid: false,
            sheet: None,
            fast,
            progress: None,
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
fn what_the_fast_path_is_not_sure_of_goes_to_the_general_path() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // Quotes anywhere.
        (
            "quoted.csv",
            format!("{HEADER}\n1;\"Иванов; Иван\";Учитель;0512345678;Да;01.09.2023\n"),
        ),
        // The organisation's rows are not together.
        (
            "ungrouped.csv",
            format!(
                "{HEADER}\n1;А;Учитель;0512345678;Да;01.09.2023\n2;Б;Учитель;0523456789;Да;01.09.2023\n1;А;Учитель;0512345678;Нет;01.10.2023\n"
            ),
        ),
        // An ИНН with spaces.
        (
            "spaced.csv",
            format!("{HEADER}\n1;А;Учитель;05 1234 5678;Да;01.09.2023\n"),
        ),
        // A totals row.
        (
            "totals.csv",
            format!("{HEADER}\n1;А;Учитель;0512345678;Да;01.09.2023\n;Итого;;;;\n"),
        ),
        // A carriage return that ends no line, inside a line and at the end of the file.
        (
            "lone_cr.csv",
            format!("{HEADER}\n1;А\rБ;Учитель;0512345678;Да;01.09.2023\r\n"),
        ),
        (
            "cr_at_end.csv",
            format!("{HEADER}\n1;А;Учитель;0512345678;Да;01.09.2023\r"),
        ),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        assert!(!check(&path, "myschool", Some(date(2023, 10, 1))), "{name}");
    }
    // The same school written two ways in a row is still one run of rows: either path.
    let path = dir.path().join("two_spellings.csv");
    std::fs::write(
        &path,
        format!(
            "{HEADER}\n1;А;Учитель;512345678;Да;01.09.2023\n1;Б;Учитель;0512345678;Нет;01.10.2023\n"
        ),
    )
    .unwrap();
    check(&path, "myschool", Some(date(2023, 10, 1)));
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
    // Invalid values: both paths fail with the general path's message.
    for (name, text) in [
        (
            "bad_date.csv",
            format!("{HEADER}\n1;А;Учитель;0512345678;Да;31.02.2023\n"),
        ),
        (
            "bad_flag.csv",
            format!("{HEADER}\n1;А;Учитель;0512345678;Может быть;01.09.2023\n"),
        ),
        (
            "bad_utf8.csv",
            format!("{HEADER}\n1;А;Учитель;0512345678;Да;01.09.2023\n")
                .into_bytes()
                .into_iter()
                .chain(*b"2;\xff\xfe;x;0512345678;x;x\n")
                .map(|b| b as char)
                .collect::<String>(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let fast = read(&path, "myschool", Some(date(2023, 10, 1)), true);
        assert!(fast.is_err(), "{name}");
        check(&path, "myschool", Some(date(2023, 10, 1)));
    }
}

#[test]
fn organisations_cut_by_block_edges_merge_whole() {
    // About 10 MB: several 4 MB blocks, with schools (and a duplicate) across their edges.
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n");
    let mut school = 0u64;
    while text.len() < 10 << 20 {
        let inn = 512_000_000 + school;
        for user in 0..997u64 {
            let last = if user % 3 == 0 {
                "15.09.2023"
            } else {
                "01.01.2022"
            };
            text.push_str(&format!(
                "{user};Петрова Анна Ивановна;Обучающийся;{inn};Да;{last}\n"
            ));
            if user % 101 == 0 {
                text.push_str(&format!(
                    "{user};Петрова Анна Ивановна;Обучающийся;{inn};Нет;02.10.2023\n"
                ));
            }
        }
        school += 1;
    }
    let path = dir.path().join("big.csv");
    std::fs::write(&path, text).unwrap();
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
