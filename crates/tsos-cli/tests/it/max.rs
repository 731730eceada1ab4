//! The messenger MAX (issue 15): the `connected` rule counts every account of a role,
//! whatever its dates, so a per-user file needs no date column, and a per-school file of
//! connection counts gives the same shares.

use crate::util::Dir;

const REGISTRY: &str = "\
ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
Численность педагогических работников;Численность обучающихся;Работников;Родителей\n\
0512345678;МБОУ «СОШ №1»;Буйнакский район;Республика Дагестан;10;100;8;200\n\
0512345679;МБОУ «СОШ №2»;Буйнакский район;Республика Дагестан;10;100;10;50\n";

/// Connected accounts per school: (ИНН, teachers, students, parents, staff).
const CONNECTED: [(&str, usize, usize, usize, usize); 2] =
    [("0512345678", 6, 7, 40, 5), ("0512345679", 10, 0, 2, 1)];

/// One row per account, no date and no confirmation column, roles in the platform's words;
/// the schools' rows interleaved, one account given twice and an administrator.
fn per_user_file() -> String {
    let mut rows = Vec::new();
    for (inn, teachers, students, parents, staff) in CONNECTED {
        for (role, n) in [
            ("Педагог", teachers),
            ("Ученик", students),
            ("Родитель", parents),
            ("Сотрудник", staff),
        ] {
            for i in 0..n {
                rows.push(format!("{inn}-{role}-{i};{role};{inn}"));
            }
        }
    }
    // Interleave by a stride coprime with the length, so no school's rows are together.
    let n = rows.len();
    let stride = (2..n).find(|s| gcd(*s, n) == 1 && *s > n / 3).unwrap();
    let mut text = String::from("ID пользователя;Роль;ИНН ОО\n");
    for k in 0..n {
        text.push_str(&rows[(k * stride) % n]);
        text.push('\n');
    }
    text.push_str(&format!("{}\n", rows[0]));
    text.push_str("adm-1;Администратор;0512345678\n");
    text
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The ministry's form: one row per school, the three ways the slides name a connection.
fn per_school_file() -> String {
    let mut text = String::from(
        "ИНН;Наименование ОО;Подключено к MAX педагогов;Подключились к MAX (обучающиеся);\
         Подключились к MAX (родители);Зарегистрировано в MAX работников\n",
    );
    for (inn, teachers, students, parents, staff) in CONNECTED {
        text.push_str(&format!(
            "{inn};ОО {inn};{teachers};{students};{parents};{staff}\n"
        ));
    }
    text
}

fn dir_with(file: &str, text: String) -> Dir {
    let dir = Dir::new();
    let registry = dir.write("registry.csv", REGISTRY);
    dir.import("registry", &registry, "2025-09-01").ok();
    let path = dir.write(file, text);
    dir.import("max", &path, "2025-11-10").ok();
    dir
}

#[test]
fn per_user_and_per_school_files_give_the_same_connected_shares() {
    let per_user = dir_with("max_users.csv", per_user_file());
    let per_school = dir_with("max_schools.csv", per_school_file());
    for level in ["school", "region"] {
        let (a, b) = (
            &per_user.report_json("2025-11-10", level),
            &per_school.report_json("2025-11-10", level),
        );
        for (row_a, row_b) in a["rows"]
            .as_array()
            .unwrap()
            .iter()
            .zip(b["rows"].as_array().unwrap())
        {
            for role in ["teachers", "students", "parents", "staff"] {
                let (x, y) = (&row_a["max"][role], &row_b["max"][role]);
                for key in ["registered", "active", "share"] {
                    assert_eq!(x[key], y[key], "{level} {} {role} {key}", row_a["id"]);
                }
            }
        }
    }
    // The figures of the Moscow slide: staff 62,5 %, parents 20 %, pupils 7 %.
    let first = &per_user.report_json("2025-11-10", "school")["rows"][0]["max"];
    assert_eq!(first["staff"]["share"], 5.0 / 8.0);
    assert_eq!(first["parents"]["share"], 0.2);
    assert_eq!(first["students"]["share"], 0.07);
    assert_eq!(first["staff"]["registered"], 5);
    // Nobody leaves a `connected` rule by date: no leaving users and no forecast.
    assert_eq!(first["staff"]["leaving"], serde_json::Value::Null);
    assert_eq!(first["staff"]["forecast_next"], serde_json::Value::Null);

    // The «топ худших»: pupils under 20 %, worst first; 20 % itself is not under.
    let worst = per_user
        .tsos(&[
            "lagging",
            "--as-of",
            "2025-11-10",
            "--below",
            "20%",
            "--indicator",
            "max.students",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let ids: Vec<&str> = worst["lagging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["0512345679", "0512345678"]);

    let table = per_user
        .tsos(&["report", "--as-of", "2025-11-10", "--level", "school"])
        .ok()
        .stdout;
    assert!(
        table.contains(
            "Подключенные, Мессенджер MAX (Сферум): подключены (зарегистрированы) на платформе, \
             независимо от дат входа"
        ),
        "{table}"
    );
    assert!(
        table.contains("Доля — активные (подключенные) от контингента"),
        "{table}"
    );
    assert!(!table.contains("Активные, Мессенджер MAX"), "{table}");
}

/// A connected account is not an active one: MAX's columns say «подключенных» in the CSV
/// and the XLSX, where the other platforms' say «активных».
#[test]
fn max_columns_name_connected_users() {
    use calamine::{Reader, open_workbook_auto};
    let dir = dir_with("max_schools.csv", per_school_file());
    let csv = dir
        .tsos(&[
            "report",
            "--as-of",
            "2025-11-10",
            "--level",
            "school",
            "--format",
            "csv",
        ])
        .ok()
        .stdout;
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("Мессенджер MAX (Сферум), педагоги: подключенных;"),
        "{header}"
    );
    assert!(
        !header.contains("MAX (Сферум), педагоги: активных"),
        "{header}"
    );

    let out = dir.path("appendix.xlsx");
    dir.tsos(&[
        "report",
        "--as-of",
        "2025-11-10",
        "--level",
        "school",
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    let mut book = open_workbook_auto(&out).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let cells: Vec<String> = range.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "Доля подключенных"), "{cells:?}");
    assert!(cells.iter().any(|c| c == "Подключенных"), "{cells:?}");
    assert!(!cells.iter().any(|c| c == "Доля активных"), "{cells:?}");
}

/// Where a per-user MAX file has dates, the same file imported as `max_active` gives the
/// second indicator, active in the 30 days ending on the date, beside the connected share.
#[test]
fn a_dated_file_also_gives_the_active_in_30_days() {
    let dir = Dir::new();
    let registry = dir.write("registry.csv", REGISTRY);
    dir.import("registry", &registry, "2025-09-01").ok();
    // Parents of school 1: connected 4, of whom 11.10 is the first day of the window, 10.10
    // is before it, one has no date and one a date after the as-of date (counted active).
    let file = dir.write(
        "max_users.csv",
        "ID пользователя;Роль;ИНН ОО;Дата последней активности\n\
         1;Родитель;0512345678;11.10.2025\n\
         2;Родитель;0512345678;10.10.2025\n\
         3;Родитель;0512345678;\n\
         4;Родитель;0512345678;12.11.2025\n",
    );
    dir.import("max", &file, "2025-11-09").ok();
    dir.import("max_active", &file, "2025-11-09").ok();
    let report = dir
        .tsos(&[
            "report",
            "--as-of",
            "2025-11-09",
            "--level",
            "school",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let first = &report["rows"][0];
    assert_eq!(first["max"]["parents"]["active"], 4);
    assert_eq!(first["max"]["parents"]["share"], 4.0 / 200.0);
    assert_eq!(first["max_active"]["parents"]["registered"], 4);
    assert_eq!(first["max_active"]["parents"]["active"], 2);
    assert_eq!(first["max_active"]["parents"]["share"], 2.0 / 200.0);
    // The dated rule forecasts: the user of 11.10 leaves the window before 09.12.
    assert_eq!(first["max_active"]["parents"]["leaving"], 1);
}
