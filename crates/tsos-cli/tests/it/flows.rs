//! User flows from the command line (issue 15, SPEC §7): a month's new, returned, retained
//! and lost users in the report's JSON and in `tsos flows`, the key made beside the database
//! on first import, and the reason said when there are no flows.

use crate::util::Dir;

const HEADER: &str = "ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации";

/// Teachers of one school: (id, last login) rows, the last one repeated far from the first.
fn month(users: &[(&str, &str)]) -> String {
    let mut text = format!("{HEADER}\n");
    for (id, last) in users {
        text.push_str(&format!(
            "{id};Сидорова Е. Ж.;Учитель;0512345678;Да;{last}\n"
        ));
    }
    text
}

#[test]
fn a_second_month_shows_new_retained_and_lost_users() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    // September: a, b, c active. October: a stays, d comes, b is gone, c's login is old.
    let september = dir.write(
        "sep.csv",
        month(&[
            ("a", "20.08.2025"),
            ("b", "21.08.2025"),
            ("c", "22.08.2025"),
        ]),
    );
    dir.import("myschool", &september, "2025-09-01").ok();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path("tsos.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key is the owner's only");
    }
    let first = dir.tsos(&["report", "--as-of", "2025-09-01"]).ok().stdout;
    assert!(
        first.contains(
            "Потоки пользователей (новые, вернувшиеся, удержанные, ушедшие) не рассчитаны: \
             ФГИС «Моя школа» — нет выгрузки по пользователям за предыдущий месяц"
        ),
        "{first}"
    );
    let october = dir.write(
        "oct.csv",
        month(&[
            ("d", "20.09.2025"),
            ("c", "01.01.2020"),
            ("a", "25.09.2025"),
        ]),
    );
    dir.import("myschool", &october, "2025-10-01").ok();

    let expected = serde_json::json!({"new": 1, "returned": 0, "retained": 1, "lost": 2});
    let report = dir
        .tsos(&["report", "--as-of", "2025-10-01", "--format", "json"])
        .ok()
        .json();
    assert_eq!(report["rows"][0]["myschool"]["teachers"]["flows"], expected);
    assert_eq!(
        report["platforms"][0]["flows_absent"],
        serde_json::Value::Null
    );
    let flows = dir
        .tsos(&[
            "flows",
            "--as-of",
            "2025-10-01",
            "--level",
            "region",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(flows["rows"][0]["myschool"]["teachers"], expected);
    let table = dir.tsos(&["flows", "--as-of", "01.10.2025"]).ok().stdout;
    let line = table
        .lines()
        .find(|line| line.contains("педагоги"))
        .unwrap_or_else(|| panic!("{table}"));
    let numbers: Vec<&str> = line.split_whitespace().rev().take(4).collect();
    assert_eq!(numbers, ["2", "1", "0", "1"], "{table}");
    assert!(!table.contains("не рассчитаны"), "{table}");
}

/// The settings file's `key_file` is the key of the commands that read it, as its database is:
/// a server's `sudo -u tsos tsos import …` hashes with the service's key. An import under
/// another key than the earlier month's says so at once.
#[test]
fn the_settings_file_names_the_key_and_a_changed_key_is_said() {
    let dir = Dir::new();
    dir.one_school(10, 100);
    let key = dir.path("flows.key");
    let config = dir.write(
        "tsos.toml",
        format!("key_file = {:?}\n", key.to_str().unwrap()),
    );
    let september = dir.write("sep.csv", month(&[("a", "20.08.2025")]));
    let mut command = dir.command();
    command
        .env_remove("TSOS_KEY_FILE")
        .arg("--config")
        .arg(&config);
    let output = command
        .args(["import", "myschool", september.to_str().unwrap()])
        .args(["--as-of", "2025-09-01"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(std::fs::read(&key).unwrap().len(), 32, "made where named");

    // October through the folder's own key (`TSOS_KEY_FILE`, as every test command): another,
    // which shows that September was hashed with the named one.
    let october = dir.write("oct.csv", month(&[("a", "20.09.2025")]));
    let run = dir.import("myschool", &october, "2025-10-01").ok();
    assert!(
        run.stdout.contains(
            "ключ потоков пользователей не тот, под которым сохранена выгрузка на 01.09.2025"
        ),
        "{}",
        run.stdout
    );
}
