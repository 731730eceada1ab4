//! Every CSV tsos writes is safe to open in Excel: text from a registry or an export that
//! would be a formula there gets a `'` in front; numbers tsos formats stay numbers.

use crate::util::Dir;

/// A formula each, when Excel opens a CSV.
const PAYLOADS: [&str; 4] = ["=HYPERLINK(\"http://x\",\"a\")", "+1", "-1", "@SUM(A1)"];

/// The cells of a CSV for Excel (BOM, `;`), header included.
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..]);
    reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// No cell is a formula; every payload is there, neutralised.
#[track_caller]
fn assert_safe(what: &str, bytes: &[u8], payloads: &[&str]) {
    let rows = cells(bytes);
    for cell in rows.iter().flatten() {
        let numeric = cell
            .strip_prefix('-')
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == ','));
        assert!(
            !cell.starts_with(['=', '+', '@', '\t', '\r']) && (!cell.starts_with('-') || numeric),
            "{what}: «{cell}» would be a formula"
        );
    }
    for payload in payloads {
        let safe = format!("'{payload}");
        assert!(
            rows.iter().flatten().any(|cell| cell.contains(&safe)),
            "{what}: no «{safe}» in {rows:?}"
        );
    }
}

#[test]
fn every_csv_output_neutralises_formulas() {
    let dir = Dir::new();
    // Schools named by the payloads, one municipality per payload.
    let schools: Vec<(String, &str)> = PAYLOADS
        .iter()
        .enumerate()
        .map(|(idx, payload)| (format!("05000000{:02}", idx + 1), *payload))
        .collect();
    let rows: Vec<(&str, &str, &str, u64, u64)> = schools
        .iter()
        .map(|(inn, payload)| (inn.as_str(), *payload, *payload, 10, 100))
        .collect();
    let registry = dir.registry(&rows);
    dir.import("registry", &registry, "2023-09-01").ok();

    // People named by the payloads, active now and leaving the window within 30 days.
    let mut users =
        String::from("ID;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n");
    for (idx, payload) in PAYLOADS.iter().enumerate() {
        users.push_str(&format!(
            "u{idx};\"{}\";Учитель;0500000001;Да;05.10.2022\n",
            payload.replace('"', "\"\"")
        ));
    }
    let users = dir.write("users.csv", users);
    dir.import("myschool", &users, "2023-10-01").ok();
    // A second month, so that changes can be negative numbers.
    let earlier = dir.write(
        "earlier.csv",
        "ID;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n\
         a;А;Учитель;0500000002;Да;01.08.2023\n\
         b;Б;Учитель;0500000002;Да;01.08.2023\n",
    );
    dir.import("myschool", &earlier, "2023-09-01").ok();

    for level in ["school", "municipality"] {
        let out = dir.path(&format!("report-{level}.csv"));
        dir.tsos(&[
            "report",
            "--as-of",
            "2023-10-01",
            "--level",
            level,
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ])
        .ok();
        let bytes = std::fs::read(&out).unwrap();
        assert_safe(&format!("report --level {level}"), &bytes, &PAYLOADS);
        assert!(
            cells(&bytes).iter().flatten().any(|cell| cell == "-20,0"),
            "a negative change stays a number: {:?}",
            cells(&bytes)
        );
    }

    let out = dir.path("at-risk.csv");
    dir.tsos(&[
        "at-risk",
        users.to_str().unwrap(),
        "--school",
        "0500000001",
        "--as-of",
        "2023-10-01",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    assert_safe("at-risk", &std::fs::read(&out).unwrap(), &PAYLOADS);

    let chats = dir.write(
        "chats.csv",
        "Реестр официальных чатов по состоянию на 01.10.2023\n\
         ИНН ОО;Название чата;Назначение;Класс;Платформа;Участников;Активен;Дата подтверждения;Дата создания;Дата переноса;Заменяет чат\n\
         0500000001;Педагоги;педагогический коллектив;;Сферум;40;Да;;;;\n\
         0500000003;Педагоги;педагогический коллектив;;Ватсап;40;Да;;;;\n",
    );
    dir.tsos(&["chats", "import", chats.to_str().unwrap()]).ok();
    for level in ["school", "municipality"] {
        let out = dir.path(&format!("chats-{level}.csv"));
        dir.tsos(&[
            "chats",
            "report",
            "--as-of",
            "2023-10-01",
            "--level",
            level,
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ])
        .ok();
        assert_safe(
            &format!("chats report --level {level}"),
            &std::fs::read(&out).unwrap(),
            &PAYLOADS,
        );
    }
}
