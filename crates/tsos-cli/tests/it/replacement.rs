//! A file that reads strangely never replaces a month's figures silently: a stray quote is an
//! invalid row naming its line, and a replacement far smaller than the snapshot it replaces
//! stops unless `--replace` says it is meant.

use crate::util::{Dir, Run, region_row, share};

const HEADER: &str =
    "ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n";

/// 30 schools of 60 teachers each in the registry.
fn thirty_schools() -> Dir {
    let dir = Dir::new();
    let schools: Vec<(String, String)> = (1..=30)
        .map(|n| (format!("05000000{n:02}"), format!("МБОУ «СОШ №{n}»")))
        .collect();
    let rows: Vec<(&str, &str, &str, u64, u64)> = schools
        .iter()
        .map(|(inn, name)| (inn.as_str(), name.as_str(), "Буйнакский район", 60, 600))
        .collect();
    let registry = dir.registry(&rows);
    dir.import("registry", &registry, "2023-09-01").ok();
    dir
}

/// A month's export: 50 active teachers in each of the 30 schools, 1,500 data rows; the
/// header is line 1.
fn month() -> Vec<String> {
    let mut lines = vec![HEADER.trim_end().to_string()];
    for school in 1..=30 {
        for user in 0..50 {
            lines.push(format!(
                "u{school}-{user};Иванова А. Б.;Учитель;05000000{school:02};Да;15.09.2023"
            ));
        }
    }
    lines
}

fn write(dir: &Dir, name: &str, lines: &[String]) -> std::path::PathBuf {
    dir.write(name, lines.join("\n") + "\n")
}

fn teachers_share(dir: &Dir) -> f64 {
    let report = dir
        .tsos(&[
            "report",
            "--as-of",
            "2023-10-01",
            "--level",
            "region",
            "--format",
            "json",
        ])
        .ok()
        .json();
    share(&region_row(&report)["myschool"]["teachers"])
}

fn import(dir: &Dir, file: &std::path::Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "import",
        "myschool",
        file.to_str().unwrap(),
        "--as-of",
        "2023-10-01",
    ];
    args.extend_from_slice(extra);
    dir.tsos(&args)
}

#[test]
fn a_stray_quote_is_an_invalid_row_and_the_good_snapshot_stays() {
    let dir = thirty_schools();
    let good = write(&dir, "good.csv", &month());
    import(&dir, &good, &[]).ok();
    assert_eq!(teachers_share(&dir), 50.0 / 60.0);
    let before = std::fs::read(dir.db()).unwrap();

    // One quote at the start of a field on line 101: before, it swallowed the rest of the
    // file into one field, and 100 rows of one school replaced the month.
    let mut lines = month();
    lines[100] = lines[100].replace(";Учитель;", ";\"Учитель;");
    let stray = write(&dir, "stray.csv", &lines);
    let run = import(&dir, &stray, &[]).fails();
    assert!(
        run.stderr
            .contains("stray.csv:101: column «Роль»: кавычка, открывающая поле, не закрыта"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(dir.db()).unwrap(), before, "database changed");

    // A quote left open on the last line, likewise.
    let mut lines = month();
    let last = lines.len() - 1;
    lines[last] = lines[last].replace(";Иванова", ";\"Иванова");
    let open = write(&dir, "open.csv", &lines);
    let run = import(&dir, &open, &[]).fails();
    assert!(
        run.stderr
            .contains(&format!("open.csv:{}: column «ФИО»", last + 1)),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(dir.db()).unwrap(), before, "database changed");

    // Skipping it costs that one user only.
    let run = import(&dir, &stray, &["--skip-invalid"]).ok();
    assert!(run.stdout.contains("отклонено 1"), "{}", run.stdout);
    assert_eq!(teachers_share(&dir), 1499.0 / 1800.0);
}

#[test]
fn a_replacement_far_smaller_than_the_snapshot_stops_unless_meant() {
    let dir = thirty_schools();
    let good = write(&dir, "good.csv", &month());
    import(&dir, &good, &[]).ok();
    let before = std::fs::read(dir.db()).unwrap();

    // The first 100 rows of the month: a cut export, two schools out of thirty.
    let cut = write(&dir, "cut.csv", &month()[..101]);
    let run = import(&dir, &cut, &[]).fails();
    for expected in [
        "cut.csv: файл заменил бы снимок №2 «good.csv» на 01.10.2023",
        "строк 101 вместо 1 501",
        "ОО 2 вместо 30",
        "пользователей 100 вместо 1 500",
        "доля активных (педагоги) по всем ОО 5,6 % вместо 83,3 %",
        "--replace",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    assert_eq!(std::fs::read(dir.db()).unwrap(), before, "database changed");
    assert_eq!(teachers_share(&dir), 50.0 / 60.0);

    // Meant: replaced, and the summary says what was let through; the old one comes back.
    let run = import(&dir, &cut, &["--replace"]).ok();
    assert!(
        run.stdout
            .contains("Заменен по --replace, хотя строк 101 вместо 1 501"),
        "{}",
        run.stdout
    );
    assert_eq!(teachers_share(&dir), 100.0 / 1800.0);
    dir.tsos(&["snapshots", "restore", "2"]).ok();
    assert_eq!(teachers_share(&dir), 50.0 / 60.0);

    // An ordinary next version of the month replaces without a word.
    let mut lines = month();
    lines.push("u-new;Петров П. П.;Учитель;0500000001;Да;20.09.2023".into());
    let fuller = write(&dir, "fuller.csv", &lines);
    import(&dir, &fuller, &[]).ok();
    assert_eq!(teachers_share(&dir), 1501.0 / 1800.0);
}
