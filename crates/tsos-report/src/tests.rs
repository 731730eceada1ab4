use jiff::civil::date;
use tsos_domain::fixtures::{ReportFixture, per_user_counts, put, school};
use tsos_domain::{Level, Report, Role, RoleCounts};

fn report(level: Level) -> Report {
    report_named(
        level,
        ["МБОУ «СОШ №1»", "Буйнакский район", "Республика Дагестан"],
    )
}

/// The one-school report with its school, municipality and region named as given.
fn report_named(level: Level, [name, municipality, region]: [&str; 3]) -> Report {
    let mut info = school(
        "0512345678",
        name,
        municipality,
        &[(Role::Teachers, 57), (Role::Students, 640)],
    );
    info.region = region.into();
    let mut counts = per_user_counts();
    put(
        &mut counts,
        "0512345678",
        Role::Teachers,
        RoleCounts {
            registered: Some(55),
            confirmed: Some(50),
            active: Some(46),
            leaving: Some(4),
        },
    );
    // Sferum was imported, but has no snapshot at this date.
    ReportFixture::new(date(2023, 10, 1), vec![info])
        .platform(Some(counts))
        .platform(None)
        .note_unknown()
        .build(level)
}

#[test]
fn json_has_the_keys_of_the_spec() {
    let value = crate::json::to_value(&report(Level::School));
    assert_eq!(value["as_of"], "2023-10-01");
    assert_eq!(value["level"], "school");
    let row = &value["rows"][0];
    assert_eq!(row["id"], "0512345678");
    assert_eq!(row["contingent"]["teachers"], 57);
    let teachers = &row["myschool"]["teachers"];
    assert_eq!(teachers["registered"], 55);
    assert_eq!(teachers["confirmed"], 50);
    assert_eq!(teachers["active"], 46);
    assert!((teachers["share"].as_f64().unwrap() - 46.0 / 57.0).abs() < 1e-12);
    assert!(teachers["delta_pp"].is_null());
    // The strategy's 100 % for teachers is built in.
    assert_eq!(teachers["target"], 1.0);
    assert_eq!(teachers["status"], "red");
    assert_eq!(teachers["gap"], 11);
    assert_eq!(teachers["rank"]["municipality"], 1);
    assert_eq!(teachers["of"]["region"], 1);
    assert_eq!(teachers["leaving"], 4);
    assert_eq!(teachers["forecast_next"]["as_of"], "2023-11-01");
    assert_eq!(teachers["forecast_next"]["active"], 42);
    let students = &row["myschool"]["students"];
    assert_eq!(students["status"], "none");
    assert!(students["target"].is_null());
    assert!(
        students["rank"].is_object(),
        "0 % is a share and has a rank"
    );
    assert!(row["sferum"].is_null(), "no snapshot: null");
    assert_eq!(value["unknown_organisations"]["myschool"], 0);
    assert!(row.get("schools").is_none());

    let value = crate::json::to_value(&report(Level::Municipality));
    assert_eq!(value["rows"][0]["id"], "Буйнакский район");
    assert_eq!(value["rows"][0]["schools"], 1);
    let teachers = &value["rows"][0]["myschool"]["teachers"];
    assert_eq!(teachers["rank"]["region"], 1);
    assert!(teachers["rank"].get("municipality").is_none());
}

#[test]
fn csv_is_for_russian_excel() {
    let bytes = crate::csv::to_bytes(&report(Level::School));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("ИНН;Наименование ОО;"), "{header}");
    let row = lines.next().unwrap();
    assert!(row.contains(";80,7;"), "{row}");
    assert!(row.starts_with("0512345678;"), "{row}");
}

/// What a hostile export or registry may put in a name: each a formula when Excel opens it.
const PAYLOADS: [&str; 4] = ["=HYPERLINK(\"http://x\";\"a\")", "+1", "-1", "@SUM(A1)"];

#[test]
fn csv_text_is_never_a_formula_and_numbers_stay_numbers() {
    for level in [Level::School, Level::Municipality, Level::Region] {
        for payload in PAYLOADS {
            let mut report = report_named(level, [payload, payload, payload]);
            if let Some(platform) = report.rows[0].platforms[0].as_mut() {
                platform.get_mut(Role::Teachers).delta_pp = Some(-3.1);
            }
            let bytes = crate::csv::to_bytes(&report);
            let mut reader = ::csv::ReaderBuilder::new()
                .delimiter(b';')
                .has_headers(true)
                .from_reader(&bytes[3..]);
            let row = reader.records().next().unwrap().unwrap();
            let safe = format!("'{payload}");
            assert!(row.iter().any(|cell| cell == safe), "{level:?}: {row:?}");
            for cell in row.iter() {
                assert!(!cell.starts_with(['=', '+', '@']), "{level:?}: {cell}");
                assert!(
                    !cell.starts_with('-') || cell == "-3,1",
                    "{level:?}: {cell}"
                );
            }
            assert!(row.iter().any(|cell| cell == "-3,1"), "{row:?}");
        }
    }
    for (text, safe) in [
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("МБОУ «СОШ №1»", "МБОУ «СОШ №1»"),
        ("", ""),
    ] {
        assert_eq!(crate::csv::neutralise(text), safe);
    }
}

#[test]
fn table_is_readable() {
    let table = crate::table::render(&report(Level::Region));
    assert!(table.contains("Мониторинг ЦОС на 01.10.2023"), "{table}");
    assert!(table.contains("80,7 % (46) ✗"), "{table}");
    assert!(
        table.contains("Цели: ФГИС «Моя школа», педагоги — 100,0 %"),
        "{table}"
    );
    assert!(table.contains("ФГИС «Моя школа»"), "{table}");
    assert!(
        table.contains("Нет данных на эту дату: ИКОП «Сферум»"),
        "{table}"
    );
}

#[test]
fn open_data_is_plain_csv_with_a_passport_and_an_escaped_page() {
    let reports = Level::ALL
        .map(|level| {
            report_named(
                level,
                ["=МБОУ <СОШ> №1", "Буйнакский район", "Республика Дагестан"],
            )
        })
        .to_vec();
    let files = crate::opendata::publication(&reports, date(2023, 11, 2), "Минобрнауки РД");
    let text = |name: &str| {
        let file = files
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no {name}"));
        String::from_utf8(file.bytes.clone()).unwrap()
    };
    let mut names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), files.len(), "{names:?}");
    let schools = text("schools.csv");
    assert!(
        schools.starts_with("id,name,municipality,region,schools,contingent_teachers,"),
        "UTF-8 without BOM, Latin names: {schools}"
    );
    assert!(
        schools.contains("0512345678,'=МБОУ <СОШ> №1,Буйнакский район"),
        "{schools}"
    );
    assert!(
        schools.contains(",0.807"),
        "a share as a fraction: {schools}"
    );
    let page = text("index.html");
    assert!(page.contains("=МБОУ &lt;СОШ&gt; №1") && !page.contains("<СОШ>"));
    assert!(page.contains("80,7 %"), "{page}");
    let meta = text("meta.csv");
    for line in [
        "creator,Минобрнауки РД",
        "created,20231102",
        "valid,20231001",
    ] {
        assert!(meta.contains(line), "{line}: {meta}");
    }
    assert!(text("structure.csv").contains("schools.csv,myschool_teachers_share,"));
}

/// A school whose municipality switched platforms between the two dates of its Δ.
fn report_with_event(level: Level) -> Report {
    let info = school(
        "0512345678",
        "МБОУ «СОШ №1»",
        "Буйнакский район",
        &[(Role::Teachers, 57)],
    );
    let mut counts = per_user_counts();
    put(
        &mut counts,
        "0512345678",
        Role::Teachers,
        RoleCounts {
            registered: Some(55),
            confirmed: Some(50),
            active: Some(46),
            leaving: Some(4),
        },
    );
    let mut report = ReportFixture::new(date(2023, 10, 1), vec![info])
        .platform(Some(counts))
        .previous(date(2023, 9, 1))
        .event(
            date(2023, 9, 15),
            tsos_domain::EventScope::Municipality {
                region: tsos_domain::fixtures::REGION.into(),
                municipality: "Буйнакский район".into(),
            },
            "Переход на региональный узел",
        )
        .build(level);
    report.rows[0].platforms[0]
        .as_mut()
        .unwrap()
        .get_mut(Role::Teachers)
        .delta_pp = Some(3.1);
    report
}

#[test]
fn a_delta_that_spans_an_event_is_marked_in_the_table_and_listed_under_it() {
    let text = crate::table::render(&report_with_event(Level::School));
    let row = text
        .lines()
        .find(|line| line.contains("0512345678"))
        .unwrap();
    assert!(row.contains("+3,1*1"), "{row}");
    assert!(
        text.contains(
            "  *1 15.09.2023 — муниципалитет «Буйнакский район», все платформы: Переход на региональный узел"
        ),
        "{text}"
    );
    // The region is above the municipality: nothing is marked or listed.
    let region = crate::table::render(&report_with_event(Level::Region));
    assert!(!region.contains("*1"), "{region}");
    assert!(!region.contains("События"), "{region}");
}

#[test]
fn the_json_names_an_event_on_the_rows_it_touches_only() {
    let json = crate::json::to_value(&report_with_event(Level::Municipality));
    assert_eq!(
        json["rows"][0]["events"],
        serde_json::json!([{
            "date": "2023-09-15",
            "scope": {"level": "municipality", "name": "Буйнакский район"},
            "platform": null,
            "text": "Переход на региональный узел",
        }])
    );
    let region = crate::json::to_value(&report_with_event(Level::Region));
    assert!(region["rows"][0].get("events").is_none());
}

#[test]
fn a_large_report_written_on_several_threads_is_the_report_written_on_one() {
    // More rows than two batches, the last one short, for every thread to write a share.
    let schools: Vec<_> = (0..9_001)
        .map(|n| {
            school(
                &format!("05{n:08}"),
                &format!("МБОУ «СОШ № {n}»"),
                &format!("Район {}", n % 37),
                &[(Role::Teachers, 40 + n % 17), (Role::Students, 500)],
            )
        })
        .collect();
    let mut counts = per_user_counts();
    for (n, info) in schools.iter().enumerate().step_by(3) {
        let active = (n % 40) as u64;
        put(
            &mut counts,
            info.id.as_str(),
            Role::Teachers,
            RoleCounts {
                registered: Some(active + 3),
                confirmed: Some(active + 1),
                active: Some(active),
                leaving: Some(1),
            },
        );
    }
    let report = ReportFixture::new(date(2023, 10, 1), schools)
        .platform(Some(counts))
        .build(Level::School);
    let mut written = Vec::new();
    crate::json::write(&report, &mut written, crate::json::JsonStyle::Compact).unwrap();
    let one_thread = serde_json::to_string(&crate::json::to_value(&report)).unwrap() + "\n";
    assert_eq!(String::from_utf8(written).unwrap(), one_thread);
}
