//! Layouts tsos does not know (SPEC §5.3): the import stops before reading a row and shows how
//! it read every column and which option fixes it; `--map` places a column, and the mapping is
//! kept for the next file with the same header until it is removed.

use crate::util::{Dir, region_row};

fn school_row(report: &serde_json::Value) -> &serde_json::Value {
    &report["rows"][0]
}

#[test]
fn the_real_confirmation_export_reads_registered_and_confirmed_not_the_headcount() {
    let dir = Dir::new();
    dir.one_school(60, 600);
    // The per-school confirmation export as found in public code: «Всего учеников» counts
    // accounts, beside the confirmed and unconfirmed ones.
    let file = dir.write(
        "confirmations.csv",
        "Регион,Школа,ИНН,Всего учеников,Не подтвержденные ученики,Отклоненные ученики,Подтвержденные ученики,Всего преподавателей,Не подтвержденные преподаватели,Отклоненные преподаватели,Подтвержденные преподаватели\n\
         Республика Дагестан,МБОУ «СОШ №1»,0512345678,500,100,20,380,58,3,0,55\n",
    );
    let run = dir.import("myschool", &file, "2023-10-01").ok();
    assert!(
        run.stdout
            .contains("«Всего учеников» → зарегистрированные: обучающиеся"),
        "{}",
        run.stdout
    );
    let row = school_row(&dir.report_json("2023-10-01", "school")).clone();
    // The headcount stays the registry's; no active users were given, so no share.
    assert_eq!(row["contingent"]["students"], 600);
    let students = &row["myschool"]["students"];
    assert_eq!(
        (&students["registered"], &students["confirmed"]),
        (&500.into(), &380.into())
    );
    assert!(
        students["active"].is_null() && students["share"].is_null(),
        "{students}"
    );
    let teachers = &row["myschool"]["teachers"];
    assert_eq!(
        (&teachers["registered"], &teachers["confirmed"]),
        (&58.into(), &55.into())
    );

    // The variant without the «Всего …» columns: confirmed only.
    let file = dir.write(
        "confirmations2.csv",
        "Регион,Школа,ИНН,Не подтвержденные ученики,Отклоненные ученики,Подтвержденные ученики\n\
         Республика Дагестан,МБОУ «СОШ №1»,0512345678,100,20,380\n",
    );
    dir.import("myschool", &file, "2023-11-01").ok();
    let report = dir
        .tsos(&["report", "--as-of", "2023-11-01", "--format", "json"])
        .ok()
        .json();
    let students = &school_row(&report)["myschool"]["students"];
    assert_eq!(students["confirmed"], 380);
    assert!(students["registered"].is_null(), "{students}");
    assert_eq!(school_row(&report)["contingent"]["students"], 600);
}

const UNKNOWN: &str = "Код школы;Тип пользователя;Идентификатор;Подтверждение;Дата последней авторизации\n\
     0512345678;Учитель;1;Да;01.09.2023\n\
     0512345678;Учитель;2;Да;01.09.2023\n";

#[test]
fn an_unknown_column_is_mapped_once_and_remembered_until_removed() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let september = dir.write("september.csv", UNKNOWN);
    let before = std::fs::read(dir.db()).unwrap();
    let run = dir.import("myschool", &september, "2023-09-01").fails();
    for expected in [
        "не найдена строка заголовков",
        "A «Код школы» → не учитывается",
        "D «Подтверждение» → подтвержденная УЗ",
        "--map \"Код школы=organisation\"",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    assert_eq!(std::fs::read(dir.db()).unwrap(), before, "database changed");

    let run = dir
        .tsos(&[
            "import",
            "myschool",
            september.to_str().unwrap(),
            "--as-of",
            "2023-09-01",
            "--map",
            "Код школы=organisation",
        ])
        .ok();
    assert!(
        run.stdout.contains("«Код школы» → ИНН организации"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("сохранена как профиль №1"),
        "{}",
        run.stdout
    );

    // Next month, the same header: read with the profile, and said so.
    let october = dir.write("october.csv", UNKNOWN.replace("01.09.2023", "01.10.2023"));
    let run = dir.import("myschool", &october, "2023-10-01").ok();
    assert!(
        run.stdout.contains("по сохраненному профилю №1"),
        "{}",
        run.stdout
    );
    assert_eq!(
        region_row(&dir.report_json("2023-10-01", "region"))["myschool"]["teachers"]["active"],
        2
    );
    let list = dir.tsos(&["profiles"]).ok().stdout;
    assert!(list.contains("«Код школы» = organisation"), "{list}");
    assert!(list.contains("применен"), "{list}");

    // Removed: the header is read by its words again, and stops.
    dir.tsos(&["profiles", "remove", "1"]).ok();
    let november = dir.write("november.csv", UNKNOWN.replace("01.09.2023", "01.11.2023"));
    dir.import("myschool", &november, "2023-11-01").fails();
    let run = dir.tsos(&["profiles", "remove", "1"]).fails();
    assert!(
        run.stderr.contains("профиля разметки №1 нет"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_columns_read_alike_stop_the_import_until_one_is_chosen() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let file = dir.write(
        "users.csv",
        "ID;Роль;ИНН ОО;ИНН учредителя;Подтвержденная УЗ;Дата последней авторизации\n\
         1;Учитель;0512345678;0500000099;Да;01.09.2023\n",
    );
    let run = dir.import("myschool", &file, "2023-10-01").fails();
    for expected in [
        "столбцы «ИНН ОО» и «ИНН учредителя» прочитаны одинаково — ИНН организации",
        "D «ИНН учредителя» → ИНН организации",
        "--map \"ИНН учредителя=ignore\"",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    let run = dir
        .tsos(&[
            "import",
            "myschool",
            file.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
            "--map",
            "ИНН учредителя=ignore",
        ])
        .ok();
    assert!(run.stdout.contains("Школ в файле: 1"), "{}", run.stdout);

    // A mapping that names no column of the file, or means nothing known, is refused.
    let run = dir
        .tsos(&[
            "import",
            "myschool",
            file.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
            "--map",
            "Нет такого=ignore",
        ])
        .fails();
    assert!(
        run.stderr.contains("в заголовке нет столбца «Нет такого»"),
        "{}",
        run.stderr
    );
    let run = dir
        .tsos(&[
            "import",
            "myschool",
            file.to_str().unwrap(),
            "--map",
            "ID=что-то",
        ])
        .fails();
    assert!(
        run.stderr.contains("неизвестный смысл столбца «что-то»"),
        "{}",
        run.stderr
    );
}
