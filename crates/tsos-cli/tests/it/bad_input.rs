//! Bad input: a clear message that names file, line and column, a non-zero exit, no panic,
//! and the database exactly as it was.

use crate::util::Dir;

const HEADER: &str =
    "ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n";

fn with_registry() -> Dir {
    let dir = Dir::new();
    dir.one_school(60, 600);
    dir
}

#[test]
fn impossible_date_on_line_58_fails_and_changes_nothing() {
    let dir = with_registry();
    let mut text = String::from(HEADER);
    // Line 1 is the header; lines 2..=57 are good; line 58 has 31 February.
    for idx in 2..=57 {
        text.push_str(&format!(
            "u{idx};Иванов И. И.;Учитель;0512345678;Да;01.09.2023\n"
        ));
    }
    text.push_str("u58;Петров П. П.;Учитель;0512345678;Да;31.02.2023\n");
    for idx in 59..=70 {
        text.push_str(&format!(
            "u{idx};Сидоров С. С.;Учитель;0512345678;Да;01.09.2023\n"
        ));
    }
    let file = dir.write("users.csv", text);
    let before = std::fs::read(dir.db()).unwrap();
    let run = dir.import("myschool", &file, "2023-10-01").fails();
    assert!(
        run.stderr
            .contains("users.csv:58: column «Дата последней авторизации»"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("31.02.2023"), "{}", run.stderr);
    assert!(run.stderr.contains("несуществующая дата"), "{}", run.stderr);
    assert_eq!(std::fs::read(dir.db()).unwrap(), before, "database changed");

    // With --skip-invalid the good rows are stored and the rejected one is counted.
    let run = dir
        .tsos(&[
            "import",
            "myschool",
            file.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
            "--skip-invalid",
        ])
        .ok();
    assert!(run.stdout.contains("отклонено 1"), "{}", run.stdout);
    let snapshots = dir.tsos(&["snapshots", "--format", "json"]).ok().json();
    let myschool = snapshots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["dataset"] == "myschool")
        .unwrap();
    assert_eq!(myschool["rows_rejected"], 1);
    assert_eq!(myschool["rejected"]["несуществующая дата"], 1);
    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    assert_eq!(report["rows"][0]["myschool"]["teachers"]["active"], 68);
}

#[test]
fn errors_in_a_workbook_name_sheet_and_cell() {
    let dir = with_registry();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Выгрузка").unwrap();
    for (col, header) in ["ID", "Роль", "ИНН ОО", "УЗ подтверждена", "Последний вход"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet
        .write_row(1, 0, ["1", "Учитель", "0512345678", "Да", "01.09.2023"])
        .unwrap();
    sheet
        .write_row(2, 0, ["2", "Учитель", "0512345678", "Да", "abc"])
        .unwrap();
    let path = dir.path("users.xlsx");
    workbook.save(&path).unwrap();
    let run = dir.import("myschool", &path, "2023-10-01").fails();
    assert!(
        run.stderr
            .contains("users.xlsx[Выгрузка]!E3: column «Последний вход»"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_column_names_what_was_found_and_expected() {
    let dir = with_registry();
    let file = dir.write(
        "users.csv",
        "ID пользователя;Роль;ИНН ОО;Дата последней авторизации\n1;Учитель;0512345678;01.09.2023\n",
    );
    let run = dir.import("myschool", &file, "2023-10-01").fails();
    assert!(run.stderr.contains("подтвержденная УЗ"), "{}", run.stderr);
    // Every column with how it was read, and the option that places a column.
    for reading in [
        "A «ID пользователя» → идентификатор пользователя",
        "B «Роль» → роль",
        "C «ИНН ОО» → ИНН организации",
        "D «Дата последней авторизации» → дата последней активности",
        "--map \"ЗАГОЛОВОК=confirmed\"",
    ] {
        assert!(run.stderr.contains(reading), "{reading}: {}", run.stderr);
    }
    assert!(run.stderr.contains("Ожидаются"), "{}", run.stderr);
    // Sferum does not need confirmation: the same file imports there.
    dir.import("sferum", &file, "2023-10-01").ok();
}

#[test]
fn no_header_row_lists_the_closest_row() {
    let dir = with_registry();
    let file = dir.write("users.csv", "Фамилия;Имя;Класс\nИванов;Иван;5А\n");
    let run = dir.import("myschool", &file, "2023-10-01").fails();
    assert!(
        run.stderr.contains("не найдена строка заголовков"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("«Фамилия», «Имя», «Класс»"),
        "{}",
        run.stderr
    );
}

#[test]
fn unreadable_files_get_a_clear_message_each() {
    let dir = with_registry();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "файл пуст"),
        ("blank.csv", b"\n\n  \n".to_vec(), "файл пуст"),
        (
            "binary.csv",
            vec![
                0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0,
            ],
            "двоичный файл",
        ),
        (
            "fake.xlsx",
            b"ID;Role\n1;2\n".to_vec(),
            "не является книгой Excel",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04 this is not really a zip".to_vec(),
            "не является книгой Excel",
        ),
        (
            "utf16.csv",
            std::iter::once([0xFF, 0xFE])
                .flatten()
                .chain("ИНН\tРоль\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
                .collect(),
            "UTF-16",
        ),
        (
            "latin.csv",
            encoding_rs::WINDOWS_1252
                .encode("Élève;École;Numéro\ncafé;crème;brûlée\n")
                .0
                .into_owned(),
            "неожиданная кодировка",
        ),
    ];
    let before = std::fs::read(dir.db()).unwrap();
    for (name, bytes, expected) in cases {
        let path = dir.write(name, bytes);
        let run = dir.import("myschool", &path, "2023-10-01").fails();
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{name}: {}", run.stderr);
    }
    let run = dir
        .import("myschool", &dir.path("missing.csv"), "2023-10-01")
        .fails();
    assert!(run.stderr.contains("missing.csv"), "{}", run.stderr);
    assert_eq!(std::fs::read(dir.db()).unwrap(), before, "database changed");
}

#[test]
fn no_date_anywhere_is_an_error() {
    let dir = with_registry();
    let file = dir.write(
        "users.csv",
        format!("{HEADER}1;И;Учитель;0512345678;Да;01.09.2023\n"),
    );
    let run = dir
        .tsos(&["import", "myschool", file.to_str().unwrap()])
        .fails();
    assert!(run.stderr.contains("--as-of"), "{}", run.stderr);
}

#[test]
fn unknown_dataset_and_bad_dates_on_the_command_line() {
    let dir = with_registry();
    let file = dir.write(
        "users.csv",
        format!("{HEADER}1;И;Учитель;0512345678;Да;01.09.2023\n"),
    );
    let run = dir.import("moyashkola", &file, "2023-10-01").fails();
    assert!(
        run.stderr.contains("registry, myschool, sferum"),
        "{}",
        run.stderr
    );
    let run = dir.import("myschool", &file, "31.02.2023").fails();
    assert!(run.stderr.contains("несуществующая дата"), "{}", run.stderr);
    let run = dir.tsos(&["report", "--as-of", "2023-10-01"]).fails();
    assert!(
        run.stderr.contains("нет данных платформ на 01.10.2023"),
        "{}",
        run.stderr
    );
}
