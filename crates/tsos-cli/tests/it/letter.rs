//! The seed letter's figures, computed from per-user files: My School 81 % of teachers and
//! 0 % of students, Sferum 51 % and 13 % (../shared/seed).

use crate::util::{Dir, region_row, share};

/// Per-user rows: `n` users of `role` in school `inn` with the given last date.
fn users(
    out: &mut String,
    inn: &str,
    role: &str,
    n: usize,
    confirmed: &str,
    last: &str,
    prefix: &str,
) {
    for idx in 0..n {
        out.push_str(&format!(
            "{prefix}{inn}-{idx};{role};{inn};{confirmed};{last}\n"
        ));
    }
}

#[test]
fn region_totals_are_the_letters() {
    let dir = Dir::new();
    // Two schools in two municipalities: 100 teachers and 1 000 students in all.
    dir.import(
        "registry",
        &dir.registry(&[
            ("0512345678", "МБОУ «СОШ №1»", "Буйнакский район", 60, 600),
            (
                "0523456789",
                "МКОУ «Агачаульская СОШ»",
                "Карабудахкентский район",
                40,
                400,
            ),
        ]),
        "2023-09-01",
    )
    .ok();

    // My School: 81 active teachers; the rest lapsed, unconfirmed or outside the window by a
    // day. Students are registered but none is active.
    let mut myschool =
        String::from("ID пользователя;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n");
    users(
        &mut myschool,
        "0512345678",
        "Учитель",
        50,
        "Да",
        "15.09.2023",
        "a",
    );
    users(
        &mut myschool,
        "0523456789",
        "Учитель",
        30,
        "Да",
        "02.10.2022",
        "b",
    ); // the 365th day
    users(
        &mut myschool,
        "0523456789",
        "Учитель",
        1,
        "Да",
        "01.10.2023",
        "c",
    );
    users(
        &mut myschool,
        "0512345678",
        "Учитель",
        5,
        "Да",
        "01.10.2022",
        "d",
    ); // one day out
    users(
        &mut myschool,
        "0512345678",
        "Учитель",
        5,
        "Нет",
        "20.09.2023",
        "e",
    ); // not confirmed
    users(
        &mut myschool,
        "0512345678",
        "Обучающийся",
        40,
        "Нет",
        "",
        "f",
    );
    let myschool = dir.write("myschool.csv", myschool);
    dir.import("myschool", &myschool, "2023-10-01").ok();

    // Sferum: 51 teachers and 130 students active in the last 12 months.
    let mut sferum =
        String::from("Идентификатор;Тип пользователя;ИНН организации;Последняя активность\n");
    for (inn, role, n, last, prefix) in [
        ("0512345678", "Учитель", 31, "2023-09-30", "g"),
        ("0523456789", "Учитель", 20, "2022-10-02", "h"),
        ("0523456789", "Учитель", 9, "2022-10-01", "i"),
        ("0512345678", "Ученик", 100, "2023-09-01", "j"),
        ("0523456789", "Ученик", 30, "2023-05-05", "k"),
        ("0523456789", "Ученик", 70, "2021-05-05", "l"),
    ] {
        for idx in 0..n {
            sferum.push_str(&format!("{prefix}{idx};{role};{inn};{last}\n"));
        }
    }
    let sferum = dir.write("sferum.csv", sferum);
    dir.import("sferum", &sferum, "01.10.2023").ok();

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
    assert_eq!(report["level"], "region");
    let region = region_row(&report);
    assert_eq!(region["id"], "Республика Дагестан");
    assert_eq!(region["schools"], 2);
    assert_eq!(region["contingent"]["teachers"], 100);
    assert_eq!(share(&region["myschool"]["teachers"]), 0.81);
    assert_eq!(share(&region["myschool"]["students"]), 0.0);
    assert_eq!(share(&region["sferum"]["teachers"]), 0.51);
    assert_eq!(share(&region["sferum"]["students"]), 0.13);
    assert_eq!(region["myschool"]["teachers"]["registered"], 91);
    assert_eq!(region["myschool"]["teachers"]["confirmed"], 86);
    assert_eq!(region["myschool"]["students"]["registered"], 40);

    // The table says the same in Russian.
    let table = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--level", "region"])
        .ok()
        .stdout;
    for figure in ["81,0 % (81)", "0,0 % (0)", "51,0 % (51)", "13,0 % (130)"] {
        assert!(table.contains(figure), "{figure} not in\n{table}");
    }
}
