//! Dated events (`tsos events`): added against the registry and the catalogue, listed,
//! removed, offered from the built-in suggestions, and shown beside the Δ that spans them.

use crate::util::Dir;

/// Three schools in two municipalities, «Моя школа» on 01.03.2024 and 01.04.2024 (so a Δ),
/// «Сферум» on 01.04.2024 only (no Δ).
fn dataset() -> Dir {
    let dir = Dir::new();
    let registry = dir.registry(&[
        ("0500000001", "МБОУ «СОШ №1»", "Буйнакский район", 50, 500),
        ("0500000002", "МБОУ «СОШ №2»", "Буйнакский район", 40, 400),
        (
            "0500000003",
            "МКОУ «Гимназия»",
            "Дербентский район",
            30,
            300,
        ),
    ]);
    dir.import("registry", &registry, "2024-01-01").ok();
    for (date, active) in [("2024-03-01", 10), ("2024-04-01", 30)] {
        let file = dir.write(
            &format!("myschool-{date}.csv"),
            format!(
                "ИНН;Количество активных педагогов\n0500000003;{active}\n0500000001;{active}\n0500000002;{active}\n"
            ),
        );
        dir.import("myschool", &file, date).ok();
    }
    let sferum = dir.write(
        "sferum.csv",
        "ИНН;Количество активных педагогов\n0500000001;5\n",
    );
    dir.import("sferum", &sferum, "2024-04-01").ok();
    dir
}

fn row<'v>(report: &'v serde_json::Value, id: &str) -> &'v serde_json::Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

#[test]
fn an_event_is_checked_listed_and_removed() {
    let dir = dataset();
    let refused = [
        (
            &["--scope", "municipality", "Кайтагский район"][..],
            "муниципалитета «Кайтагский район» нет",
        ),
        (
            &["--scope", "school", "0599999999"],
            "школы «0599999999» нет",
        ),
        (
            &["--scope", "region", "Тульская область"],
            "региона «Тульская область» нет",
        ),
        (&["--scope", "district", "X"], "--scope «district»"),
        (
            &[
                "--scope",
                "municipality",
                "Буйнакский район",
                "--platform",
                "dnevnik",
            ],
            "платформы «dnevnik» нет; есть: myschool, sferum",
        ),
    ];
    for (args, said) in refused {
        let mut all = vec!["events", "add", "--date", "01.04.2024"];
        all.extend_from_slice(args);
        all.push("Переход на региональный узел");
        let run = dir.tsos(&all).fails();
        assert!(run.stderr.contains(said), "{args:?}: {}", run.stderr);
    }
    let long = "я".repeat(501);
    let run = dir
        .tsos(&[
            "events",
            "add",
            "--date",
            "01.04.2024",
            "--scope",
            "region",
            &long,
        ])
        .fails();
    assert!(run.stderr.contains("501 знаков"), "{}", run.stderr);
    assert!(
        dir.tsos(&["events", "list"])
            .ok()
            .stdout
            .contains("Событий нет")
    );

    // A school by its name, a region without its name (the registry has one), the text first.
    let run = dir
        .tsos(&[
            "events",
            "add",
            "--date",
            "2024-03-20",
            "--scope",
            "school",
            "МКОУ «Гимназия»",
            "Новый директор",
        ])
        .ok();
    assert!(
        run.stdout.contains("школа (ИНН 0500000003)"),
        "{}",
        run.stdout
    );
    dir.tsos(&[
        "events",
        "add",
        "--date",
        "15.03.2024",
        "--scope",
        "region",
        "Сбой входа",
    ])
    .ok();
    let list = dir.tsos(&["events", "list", "--json"]).ok().json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["date"], "2024-03-15");
    assert_eq!(list[0]["scope"]["level"], "region");
    assert_eq!(list[0]["scope"]["name"], "Республика Дагестан");
    assert_eq!(list[0]["platform"], serde_json::Value::Null);
    assert_eq!(list[1]["scope"]["name"], "0500000003");
    let id = list[1]["id"].to_string();
    let run = dir.tsos(&["events", "remove", &id]).ok();
    assert!(run.stdout.contains("Новый директор"), "{}", run.stdout);
    let run = dir.tsos(&["events", "remove", &id]).fails();
    assert!(
        run.stderr.contains(&format!("события №{id} нет")),
        "{}",
        run.stderr
    );
    let table = dir.tsos(&["events", "list"]).ok().stdout;
    assert!(
        table.contains("15.03.2024 — регион «Республика Дагестан», все платформы: Сбой входа"),
        "{table}"
    );
    assert!(!table.contains("Новый директор"), "{table}");
}

#[test]
fn a_suggestion_is_offered_and_added_only_when_asked() {
    let dir = dataset();
    let offered = dir.tsos(&["events", "suggest"]).ok().stdout;
    assert!(offered.contains("156-ФЗ"), "{offered}");
    assert!(offered.contains("01.09.2026"), "{offered}");
    // Listing the suggestions added none.
    assert!(
        dir.tsos(&["events", "list"])
            .ok()
            .stdout
            .contains("Событий нет")
    );
    let run = dir.tsos(&["events", "add", "--suggested", "9"]).fails();
    assert!(run.stderr.contains("предложения №9 нет"), "{}", run.stderr);
    dir.tsos(&["events", "add", "--suggested", "1"]).ok();
    let list = dir.tsos(&["events", "list", "--json"]).ok().json();
    assert_eq!(list[0]["date"], "2024-04-01");
    assert_eq!(list[0]["platform"], "myschool");
    assert_eq!(list[0]["scope"]["level"], "region");
    assert!(list[0]["text"].as_str().unwrap().contains("Дагестан"));
}

#[test]
fn the_report_json_carries_the_events_of_the_rows_they_touch() {
    let dir = dataset();
    let before = dir.report_json("2024-04-01", "school");
    dir.tsos(&[
        "events",
        "add",
        "--date",
        "01.04.2024",
        "--scope",
        "municipality",
        "Буйнакский район",
        "--platform",
        "myschool",
        "Переход на региональный узел «Моя школа»",
    ])
    .ok();
    // On the previous date: outside the Δ, on no row.
    dir.tsos(&[
        "events",
        "add",
        "--date",
        "01.03.2024",
        "--scope",
        "region",
        "Прошлый срез",
    ])
    .ok();
    let school = dir.report_json("2024-04-01", "school");
    let events = &row(&school, "0500000001")["events"];
    assert_eq!(
        events,
        &serde_json::json!([{
            "date": "2024-04-01",
            "scope": {"level": "municipality", "name": "Буйнакский район"},
            "platform": "myschool",
            "text": "Переход на региональный узел «Моя школа»",
        }])
    );
    assert_eq!(row(&school, "0500000002")["events"], *events);
    // Another municipality's school, and the region, are not touched.
    assert!(row(&school, "0500000003").get("events").is_none());
    let municipality = dir.report_json("2024-04-01", "municipality");
    assert_eq!(row(&municipality, "Буйнакский район")["events"], *events);
    assert!(
        row(&municipality, "Дербентский район")
            .get("events")
            .is_none()
    );
    assert!(
        &dir.report_json("2024-04-01", "region")["rows"][0]
            .get("events")
            .is_none()
    );
    // The table marks «Моя школа»'s Δ of the touched schools and lists the event under it.
    let table = dir
        .tsos(&["report", "--as-of", "2024-04-01", "--level", "school"])
        .ok()
        .stdout;
    let line_of = |id: &str| table.lines().find(|l| l.contains(id)).unwrap().to_string();
    assert!(line_of("0500000001").contains("+40,0*1"), "{table}");
    assert!(!line_of("0500000003").contains('*'), "{table}");
    assert!(
        table.contains(
            "*1 01.04.2024 — муниципалитет «Буйнакский район», ФГИС «Моя школа»: Переход на региональный узел «Моя школа»"
        ),
        "{table}"
    );
    // The XLSX names it beside the row and on its own sheet.
    let xlsx = dir.path("report.xlsx");
    dir.tsos(&[
        "report",
        "--as-of",
        "2024-04-01",
        "--level",
        "school",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ])
    .ok();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert!(book.sheet_names().contains(&"События".to_string()));
    let sheet = book.worksheet_range("ОО").unwrap();
    let cells: Vec<String> = sheet
        .rows()
        .find(|r| r[0] == calamine::Data::String("0500000001".into()))
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        cells
            .iter()
            .any(|c| c.starts_with("*1 01.04.2024 — муниципалитет «Буйнакский район»")),
        "{cells:?}"
    );
    // Otherwise the report is what it was.
    let mut without = school.clone();
    for row in without["rows"].as_array_mut().unwrap() {
        row.as_object_mut().unwrap().remove("events");
    }
    assert_eq!(without, before);
}
