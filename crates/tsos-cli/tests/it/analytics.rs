//! Targets, statuses, ranks, the lagging list, the forecast, data-quality findings and the
//! at-risk list, through the binary.

use jiff::ToSpan;
use jiff::civil::{Date, date};

use crate::util::Dir;

fn school<'a>(report: &'a serde_json::Value, inn: &str) -> &'a serde_json::Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["id"] == inn)
        .unwrap_or_else(|| panic!("no {inn}"))
}

/// Three schools in two municipalities with teachers' shares 50 %, 85 %, 95 % of 20.
fn three_schools() -> Dir {
    let dir = Dir::new();
    let registry = dir.registry(&[
        ("0500000001", "Школа А", "Буйнакский район", 20, 100),
        ("0500000002", "Школа Б", "Буйнакский район", 20, 100),
        ("0500000003", "Школа В", "Ахтынский район", 20, 100),
    ]);
    dir.import("registry", &registry, "2023-09-01").ok();
    let file = dir.write(
        "m.csv",
        "ИНН;Количество активных педагогов;Количество активных обучающихся\n\
         0500000001;10;5\n0500000002;17;0\n0500000003;19;30\n",
    );
    dir.import("myschool", &file, "2023-10-01").ok();
    dir
}

#[test]
fn targets_give_statuses_gaps_and_ranks_in_the_report() {
    let dir = three_schools();
    dir.tsos(&[
        "targets",
        "set",
        "myschool.teachers",
        "90%",
        "--from",
        "2023-09-01",
    ])
    .ok();
    dir.tsos(&[
        "targets",
        "set",
        "myschool.students",
        "0.2",
        "--from",
        "01.09.2023",
        "--level",
        "school",
    ])
    .ok();
    let list = dir.tsos(&["targets", "list"]).ok().stdout;
    assert!(
        list.contains("myschool.teachers = 90,0 % с 01.09.2023, все уровни"),
        "{list}"
    );

    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let a = &school(&report, "0500000001")["myschool"]["teachers"];
    assert_eq!(a["target"], 0.9);
    assert_eq!(a["status"], "red"); // 50 % is more than 10 p.p. below 90 %
    assert_eq!(a["gap"], 8); // ceil(0.9 × 20) − 10
    assert_eq!(a["rank"]["municipality"], 2);
    assert_eq!(a["of"]["municipality"], 2);
    assert_eq!(a["rank"]["region"], 3);
    assert_eq!(a["of"]["region"], 3);
    let b = &school(&report, "0500000002")["myschool"]["teachers"];
    assert_eq!(
        (b["status"].as_str(), b["gap"].as_u64()),
        (Some("yellow"), Some(1))
    );
    let c = &school(&report, "0500000003")["myschool"]["teachers"];
    assert_eq!(
        (c["status"].as_str(), c["gap"].as_u64()),
        (Some("green"), Some(0))
    );
    assert_eq!(c["rank"]["region"], 1);
    // Per-school exports give no last dates: no forecast.
    assert!(c["forecast_next"].is_null());

    // The school-level students' target does not apply to municipalities.
    let municipalities = dir
        .tsos(&[
            "report",
            "--as-of",
            "2023-10-01",
            "--level",
            "municipality",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let students = &municipalities["rows"][0]["myschool"]["students"];
    assert_eq!(students["status"], "none");
    assert_eq!(
        municipalities["rows"][0]["myschool"]["teachers"]["rank"]["region"],
        1
    );

    // A narrower band turns the yellow school red.
    dir.tsos(&["targets", "band", "2"]).ok();
    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    assert_eq!(
        school(&report, "0500000002")["myschool"]["teachers"]["status"],
        "red"
    );
}

#[test]
fn targets_from_toml_and_bad_targets() {
    let dir = three_schools();
    let file = dir.write(
        "targets.toml",
        "yellow_band_pp = 5\n[[target]]\nindicator = \"sferum.students\"\nvalue = \"30%\"\nfrom = \"2023-09-01\"\n",
    );
    let run = dir.tsos(&["targets", "load", file.to_str().unwrap()]).ok();
    assert!(
        run.stdout
            .contains("Загружено целей: 1; полоса допуска 5 п.п."),
        "{}",
        run.stdout
    );
    let run = dir
        .tsos(&[
            "targets",
            "set",
            "myschool.pupils",
            "90%",
            "--from",
            "2023-09-01",
        ])
        .fails();
    assert!(run.stderr.contains("myschool.pupils"), "{}", run.stderr);
    let run = dir
        .tsos(&[
            "targets",
            "set",
            "vk.teachers",
            "90%",
            "--from",
            "2023-09-01",
        ])
        .fails();
    assert!(
        run.stderr.contains("неизвестная платформа «vk»"),
        "{}",
        run.stderr
    );
    let run = dir
        .tsos(&[
            "targets",
            "set",
            "myschool.teachers",
            "190%",
            "--from",
            "2023-09-01",
        ])
        .fails();
    assert!(run.stderr.contains("190%"), "{}", run.stderr);
}

#[test]
fn a_target_on_a_count_s_rate_is_set_listed_reported_and_removed() {
    let dir = Dir::new();
    let registry = dir.registry(&[
        ("0500000001", "Школа А", "Буйнакский район", 20, 100),
        ("0500000002", "Школа Б", "Буйнакский район", 20, 100),
    ]);
    dir.import("registry", &registry, "2023-09-01").ok();
    // 400 lessons of 20 teachers: 20 per teacher; 100: 5.
    let file = dir.write(
        "lessons.csv",
        "ИНН;Уроков проведено\n0500000001;400\n0500000002;100\n",
    );
    dir.import("myschool", &file, "2023-10-01").ok();
    let run = dir
        .tsos(&[
            "targets",
            "set",
            "myschool.count.lessons.per_teacher",
            "20",
            "--from",
            "2023-09-01",
        ])
        .ok();
    assert!(!run.stderr.contains("Внимание"), "{}", run.stderr);
    let set = run.stdout;
    // A name no snapshot gives is kept, with a warning that names those there are.
    let run = dir
        .tsos(&[
            "targets",
            "set",
            "myschool.count.уроки.per_teacher",
            "20",
            "--from",
            "2023-09-01",
        ])
        .ok();
    assert!(
        run.stderr.contains("нет счетчика «уроки»") && run.stderr.contains("Есть: lessons."),
        "{}",
        run.stderr
    );
    let typo = run
        .stdout
        .split_once('№')
        .unwrap()
        .1
        .split_once(':')
        .unwrap()
        .0
        .to_string();
    dir.tsos(&["targets", "remove", &typo]).ok();
    let line = "myschool.count.lessons.per_teacher (ФГИС «Моя школа»: уроков проведено на 1 педагога) = 20 с 01.09.2023, все уровни";
    assert!(set.contains(line), "{set}");
    let list = dir.tsos(&["targets", "list"]).ok().stdout;
    assert!(list.contains(line), "{list}");
    assert!(list.contains("столько же процентов от цели"), "{list}");

    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let targets = |inn| school(&report, inn)["myschool"]["counts"]["lessons"]["targets"].clone();
    assert_eq!(
        targets("0500000001"),
        serde_json::json!({"per_teacher": {"target": 20.0, "status": "green"}})
    );
    assert_eq!(targets("0500000002")["per_teacher"]["status"], "red");
    let table = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "table"])
        .ok()
        .stdout;
    assert!(table.contains("20,0 ✓"), "{table}");

    // A rate is a number, not a percent; the lagging list is of shares only.
    let run = dir
        .tsos(&[
            "targets",
            "set",
            "myschool.count.lessons.per_teacher",
            "90%",
            "--from",
            "2023-09-01",
        ])
        .fails();
    assert!(
        run.stderr.contains("например 20 или 12,5"),
        "{}",
        run.stderr
    );
    let run = dir
        .tsos(&[
            "lagging",
            "--indicator",
            "myschool.count.lessons.per_teacher",
        ])
        .fails();
    assert!(run.stderr.contains("только по долям"), "{}", run.stderr);

    let id = list.split_whitespace().next().unwrap();
    dir.tsos(&["targets", "remove", id]).ok();
    let list = dir.tsos(&["targets", "list"]).ok().stdout;
    assert!(!list.contains("per_teacher"), "{list}");
    let report = dir
        .tsos(&["report", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    assert!(
        school(&report, "0500000001")["myschool"]["counts"]["lessons"]
            .get("targets")
            .is_none()
    );

    // The TOML file takes a rate's target as a number too.
    let file = dir.write(
        "targets.toml",
        "[[target]]\nindicator = \"myschool.count.lessons.per_100_students\"\nvalue = 12.5\nfrom = \"2023-09-01\"\nlevel = \"school\"\n",
    );
    dir.tsos(&["targets", "load", file.to_str().unwrap()]).ok();
    let list = dir.tsos(&["targets", "list"]).ok().stdout;
    assert!(
        list.contains("myschool.count.lessons.per_100_students (ФГИС «Моя школа»: уроков проведено на 100 обучающихся) = 12,5 с 01.09.2023, уровень: общеобразовательные организации"),
        "{list}"
    );
}

#[test]
fn lagging_lists_red_schools_lowest_first() {
    let dir = three_schools();
    dir.tsos(&[
        "targets",
        "set",
        "myschool.students",
        "50%",
        "--from",
        "2023-09-01",
    ])
    .ok();
    let lagging = dir
        .tsos(&["lagging", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let entries: Vec<(String, String)> = lagging["lagging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["indicator"].as_str().unwrap().into(),
                e["id"].as_str().unwrap().into(),
            )
        })
        .collect();
    // Teachers against the built-in 100 %: А (50 %) and Б (85 %) are red, В (95 %) yellow.
    // Students against 50 %: Б (0 %), А (5 %), В (30 %) — lowest first.
    assert_eq!(
        entries,
        [
            ("myschool.teachers".into(), "0500000001".into()),
            ("myschool.teachers".into(), "0500000002".into()),
            ("myschool.students".into(), "0500000002".into()),
            ("myschool.students".into(), "0500000001".into()),
            ("myschool.students".into(), "0500000003".into()),
        ]
    );
    let table = dir
        .tsos(&[
            "lagging",
            "--as-of",
            "2023-10-01",
            "--indicator",
            "myschool.students",
            "--municipality",
            "Ахтынский район",
        ])
        .ok()
        .stdout;
    assert!(table.contains("Школа В (0500000003)"), "{table}");
    assert!(!table.contains("Школа А"), "{table}");
    let run = dir
        .tsos(&["lagging", "--municipality", "Нет такого"])
        .fails();
    assert!(run.stderr.contains("Буйнакский район"), "{}", run.stderr);
}

#[test]
fn lagging_below_a_fixed_cutoff_ignores_targets() {
    let dir = three_schools();
    let ids = |json: serde_json::Value| -> Vec<(String, String)> {
        json["lagging"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["indicator"].as_str().unwrap().into(),
                    e["id"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    // Teachers 50 / 85 / 95 %, students 5 / 0 / 30 %, no student target: under 31 % are the
    // three students' shares, lowest first, and no teacher.
    let below = dir
        .tsos(&[
            "lagging",
            "--as-of",
            "2023-10-01",
            "--below",
            "31%",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(below["below"], 0.31);
    assert_eq!(
        ids(below),
        [
            ("myschool.students".into(), "0500000002".into()),
            ("myschool.students".into(), "0500000001".into()),
            ("myschool.students".into(), "0500000003".into()),
        ]
    );
    // A cut-off equal to a share leaves that school out; «0,5» is 50 %.
    let below = dir
        .tsos(&[
            "lagging",
            "--as-of",
            "2023-10-01",
            "--below",
            "0,5",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert!(
        ids(below.clone())
            .iter()
            .all(|(i, _)| i == "myschool.students"),
        "{below}"
    );
    let table = dir
        .tsos(&["lagging", "--as-of", "2023-10-01", "--below", "90 %"])
        .ok()
        .stdout;
    assert!(table.contains("ОО с долей ниже 90,0 %"), "{table}");
    assert!(table.contains("ниже порога 2"), "{table}");
    let run = dir.tsos(&["lagging", "--below", "120%"]).fails();
    assert!(run.stderr.contains("120%"), "{}", run.stderr);
}

/// Per-user rows with last dates spread around the window's edges, and the brute-force
/// count of who is active at `as_of` and still active at the next monthly date.
fn forecast_case(as_of: Date, next: Date, platform: &str, seed: u64) {
    let dir = Dir::new();
    dir.one_school(1000, 1000);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut text = String::from("ID;Роль;ИНН;Подтвержденная УЗ;Последняя активность\n");
    let (mut active_now, mut active_next) = (0u64, 0u64);
    let catalogue = tsos_domain::Catalogue::builtin();
    let rule = catalogue.get(platform).unwrap().rule;
    for user in 0..800 {
        // Last dates from 14 months before to a few days after the as-of date.
        let last = as_of - rng.i64(-5..430).days();
        let confirmed = rng.u8(0..10) > 0;
        text.push_str(&format!(
            "{user};Учитель;0512345678;{};{}\n",
            if confirmed { "Да" } else { "Нет" },
            tsos_domain::format_date_ru(last)
        ));
        // Brute force: the rule applied at both dates, nobody coming back.
        if rule.is_active(confirmed, Some(last), as_of) {
            active_now += 1;
            if rule.is_active(confirmed, Some(last), next) {
                active_next += 1;
            }
        }
    }
    let file = dir.write("users.csv", text);
    dir.import(platform, &file, &as_of.to_string()).ok();
    let report = dir
        .tsos(&["report", "--as-of", &as_of.to_string(), "--format", "json"])
        .ok()
        .json();
    let teachers = &report["rows"][0][platform]["teachers"];
    assert_eq!(teachers["active"], active_now, "{platform} {as_of}");
    assert_eq!(teachers["forecast_next"]["as_of"], next.to_string());
    assert_eq!(
        teachers["forecast_next"]["active"], active_next,
        "{platform} {as_of}"
    );
    assert_eq!(teachers["leaving"], active_now - active_next);
}

#[test]
fn forecast_matches_a_brute_force_count_at_month_ends_and_29_february() {
    let cases = [
        (date(2023, 10, 1), date(2023, 11, 1)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2024, 2, 29), date(2024, 3, 29)),
        (date(2023, 1, 31), date(2023, 2, 28)),
        (date(2024, 3, 31), date(2024, 4, 30)),
    ];
    for (idx, (as_of, next)) in cases.into_iter().enumerate() {
        for platform in ["myschool", "sferum"] {
            forecast_case(as_of, next, platform, idx as u64);
        }
    }
}

#[test]
fn a_clean_month_has_no_findings() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let users = dir.write(
        "users.csv",
        "ID;Роль;ИНН;Подтвержденная УЗ;Дата последней авторизации\n\
         1;Учитель;0512345678;Да;15.09.2023\n2;Ученик;0512345678;Нет;\n",
    );
    dir.import("myschool", &users, "2023-10-01").ok();
    let quality = dir.tsos(&["quality", "--format", "json"]).ok().json();
    assert_eq!(quality["findings"], serde_json::json!([]), "{quality}");
    assert!(dir.tsos(&["quality"]).ok().stdout.contains("Замечаний нет"));
}

#[test]
fn each_quality_finding_from_a_crafted_file_and_none_on_a_clean_one() {
    let dir = Dir::new();
    let registry = dir.registry(&[
        ("0500000001", "Чистая школа", "Буйнакский район", 10, 100),
        (
            "0500000002",
            "Школа без контингента",
            "Буйнакский район",
            0,
            100,
        ),
        (
            "0500000003",
            "Школа не в выгрузке",
            "Буйнакский район",
            10,
            100,
        ),
    ]);
    dir.import("registry", &registry, "2023-09-01").ok();
    let clean = dir.write(
        "clean.csv",
        "ИНН;Численность педагогов;Количество активных педагогов;Доля активных педагогов, %\n\
         0500000001;10;8;80\n0500000002;0;0;\n0500000003;10;5;50\n",
    );
    dir.import("sferum", &clean, "2023-09-01").ok();
    let quality = dir
        .tsos(&["quality", "--as-of", "2023-09-01", "--format", "json"])
        .ok()
        .json();
    let kinds: Vec<&str> = quality["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    // The registry itself has a school without teachers' contingent; nothing else.
    assert_eq!(kinds, ["contingent_missing"]);

    // Per-school next month: a share disagreeing with its counts, a contingent 30 % off the
    // registry, a drop of 30 p.p., a school missing.
    let messy = dir.write(
        "messy.csv",
        "ИНН;Численность педагогов;Количество активных педагогов;Доля активных педагогов, %\n\
         0500000001;13;8;90\n0500000002;0;0;\n",
    );
    dir.import("sferum", &messy, "2023-10-01").ok();
    // Per-user for My School: over 100 %, a date after the as-of date, a duplicate, an
    // unknown organisation.
    let mut users = String::from("ID;Роль;ИНН;Подтвержденная УЗ;Дата последней авторизации\n");
    for idx in 0..11 {
        users.push_str(&format!("u{idx};Учитель;0500000001;Да;15.09.2023\n"));
    }
    users.push_str("u0;Учитель;0500000001;Да;15.09.2023\n");
    users.push_str("late;Учитель;0500000003;Да;05.10.2023\n");
    users.push_str("x;Учитель;0599999999;Да;15.09.2023\n");
    let users = dir.write("users.csv", users);
    let run = dir.import("myschool", &users, "2023-10-01").ok();
    assert!(
        run.stdout.contains("Замечания к качеству данных"),
        "{}",
        run.stdout
    );

    let quality = dir
        .tsos(&["quality", "--as-of", "2023-10-01", "--format", "json"])
        .ok()
        .json();
    let find = |kind: &str, platform: &str| {
        quality["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["kind"] == kind
                    && (f["platform"] == platform || platform.is_empty() && f["platform"].is_null())
            })
            .unwrap_or_else(|| panic!("no {kind} for {platform} in {quality}"))
            .clone()
    };
    let ids = |finding: &serde_json::Value| {
        finding["schools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&find("share_over_100", "myschool")), ["0500000001"]);
    assert_eq!(ids(&find("absent_from_export", "sferum")), ["0500000003"]);
    assert_eq!(ids(&find("absent_from_export", "myschool")), ["0500000002"]);
    assert_eq!(ids(&find("drop", "sferum")), ["0500000003"]);
    assert_eq!(
        ids(&find("unknown_organisations", "myschool")),
        ["0599999999"]
    );
    assert_eq!(find("dates_after_as_of", "myschool")["count"], 1);
    assert_eq!(find("duplicates_merged", "myschool")["count"], 1);
    assert_eq!(ids(&find("shares_disagree", "sferum")), ["0500000001"]);
    assert_eq!(ids(&find("contingent_differs", "sferum")), ["0500000001"]);
    assert_eq!(ids(&find("contingent_missing", "")), ["0500000002"]);
    let table = dir.tsos(&["quality", "--as-of", "2023-10-01"]).ok().stdout;
    assert!(table.contains("доля больше 100 % — 1 ОО"), "{table}");
    assert!(table.contains("Чистая школа (0500000001)"), "{table}");
}

#[test]
fn at_risk_lists_who_leaves_within_30_days_and_writes_nothing() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let users = dir.write(
        "users.csv",
        "Выгрузка по состоянию на 01.10.2023\n\
         ID;ФИО;Роль;ИНН;Подтвержденная УЗ;Дата последней авторизации\n\
         1;Алиева Патимат;Учитель;0512345678;Да;02.10.2022\n\
         1;Алиева Патимат;Учитель;0512345678;Да;01.10.2022\n\
         2;Омаров Шамиль;Ученик;0512345678;Да;30.10.2022\n\
         3;Гаджиев Руслан;Учитель;0512345678;Да;01.11.2022\n\
         4;Курбанова Зарема;Учитель;0512345678;Нет;02.10.2022\n\
         5;Магомедов Али;Учитель;0512345678;Да;01.10.2022\n\
         6;Исаев Марат;Учитель;0523456789;Да;02.10.2022\n\
         7;Рамазанова Айшат;Учитель;0512345678;Да;02.10.2022\n\
         7;Рамазанова Айшат;Учитель;0512345678;Да;01.09.2023\n\
         8;Сулейманова Мадина;Учитель;0512345678;Да;\n\
         8;Сулейманова Мадина;Учитель;0512345678;Нет;03.10.2022\n",
    );
    dir.import("myschool", &users, "2023-10-01").ok();
    let before = std::fs::read(dir.db()).unwrap();
    let run = dir
        .tsos(&["at-risk", users.to_str().unwrap(), "--school", "512345678"])
        .ok();
    let out = &run.stdout;
    // Active now and gone by 31.10.2023: the last day counted is last + 364 days.
    assert!(out.contains("Алиева Патимат"), "{out}");
    assert!(out.contains("Омаров Шамиль"), "{out}");
    assert!(
        !out.contains("Гаджиев"),
        "still active on 30.10.2023: {out}"
    );
    assert!(
        !out.contains("Курбанова"),
        "not confirmed, not active now: {out}"
    );
    assert!(
        !out.contains("Магомедов"),
        "already outside the window: {out}"
    );
    assert!(!out.contains("Исаев"), "another school: {out}");
    assert!(!out.contains("Рамазанова"), "came back in September: {out}");
    assert!(
        out.contains("Сулейманова"),
        "confirmed on a row without a date, as the import merges it: {out}"
    );
    assert!(
        out.find("Алиева").unwrap() < out.find("Омаров").unwrap(),
        "soonest first: {out}"
    );
    assert!(out.contains("01.10.2023"), "{out}");
    let csv_out = dir.path("at-risk.csv");
    dir.tsos(&[
        "at-risk",
        users.to_str().unwrap(),
        "--school",
        "0512345678",
        "--format",
        "csv",
        "--out",
        csv_out.to_str().unwrap(),
    ])
    .ok();
    let csv_text = String::from_utf8(std::fs::read(csv_out).unwrap()).unwrap();
    assert!(
        csv_text.contains("Алиева Патимат;1;педагог;02.10.2022;01.10.2023"),
        "{csv_text}"
    );
    let xlsx_out = dir.path("at-risk.xlsx");
    dir.tsos(&[
        "at-risk",
        users.to_str().unwrap(),
        "--school",
        "0512345678",
        "--format",
        "xlsx",
        "--out",
        xlsx_out.to_str().unwrap(),
    ])
    .ok();
    // Read back cell by cell: names as text, dates as real date cells.
    let mut source = tsos_ingest::Source::open(&xlsx_out, None).unwrap();
    let mut rows = Vec::new();
    while let Some(row) = source.next_row().unwrap() {
        rows.push(row.cells);
    }
    let first = rows
        .iter()
        .find(|cells| {
            cells
                .first()
                .is_some_and(|c| c.to_text() == "Алиева Патимат")
        })
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(
        first[4],
        tsos_ingest::Cell::DateTime(date(2023, 10, 1).at(0, 0, 0, 0))
    );
    assert_eq!(
        std::fs::read(dir.db()).unwrap(),
        before,
        "at-risk wrote to the database"
    );
}
