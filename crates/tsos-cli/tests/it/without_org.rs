//! Users attached to no organisation (an empty cell, «-», «нет») are counted apart and reported
//! beside the unknown organisations; they are never an error and enter no school's figures.

use crate::util::{Dir, region_row};

const HEADER: &str =
    "ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n";

/// Rows in user-id order, three of them without an organisation (one user twice).
const ROWS: &str = "\
1;Алиева П.;Учитель;0512345678;Да;01.09.2023\n\
2;Омаров Ш.;Учитель;;Да;01.09.2023\n\
3;Гаджиев Р.;Ученик;-;Да;01.09.2023\n\
4;Исаев М.;Учитель;0512345678;Да;01.09.2023\n\
5;Курбанова З.;Учитель;нет;Да;01.09.2023\n\
2;Омаров Ш.;Учитель;;Нет;15.09.2023\n";

#[track_caller]
fn check(dir: &Dir, run: crate::util::Run) {
    assert!(
        run.stdout.contains(
            "пользователи без организации (ИНН не указан): 3 (педагоги 2, обучающиеся 1)"
        ),
        "{}",
        run.stdout
    );
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
    assert_eq!(region_row(&report)["myschool"]["teachers"]["active"], 2);
    let without = &report["unknown"]["myschool"]["without_organisation"];
    assert_eq!(
        (
            &without["teachers"],
            &without["students"],
            &without["parents"]
        ),
        (&2.into(), &1.into(), &0.into())
    );
    let table = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--level", "region"])
        .ok()
        .stdout;
    assert!(
        table.contains("ФГИС «Моя школа»: пользователей без организации — 3, в таблицу не вошли."),
        "{table}"
    );
    let quality = dir.tsos(&["quality", "--as-of", "2023-10-01"]).ok().stdout;
    assert!(
        quality
            .contains("пользователи без организации (в показатели ОО не вошли) — 3 пользователя"),
        "{quality}"
    );
}

#[test]
fn rows_without_an_organisation_are_counted_apart_in_csv() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let file = dir.write("users.csv", format!("{HEADER}{ROWS}"));
    let run = dir.import("myschool", &file, "2023-10-01").ok();
    check(&dir, run);
}

#[test]
fn rows_without_an_organisation_are_counted_apart_in_xlsx() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, line) in format!("{HEADER}{ROWS}").lines().enumerate() {
        for (col, cell) in line.split(';').enumerate() {
            // An empty organisation is an empty cell, as Excel leaves it.
            if !cell.is_empty() {
                sheet.write_string(row as u32, col as u16, cell).unwrap();
            }
        }
    }
    let file = dir.path("users.xlsx");
    workbook.save(&file).unwrap();
    let run = dir.import("myschool", &file, "2023-10-01").ok();
    check(&dir, run);
}
