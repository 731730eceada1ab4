//! Whole imports of files as they really arrive, checked through the report.

use crate::util::{Dir, share};

fn school<'a>(report: &'a serde_json::Value, inn: &str) -> &'a serde_json::Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["id"] == inn)
        .unwrap_or_else(|| panic!("no school {inn} in {report}"))
}

#[test]
fn cp1251_per_school_export_with_title_totals_and_nbsp_bootstraps_the_registry() {
    let dir = Dir::new();
    let text = "Мониторинг использования ФГИС «Моя школа» по состоянию на 01.10.2023\n\
                \n\
                ИНН;Наименование ОО;Муниципальное образование;Численность педагогов;Количество активных педагогов;Доля активных педагогов, %;Численность обучающихся;Количество активных обучающихся;Доля активных обучающихся, %\n\
                512345678;МБОУ «СОШ №1»;Буйнакский район;57;46;80,7;1\u{a0}240;0;0,0\n\
                0523456789;\"МКОУ \"\"Агачаульская СОШ\"\"\";Карабудахкентский район;40;36;90,0;410;12;2,9\n\
                ;Итого;;97;82;84,5;1\u{a0}650;12;0,7\n";
    let file = dir.write_cp1251("monitoring.csv", text);
    let run = dir
        .tsos(&["import", "myschool", file.to_str().unwrap()])
        .ok();
    assert!(
        run.stdout.contains("на 01.10.2023 (по школам)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("итоги 1"), "{}", run.stdout);
    assert!(
        run.stdout.contains("в реестр добавлены ОО из файла: 2"),
        "{}",
        run.stdout
    );

    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let first = school(&report, "0512345678");
    assert_eq!(first["name"], "МБОУ «СОШ №1»");
    assert_eq!(first["municipality"], "Буйнакский район");
    assert_eq!(first["contingent"]["students"], 1240);
    assert_eq!(first["myschool"]["teachers"]["active"], 46);
    assert!(first["myschool"]["teachers"]["registered"].is_null());
    let second = school(&report, "0523456789");
    assert_eq!(second["name"], "МКОУ \"Агачаульская СОШ\"");
    assert!((share(&second["myschool"]["teachers"]) - 0.9).abs() < 1e-12);

    let region = dir
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
    let teachers = &region["rows"][0]["myschool"]["teachers"];
    assert_eq!(teachers["active"], 82);
    assert!((share(teachers) - 82.0 / 97.0).abs() < 1e-12);
}

#[test]
fn xlsx_registry_with_merged_title_and_numeric_inn_then_xlsx_users_with_date_cells() {
    let dir = Dir::new();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let title = rust_xlsxwriter::Format::new().set_bold();
    sheet
        .merge_range(
            0,
            0,
            0,
            5,
            "Реестр общеобразовательных организаций на 01.09.2023",
            &title,
        )
        .unwrap();
    let header = [
        "№",
        "ИНН",
        "Полное наименование ОО",
        "Муниципальное образование",
        "Численность педагогических работников",
        "Численность обучающихся",
    ];
    for (col, text) in header.iter().enumerate() {
        sheet.write_string(2, col as u16, *text).unwrap();
    }
    // Excel keeps the ИНН as a number and drops its leading zero.
    sheet.write_number(3, 0, 1).unwrap();
    sheet.write_number(3, 1, 512345678).unwrap();
    sheet.write_string(3, 2, "МБОУ «Лицей №5»").unwrap();
    sheet
        .write_string(3, 3, "городской округ «город Махачкала»")
        .unwrap();
    sheet.write_number(3, 4, 80).unwrap();
    sheet.write_string(3, 5, "1 500").unwrap();
    sheet.write_string(4, 2, "Итого").unwrap();
    sheet.write_number(4, 4, 80).unwrap();
    let registry = dir.path("registry.xlsx");
    workbook.save(&registry).unwrap();
    let run = dir
        .tsos(&["import", "registry", registry.to_str().unwrap()])
        .ok();
    assert!(
        run.stdout.contains("на 01.09.2023 (реестр)"),
        "{}",
        run.stdout
    );

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("dd.mm.yyyy hh:mm");
    sheet
        .merge_range(
            0,
            0,
            0,
            4,
            "Пользователи ФГИС «Моя школа» по состоянию на 01.10.2023",
            &rust_xlsxwriter::Format::new(),
        )
        .unwrap();
    for (col, text) in [
        "ID",
        "Роль",
        "ИНН ОО",
        "Статус УЗ",
        "Дата последней авторизации",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, col as u16, *text).unwrap();
    }
    let rows = [
        ("t1", "Учитель", "APPROVED", Some((2023, 9, 30))),
        ("t2", "Педагог", "APPROVED", Some((2022, 10, 2))),
        ("t3", "Учитель", "NOT_APPROVED", Some((2023, 9, 30))),
        ("t4", "Учитель", "APPROVED", None),
        ("s1", "Ученик", "APPROVED", Some((2023, 10, 3))),
    ];
    for (idx, (id, role, status, last)) in rows.iter().enumerate() {
        let row = idx as u32 + 2;
        sheet.write_string(row, 0, *id).unwrap();
        sheet.write_string(row, 1, *role).unwrap();
        sheet.write_number(row, 2, 512345678).unwrap();
        sheet.write_string(row, 3, *status).unwrap();
        if let Some((y, m, d)) = last {
            let date = rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *m, *d)
                .unwrap()
                .and_hms(8, 30, 0)
                .unwrap();
            sheet
                .write_datetime_with_format(row, 4, &date, &date_format)
                .unwrap();
        }
    }
    let users = dir.path("users.xlsx");
    workbook.save(&users).unwrap();
    let run = dir
        .tsos(&["import", "myschool", users.to_str().unwrap()])
        .ok();
    assert!(
        run.stdout
            .contains("позже отчетной даты 01.10.2023 (учтены как активные): 1"),
        "{}",
        run.stdout
    );

    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let row = school(&report, "0512345678");
    assert_eq!(row["contingent"]["teachers"], 80);
    assert_eq!(row["contingent"]["students"], 1500);
    let teachers = &row["myschool"]["teachers"];
    assert_eq!(teachers["registered"], 4);
    assert_eq!(teachers["confirmed"], 3);
    assert_eq!(teachers["active"], 2);
    assert_eq!(row["myschool"]["students"]["active"], 1);
}

#[test]
fn utf8_bom_commas_iso_datetimes_duplicates_and_unknown_schools() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let text = "\u{feff}Идентификатор,ФИО,Тип пользователя,ИНН организации,Последняя активность\r\n\
                1,\"Алиев, Магомед\",Учитель,0512345678,2023-09-30T23:30:00+03:00\r\n\
                1,\"Алиев, Магомед\",Учитель,0512345678,2022-01-01T10:00:00Z\r\n\
                2,\"Гаджиева, Патимат\",учитель,0512345678,2022-10-01T12:00:00.000Z\r\n\
                3,Омаров Шамиль,Ученик,0512345678,2023-09-01 08:00\r\n\
                4,Администратор школы,Администратор,0512345678,2023-09-01\r\n\
                5,Курбанов Руслан,Ученик,0599999999,2023-09-01\r\n";
    let file = dir.write("sferum.csv", text);
    let run = dir.import("sferum", &file, "2023-10-01").ok();
    assert!(run.stdout.contains("разделитель «,»"), "{}", run.stdout);
    assert!(run.stdout.contains("объединено: 1"), "{}", run.stdout);
    assert!(run.stdout.contains("другими ролями"), "{}", run.stdout);
    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let row = school(&report, "0512345678");
    let teachers = &row["sferum"]["teachers"];
    assert_eq!(teachers["registered"], 2);
    assert_eq!(teachers["active"], 1, "2022-10-01 is outside the 12 months");
    assert_eq!(row["sferum"]["students"]["active"], 1);
    assert_eq!(report["unknown_organisations"]["sferum"], 1);
    assert_eq!(report["unknown"]["sferum"]["ids"][0], "0599999999");
    assert!(row["myschool"].is_null());
}

#[test]
fn shares_without_counts_use_the_registry_contingent() {
    let dir = Dir::new();
    dir.one_school(57, 640);
    let file = dir.write(
        "shares.csv",
        "ИНН\tДоля педагогов, использующих Сферум, %\tДоля обучающихся, %\n0512345678\t50,9\t13\n",
    );
    let run = dir.import("sferum", &file, "2023-10-01").ok();
    assert!(run.stdout.contains("доля × контингент"), "{}", run.stdout);
    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let row = school(&report, "0512345678");
    assert_eq!(row["sferum"]["teachers"]["active"], 29);
    assert_eq!(row["sferum"]["students"]["active"], 83);
}

#[test]
fn deltas_between_monthly_snapshots() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let month = |name: &str, active: usize| {
        let mut text = String::from("ИНН;Количество активных педагогов\n");
        text.push_str(&format!("0512345678;{active}\n"));
        dir.write(name, text)
    };
    dir.import("myschool", &month("sep.csv", 5), "2023-09-01")
        .ok();
    dir.import("myschool", &month("oct.csv", 8), "2023-10-01")
        .ok();
    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let teachers = &school(&report, "0512345678")["myschool"]["teachers"];
    assert!((teachers["delta_pp"].as_f64().unwrap() - 30.0).abs() < 1e-9);
    let report = dir
        .tsos(&["report", "--as-of", "2023-09-01", "--format", "json"])
        .ok()
        .json();
    assert!(school(&report, "0512345678")["myschool"]["teachers"]["delta_pp"].is_null());
}

#[test]
fn a_platform_added_by_toml() {
    let dir = Dir::new();
    let platforms = dir.write(
        "platforms.toml",
        "[[platform]]\ncode = \"max\"\nname = \"Мессенджер MAX\"\nwindow_months = 1\n",
    );
    dir.one_school(10, 100);
    let file = dir.write(
        "max.csv",
        "ID;Роль;ИНН;Последняя активность\n1;Учитель;0512345678;15.09.2023\n2;Учитель;0512345678;01.09.2023\n",
    );
    let platforms = platforms.to_str().unwrap();
    dir.tsos(&[
        "--platforms",
        platforms,
        "import",
        "max",
        file.to_str().unwrap(),
        "--as-of",
        "2023-10-01",
    ])
    .ok();
    let report = dir
        .tsos(&[
            "--platforms",
            platforms,
            "report",
            "--as-of",
            "2023-10-01",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(
        school(&report, "0512345678")["max"]["teachers"]["active"],
        1
    );
    assert!(report["rows"][0]["myschool"].is_null());
}

#[test]
fn csv_report_opens_in_russian_excel() {
    let dir = Dir::new();
    dir.one_school(57, 640);
    let file = dir.write(
        "m.csv",
        "ИНН;Количество активных педагогов\n0512345678;46\n",
    );
    dir.import("myschool", &file, "2023-10-01").ok();
    let out = dir.path("report.csv");
    dir.tsos(&[
        "report",
        "--as-of",
        "01.10.2023",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    let bytes = std::fs::read(out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("0512345678;МБОУ «СОШ №1»;Буйнакский район;Республика Дагестан;57;640;"),
        "{text}"
    );
    assert!(text.contains(";46;80,7;"), "{text}");
}
