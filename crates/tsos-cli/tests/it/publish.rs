//! `tsos publish`: the month as open data. Its CSV, read back, is the report of `tsos report
//! --format json`, and nothing in the folder names a user, an account or an e-mail address.

use crate::util::Dir;

/// Whether any file of `dir` holds `text`.
fn anywhere(dir: &std::path::Path, text: &str) -> Option<String> {
    std::fs::read_dir(dir).unwrap().find_map(|entry| {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        String::from_utf8_lossy(&bytes)
            .contains(text)
            .then(|| path.display().to_string())
    })
}

/// Whether a CSV cell is the JSON number (the very same `f64`) or, empty, its null.
fn same(cell: &str, value: &serde_json::Value) -> bool {
    match value.as_f64() {
        Some(number) => cell.parse::<f64>().ok() == Some(number),
        None => value.is_null() && cell.is_empty(),
    }
}

#[test]
fn the_published_csv_is_the_report_and_names_no_person() {
    let dir = Dir::new();
    let registry = dir.write(
        "реестр.csv",
        "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
         Численность педагогических работников;Численность обучающихся;E-mail\n\
         0500000001;МБОУ «СОШ №1»;Город Альфа;Республика Тест;4;40;director.one@school-alpha.ru\n\
         0500000002;МБОУ «Гимназия, №2»;Город Альфа;Республика Тест;3;30;gym2-head@school-alpha.ru\n\
         0500000003;МКОУ «ООШ с. Бета»;Бета район;Республика Тест;5;20;beta.school@mail-test.ru\n",
    );
    dir.import("registry", &registry, "2023-09-01").ok();
    let mut users = String::from(
        "ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n",
    );
    let people = [
        (
            "uid-7f3a-0001",
            "Иванова Мария Петровна",
            "Учитель",
            "0500000001",
            "15.09.2023",
        ),
        (
            "uid-7f3a-0002",
            "Петров Олег Ильич",
            "Учитель",
            "0500000001",
            "20.09.2023",
        ),
        (
            "uid-7f3a-0003",
            "Сидорова Анна Юрьевна",
            "Учитель",
            "0500000002",
            "01.06.2023",
        ),
        (
            "uid-7f3a-0004",
            "Кузнецов Илья Андреевич",
            "Ученик",
            "0500000003",
            "25.09.2023",
        ),
        (
            "uid-7f3a-0005",
            "Смирнова Ева Денисовна",
            "Учитель",
            "0500000003",
            "28.09.2023",
        ),
    ];
    for (id, name, role, inn, date) in people {
        users.push_str(&format!("{id};{name};{role};{inn};Да;{date}\n"));
    }
    let export = dir.write("моя_школа.csv", users);
    dir.import("myschool", &export, "2023-10-01").ok();
    dir.tsos(&[
        "user",
        "add",
        "analyst-bi-7",
        "--role",
        "admin",
        "--password",
        "длинный пароль",
    ])
    .ok();

    let site = dir.path("site");
    let run = dir
        .tsos(&[
            "publish",
            "--as-of",
            "2023-10-01",
            "--out",
            site.to_str().unwrap(),
        ])
        .ok();
    assert!(
        run.stderr.contains("Опубликовано на 01.10.2023"),
        "{}",
        run.stderr
    );
    for file in [
        "index.html",
        "meta.csv",
        "structure.csv",
        "schools.csv",
        "municipalities.csv",
        "region.csv",
    ] {
        assert!(site.join(file).exists(), "{file}");
    }
    for (secret, what) in people
        .iter()
        .flat_map(|(id, name, ..)| [(*id, "a user id"), (*name, "a name")])
        .chain([
            ("director.one@school-alpha.ru", "an e-mail"),
            ("gym2-head@school-alpha.ru", "an e-mail"),
            ("beta.school@mail-test.ru", "an e-mail"),
            ("@", "an e-mail"),
            ("analyst-bi-7", "a login"),
        ])
    {
        assert_eq!(anywhere(&site, secret), None, "{what} «{secret}» published");
    }

    for (level, file) in [
        ("school", "schools.csv"),
        ("municipality", "municipalities.csv"),
        ("region", "region.csv"),
    ] {
        let report = dir
            .tsos(&[
                "report",
                "--as-of",
                "2023-10-01",
                "--format",
                "json",
                "--level",
                level,
            ])
            .ok()
            .json();
        let mut reader = csv::Reader::from_path(site.join(file)).unwrap();
        let header = reader.headers().unwrap().clone();
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(records.len(), rows.len(), "{file}");
        for (record, row) in records.iter().zip(rows) {
            let cell = |name: &str| {
                let i = header
                    .iter()
                    .position(|h| h == name)
                    .unwrap_or_else(|| panic!("{file}: no {name}"));
                record[i].to_string()
            };
            assert_eq!(cell("id"), row["id"].as_str().unwrap(), "{file}");
            assert_eq!(cell("name"), row["name"].as_str().unwrap(), "{file}");
            assert!(same(
                &cell("contingent_teachers"),
                &row["contingent"]["teachers"]
            ));
            for role in ["teachers", "students"] {
                let figures = &row["myschool"][role];
                for measure in ["registered", "active", "share", "delta_pp", "target"] {
                    let published = cell(&format!("myschool_{role}_{measure}"));
                    assert!(
                        same(&published, &figures[measure]),
                        "{file} {} {role} {measure}: «{published}» is not {}",
                        row["id"],
                        figures[measure]
                    );
                }
            }
        }
    }
    let page = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(page.contains("МБОУ «Гимназия, №2»") && page.contains("chart-myschool-teachers.svg"));
    let meta = std::fs::read_to_string(site.join("meta.csv")).unwrap();
    assert!(
        meta.starts_with("property,value\n") && meta.contains("creator,Республика Тест"),
        "{meta}"
    );
}
