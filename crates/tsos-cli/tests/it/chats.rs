//! The official chats registry: template round trip, history of moves, the deadline, and
//! bad rows.

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
            .contains("чатов 1, из них в иностранных мессенджерах 0"),
        "{}",
        run.stdout
    );
    let report = report(&dir, "2023-10-01");
    let row = &report["rows"][0];
    assert_eq!(row["chats"], 1);
    assert_eq!(row["domestic_share"], 1.0);
    assert_eq!(row["deadline_status"], "met");
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
    let dir = Dir::new();
    dir.one_school(10, 100);
    // Every teacher active: no indicator below target, only the chats are a reason to write.
    let month = dir.write(
        "m.csv",
        "ИНН;Количество активных педагогов\n0512345678;10\n",
    );
    dir.import("myschool", &month, "2023-10-01").ok();
    let chats = dir.write(
        "chats.csv",
        format!("{HEADER}0512345678;5А — родители;родительский;5А;WhatsApp;27;Да;;;;\n0512345678;Педагоги;педагогический коллектив;;Сферум;40;Да;;;;\n"),
    );
    dir.tsos(&[
        "chats",
        "import",
        chats.to_str().unwrap(),
        "--as-of",
        "2023-10-01",
    ])
    .ok();
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
    match (
        text(&out.join("Письмо_№1_от_12.10.2023.pdf")),
        text(&out.join("Уведомления_12.10.2023.pdf")),
    ) {
        (Some(letter), Some(notices)) => {
            assert!(
                letter.contains("служебных чатов в иностранных мессенджерах – 1 (в 1 организации)"),
                "{letter}"
            );
            assert!(notices.contains("«5А — родители» (WhatsApp)"), "{notices}");
        }
        _ => eprintln!(
            "pdftotext is not installed (Debian: poppler-utils): the PDFs' text was not checked"
        ),
    }
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
