//! The same story on both engines (issue 14): whatever tsos prints from a SQLite file it
//! prints, byte for byte, from PostgreSQL. The PostgreSQL half needs `TSOS_TEST_PG_URL`
//! (`.ci/postgres.sh start`); without it the test says it is skipped, unless
//! `TSOS_REQUIRE_PG=1`.

use tsos_store::testing::TestDb;

use crate::util::{Dir, Run};
use crate::web::{FORM, Served, http, log_in, request, set_cookie};

const PASSWORD: &str = "пароль-проверяющего";
const DIRECTOR_PASSWORD: &str = "пароль-директора";

/// What the story printed at each step, in order, with the folder's path taken out.
fn story(db: &TestDb) -> Vec<(String, String)> {
    let dir = Dir::on(db.location());
    let mut said = Vec::new();
    let folder = dir.dir.path().display().to_string();
    let location = db.location().to_string();
    // Where the database and the files are, and how long the demo took, differ by nature.
    let mut keep = |step: &str, run: Run| {
        let out = run
            .stdout
            .replace(&folder, "ПАПКА")
            .replace(&location, "БАЗА");
        let out: Vec<&str> = out
            .lines()
            .filter(|line| !line.starts_with("Готово за"))
            .collect();
        said.push((step.to_string(), out.join("\n")));
    };
    // The registry, twelve months of both platforms (per user and per school, CSV and XLSX)
    // and the chats, as the demo writes and imports them.
    let run = dir.tsos(&["demo", "--no-serve", "--schools", "40", "--seed", "7"]);
    keep("demo", run.ok());
    let report = |dir: &Dir, level: &str| {
        dir.tsos(&[
            "report",
            "--as-of",
            "2023-10-01",
            "--level",
            level,
            "--format",
            "json",
        ])
        .ok()
    };
    let schools = report(&dir, "school").json();
    let school = schools["rows"][0]["id"].as_str().unwrap().to_string();
    // A replacement by a file that says less of one school, then the original restored.
    let replacement = dir.write(
        "replacement.csv",
        format!("ИНН;Количество активных педагогов\n{school};1\n"),
    );
    let run = dir.tsos(&[
        "import",
        "myschool",
        replacement.to_str().unwrap(),
        "--as-of",
        "2023-10-01",
        "--replace",
    ]);
    keep("replacement", run.ok());
    keep("report after the replacement", report(&dir, "school"));
    let snapshots = dir.tsos(&["snapshots", "--format", "json"]).ok().json();
    let superseded = snapshots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false && s["dataset"] == "myschool" && s["as_of"] == "2023-10-01")
        .expect("the month's first file, superseded")["id"]
        .to_string();
    keep(
        "restore",
        dir.tsos(&["snapshots", "restore", &superseded]).ok(),
    );
    // Targets of two levels, one on a count's rate, and the band.
    for args in [
        &[
            "targets",
            "set",
            "myschool.teachers",
            "90%",
            "--from",
            "2023-09-01",
        ][..],
        &[
            "targets",
            "set",
            "sferum.students",
            "0.2",
            "--from",
            "01.09.2023",
            "--level",
            "school",
        ],
        &[
            "targets",
            "set",
            "myschool.count.lessons.per_teacher",
            "12,5",
            "--from",
            "2023-09-01",
            "--level",
            "municipality",
        ],
        &["targets", "band", "3"],
        &["targets", "list"],
    ] {
        keep(&args.join(" "), dir.tsos(args).ok());
    }
    // An event in the first school's municipality between the two dates of the report's Δ.
    let municipality = report(&dir, "school").json()["rows"][0]["municipality"]
        .as_str()
        .unwrap()
        .to_string();
    keep(
        "events add",
        dir.tsos(&[
            "events",
            "add",
            "--date",
            "2023-09-20",
            "--scope",
            "municipality",
            &municipality,
            "--platform",
            "myschool",
            "Переход на региональный узел «Моя школа»",
        ])
        .ok(),
    );
    keep("events list", dir.tsos(&["events", "list"]).ok());
    for level in ["school", "municipality", "region"] {
        keep(&format!("report {level}"), report(&dir, level));
    }
    keep(
        "report table",
        dir.tsos(&["report", "--as-of", "2023-09-01", "--level", "municipality"])
            .ok(),
    );
    keep(
        "lagging",
        dir.tsos(&["lagging", "--as-of", "2023-10-01", "--format", "json"])
            .ok(),
    );
    keep(
        "quality",
        dir.tsos(&["quality", "--as-of", "2023-10-01", "--format", "json"])
            .ok(),
    );
    keep(
        "chats",
        dir.tsos(&[
            "chats",
            "report",
            "--as-of",
            "2023-10-01",
            "--format",
            "json",
        ])
        .ok(),
    );
    // A letter is registered with what it said, and the follow-up reads it back.
    let letter = dir.tsos(&[
        "letter",
        "--as-of",
        "2023-09-01",
        "--deadline",
        "2023-09-20",
        "--date",
        "2023-09-10",
        "--out",
        "letters",
    ]);
    keep("letter", letter.ok());
    keep("followup", dir.tsos(&["followup", "--format", "json"]).ok());
    // Accounts are kept in the same database.
    keep(
        "user add",
        dir.tsos(&[
            "user",
            "add",
            "director",
            "--role",
            "school",
            "--scope",
            &school,
            "--password",
            DIRECTOR_PASSWORD,
        ])
        .ok(),
    );
    said.push(("scope matrix".to_string(), scope_matrix(&dir, &schools)));
    said
}

/// What the dashboard answers to an administrator, a municipality and a school account, one
/// line per account and page: the same on both engines, and each account sees its own area
/// only.
fn scope_matrix(dir: &Dir, schools: &serde_json::Value) -> String {
    let rows = schools["rows"].as_array().unwrap();
    let text = |row: &serde_json::Value, key: &str| row[key].as_str().unwrap().to_string();
    let (school, municipality) = (text(&rows[0], "id"), text(&rows[0], "municipality"));
    let elsewhere = rows
        .iter()
        .find(|row| row["municipality"] != rows[0]["municipality"])
        .expect("the demo has several municipalities");
    let (other_school, other_municipality) =
        (text(elsewhere, "id"), text(elsewhere, "municipality"));
    for (login, role, scope) in [
        ("admin", "admin", None),
        ("mo", "municipality", Some(&municipality)),
    ] {
        let mut args = vec!["user", "add", login, "--role", role, "--password", PASSWORD];
        if let Some(scope) = scope {
            args.extend(["--scope", scope]);
        }
        dir.tsos(&args).ok();
    }
    let encode = |name: &str| -> String { name.bytes().map(|b| format!("%{b:02X}")).collect() };
    let pages = [
        "/".to_string(),
        format!("/school/{school}"),
        format!("/school/{other_school}"),
        format!("/municipality/{}", encode(&municipality)),
        format!("/municipality/{}", encode(&other_municipality)),
        format!("/chats/school/{school}"),
        format!("/chats/school/{other_school}"),
        "/snapshots".to_string(),
        "/quality".to_string(),
        "/audit".to_string(),
        "/import".to_string(),
        "/notices".to_string(),
        "/followup".to_string(),
        "/downloads".to_string(),
        "/api/report?level=school&as_of=2023-10-01".to_string(),
        format!("/api/report?level=school&as_of=2023-10-01&school={other_school}"),
    ];
    let served = Served::start(dir);
    let addr = &served.addr;
    let mut lines = Vec::new();
    let mut statuses = std::collections::BTreeMap::new();
    for (login, password) in [
        ("admin", PASSWORD),
        ("mo", PASSWORD),
        ("director", DIRECTOR_PASSWORD),
    ] {
        let head = log_in(addr, login, password);
        assert!(head.starts_with("HTTP/1.1 303"), "{login}: {head}");
        let cookie = format!("tsos_session={}", set_cookie(&head, "tsos_session"));
        for page in &pages {
            let (head, _) = http(addr, &request("GET", page, &cookie, FORM, b""));
            let status = head.get(9..12).unwrap_or(&head).to_string();
            lines.push(format!("{login} {page} {status}"));
            statuses.insert((login.to_string(), page.to_string()), status);
        }
    }
    drop(served);
    let status = |login: &str, page: &str| statuses[&(login.to_string(), page.to_string())].clone();
    for page in &pages {
        assert_eq!(status("admin", page), "200", "the admin sees {page}");
    }
    let (own, other) = (
        format!("/school/{school}"),
        format!("/school/{other_school}"),
    );
    for login in ["mo", "director"] {
        assert_eq!(status(login, &own), "200", "{login}");
        assert_eq!(
            status(login, &other),
            "404",
            "{login}: another area is not there"
        );
        assert_eq!(
            status(login, "/import"),
            "403",
            "{login}: imports are the admin's"
        );
    }
    assert_eq!(
        status(
            "mo",
            &format!("/municipality/{}", encode(&other_municipality))
        ),
        "404"
    );
    lines.join("\n")
}

#[test]
fn the_story_prints_the_same_on_both_engines() {
    let sqlite = TestDb::sqlite();
    let expected = story(&sqlite);
    assert!(
        expected
            .iter()
            .any(|(step, out)| step == "report region" && out.contains("\"rows\"")),
        "the story reports"
    );
    let Some(postgres) = TestDb::postgres() else {
        return;
    };
    let got = story(&postgres);
    assert_eq!(got.len(), expected.len());
    for ((step, want), (_, got)) in expected.iter().zip(&got) {
        if let Some((line, (a, b))) = want
            .lines()
            .zip(got.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
        {
            panic!(
                "{step}, line {}:\nSQLite:     {a}\nPostgreSQL: {b}",
                line + 1
            );
        }
        assert_eq!(
            want.len(),
            got.len(),
            "{step}: the same lines, but not as many"
        );
    }
}

/// `tsos db copy` takes everything from SQLite to PostgreSQL and back: the report, the
/// snapshots with their lineage, the targets and the follow-up of a letter read the same from
/// every copy, and a copy into a database that is not empty is refused.
#[test]
fn a_database_copies_to_postgres_and_back() {
    let sqlite = TestDb::sqlite();
    story(&sqlite);
    let Some(postgres) = TestDb::postgres() else {
        return;
    };
    let back = TestDb::sqlite();
    let dir = Dir::new();
    let copy = |from: &TestDb, to: &TestDb| {
        let run = dir
            .tsos(&[
                "db",
                "copy",
                "--from",
                &location_arg(from),
                "--to",
                &location_arg(to),
            ])
            .ok();
        assert!(run.stdout.contains("сходится"), "{}", run.stdout);
        run.stdout
    };
    let there = copy(&sqlite, &postgres);
    assert!(there.lines().any(|l| l.starts_with("usage ")), "{there}");
    let home = copy(&postgres, &back);
    let counts = |out: &str| {
        out.lines()
            .filter(|l| !l.starts_with("Скопировано"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&there), counts(&home));
    let reads = |db: &TestDb| {
        let on = Dir::on(db.location());
        [
            &[
                "report",
                "--as-of",
                "2023-10-01",
                "--level",
                "school",
                "--format",
                "json",
            ][..],
            &["snapshots", "--format", "json"],
            &["targets", "list"],
            &["followup", "--format", "json"],
            &["events", "list", "--json"],
        ]
        .iter()
        .map(|args| on.tsos(args).ok().stdout)
        .collect::<Vec<_>>()
    };
    let want = reads(&sqlite);
    assert_eq!(reads(&postgres), want);
    assert_eq!(reads(&back), want);
    // New rows in a copy get new ids after the copied ones.
    Dir::on(postgres.location())
        .tsos(&[
            "targets",
            "set",
            "sferum.teachers",
            "50%",
            "--from",
            "2023-09-01",
        ])
        .ok();
    // The copy is new rows only: into a database that has some, nothing is copied.
    let run = dir
        .tsos(&[
            "db",
            "copy",
            "--from",
            &location_arg(&sqlite),
            "--to",
            &location_arg(&back),
        ])
        .fails();
    assert!(run.stderr.contains("не пуста"), "{}", run.stderr);
}

fn location_arg(db: &TestDb) -> String {
    match db.location() {
        tsos_store::DbLocation::Sqlite(path) => path.display().to_string(),
        tsos_store::DbLocation::Postgres(url) => url.clone(),
    }
}
