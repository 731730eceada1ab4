//! Staff and parents counted against their own headcounts (issue 15): a registry with
//! «Работников» and «Законных представителей», a per-user file whose roles are written in
//! every way the platforms write them, and the shares that come out of `tsos report`.

use crate::util::{Dir, share};

/// School 1 gives every headcount; school 2 gives no staff headcount (an empty cell).
const REGISTRY: &str = "\
ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
Численность педагогических работников;Численность обучающихся;Работников;Законных представителей\n\
0512345678;МБОУ «СОШ №1»;Буйнакский район;Республика Дагестан;10;100;8;200\n\
0512345679;МБОУ «СОШ №2»;Буйнакский район;Республика Дагестан;10;100;;50\n";

const HEADER: &str =
    "ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n";

/// Shuffled on purpose, with a user's rows far apart. In school 1: staff s1–s4 active
/// (s3 is given twice), s5 confirmed but last seen a year before; a «Педагогический
/// работник», who is a teacher; an administrator, who is "other"; parents p1–p3 under
/// three spellings. In school 2: two active staff.
const ROWS: &str = "\
s3;Ахмедов А.;Сотрудник;0512345678;Да;02.09.2023\n\
p1;Алиева П.;Родитель;0512345678;Да;01.09.2023\n\
t1;Гусейнов Т.;Педагогический работник;0512345678;Да;01.09.2023\n\
s5;Омаров Ш.;Работник столовой;0512345678;Да;01.09.2022\n\
s1;Исаев М.;Административно-хозяйственный персонал;0512345678;Да;03.09.2023\n\
x1;Курбанова З.;Администратор ОО;0512345678;Да;01.09.2023\n\
p2;Магомедов Р.;NEXT_OF_KIN;0512345678;Да;01.09.2023\n\
s2;Гаджиев Р.;Employee;0512345678;Да;05.09.2023\n\
q1;Абакаров Н.;Сотрудник;0512345679;Да;05.09.2023\n\
p3;Рамазанова Д.;Законный представитель;0512345678;Да;01.09.2023\n\
s4;Саидов К.;Административно-хозяйственный;0512345678;Да;01.09.2023\n\
q2;Юсупов Б.;staff;0512345679;Да;05.09.2023\n\
s3;Ахмедов А.;Сотрудник;0512345678;Нет;20.09.2023\n";

#[test]
fn staff_and_parents_have_shares_where_the_registry_gives_their_headcount() {
    let dir = Dir::new();
    let registry = dir.write("registry.csv", REGISTRY);
    dir.import("registry", &registry, "2023-09-01").ok();
    let users = dir.write("users.csv", format!("{HEADER}{ROWS}"));
    let run = dir.import("myschool", &users, "2023-10-01").ok();
    // The administrator is the one "other" account; every other spelling found a role.
    assert!(
        run.stdout
            .contains("строк с другими ролями (администраторы и т. п.), не учитываются: 1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("пользователей: 11"), "{}", run.stdout);

    let schools = dir.report_json("2023-10-01", "school");
    let first = &schools["rows"][0];
    assert_eq!(first["id"], "0512345678");
    assert_eq!(first["contingent"]["staff"], 8);
    assert_eq!(first["contingent"]["parents"], 200);
    let staff = &first["myschool"]["staff"];
    assert_eq!(staff["registered"], 5);
    assert_eq!(staff["active"], 4);
    assert_eq!(share(staff), 4.0 / 8.0);
    assert_eq!(share(&first["myschool"]["parents"]), 3.0 / 200.0);
    assert_eq!(first["myschool"]["teachers"]["active"], 1);
    // No staff headcount: the accounts are counted, the share is unknown.
    let second = &schools["rows"][1];
    assert_eq!(second["contingent"]["staff"], serde_json::Value::Null);
    assert_eq!(second["myschool"]["staff"]["active"], 2);
    assert_eq!(
        second["myschool"]["staff"]["share"],
        serde_json::Value::Null
    );
    assert_eq!(share(&second["myschool"]["parents"]), 0.0);

    // The region sums the counts and the headcounts it has, never averages shares.
    let region = &dir.report_json("2023-10-01", "region")["rows"][0];
    assert_eq!(region["contingent"]["parents"], 250);
    assert_eq!(share(&region["myschool"]["parents"]), 3.0 / 250.0);

    // A target on staff gives it a status and a gap, as for any indicator.
    dir.tsos(&[
        "targets",
        "set",
        "myschool.staff",
        "75%",
        "--from",
        "2023-09-01",
    ])
    .ok();
    let first = &dir.report_json("2023-10-01", "school")["rows"][0]["myschool"]["staff"];
    assert_eq!(first["status"], "red");
    assert_eq!(first["gap"], 2);

    // The terminal table and the CSV show the staff columns.
    let table = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--level", "school"])
        .ok()
        .stdout;
    assert!(table.contains("работники"), "{table}");
    let csv = dir
        .tsos(&[
            "report",
            "--as-of",
            "2023-10-01",
            "--level",
            "school",
            "--format",
            "csv",
        ])
        .ok()
        .stdout;
    assert!(csv.contains("Контингент: работники"), "{csv}");
}
