//! The official chats registry: template round trip, history of moves, the deadline, and
//! bad rows; the schools' lists of classes and the classes without an official chat.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};

use crate::util::Dir;

const HEADER: &str = "ИНН ОО;Название чата;Назначение;Класс;Платформа;Участников;Активен;Дата подтверждения;Дата создания;Дата переноса;Заменяет чат\n";

fn report(dir: &Dir, as_of: &str) -> serde_json::Value {
    dir.tsos(&[
        "chats",
        "report",
        "--as-of",
        as_of,
        "--deadline",
        "2023-10-20",
        "--format",
        "json",
    ])
    .ok()
    .json()
}

#[test]
fn the_template_imports_as_it_is_written() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let template = dir.path("шаблон.xlsx");
    dir.tsos(&["chats", "template", "--out", template.to_str().unwrap()])
        .ok();
    // The template's example row names the first school of the registry.
    let run = dir
        .tsos(&[
            "chats",
            "import",
            template.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
        ])
        .ok();
    assert!(
        run.stdout
            .contains("чатов 1, из них в иностранных мессенджерах 0; классов 1 в 1 ОО"),
        "{}",
        run.stdout
    );
    let report = report(&dir, "2023-10-01");
    let row = &report["rows"][0];
    assert_eq!(row["chats"], 1);
    assert_eq!(row["domestic_share"], 1.0);
    assert_eq!(row["deadline_status"], "met");
    // The example class 5А has a parents' chat only, so no class chat.
    assert_eq!(row["classes"], 1);
    assert_eq!(row["classes_without_chat"], 1);
}

/// The template `tsos chats template` writes, with every cell of both its sheets as written
/// and the rows below each sheet's example replaced by `chats` and `classes`.
fn filled_template(dir: &Dir, chats: &[&[&str]], classes: &[&[&str]]) -> PathBuf {
    let template = dir.path("шаблон.xlsx");
    dir.tsos(&["chats", "template", "--out", template.to_str().unwrap()])
        .ok();
    let mut source: calamine::Xlsx<_> = calamine::open_workbook(&template).unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for name in source.sheet_names() {
        let range = source.worksheet_range(&name).unwrap();
        let sheet = workbook.add_worksheet().set_name(&name).unwrap();
        // The rows up to the header's, as the template has them; the example row goes.
        for (row, col, value) in range.used_cells().filter(|(row, _, _)| *row < 3) {
            match value {
                Data::Float(n) => sheet.write_number(row as u32, col as u16, *n),
                other => sheet.write_string(row as u32, col as u16, other.to_string()),
            }
            .unwrap();
        }
        let rows = if name == "Классы" {
            classes
        } else {
            chats
        };
        for (idx, row) in rows.iter().enumerate() {
            sheet
                .write_row(3 + idx as u32, 0, row.iter().copied())
                .unwrap();
        }
    }
    let path = dir.path("заполненный.xlsx");
    workbook.save(&path).unwrap();
    path
}

#[test]
fn the_template_s_sheet_of_classes_gives_the_classes_without_an_official_chat() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let class_chat = |class: &'static str, platform: &'static str, active: &'static str| {
        [
            "0512345678",
            "чат класса",
            "классный",
            class,
            platform,
            "25",
            active,
        ]
    };
    let (a, b, c, d, e) = (
        class_chat("5А", "Сферум", "Да"),
        class_chat("5 б", "MAX", "Да"),
        class_chat("6А", "WhatsApp", "Да"),
        class_chat("7А", "Сферум", "Нет"),
        [
            "0512345678",
            "8А — родители",
            "родительский",
            "8А",
            "Сферум",
            "30",
            "Да",
        ],
    );
    // Chat names differ by class: a chat is known by its name.
    let named = |mut row: [&'static str; 7], name: &'static str| {
        row[1] = name;
        row
    };
    let chats = [
        named(a, "5А — класс"),
        named(b, "5Б — класс"),
        named(c, "6А — класс"),
        named(d, "7А — класс"),
        e,
    ];
    let chats: Vec<&[&str]> = chats.iter().map(|r| r.as_slice()).collect();
    let path = filled_template(
        &dir,
        &chats,
        &[
            &["0512345678", "5a", "25"],
            &["0512345678", "5Б", "24"],
            &["0512345678", "6А", "26"],
            &["0512345678", "7А", ""],
            &["0512345678", "8А", "27"],
            &["0512345678", "5 А", "25"],
        ],
    );
    let run = dir
        .tsos(&[
            "chats",
            "import",
            path.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
        ])
        .ok();
    assert!(run.stdout.contains("чатов 5"), "{}", run.stdout);
    assert!(run.stdout.contains("классов 5 в 1 ОО"), "{}", run.stdout);
    let row = report(&dir, "2023-10-01")["rows"][0].clone();
    assert_eq!(row["classes"], 5, "«5a» and «5 А» are one class");
    // 6А is in WhatsApp, 7А's chat is not used, 8А has a parents' chat only.
    assert_eq!(row["classes_without_chat"], 3);
    assert_eq!(row["schools_without_class_list"], 0);
    let table = dir
        .tsos(&["chats", "report", "--as-of", "2023-10-01"])
        .ok()
        .stdout;
    assert!(table.contains("Классов без официального чата"), "{table}");
    // With --sheet, only that sheet is read: no list of classes.
    let dir2 = Dir::new();
    dir2.one_school(10, 100);
    dir2.tsos(&[
        "chats",
        "import",
        path.to_str().unwrap(),
        "--as-of",
        "2023-10-01",
        "--sheet",
        "Чаты",
    ])
    .ok();
    let row = report(&dir2, "2023-10-01")["rows"][0].clone();
    assert_eq!(row["chats"], 5);
    assert!(row["classes_without_chat"].is_null(), "{row}");
}

#[test]
fn a_list_of_classes_of_its_own_keeps_the_chats_and_a_newer_list_replaces_it() {
    let dir = Dir::new();
    let registry = dir.registry(&[
        ("0512345678", "МБОУ «СОШ №1»", "Буйнакский район", 10, 100),
        ("0512345679", "МБОУ «СОШ №2»", "Буйнакский район", 10, 100),
    ]);
    dir.import("registry", &registry, "2023-09-01").ok();
    let import = |name: &str, text: String| {
        let file = dir.write(name, text);
        dir.tsos(&["chats", "import", file.to_str().unwrap()]).ok()
    };
    import(
        "chats.csv",
        format!(
            "Реестр чатов по состоянию на 01.10.2023\n{HEADER}\
             0512345678;5А — класс;классный;5А;Сферум;25;Да;;;;\n\
             0512345679;Педагоги;педагогический коллектив;;Сферум;40;Да;;;;\n"
        ),
    );
    let run = import(
        "классы.csv",
        "Список классов на 01.10.2023\nИНН;Класс;Обучающихся\n\
         0512345678;5 А;25\n0512345678;5Б;24\n"
            .to_string(),
    );
    assert!(
        run.stdout
            .contains("Импорт списка классов классы.csv на 01.10.2023: классов 2 в 1 ОО"),
        "{}",
        run.stdout
    );
    let region = |as_of: &str| {
        dir.tsos(&[
            "chats", "report", "--as-of", as_of, "--level", "region", "--format", "json",
        ])
        .ok()
        .json()["rows"][0]
            .clone()
    };
    let row = region("2023-10-01");
    assert_eq!(row["chats"], 2, "the list of classes supersedes no chats");
    assert_eq!(
        (&row["classes"], &row["classes_without_chat"]),
        (&2.into(), &1.into()),
        "only the school that gave a list counts: {row}"
    );
    assert_eq!(row["schools_without_class_list"], 1);
    let snapshots = dir.tsos(&["snapshots", "--format", "json"]).ok().json();
    let datasets: Vec<&str> = snapshots
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["superseded_by"].is_null())
        .filter_map(|s| s["dataset"].as_str())
        .collect();
    assert!(datasets.contains(&"classes:0512345678"), "{datasets:?}");

    // The next school year's list replaces the whole list; the old date keeps its figures.
    import(
        "классы-2024.csv",
        "Список классов на 01.09.2024\nИНН;Класс\n0512345678;6А\n0512345678;6Б\n0512345678;1А\n"
            .to_string(),
    );
    let row = region("2024-09-01");
    assert_eq!(
        (&row["classes"], &row["classes_without_chat"]),
        (&3.into(), &3.into())
    );
    let row = region("2023-10-01");
    assert_eq!(
        (&row["classes"], &row["classes_without_chat"]),
        (&2.into(), &1.into())
    );
    let csv = dir
        .tsos(&[
            "chats",
            "report",
            "--as-of",
            "2024-09-01",
            "--format",
            "csv",
        ])
        .ok()
        .stdout;
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains(";Классов;Классов без официального чата;ОО без списка классов;"),
        "{csv}"
    );
}

#[test]
fn a_bad_class_row_is_named_by_its_cell_and_nothing_is_stored() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let before = std::fs::read(dir.db()).unwrap();
    let fails = |path: &Path| {
        dir.tsos(&[
            "chats",
            "import",
            path.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
        ])
        .fails()
        .stderr
    };
    let csv = dir.write(
        "классы.csv",
        "ИНН ОО;Класс;Обучающихся\n0512345678;5А;25\n0512345678;;24\n0512345678;6А;двадцать\n",
    );
    let stderr = fails(&csv);
    assert!(
        stderr.contains("классы.csv:3: column «Класс»: не указан класс"),
        "{stderr}"
    );
    assert!(
        stderr.contains("классы.csv:4: column «Обучающихся»: не целое неотрицательное число"),
        "{stderr}"
    );
    // In the template, the sheet and cell are named, and good chats are not kept either.
    let template = filled_template(
        &dir,
        &[&[
            "0512345678",
            "5А — класс",
            "классный",
            "5А",
            "Сферум",
            "25",
            "Да",
        ]],
        &[&["0512345678", "5А", "25"], &["0512345678", "—", "25"]],
    );
    let stderr = fails(&template);
    assert!(
        stderr.contains("заполненный.xlsx[Классы]!B5: column «Класс»: не указан класс"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.db()).unwrap(), before);
}

#[test]
fn the_demo_lists_classes_and_some_have_no_official_chat() {
    let dir = Dir::new();
    let out = dir.path("demo");
    dir.tsos(&[
        "demo",
        "--schools",
        "10",
        "--no-serve",
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    assert!(out.join("classes.csv").exists());
    let dates = dir.tsos(&["snapshots", "--format", "json"]).ok().json();
    let as_of = dates
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["dataset"] == "classes")
        .map(|s| s["as_of"].as_str().unwrap().to_string())
        .expect("the demo imports its lists of classes");
    let row = dir
        .tsos(&[
            "chats", "report", "--as-of", &as_of, "--level", "region", "--format", "json",
        ])
        .ok()
        .json()["rows"][0]
        .clone();
    let classes = row["classes"].as_u64().unwrap();
    let without = row["classes_without_chat"].as_u64().unwrap();
    assert!(classes >= 90, "ten schools of at least 9 classes: {row}");
    assert!(without > 0 && without < classes / 2, "{row}");
}

#[test]
fn a_chat_moved_twice_counts_once_and_the_deadline_is_kept_to_the_day() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let month = |name: &str, title_date: &str, platform: &str, moved: &str| {
        let file = dir.write(
            name,
            format!(
                "Реестр официальных чатов по состоянию на {title_date}\n{HEADER}\
                 0512345678;5А — родители;родительский;5А;{platform};27;Да;;01.09.2022;{moved};\n\
                 0512345678;Педагоги;педагогический коллектив;;Сферум;40;Да;;;;\n"
            ),
        );
        dir.tsos(&["chats", "import", file.to_str().unwrap()]).ok();
    };
    month("sep.csv", "01.09.2023", "Ватсап", "");
    let september = report(&dir, "2023-10-20");
    let row = &september["rows"][0];
    assert_eq!(
        (row["chats"].as_u64(), row["foreign_open"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(row["domestic_share"], 0.5);
    assert_eq!(row["deadline_status"], "pending", "the deadline day itself");
    let late = report(&dir, "2023-10-21");
    assert_eq!(late["rows"][0]["deadline_status"], "overdue");
    assert_eq!(late["rows"][0]["days_overdue"], 1);

    month("oct.csv", "25.10.2023", "Сферум", "25.10.2023");
    month("2025.csv", "01.10.2025", "MAX", "01.10.2025");
    for (date, platform_share) in [("2023-10-26", 1.0), ("2025-10-01", 1.0)] {
        let row = report(&dir, date)["rows"][0].clone();
        assert_eq!(row["chats"], 2, "{date}: the chat counts once");
        assert_eq!(row["domestic_share"], platform_share);
        assert_eq!(row["deadline_status"], "met");
    }
    let table = dir
        .tsos(&[
            "chats",
            "report",
            "--as-of",
            "2023-10-21",
            "--deadline",
            "2023-10-20",
        ])
        .ok()
        .stdout;
    assert!(table.contains("просрочено на 1 дн."), "{table}");
}

#[test]
fn bad_rows_are_named_by_cell_and_nothing_is_stored() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let file = dir.write(
        "bad.csv",
        format!(
            "{HEADER}0512345678;5А;классный;5А;Одноклассники;27;Да;;;;\n\
             0512345678;6Б;классный;6Б;Сферум;много;Да;;31.02.2023;;\n"
        ),
    );
    let before = std::fs::read(dir.db()).unwrap();
    let run = dir
        .tsos(&[
            "chats",
            "import",
            file.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
        ])
        .fails();
    assert!(
        run.stderr
            .contains("bad.csv:2: column «Платформа»: неизвестная платформа «Одноклассники»"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("bad.csv:3: column «Участников»"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("bad.csv:3: column «Дата создания»: несуществующая дата"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(dir.db()).unwrap(), before);
}

#[test]
fn the_letter_and_notices_name_chats_left_in_foreign_messengers() {
    let dir = school_with_chats(
        "0512345678;5А — родители;родительский;5А;WhatsApp;27;Да;;;;\n\
         0512345678;Педагоги;педагогический коллектив;;Сферум;40;Да;;;;\n",
    );
    match letter_and_notices(&dir) {
        Some((letter, notices)) => {
            assert!(
                letter.contains("служебных чатов в иностранных мессенджерах – 1 (в 1 организации)"),
                "{letter}"
            );
            assert!(notices.contains("«5А — родители» (WhatsApp)"), "{notices}");
        }
        None => eprintln!(
            "pdftotext is not installed (Debian: poppler-utils): the PDFs' text was not checked"
        ),
    }
}

/// A chat left on a platform the authority closes is named in the letter and the school's
/// notice with the closing's deadline, and is not domestic in the letter's share.
#[test]
fn the_letter_and_notices_name_chats_left_on_a_closing_platform() {
    let dir = school_with_chats(
        "0512345678;Педагоги;педагогический коллектив;;Сферум;40;Да;;;;\n\
         0512345678;5А — родители;родительский;5А;MAX;27;Да;;;;\n",
    );
    dir.tsos(&[
        "chats",
        "closing",
        "--platform",
        "sferum_vk",
        "--from",
        "01.10.2023",
        "--deadline",
        "31.12.2023",
    ])
    .ok();
    match letter_and_notices(&dir) {
        Some((letter, notices)) => {
            assert!(
                letter.contains(
                    "служебных чатов в иностранных мессенджерах нет; доля чатов на \
                     отечественных платформах – 50,0 %. На закрываемых платформах остаются 1 \
                     чат (в 1 организации): Сферум (VK Мессенджер) – перенести до 31.12.2023."
                ),
                "{letter}"
            );
            assert!(
                notices.contains(
                    "Служебные чаты на закрываемой платформе (1): «Педагоги» (Сферум (VK \
                     Мессенджер)); их нужно перенести в MAX или на другую отечественную \
                     платформу до 31.12.2023."
                ),
                "{notices}"
            );
        }
        None => eprintln!(
            "pdftotext is not installed (Debian: poppler-utils): the PDFs' text was not checked"
        ),
    }
}

/// One school whose every teacher is active on 01.10.2023 (no indicator below target: only
/// the chats are a reason to write), with the chats `rows` of the template's columns.
fn school_with_chats(rows: &str) -> Dir {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let month = dir.write(
        "m.csv",
        "ИНН;Количество активных педагогов\n0512345678;10\n",
    );
    dir.import("myschool", &month, "2023-10-01").ok();
    let chats = dir.write("chats.csv", format!("{HEADER}{rows}"));
    dir.tsos(&[
        "chats",
        "import",
        chats.to_str().unwrap(),
        "--as-of",
        "2023-10-01",
    ])
    .ok();
    dir
}

/// Writes the letter of 12.10.2023 with its notices, and gives the text of both PDFs, each
/// on one line; `None` where pdftotext is not installed.
fn letter_and_notices(dir: &Dir) -> Option<(String, String)> {
    let out = dir.path("out");
    let run = dir
        .tsos(&[
            "letter",
            "--as-of",
            "2023-10-01",
            "--deadline",
            "2023-10-20",
            "--date",
            "2023-10-12",
            "--notices",
            "--out",
            out.to_str().unwrap(),
        ])
        .ok();
    assert!(run.stdout.contains("уведомлений — 1"), "{}", run.stdout);
    let text = |pdf: &std::path::Path| {
        std::process::Command::new("pdftotext")
            .arg(pdf)
            .arg("-")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
    };
    Some((
        text(&out.join("Письмо_№1_от_12.10.2023.pdf"))?,
        text(&out.join("Уведомления_12.10.2023.pdf"))?,
    ))
}

#[test]
fn files_of_two_schools_on_one_date_both_count_and_a_correction_replaces_only_its_school() {
    let dir = Dir::new();
    let registry = dir.registry(&[
        ("0512345678", "МБОУ «СОШ №1»", "Буйнакский район", 10, 100),
        ("0512345679", "МБОУ «СОШ №2»", "Буйнакский район", 10, 100),
    ]);
    dir.import("registry", &registry, "2023-09-01").ok();
    let import = |name: &str, rows: &str| {
        let file = dir.write(name, format!("{HEADER}{rows}"));
        dir.tsos(&[
            "chats",
            "import",
            file.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
        ])
        .ok();
    };
    import(
        "first.csv",
        "0512345678;Педагоги;педагогический коллектив;;Telegram;40;Да;;;;\n",
    );
    import(
        "second.csv",
        "0512345679;Педагоги;педагогический коллектив;;Сферум;30;Да;;;;\n\
         0512345679;Администрация;администрация;;WhatsApp;5;Да;;;;\n",
    );
    let totals = |report: &serde_json::Value| {
        let row = &report["rows"][0];
        (row["chats"].as_u64(), row["foreign_open"].as_u64())
    };
    let region = |dir: &Dir| {
        dir.tsos(&[
            "chats",
            "report",
            "--as-of",
            "2023-10-01",
            "--level",
            "region",
            "--format",
            "json",
        ])
        .ok()
        .json()
    };
    assert_eq!(
        totals(&region(&dir)),
        (Some(3), Some(2)),
        "both files count"
    );
    // The first school corrects its file: only its own chats change.
    import(
        "first-fixed.csv",
        "0512345678;Педагоги;педагогический коллектив;;MAX;40;Да;;;;\n",
    );
    assert_eq!(totals(&region(&dir)), (Some(3), Some(1)));
    let snapshots = dir.tsos(&["snapshots", "--format", "json"]).ok().json();
    let datasets: Vec<&str> = snapshots
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["superseded_by"].is_null())
        .filter_map(|s| s["dataset"].as_str())
        .collect();
    assert!(
        datasets.contains(&"chats:0512345678") && datasets.contains(&"chats:0512345679"),
        "{datasets:?}"
    );
}

/// Сферум in VK Мессенджер is domestic until the authority closes it: from the date it set,
/// its open chats count as «на закрываемой платформе», against their own deadline; a bare
/// «Сферум» in a file dated after the move into MAX is read as that one, with a warning; and
/// the school's official channel, a purpose of its own, comes through to the report.
#[test]
fn a_chat_on_sferum_in_vk_counts_as_closing_from_the_date_set_and_not_before() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let file = dir.write(
        "chats.csv",
        format!(
            "Реестр официальных чатов по состоянию на 01.09.2025\n{HEADER}\
             0512345678;5А — родители;родительский;5А;Сферум;27;Да;;;;\n\
             0512345678;Школа № 1;Официальный канал ОО;;Сферум в MAX;300;Да;;;;\n\
             0512345678;7А — родители;родительский;7А;Сферум (VK Мессенджер);25;Да;;;;\n\
             0512345678;8А — родители;родительский;8А;Сферум (VK Мессенджер);25;Нет;;;;\n"
        ),
    );
    let run = dir.tsos(&["chats", "import", file.to_str().unwrap()]).ok();
    assert!(
        run.stdout.contains(
            "Предупреждение: платформа «Сферум» без уточнения в 1 стр. прочитана как «Сферум (VK Мессенджер)»"
        ),
        "{}",
        run.stdout
    );
    let at = |date: &str| {
        dir.tsos(&["chats", "report", "--as-of", date, "--format", "json"])
            .ok()
            .json()
    };
    let figures = |report: &serde_json::Value| {
        let row = &report["rows"][0];
        (
            row["domestic"].as_u64().unwrap(),
            row["closing_open"].as_u64().unwrap(),
            row["closing_status"].as_str().map(str::to_string),
        )
    };
    // No closing set: domestic, as always.
    assert_eq!(figures(&at("2025-10-15")), (4, 0, None));
    dir.tsos(&[
        "chats",
        "closing",
        "--platform",
        "whatsapp",
        "--from",
        "01.10.2025",
        "--deadline",
        "31.12.2025",
    ])
    .fails();
    dir.tsos(&[
        "chats",
        "closing",
        "--platform",
        "sferum_vk",
        "--from",
        "01.10.2025",
        "--deadline",
        "31.12.2025",
    ])
    .ok();
    let listed = dir.tsos(&["chats", "closing"]).ok().stdout;
    assert_eq!(
        listed,
        "Сферум (VK Мессенджер) закрывается с 01.10.2025, срок — 31.12.2025\n"
    );
    let before = at("2025-09-30");
    assert_eq!(figures(&before), (4, 0, None), "the day before the date");
    assert_eq!(before["closings"][0]["platform"], "sferum_vk");
    // From the date: the two open chats there are closing, the read-only one is neither.
    let from = at("2025-10-01");
    assert_eq!(figures(&from), (1, 2, Some("pending".into())));
    assert_eq!(from["rows"][0]["domestic_share"], 0.25);
    assert_eq!(from["rows"][0]["schools_without_channel"], 0);
    let late = at("2026-01-01");
    assert_eq!(figures(&late), (1, 2, Some("overdue".into())));
    assert_eq!(late["rows"][0]["closing_days_overdue"], 1);
    assert_eq!(late["rows"][0]["schools_closing_overdue"], 1);
    let table = dir
        .tsos(&["chats", "report", "--as-of", "2026-01-01"])
        .ok()
        .stdout;
    assert!(
        table.contains("Сферум (VK Мессенджер) закрывается с 01.10.2025, срок — 31.12.2025"),
        "{table}"
    );
    assert!(table.contains("просрочено на 1 дн."), "{table}");
    dir.tsos(&["chats", "closing", "--platform", "sferum_vk", "--remove"])
        .ok();
    assert_eq!(figures(&at("2026-01-01")), (4, 0, None));
    dir.tsos(&["chats", "closing", "--platform", "sferum_vk", "--remove"])
        .fails();
}
