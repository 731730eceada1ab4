//! The workflows the command line and the dashboard share, driven as they drive them: files
//! written to a temporary directory, a store in memory, the figures read back from a report.

use std::path::PathBuf;

use jiff::civil::{Date, date};
use tsos_app::import::{ImportRequest, ProfileUse, commit_import, import_file, prepare_import};
use tsos_app::report::build_report;
use tsos_app::{AppError, at_risk};
use tsos_domain::{Catalogue, Level, OrgId, Report, Role};
use tsos_ingest::header::{Mapping, MappingSource};
use tsos_store::Store;

const USERS_HEADER: &str =
    "ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации";

/// A store in memory and a directory for the files of one test.
struct Setup {
    store: Store,
    catalogue: Catalogue,
    dir: tempfile::TempDir,
}

impl Setup {
    /// A registry of three schools of Буйнакский район, 60 teachers and 600 students each,
    /// dated 01.09.2023.
    fn new() -> Setup {
        let mut setup = Setup {
            store: Store::open_in_memory().unwrap(),
            catalogue: Catalogue::builtin(),
            dir: tempfile::tempdir().unwrap(),
        };
        let mut registry = String::from(
            "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
             Численность педагогических работников;Численность обучающихся\n",
        );
        for (inn, name) in [
            ("0500000001", "МБОУ «СОШ №1»"),
            ("0500000002", "МБОУ «СОШ №2»"),
            ("0500000003", "МКОУ «Агачаульская СОШ»"),
        ] {
            registry.push_str(&format!(
                "{inn};{name};Буйнакский район;Республика Дагестан;60;600\n"
            ));
        }
        let path = setup.write("registry.csv", &registry);
        setup
            .import(&request("registry", &path, date(2023, 9, 1)))
            .unwrap();
        setup
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn import(
        &mut self,
        request: &ImportRequest<'_>,
    ) -> Result<tsos_app::import::ImportOutcome, AppError> {
        import_file(&mut self.store, &self.catalogue, request)
    }

    fn region(&self, as_of: Date) -> Report {
        build_report(&self.store, &self.catalogue, as_of, Level::Region).unwrap()
    }

    /// The region's share of active teachers on «Моя школа».
    fn teachers_share(&self, as_of: Date) -> Option<f64> {
        let row = &self.region(as_of).rows[0];
        row.platforms[0].unwrap().get(Role::Teachers).share
    }
}

fn request<'a>(dataset: &'a str, path: &'a std::path::Path, as_of: Date) -> ImportRequest<'a> {
    ImportRequest {
        dataset,
        path,
        as_of: Some(as_of),
        skip_invalid: false,
        sheet: None,
        progress: None,
        replace: false,
        mapping: None,
        name_matches: &[],
        sample: 0,
    }
}

/// A month of «Моя школа»: `per_school` active teachers in each of the three schools.
fn month(per_school: usize) -> String {
    let mut text = format!("{USERS_HEADER}\n");
    for school in 1..=3 {
        for user in 0..per_school {
            text.push_str(&format!(
                "u{school}-{user};Иванова А. Б.;Учитель;050000000{school};Да;15.09.2023\n"
            ));
        }
    }
    text
}

#[test]
fn an_import_counts_users_and_the_report_divides_by_the_registry() {
    let mut setup = Setup::new();
    let path = setup.write("october.csv", &month(45));
    let outcome = setup
        .import(&request("myschool", &path, date(2023, 10, 1)))
        .unwrap();
    assert_eq!(outcome.n_schools, 3);
    assert_eq!(outcome.n_users, Some(135));
    assert!(outcome.replaced.is_none());
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(135.0 / 180.0));
}

#[test]
fn a_prepared_import_writes_nothing_until_committed() {
    let mut setup = Setup::new();
    let path = setup.write("october.csv", &month(10));
    let request = request("myschool", &path, date(2023, 10, 1));
    let before = setup.store.snapshots().unwrap().len();
    let prepared = prepare_import(&setup.store, &setup.catalogue, &request).unwrap();
    assert_eq!(prepared.n_schools, 3);
    assert_eq!(setup.store.snapshots().unwrap().len(), before);

    commit_import(&mut setup.store, prepared, &request).unwrap();
    assert_eq!(setup.store.snapshots().unwrap().len(), before + 1);
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(30.0 / 180.0));
}

#[test]
fn a_far_smaller_file_replaces_the_month_only_when_asked() {
    let mut setup = Setup::new();
    let good = setup.write("good.csv", &month(50));
    setup
        .import(&request("myschool", &good, date(2023, 10, 1)))
        .unwrap();
    let share = setup.teachers_share(date(2023, 10, 1));

    // One school's rows only: a third of the schools and of the users.
    let small: String = month(50)
        .lines()
        .take(51)
        .map(|l| format!("{l}\n"))
        .collect();
    let small = setup.write("small.csv", &small);
    let mut again = request("myschool", &small, date(2023, 10, 1));
    let error = setup.import(&again).unwrap_err();
    let AppError::SuspectReplacement { replacement, .. } = &error else {
        panic!("{error}");
    };
    assert!(!replacement.shrinks.is_empty());
    assert!(error.to_string().contains("ОО 1 вместо 3"), "{error}");
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), share, "replaced");

    again.replace = true;
    let outcome = setup.import(&again).unwrap();
    assert!(outcome.replaced.is_some());
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(50.0 / 180.0));
}

#[test]
fn a_name_without_inn_stops_until_a_person_matches_it_then_is_remembered() {
    let mut setup = Setup::new();
    let text = "Муниципальное образование;Наименование ОО;Количество активных педагогов\n\
                Буйнакский район;МБОУ «СОШ №1»;40\n\
                Буйнакский район;Школа-интернат имени Гамзатова;7\n";
    let path = setup.write("by_name.csv", text);
    let error = setup
        .import(&request("myschool", &path, date(2023, 10, 1)))
        .unwrap_err();
    let AppError::UnmatchedNames { names, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].name, "Школа-интернат имени Гамзатова");
    assert!(!names[0].several);
    assert!(setup.store.snapshots().unwrap().len() == 1, "saved anyway");

    let matches = [(
        "Школа-интернат имени Гамзатова".to_string(),
        OrgId::normalize("0500000003").unwrap(),
    )];
    let mut matched = request("myschool", &path, date(2023, 10, 1));
    matched.name_matches = &matches;
    setup.import(&matched).unwrap();
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(47.0 / 180.0));

    // Next month the same name needs no choice.
    let path = setup.write("november.csv", text);
    setup
        .import(&request("myschool", &path, date(2023, 11, 1)))
        .unwrap();
    assert_eq!(setup.teachers_share(date(2023, 11, 1)), Some(47.0 / 180.0));
}

#[test]
fn a_mapping_given_once_is_saved_and_applied_to_the_next_file() {
    let mut setup = Setup::new();
    let text = "Код школы;Тип пользователя;Идентификатор;Подтверждение;Дата последней авторизации\n\
                0500000001;Учитель;1;Да;01.09.2023\n\
                0500000002;Учитель;2;Да;01.09.2023\n";
    let path = setup.write("september.csv", text);
    let unknown = setup.import(&request("myschool", &path, date(2023, 9, 1)));
    assert!(unknown.is_err(), "an unknown header is read anyway");

    let mapping = Mapping {
        entries: vec![Mapping::parse_entry("Код школы=organisation").unwrap()],
        source: MappingSource::Given,
    };
    let mut mapped = request("myschool", &path, date(2023, 9, 1));
    mapped.mapping = Some(&mapping);
    let outcome = setup.import(&mapped).unwrap();
    let Some(ProfileUse::Saved(profile)) = outcome.profile else {
        panic!("{:?}", outcome.profile);
    };

    let path = setup.write("october.csv", &text.replace("01.09.2023", "01.10.2023"));
    let outcome = setup
        .import(&request("myschool", &path, date(2023, 10, 1)))
        .unwrap();
    assert_eq!(outcome.profile, Some(ProfileUse::Applied(profile)));
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(2.0 / 180.0));
}

#[test]
fn a_failed_import_leaves_the_store_as_it_was() {
    let mut setup = Setup::new();
    let good = setup.write("good.csv", &month(20));
    setup
        .import(&request("myschool", &good, date(2023, 10, 1)))
        .unwrap();
    let before = setup.store.snapshots().unwrap();
    let bad = setup.write(
        "bad.csv",
        &format!("{USERS_HEADER}\nu1;А;Учитель;0500000001;Да;32.13.2023\n"),
    );
    let error = setup
        .import(&request("myschool", &bad, date(2023, 10, 1)))
        .unwrap_err();
    assert!(error.to_string().contains("bad.csv:2"), "{error}");
    assert_eq!(setup.store.snapshots().unwrap(), before);
    assert_eq!(setup.teachers_share(date(2023, 10, 1)), Some(60.0 / 180.0));
}

#[test]
fn a_report_says_what_is_missing() {
    let empty = Store::open_in_memory().unwrap();
    let catalogue = Catalogue::builtin();
    let error = build_report(&empty, &catalogue, date(2023, 10, 1), Level::School).unwrap_err();
    assert!(matches!(error, AppError::NoRegistry), "{error}");

    let mut setup = Setup::new();
    let path = setup.write("october.csv", &month(1));
    setup
        .import(&request("myschool", &path, date(2023, 10, 1)))
        .unwrap();
    let error = build_report(
        &setup.store,
        &setup.catalogue,
        date(2023, 11, 1),
        Level::Region,
    )
    .unwrap_err();
    let AppError::NoSnapshots { available, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(available, &["01.10.2023"]);
}

#[test]
fn at_risk_lists_the_users_whose_last_login_leaves_the_window_soon() {
    let setup = Setup::new();
    let text = format!(
        "{USERS_HEADER}\n\
         u1;Петров П. П.;Учитель;0500000001;Да;20.10.2022\n\
         u2;Сидоров С. С.;Учитель;0500000001;Да;15.09.2023\n\
         u3;Другой Д. Д.;Учитель;0500000002;Да;20.10.2022\n"
    );
    let path = setup.write("users.csv", &text);
    let list = at_risk::at_risk(
        &setup.catalogue,
        &at_risk::AtRiskRequest {
            platform: "myschool",
            path: &path,
            school: "0500000001",
            as_of: Some(date(2023, 10, 1)),
            horizon_days: 30,
            sheet: None,
        },
    )
    .unwrap();
    let names: Vec<_> = list
        .users
        .iter()
        .map(|user| user.full_name.as_deref())
        .collect();
    assert_eq!(names, [Some("Петров П. П.")]);
}
