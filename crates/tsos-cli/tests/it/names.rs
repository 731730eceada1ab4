//! Schools named without ИНН (SPEC §5.2): matched to the registry by their names in one
//! spelling, within the municipality where the file gives one; a name that matches none or
//! several stops the import with its line and the schools it could be, and a person's choice
//! is remembered for the next month.

use crate::util::Dir;

fn registry(dir: &Dir) {
    let registry = dir.registry(&[
        ("0500000001", "МБОУ «СОШ №5»", "Буйнакский район", 50, 500),
        ("0500000002", "МБОУ «СОШ №5»", "Кизлярский район", 40, 400),
        (
            "0500000003",
            "МКОУ «Агачаульская СОШ»",
            "Буйнакский район",
            20,
            200,
        ),
    ]);
    dir.import("registry", &registry, "2023-09-01").ok();
}

fn active_teachers(dir: &Dir, as_of: &str) -> Vec<(String, serde_json::Value)> {
    let report = dir
        .tsos(&["report", "--as-of", as_of, "--format", "json"])
        .ok()
        .json();
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["id"].as_str().unwrap().to_string(),
                row["myschool"]["teachers"]["active"].clone(),
            )
        })
        .collect()
}

#[test]
fn names_in_their_municipality_match_the_registry_whatever_their_spelling() {
    let dir = Dir::new();
    registry(&dir);
    let file = dir.write(
        "by_name.csv",
        "Муниципальное образование;Наименование ОО;Количество активных педагогов\n\
         Кизлярский район;Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 5»;30\n\
         Буйнакский район;МБОУ \"СОШ №5\";45\n\
         Буйнакский район;мкоу агачаульская сош;10\n",
    );
    let run = dir.import("myschool", &file, "2023-10-01").ok();
    assert!(
        run.stdout
            .contains("ОО названы без ИНН: сопоставлено с реестром по названию 3"),
        "{}",
        run.stdout
    );
    assert_eq!(
        active_teachers(&dir, "2023-10-01"),
        [
            ("0500000001".to_string(), 45.into()),
            ("0500000003".to_string(), 10.into()),
            ("0500000002".to_string(), 30.into()),
        ]
    );
}

#[test]
fn an_ambiguous_or_unknown_name_stops_the_import_until_a_person_chooses() {
    let dir = Dir::new();
    registry(&dir);
    // No municipality: «СОШ №5» is two schools; «СОШ №55» is none.
    let october = dir.write(
        "october.csv",
        "Наименование ОО;Количество активных педагогов\n\
         МБОУ «СОШ №5»;45\n\
         МБОУ «СОШ №55»;12\n\
         МКОУ «Агачаульская СОШ»;10\n",
    );
    let before = std::fs::read(dir.db()).unwrap();
    let run = dir.import("myschool", &october, "2023-10-01").fails();
    for expected in [
        "october.csv:2: «МБОУ «СОШ №5»»: в реестре несколько ОО с таким названием: МБОУ «СОШ №5», Буйнакский район (0500000001); МБОУ «СОШ №5», Кизлярский район (0500000002)",
        "october.csv:3: «МБОУ «СОШ №55»»: в реестре нет ОО с таким названием; ближайшие: МБОУ «СОШ №5»",
        "--match \"НАЗВАНИЕ=ИНН\"",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    assert_eq!(std::fs::read(dir.db()).unwrap(), before, "database changed");

    // A person chooses; the choice holds next month without being given again.
    dir.tsos(&[
        "import",
        "myschool",
        october.to_str().unwrap(),
        "--as-of",
        "2023-10-01",
        "--match",
        "МБОУ «СОШ №5»=0500000002",
        "--match",
        "МБОУ СОШ №55=512000099",
    ])
    .fails()
    .stderr
    .contains("ОО с ИНН 0512000099 нет в реестре")
    .then_some(())
    .expect("a chosen school must be in the registry");
    let run = dir
        .tsos(&[
            "import",
            "myschool",
            october.to_str().unwrap(),
            "--as-of",
            "2023-10-01",
            "--match",
            "МБОУ «СОШ №5»=0500000002",
            "--match",
            "МБОУ СОШ N55=0500000001",
        ])
        .ok();
    assert!(run.stdout.contains("Сохранено"), "{}", run.stdout);
    let november = dir.write(
        "november.csv",
        std::fs::read_to_string(&october)
            .unwrap()
            .replace(";45", ";46"),
    );
    dir.import("myschool", &november, "2023-11-01").ok();
    assert_eq!(
        active_teachers(&dir, "2023-11-01"),
        [
            ("0500000001".to_string(), 12.into()),
            ("0500000003".to_string(), 10.into()),
            ("0500000002".to_string(), 46.into()),
        ]
    );
}
