//! HTTP tests of the dashboard through `tower::ServiceExt::oneshot`: no sockets.
//!
//! The dataset is small and made here: four schools in two municipalities of one region, a
//! registry, two monthly per-user exports of «Моя школа» and a per-school export of
//! «Сферум», imported with the application's own import. Accounts: an admin, the region,
//! each municipality and two schools (one per municipality).

use std::path::{Path, PathBuf};

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::civil::{Date, date};
use tower::ServiceExt;
use tsos_app::import::{ImportRequest, import_file};
use tsos_domain::{Catalogue, Level};
use tsos_store::Store;
use tsos_web::{AccountRole, Answer, AppState, WebConfig};

const REGION: &str = "Республика Тест";
const MUNI_A: &str = "Город Альфа";
const MUNI_B: &str = "Бета район";
const SCHOOL_A1: &str = "0500000001";
const SCHOOL_A2: &str = "0500000002";
const SCHOOL_B1: &str = "0500000003";
const SCHOOL_B2: &str = "0500000004";
const PASSWORD: &str = "пароль-для-тестов";

struct TestApp {
    router: Router,
    state: AppState,
    db: PathBuf,
    /// Holds the database and the files until the test ends.
    _dir: tempfile::TempDir,
}

/// (ИНН, name, municipality, teachers, students, active teachers in September, in October).
const SCHOOLS: [(&str, &str, &str, u64, u64, u64, u64); 4] = [
    (SCHOOL_A1, "МБОУ «СОШ №1»", MUNI_A, 10, 40, 7, 9),
    (SCHOOL_A2, "МБОУ «Лицей №2»", MUNI_A, 8, 30, 6, 6),
    (SCHOOL_B1, "МКОУ «Бетинская СОШ»", MUNI_B, 10, 20, 3, 2),
    (SCHOOL_B2, "МКОУ «Малая школа»", MUNI_B, 4, 10, 4, 4),
];

fn registry_csv() -> String {
    let mut out = String::from(
        "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
         Численность педагогических работников;Численность обучающихся\n",
    );
    for (inn, name, muni, teachers, students, _, _) in SCHOOLS {
        out.push_str(&format!(
            "{inn};{name};{muni};{REGION};{teachers};{students}\n"
        ));
    }
    out
}

/// A per-user export: in each school, `active` teachers logged in recently and the rest
/// long ago; a quarter of the students active.
fn users_csv(as_of: Date, october: bool) -> String {
    let mut out = format!(
        "Выгрузка ФГИС «Моя школа» по состоянию на {}\n\
         ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n",
        tsos_domain::format_date_ru(as_of)
    );
    let recent = tsos_domain::format_date_ru(as_of.yesterday().expect("a date"));
    for (inn, _, _, teachers, students, sept, oct) in SCHOOLS {
        let active = if october { oct } else { sept };
        for n in 0..teachers {
            let last = if n < active {
                recent.as_str()
            } else {
                "01.01.2020"
            };
            out.push_str(&format!("t{inn}{n};Иванов Иван;Учитель;{inn};Да;{last}\n"));
        }
        for n in 0..students {
            let last = if n % 4 == 0 { recent.as_str() } else { "" };
            out.push_str(&format!(
                "s{inn}{n};Петров Петр;Обучающийся;{inn};Да;{last}\n"
            ));
        }
    }
    out
}

fn sferum_csv() -> String {
    let mut out = String::from(
        "ИНН;Наименование ОО;Количество активных педагогов;Количество активных обучающихся\n",
    );
    for (inn, name, _, teachers, students, _, _) in SCHOOLS {
        out.push_str(&format!("{inn};{name};{};{}\n", teachers / 2, students / 2));
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

fn import(store: &mut Store, dataset: &str, path: &Path, as_of: Date) {
    import_file(
        store,
        &Catalogue::builtin(),
        &ImportRequest {
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
        },
    )
    .unwrap_or_else(|err| panic!("import {}: {err}", path.display()));
}

/// Argon2id with the least cost: the hashes are verified on every test login, and the
/// tests run in a debug build.
fn cheap_hash(password: &str) -> String {
    let params = Params::new(Params::MIN_M_COST, 1, 1, None).expect("valid parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes())
        .expect("hash")
        .to_string()
}

fn app() -> TestApp {
    app_with(|_| {})
}

/// The test dataset served with the configuration `setup` adjusts.
fn app_with(setup: impl FnOnce(&mut WebConfig)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("tsos.db");
    let mut store = Store::open(&db).expect("store");
    let registry = write(dir.path(), "реестр.csv", &registry_csv());
    import(&mut store, "registry", &registry, date(2023, 9, 1));
    for (as_of, october) in [(date(2023, 9, 1), false), (date(2023, 10, 1), true)] {
        let name = format!("{as_of}_myschool.csv");
        let path = write(dir.path(), &name, &users_csv(as_of, october));
        import(&mut store, "myschool", &path, as_of);
    }
    let sferum = write(dir.path(), "сферум.csv", &sferum_csv());
    import(&mut store, "sferum", &sferum, date(2023, 10, 1));
    let hash = cheap_hash(PASSWORD);
    for (login, role, scope) in [
        ("admin", AccountRole::Admin, None),
        ("region", AccountRole::Region, Some(REGION)),
        ("muni_a", AccountRole::Municipality, Some(MUNI_A)),
        ("muni_b", AccountRole::Municipality, Some(MUNI_B)),
        ("school_a", AccountRole::School, Some(SCHOOL_A1)),
        ("school_b", AccountRole::School, Some(SCHOOL_B1)),
    ] {
        store
            .upsert_web_user(login, &hash, role.code(), scope)
            .expect("user");
    }
    drop(store);
    serve(db, dir, setup)
}

/// The dashboard over the database `db` in `dir`.
fn serve(db: PathBuf, dir: tempfile::TempDir, setup: impl FnOnce(&mut WebConfig)) -> TestApp {
    let mut config = WebConfig::new(db.clone(), Catalogue::builtin());
    setup(&mut config);
    let state = AppState::new(config).expect("state");
    TestApp {
        router: tsos_web::router(state.clone()),
        state,
        db,
        _dir: dir,
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The value of a cookie this reply sets.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    }
}

/// A logged-in browser: its session cookie and the CSRF token of its pages.
struct Session {
    cookie: String,
    csrf: String,
}

impl TestApp {
    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str, session: Option<&Session>) -> Reply {
        let mut request = Request::get(path);
        if let Some(session) = session {
            request = request.header(header::COOKIE, &session.cookie);
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    async fn post_form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// Submits the login form as a browser would: the form's page first, for its token.
    async fn try_login(&self, login: &str, password: &str) -> Reply {
        let form = self.get("/login", None).await;
        assert_eq!(form.status, StatusCode::OK);
        let token = form
            .cookie("tsos_login")
            .expect("the login form sets its token");
        assert_eq!(csrf_in(&form.text()), token);
        self.post_form(
            "/login",
            &format!("tsos_login={token}"),
            &[
                ("csrf", &token),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    async fn login(&self, login: &str) -> Session {
        let reply = self.try_login(login, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let token = reply.cookie("tsos_session").expect("a session cookie");
        let cookie = format!("tsos_session={token}");
        let page = self
            .get(
                "/",
                Some(&Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                }),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        Session {
            csrf: csrf_in(&page.text()),
            cookie,
        }
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn csrf_in(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + r#"name="csrf" value=""#.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|err| panic!("JSON ({err}): {}", reply.text()))
}

fn school_url(inn: &str) -> String {
    format!("/school/{inn}")
}

fn muni_url(name: &str) -> String {
    format!("/municipality/{}", encode(name))
}

#[tokio::test]
async fn admin_opens_every_page_and_download() {
    let app = app();
    let admin = app.login("admin").await;
    let overview = app.get("/", Some(&admin)).await;
    let html = overview.text();
    assert!(html.contains("<h1>Республика Тест</h1>"), "{html}");
    // Headline: «Моя школа» teachers in October: (9+6+2+4)/(10+8+10+4) = 21/32 = 65,6 %,
    // in September 20/32 = 62,5 %: +3,1 p.p.
    assert!(
        html.contains("65,6 %") && html.contains("+3,1 п.п."),
        "{html}"
    );
    assert!(html.contains("с 01.09.2023"));
    assert!(
        html.matches("<svg").count() >= 4,
        "trend and distribution charts"
    );
    assert!(html.contains("Отстающие школы") && html.contains("МКОУ «Бетинская СОШ»"));
    assert!(
        html.contains(&muni_url(MUNI_A)),
        "municipalities link to their pages"
    );
    for path in [
        format!("/region/{}", encode(REGION)),
        muni_url(MUNI_A),
        muni_url(MUNI_B),
        school_url(SCHOOL_A1),
        school_url(SCHOOL_A2),
        school_url(SCHOOL_B1),
        school_url(SCHOOL_B2),
        "/?as_of=2023-09-01".to_string(),
        format!(
            "{}?as_of=2023-09-01&sort=myschool.students",
            muni_url(MUNI_B)
        ),
        "/snapshots".to_string(),
        "/quality".to_string(),
        "/downloads".to_string(),
        "/import".to_string(),
        "/audit".to_string(),
    ] {
        let reply = app.get(&path, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
        assert!(reply.text().contains("</html>"), "{path}");
    }
    let school = app.get(&school_url(SCHOOL_B1), Some(&admin)).await.text();
    assert!(
        school.contains(REGION) && school.contains(MUNI_B),
        "breadcrumbs"
    );
    assert!(school.contains("Выпадут из окна") && school.contains("Прогноз доли"));
    assert!(school.contains("<svg"), "the school's trend");
    let snapshots = app.get("/snapshots", Some(&admin)).await.text();
    assert!(snapshots.contains("2023-10-01_myschool.csv") && snapshots.contains("SHA-256"));
    // The views just made are in the audit log, though their lines are written in batches.
    let audit = app.get("/audit", Some(&admin)).await.text();
    assert!(
        audit.contains(&format!("школа {SCHOOL_B1} на 01.10.2023")) && audit.contains("снимки"),
        "{audit}"
    );

    let xlsx = app.get("/download/appendix.xlsx", Some(&admin)).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"));
    assert_eq!(sheets(&xlsx.body).len(), 3, "a sheet per level");
    let disposition = xlsx.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.contains("appendix_2023-10-01.xlsx"),
        "{disposition}"
    );
    let csv = app
        .get("/download/report.csv?level=school", Some(&admin))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.starts_with("\u{feff}".as_bytes()),
        "CSV for Excel has a BOM"
    );
    let download = app
        .get(
            "/download/report.json?level=municipality&as_of=2023-09-01",
            Some(&admin),
        )
        .await;
    assert_eq!(json(&download)["rows"].as_array().unwrap().len(), 2);
    for path in [
        "/api/dates",
        "/api/report?level=region",
        "/assets/style.css",
        "/assets/app.js",
    ] {
        assert_eq!(
            app.get(path, Some(&admin)).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
}

/// The API gives exactly what `tsos report --format json` gives.
#[tokio::test]
async fn api_matches_the_command_line_report() {
    let app = app();
    let admin = app.login("admin").await;
    let store = Store::open(&app.db).expect("store");
    for level in Level::ALL {
        let expected = tsos_report::json::to_value(
            &tsos_app::report::build_report(
                &store,
                &Catalogue::builtin(),
                date(2023, 10, 1),
                level,
            )
            .expect("report"),
        );
        let reply = app
            .get(
                &format!("/api/report?as_of=2023-10-01&level={}", level.code()),
                Some(&admin),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(json(&reply), expected, "level {}", level.code());
    }
    let one = json(
        &app.get(&format!("/api/schools/{SCHOOL_B2}"), Some(&admin))
            .await,
    );
    assert_eq!(one["rows"].as_array().unwrap().len(), 1);
    assert_eq!(one["rows"][0]["myschool"]["teachers"]["share"], 1.0);
}

/// Who gets what, route by route: 200, 403 for what the role never has, 404 for what lies
/// outside the account's scope (it must not learn that the page exists).
#[tokio::test]
async fn authorization_matrix() {
    let app = app();
    let logins = [
        "admin", "region", "muni_a", "muni_b", "school_a", "school_b",
    ];
    let mut sessions = Vec::new();
    for login in logins {
        sessions.push(app.login(login).await);
    }
    const OK: u16 = 200;
    const NO: u16 = 403;
    const NF: u16 = 404;
    const GO: u16 = 303;
    let region = format!("/region/{}", encode(REGION));
    let api_muni_a = format!("/api/municipalities/{}", encode(MUNI_A));
    let api_muni_b = format!("/api/municipalities/{}", encode(MUNI_B));
    let matrix: Vec<(String, [u16; 6])> = vec![
        //                                                admin region muni_a muni_b sch_a sch_b
        ("/".into(), [OK, OK, OK, OK, OK, OK]),
        (region.clone(), [OK, OK, NF, NF, NF, NF]),
        (muni_url(MUNI_A), [OK, OK, OK, NF, NF, NF]),
        (muni_url(MUNI_B), [OK, OK, NF, OK, NF, NF]),
        (school_url(SCHOOL_A1), [OK, OK, OK, NF, OK, NF]),
        (school_url(SCHOOL_A2), [OK, OK, OK, NF, NF, NF]),
        (school_url(SCHOOL_B1), [OK, OK, NF, OK, NF, OK]),
        (school_url("0599999999"), [NF, NF, NF, NF, NF, NF]),
        ("/snapshots".into(), [OK, OK, NO, NO, NO, NO]),
        ("/quality".into(), [OK, OK, OK, OK, OK, OK]),
        ("/downloads".into(), [OK, OK, OK, OK, OK, OK]),
        ("/import".into(), [OK, NO, NO, NO, NO, NO]),
        ("/audit".into(), [OK, NO, NO, NO, NO, NO]),
        ("/download/appendix.xlsx".into(), [OK, OK, OK, OK, OK, OK]),
        (
            "/download/report.csv?level=school".into(),
            [OK, OK, OK, OK, OK, OK],
        ),
        (
            "/download/report.json?level=municipality".into(),
            [OK, OK, OK, OK, NO, NO],
        ),
        (
            "/download/report.json?level=region".into(),
            [OK, OK, NO, NO, NO, NO],
        ),
        ("/api/report?level=school".into(), [OK, OK, OK, OK, OK, OK]),
        (
            "/api/report?level=municipality".into(),
            [OK, OK, OK, OK, NO, NO],
        ),
        ("/api/report?level=region".into(), [OK, OK, NO, NO, NO, NO]),
        (
            format!("/api/schools/{SCHOOL_A1}"),
            [OK, OK, OK, NF, OK, NF],
        ),
        (
            format!("/api/schools/{SCHOOL_B1}"),
            [OK, OK, NF, OK, NF, OK],
        ),
        (
            format!("/api/schools/{SCHOOL_B2}"),
            [OK, OK, NF, OK, NF, NF],
        ),
        (api_muni_a, [OK, OK, OK, NF, NF, NF]),
        (api_muni_b, [OK, OK, NF, OK, NF, NF]),
        ("/api/dates".into(), [OK, OK, OK, OK, OK, OK]),
        // A school's chats page is its own registry: /chats sends it there.
        ("/chats".into(), [OK, OK, OK, OK, GO, GO]),
        (
            format!("/chats/school/{SCHOOL_A1}"),
            [OK, OK, OK, NF, OK, NF],
        ),
        (
            format!("/chats/school/{SCHOOL_B1}"),
            [OK, OK, NF, OK, NF, OK],
        ),
        ("/chats/school/0599999999".into(), [NF, NF, NF, NF, NF, NF]),
        (
            format!("/chats/school/{SCHOOL_A1}/template.xlsx"),
            [OK, OK, OK, NF, OK, NF],
        ),
        (
            "/download/chats.xlsx?level=school".into(),
            [OK, OK, OK, OK, OK, OK],
        ),
        (
            "/download/chats.xlsx?level=region".into(),
            [OK, OK, NO, NO, NO, NO],
        ),
        ("/api/chats?level=school".into(), [OK, OK, OK, OK, OK, OK]),
        (
            "/api/chats?level=municipality".into(),
            [OK, OK, OK, OK, NO, NO],
        ),
        (
            format!("/api/chats/schools/{SCHOOL_A1}"),
            [OK, OK, OK, NF, OK, NF],
        ),
    ];
    let mut failures = Vec::new();
    for (path, expected) in &matrix {
        for ((login, session), want) in logins.iter().zip(&sessions).zip(expected) {
            let got = app.get(path, Some(session)).await.status.as_u16();
            if got != *want {
                failures.push(format!("{login} {path}: {got}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Letter files are the region's and the admin's.
    let letter = app.get("/download/letter/1/0", Some(&sessions[4])).await;
    assert_eq!(letter.status, StatusCode::FORBIDDEN);
}

/// What a scoped account receives holds nothing of the schools outside its scope.
#[tokio::test]
async fn scoped_content_holds_only_the_scope() {
    let app = app();
    let school_a = app.login("school_a").await;
    let report = json(&app.get("/api/report?level=school", Some(&school_a)).await);
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SCHOOL_A1]);
    let xlsx = app.get("/download/appendix.xlsx", Some(&school_a)).await;
    let sheets = sheets(&xlsx.body);
    assert_eq!(sheets.len(), 1, "no municipality or region sheet");
    let text = sheets[0].join(" ");
    assert!(text.contains("СОШ №1") && !text.contains("Лицей") && !text.contains("Бетинская"));
    let csv = app
        .get("/download/report.csv", Some(&school_a))
        .await
        .text();
    assert!(csv.contains("СОШ №1") && !csv.contains("Лицей"), "{csv}");
    let home = app.get("/", Some(&school_a)).await.text();
    assert!(
        home.contains("<h1>МБОУ «СОШ №1»</h1>"),
        "a school's home is its page"
    );
    assert!(!home.contains("Лицей") && !home.contains("Бетинская"));
    assert!(
        !home.contains(&format!("href=\"{}", muni_url(MUNI_A))),
        "no link to the municipality page it may not open"
    );
    let quality = app.get("/quality", Some(&school_a)).await.text();
    assert!(!quality.contains("Бетинская") && !quality.contains(SCHOOL_B1));
    let downloads = app.get("/downloads", Some(&school_a)).await.text();
    assert!(!downloads.contains("level=municipality") && !downloads.contains("Письма"));

    let muni_b = app.login("muni_b").await;
    let home = app.get("/", Some(&muni_b)).await.text();
    assert!(home.contains(&format!("<h1>{MUNI_B}</h1>")), "{home}");
    assert!(home.contains("Бетинская") && !home.contains("Лицей"));
    let report = json(
        &app.get("/api/report?level=municipality", Some(&muni_b))
            .await,
    );
    assert_eq!(report["rows"].as_array().unwrap().len(), 1);
    assert_eq!(report["rows"][0]["id"], MUNI_B);
    assert!(
        report["unknown"]["myschool"].is_null(),
        "no unknown organisations"
    );
}

#[tokio::test]
async fn without_a_session_pages_redirect_and_the_api_answers_401() {
    let app = app();
    let page = app.get(&school_url(SCHOOL_A1), None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=%2Fschool%2F0500000001");
    let api = app.get("/api/report", None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(json(&api)["error"].is_string());
    let forged = app
        .get(
            "/",
            Some(&Session {
                cookie: "tsos_session=0123".into(),
                csrf: String::new(),
            }),
        )
        .await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
    // The login page sends back where the user was going, but never to another site.
    let reply = app.try_login("admin", PASSWORD).await;
    assert_eq!(reply.location(), "/");
    let session = reply.cookie("tsos_session").unwrap();
    assert_eq!(session.len(), 64);
    let cookie = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("tsos_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let store = Store::open(&app.db).unwrap();
    assert!(
        store
            .web_session(&session, jiff::Timestamp::now().as_second())
            .unwrap()
            .is_none(),
        "the database keeps only the token's hash"
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_from_another_site_are_refused() {
    let app = app();
    let admin = app.login("admin").await;
    let logout = app.post_form("/logout", &admin.cookie, &[]).await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    let wrong = app
        .post_form("/logout", &admin.cookie, &[("csrf", "0000")])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/", Some(&admin)).await.status,
        StatusCode::OK,
        "still logged in"
    );
    for path in ["/import/confirm", "/import/remap"] {
        let reply = app
            .post_form(path, &admin.cookie, &[("token", "x"), ("col0", "ignore")])
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    let upload = multipart(&[("dataset", "myschool")], Some(("file", "a.csv", b"x")));
    let preview = app
        .send(
            Request::post("/import/preview")
                .header(header::COOKIE, &admin.cookie)
                .header(header::CONTENT_TYPE, upload.0)
                .body(Body::from(upload.1))
                .unwrap(),
        )
        .await;
    assert_eq!(preview.status, StatusCode::FORBIDDEN);
    // The right token from another site's page.
    let cross = app
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &admin.cookie)
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::ORIGIN, "http://evil.example")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={}", admin.csrf)))
                .unwrap(),
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    // A login form posted without the form's own token.
    let login = app
        .post_form(
            "/login",
            "",
            &[("login", "admin"), ("password", PASSWORD), ("csrf", "x")],
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    // With the token, from this site: the session ends.
    let same = app
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &admin.cookie)
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::ORIGIN, "http://127.0.0.1:8080")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={}", admin.csrf)))
                .unwrap(),
        )
        .await;
    assert_eq!(same.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/", Some(&admin)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn logins_are_throttled_after_repeated_failures() {
    let app = app();
    for attempt in 0..tsos_web::MAX_FAILURES {
        let reply = app.try_login("school_a", "не тот пароль").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        assert!(reply.text().contains("Неверный логин или пароль"));
    }
    // Now even the right password is refused until the window passes.
    let reply = app.try_login("School_A", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        reply.text().contains("Слишком много неудачных попыток"),
        "{}",
        reply.text()
    );
    assert!(reply.cookie("tsos_session").is_none());
    assert_eq!(reply.headers[header::RETRY_AFTER], "900");
    // Other logins are not affected.
    let admin = app.login("admin").await;
    let audit = app.get("/audit", Some(&admin)).await.text();
    assert!(audit.contains("неудачный вход") && audit.contains("вход заблокирован"));
    assert!(audit.contains("school_a"));
}

/// `(content type, body)` of a multipart form.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "tsos-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    session: &Session,
    fields: &[(&str, &str)],
    name: &str,
    bytes: &[u8],
) -> Reply {
    let mut all = vec![("csrf", session.csrf.as_str())];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all, Some(("file", name, bytes)));
    app.send(
        Request::post("/import/preview")
            .header(header::COOKIE, &session.cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn token_in(html: &str) -> String {
    let start = html
        .find(r#"name="token" value=""#)
        .expect("a confirm form")
        + r#"name="token" value=""#.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn import_shows_a_preview_and_stores_only_on_confirmation() {
    let app = app();
    let admin = app.login("admin").await;
    let november = users_csv(date(2023, 11, 1), true);
    let preview = upload(
        &app,
        &admin,
        &[("dataset", "myschool"), ("as_of", "")],
        "ноябрь.csv",
        november.as_bytes(),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let html = preview.text();
    assert!(html.contains("01.11.2023 (из заголовка файла)"), "{html}");
    assert!(
        html.contains("«Дата последней авторизации»") && html.contains("дата последней активности")
    );
    assert!(
        html.contains("по пользователям") && html.contains("4 ОО, 132 пользователя"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"num\">3</td>"),
        "first rows with their line numbers"
    );
    assert!(!html.contains("Иванов"), "full names are never shown");
    assert!(html.contains("4 из 4 школ реестра на 01.11.2023"), "{html}");
    let before = Store::open(&app.db).unwrap().snapshots().unwrap().len();
    assert_eq!(before, 4, "a preview stores nothing");
    // Another account cannot confirm this upload, nor can anyone without its token.
    let token = token_in(&html);
    let confirm = app
        .post_form(
            "/import/confirm",
            &admin.cookie,
            &[("csrf", &admin.csrf), ("token", "not-the-token")],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::BAD_REQUEST);
    let confirm = app
        .post_form(
            "/import/confirm",
            &admin.cookie,
            &[("csrf", &admin.csrf), ("token", &token)],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.text());
    assert!(
        confirm.text().contains("Сохранено: снимок №5."),
        "{}",
        confirm.text()
    );
    let snapshots = Store::open(&app.db).unwrap().snapshots().unwrap();
    assert_eq!(snapshots.len(), 5);
    assert!(
        snapshots.iter().any(|s| s.file_name == "ноябрь.csv"),
        "the lineage keeps the file's name"
    );
    let dates = json(&app.get("/api/dates", Some(&admin)).await);
    assert_eq!(dates["dates"][2], "2023-11-01");
    // The figures follow the new data at once.
    let home = app.get("/", Some(&admin)).await.text();
    assert!(
        home.contains("<option value=\"2023-11-01\" selected>"),
        "{home}"
    );
    // A file with a bad row: the preview names the line and offers to skip it.
    let bad = format!("{november}x1;А Б;Учитель;{SCHOOL_A1};Да;31.02.2023\n");
    let lines = bad.lines().count();
    let preview = upload(
        &app,
        &admin,
        &[("dataset", "myschool"), ("as_of", "2023-12-01")],
        "декабрь.csv",
        bad.as_bytes(),
    )
    .await;
    let html = preview.text();
    assert!(
        html.contains(&format!(
            "декабрь.csv:{lines}: column «Дата последней авторизации»"
        )),
        "{html}"
    );
    assert!(html.contains("Импортировать без ошибочных строк"));
    // A meaning may be at fault: the columns are shown with their drop-downs.
    assert_eq!(selected_in(&html, "col5"), "last_date");
    let confirm = app
        .post_form(
            "/import/confirm",
            &admin.cookie,
            &[
                ("csrf", &admin.csrf),
                ("token", &token_in(&html)),
                ("skip_invalid", "1"),
            ],
        )
        .await;
    assert!(confirm.text().contains("отклонено 1"), "{}", confirm.text());
    let audit = app.get("/audit", Some(&admin)).await.text();
    assert!(audit.contains("импорт") && audit.contains("ноябрь.csv"));
    // Only an admin imports.
    let region = app.login("region").await;
    let refused = upload(&app, &region, &[("dataset", "myschool")], "x.csv", b"x").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn accounts_name_what_the_registry_has() {
    let app = app();
    let mut store = Store::open(&app.db).unwrap();
    let err = tsos_web::add_user(
        &mut store,
        "x",
        AccountRole::Municipality,
        Some("Гамма"),
        "p",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("«Гамма» нет в реестре") && err.contains(MUNI_A),
        "{err}"
    );
    let err = tsos_web::add_user(&mut store, "x", AccountRole::School, None, "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("--scope"), "{err}");
    let err = tsos_web::add_user(&mut store, "x", AccountRole::Admin, Some(REGION), "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("администратора нет области"), "{err}");
    // A 9-digit ИНН gets its zero back; the login is lower-cased.
    let added = tsos_web::add_user(
        &mut store,
        " Директор ",
        AccountRole::School,
        Some("500000002"),
        "p",
    )
    .expect("a school account");
    assert_eq!(added.login, "директор");
    assert!(
        added.scope.contains("Лицей №2") && added.scope.contains(SCHOOL_A2),
        "{}",
        added.scope
    );
    let user = store.web_user("директор").unwrap().unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert_eq!(user.scope.as_deref(), Some(SCHOOL_A2));
}

fn sheets(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    book.sheet_names()
        .iter()
        .map(|name| {
            let range = book.worksheet_range(name).expect("a sheet");
            range
                .rows()
                .flat_map(|row| row.iter().map(|cell| cell.to_string()))
                .collect()
        })
        .collect()
}

fn chats_url(inn: &str) -> String {
    format!("/chats/school/{inn}")
}

/// Posts an edit of a school's chats with the session's token.
async fn chat_edit(app: &TestApp, session: &Session, inn: &str, fields: &[(&str, &str)]) -> Reply {
    let mut all = vec![("csrf", session.csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(&chats_url(inn), &session.cookie, &all).await
}

#[tokio::test]
async fn a_school_edits_its_own_chats_and_the_authority_sees_the_figures() {
    let app = app();
    let school = app.login("school_a").await;
    let home = app.get("/chats", Some(&school)).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(
        home.location().starts_with(&chats_url(SCHOOL_A1)),
        "{}",
        home.location()
    );
    let page = app.get(&chats_url(SCHOOL_A1), Some(&school)).await.text();
    assert!(
        page.contains("Сведений о чатах школы нет") && page.contains("Добавить чат"),
        "{page}"
    );

    let added = chat_edit(
        &app,
        &school,
        SCHOOL_A1,
        &[
            ("op", "add"),
            ("name", "5А — родители"),
            ("purpose", "parents"),
            ("class_label", "5А"),
            ("platform", "WhatsApp"),
            ("members", "27"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    let page = app.get(added.location(), Some(&school)).await.text();
    assert!(page.contains("Чат «5А — родители» добавлен."), "{page}");
    assert!(page.contains("иностранный мессенджер"));
    for platform in ["Сферум", "MAX"] {
        let moved = chat_edit(
            &app,
            &school,
            SCHOOL_A1,
            &[
                ("op", "move"),
                ("name", "5а — РОДИТЕЛИ"),
                ("platform", platform),
            ],
        )
        .await;
        assert_eq!(
            moved.status,
            StatusCode::SEE_OTHER,
            "{platform}: {}",
            moved.text()
        );
    }
    // Wrong edits are explained on the page and change nothing.
    let foreign = chat_edit(
        &app,
        &school,
        SCHOOL_A1,
        &[
            ("op", "move"),
            ("name", "5А — родители"),
            ("platform", "Viber"),
        ],
    )
    .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        foreign
            .text()
            .contains("иностранный мессенджер: переносить"),
        "{}",
        foreign.text()
    );
    let twice = chat_edit(
        &app,
        &school,
        SCHOOL_A1,
        &[
            ("op", "add"),
            ("name", "5А — родители"),
            ("purpose", "parents"),
            ("platform", "MAX"),
        ],
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text().contains("уже есть в реестре школы"));
    let bad_number = chat_edit(
        &app,
        &school,
        SCHOOL_A1,
        &[
            ("op", "add"),
            ("name", "Педагоги"),
            ("purpose", "staff"),
            ("platform", "Telegram"),
            ("members", "много"),
        ],
    )
    .await;
    assert_eq!(bad_number.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_number.text().contains("«много» — не целое число"));
    let staff = chat_edit(
        &app,
        &school,
        SCHOOL_A1,
        &[
            ("op", "add"),
            ("name", "Педагоги"),
            ("purpose", "staff"),
            ("platform", "Telegram"),
        ],
    )
    .await;
    assert_eq!(staff.status, StatusCode::SEE_OTHER);

    // The chat moved twice is one chat, on MAX, with its history.
    let chats = json(
        &app.get(&format!("/api/chats/schools/{SCHOOL_A1}"), Some(&school))
            .await,
    );
    let list = chats["chats"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{chats}");
    let parents = list.iter().find(|c| c["name"] == "5А — родители").unwrap();
    assert_eq!(
        (parents["platform"].as_str(), parents["members"].as_u64()),
        (Some("MAX"), Some(27))
    );
    // The day's edits are one snapshot of the school; each edit's predecessor is kept.
    let snapshots: Vec<_> = Store::open(&app.db)
        .unwrap()
        .snapshots()
        .unwrap()
        .into_iter()
        .filter(|s| s.dataset == format!("chats:{SCHOOL_A1}"))
        .collect();
    assert_eq!(snapshots.len(), 4, "add, move, move, add");
    assert_eq!(snapshots.iter().filter(|s| s.is_current()).count(), 1);

    // The municipality sees the figures, the school past the deadline and downloads them.
    let muni = app.login("muni_a").await;
    let report = json(&app.get("/api/chats?level=municipality", Some(&muni)).await);
    let row = &report["rows"][0];
    assert_eq!(report["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        (row["chats"].as_u64(), row["foreign_open"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(row["domestic_share"], 0.5);
    let page = app.get("/chats", Some(&muni)).await.text();
    assert!(
        page.contains("Школы с просроченным переходом") && page.contains("МБОУ «СОШ №1»"),
        "{page}"
    );
    assert!(page.contains("50,0 %"), "{page}");
    let xlsx = app
        .get("/download/chats.xlsx?level=school", Some(&muni))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let text = sheets(&xlsx.body).concat().join(" ");
    assert!(
        text.contains("СОШ №1") && text.contains("Лицей") && !text.contains("Бетинская"),
        "{text}"
    );
    // The authority reads, it does not edit the school's registry.
    let refused = chat_edit(
        &app,
        &muni,
        SCHOOL_A1,
        &[("op", "deactivate"), ("name", "Педагоги")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let admin = app.login("admin").await;
    let audit = app.get("/audit", Some(&admin)).await.text();
    assert!(
        audit.contains("чат «5А — родители» перенесен в MAX"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_school_cannot_see_or_edit_another_schools_chats() {
    let app = app();
    let school_a = app.login("school_a").await;
    let school_b = app.login("school_b").await;
    let added = chat_edit(
        &app,
        &school_a,
        SCHOOL_A1,
        &[
            ("op", "add"),
            ("name", "Педагоги"),
            ("purpose", "staff"),
            ("platform", "Telegram"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let before = Store::open(&app.db).unwrap().chat_states().unwrap();
    assert_eq!(before.len(), 1);

    assert_eq!(
        app.get(&chats_url(SCHOOL_A1), Some(&school_b)).await.status,
        StatusCode::NOT_FOUND
    );
    let api = app
        .get(&format!("/api/chats/schools/{SCHOOL_A1}"), Some(&school_b))
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(json(&api)["error"].is_string());
    for fields in [
        &[("op", "deactivate"), ("name", "Педагоги")][..],
        &[("op", "move"), ("name", "Педагоги"), ("platform", "MAX")][..],
        &[
            ("op", "add"),
            ("name", "Чужой"),
            ("purpose", "staff"),
            ("platform", "MAX"),
        ][..],
    ] {
        let reply = chat_edit(&app, &school_b, SCHOOL_A1, fields).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{fields:?}");
    }
    // Without the form's token, not even the school itself.
    let forged = app
        .post_form(
            &chats_url(SCHOOL_A1),
            &school_a.cookie,
            &[("op", "deactivate"), ("name", "Педагоги")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        Store::open(&app.db).unwrap().chat_states().unwrap(),
        before,
        "nothing stored"
    );

    let report = json(&app.get("/api/chats?level=school", Some(&school_b)).await);
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SCHOOL_B1]);
    assert_eq!(report["rows"][0]["chats"], 0);
    let xlsx = app.get("/download/chats.xlsx", Some(&school_b)).await;
    let text = sheets(&xlsx.body).concat().join(" ");
    assert!(
        text.contains("Бетинская") && !text.contains("СОШ №1"),
        "{text}"
    );
    let page = app.get(&chats_url(SCHOOL_B1), Some(&school_b)).await.text();
    assert!(!page.contains("Педагоги") && !page.contains("СОШ №1"));
}

/// Uploads a school's filled chats template to its page.
async fn upload_chats(
    app: &TestApp,
    session: Option<&Session>,
    cookie: &str,
    inn: &str,
    name: &str,
    text: &str,
) -> Reply {
    let mut fields = Vec::new();
    if let Some(session) = session {
        fields.push(("csrf", session.csrf.as_str()));
    }
    fields.push(("as_of", "2023-10-01"));
    let (content_type, body) = multipart(&fields, Some(("file", name, text.as_bytes())));
    app.send(
        Request::post(format!("/chats/school/{inn}/upload"))
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

const CHATS_HEADER: &str = "ИНН ОО;Название чата;Назначение;Класс;Платформа;Участников;Активен;Дата подтверждения;Дата создания;Дата переноса;Заменяет чат\n";

#[tokio::test]
async fn a_school_uploads_its_filled_template_and_only_its_own() {
    let app = app();
    let school = app.login("school_a").await;
    let template = app
        .get(
            &format!("/chats/school/{SCHOOL_A1}/template.xlsx"),
            Some(&school),
        )
        .await;
    assert_eq!(template.status, StatusCode::OK);
    let text = sheets(&template.body).concat().join(" ");
    assert!(
        text.contains(SCHOOL_A1),
        "the example row names the school: {text}"
    );

    let stored = || Store::open(&app.db).unwrap().chat_states().unwrap();
    let other = format!(
        "{CHATS_HEADER}{SCHOOL_A1};Педагоги;педагогический коллектив;;Сферум;10;Да;;;;\n\
         {SCHOOL_B1};Педагоги;педагогический коллектив;;Telegram;10;Да;;;;\n"
    );
    let reply = upload_chats(
        &app,
        Some(&school),
        &school.cookie,
        SCHOOL_A1,
        "чаты.csv",
        &other,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("строки других школ (ИНН 0500000003)"),
        "{}",
        reply.text()
    );
    let bad = format!("{CHATS_HEADER}{SCHOOL_A1};5А;классный;5А;Одноклассники;27;Да;;;;\n");
    let reply = upload_chats(
        &app,
        Some(&school),
        &school.cookie,
        SCHOOL_A1,
        "чаты.csv",
        &bad,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .text()
            .contains("чаты.csv:2: column «Платформа»: неизвестная платформа «Одноклассники»"),
        "{}",
        reply.text()
    );
    let good = format!(
        "{CHATS_HEADER}{SCHOOL_A1};Педагоги;педагогический коллектив;;Сферум;10;Да;;;;\n\
         {SCHOOL_A1};5А — родители;родительский;5А;WhatsApp;27;Да;;;;\n"
    );
    // Without the form's token, and from another school or an authority: refused.
    let forged = upload_chats(&app, None, &school.cookie, SCHOOL_A1, "чаты.csv", &good).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let school_b = app.login("school_b").await;
    let foreign = upload_chats(
        &app,
        Some(&school_b),
        &school_b.cookie,
        SCHOOL_A1,
        "чаты.csv",
        &good,
    )
    .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let muni = app.login("muni_a").await;
    let authority = upload_chats(
        &app,
        Some(&muni),
        &muni.cookie,
        SCHOOL_A1,
        "чаты.csv",
        &good,
    )
    .await;
    assert_eq!(authority.status, StatusCode::FORBIDDEN);
    assert!(stored().is_empty(), "nothing stored");

    let reply = upload_chats(
        &app,
        Some(&school),
        &school.cookie,
        SCHOOL_A1,
        "чаты.csv",
        &good,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(
        reply
            .text()
            .contains("Загружен файл «чаты.csv» на 01.10.2023: чатов 2"),
        "{}",
        reply.text()
    );
    assert_eq!(stored().len(), 2);
    let again = upload_chats(
        &app,
        Some(&school),
        &school.cookie,
        SCHOOL_A1,
        "чаты.csv",
        &good,
    )
    .await;
    assert!(again.text().contains("ничего не изменилось"));
    let report = json(
        &app.get("/api/chats?level=school&as_of=2023-10-01", Some(&muni))
            .await,
    );
    let row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == SCHOOL_A1)
        .unwrap()
        .clone();
    assert_eq!(
        (row["chats"].as_u64(), row["foreign_open"].as_u64()),
        (Some(2), Some(1))
    );
}

/// Files and folders left in the server's upload folder.
fn uploads_left(app: &TestApp) -> usize {
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|entry| 1 + count(&entry.path()))
                    .sum()
            })
            .unwrap_or(0)
    }
    count(app.state.upload_dir())
}

async fn call(router: &Router, path: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .expect("the router answers");
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A handler that panics gets the plain 500, as a page or as JSON for the API, with nothing
/// of the panic's text; the router answers the next request.
#[tokio::test]
async fn a_panic_is_a_plain_500_and_the_router_answers_on() {
    use axum::routing::get;
    async fn boom() -> &'static str {
        panic!("секрет: database is locked в /srv/tsos.db")
    }
    let pages = Router::new()
        .route("/boom", get(boom))
        .route("/ok", get(|| async { "жив" }));
    let api = Router::new().route("/api/boom", get(boom));
    let router = tsos_web::catch_panics(pages, Answer::Page)
        .merge(tsos_web::catch_panics(api, Answer::Json));
    for _ in 0..2 {
        let (status, page) = call(&router, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            page.contains(tsos_web::INTERNAL) && page.contains("</html>"),
            "{page}"
        );
        assert!(!page.contains("секрет") && !page.contains("/srv"), "{page}");
        let (status, body) = call(&router, "/api/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body["error"], tsos_web::INTERNAL);
        assert_eq!(
            call(&router, "/ok").await,
            (StatusCode::OK, "жив".to_string())
        );
    }
}

/// Files that are no workbook, sent as one, are answered with what is wrong; the server goes
/// on answering and keeps none of them.
#[tokio::test]
async fn hostile_uploads_leave_the_server_answering_and_nothing_on_disk() {
    let app = app();
    let admin = app.login("admin").await;
    // A ZIP header over noise, and bytes that are not even a ZIP.
    let mut fake_zip = b"PK\x03\x04".to_vec();
    fake_zip.extend((0..10_000_u32).map(|i| (i.wrapping_mul(7919) % 251) as u8));
    for body in [fake_zip.as_slice(), b"\x00\x01\x02 garbage".as_slice()] {
        let reply = upload(
            &app,
            &admin,
            &[("dataset", "myschool"), ("as_of", "2023-11-01")],
            "выгрузка.xlsx",
            body,
        )
        .await;
        let html = reply.text();
        assert_eq!(reply.status, StatusCode::OK, "{html}");
        assert!(html.contains("книг"), "the page says what is wrong: {html}");
        assert!(
            !html.contains("name=\"token\""),
            "nothing to confirm: {html}"
        );
        assert!(!html.contains("/tmp"), "no folder of the server: {html}");
        assert_eq!(
            uploads_left(&app),
            0,
            "a file that cannot be imported is deleted"
        );
    }
    assert_eq!(app.get("/", Some(&admin)).await.status, StatusCode::OK);
}

/// An upload over the limit is refused with 413: at once when its length says so, and once it
/// grows past the limit when it is sent without one; the part already written is deleted.
#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413_and_deleted() {
    use axum::body::Bytes;
    use http_body_util::channel::Channel;

    let app = app_with(|config| config.max_upload_mb = 1);
    let admin = app.login("admin").await;
    let big = vec![b'x'; 2 << 20];
    let fields = [("csrf", admin.csrf.as_str()), ("dataset", "myschool")];
    let (content_type, body) = multipart(&fields, Some(("file", "big.csv", &big)));
    let declared = app
        .send(
            Request::post("/import/preview")
                .header(header::COOKIE, &admin.cookie)
                .header(header::CONTENT_TYPE, &content_type)
                .header(header::CONTENT_LENGTH, body.len())
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(declared.text().contains("1 МБ"), "{}", declared.text());
    assert_eq!(uploads_left(&app), 0);

    // The same form in chunks without a length: the file is written until the limit.
    let (mut sender, channel) = Channel::<Bytes>::new(2);
    let request = Request::post("/import/preview")
        .header(header::COOKIE, &admin.cookie)
        .header(header::CONTENT_TYPE, &content_type)
        .body(Body::new(channel))
        .unwrap();
    let reply = tokio::spawn(app.router.clone().oneshot(request));
    let mut seen_partial = false;
    for chunk in body.chunks(64 << 10) {
        if sender
            .send_data(Bytes::copy_from_slice(chunk))
            .await
            .is_err()
        {
            break;
        }
        seen_partial |= uploads_left(&app) > 0;
    }
    drop(sender);
    let response = reply.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(seen_partial, "the file was being written");
    assert_eq!(uploads_left(&app), 0, "the partial file is deleted");
    assert_eq!(app.get("/", Some(&admin)).await.status, StatusCode::OK);
}

/// After the login, only a path of this site: a tab or a line break that browsers drop, a
/// second slash or a backslash that makes a host, a scheme, all go to `/`.
#[tokio::test]
async fn the_login_redirects_only_to_paths_of_this_site() {
    let app = app();
    for (next, expected) in [
        ("/\t/host", "/"),
        ("/\x0b/x", "/"),
        ("//host", "/"),
        ("/\\host", "/"),
        ("https://x", "/"),
        ("/ok/path?x=1", "/ok/path?x=1"),
    ] {
        let form = app
            .get(&format!("/login?next={}", encode(next)), None)
            .await;
        assert_eq!(form.status, StatusCode::OK, "{next:?}");
        assert!(
            form.text()
                .contains(&format!("name=\"next\" value=\"{expected}\"")),
            "{next:?}: {}",
            form.text()
        );
        let token = form.cookie("tsos_login").expect("a login token");
        let reply = app
            .post_form(
                "/login",
                &format!("tsos_login={token}"),
                &[
                    ("csrf", &token),
                    ("login", "admin"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(reply.location(), expected, "{next:?}");
    }
}

/// A login in a browser ends the session that browser had, and issues a new token.
#[tokio::test]
async fn a_new_login_ends_the_browsers_previous_session() {
    let app = app();
    let first = app.login("admin").await;
    let form = app.get("/login", Some(&first)).await;
    let token = form.cookie("tsos_login").expect("a login token");
    let reply = app
        .post_form(
            "/login",
            &format!("{}; tsos_login={token}", first.cookie),
            &[
                ("csrf", &token),
                ("login", "region"),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let second = Session {
        cookie: format!("tsos_session={}", reply.cookie("tsos_session").unwrap()),
        csrf: String::new(),
    };
    assert_ne!(second.cookie, first.cookie);
    let old = app.get("/", Some(&first)).await;
    assert_eq!(old.status, StatusCode::SEE_OTHER);
    assert!(old.location().starts_with("/login"), "{}", old.location());
    assert_eq!(app.get("/", Some(&second)).await.status, StatusCode::OK);
}

/// `n` schools in 40 municipalities with a per-school Sferum export on 01.10.2023, and an
/// admin.
fn big_app(n: usize) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("tsos.db");
    let mut store = Store::open(&db).expect("store");
    let mut registry = String::from(
        "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
         Численность педагогических работников;Численность обучающихся\n",
    );
    let mut sferum = String::from(
        "ИНН;Наименование ОО;Количество активных педагогов;Количество активных обучающихся\n",
    );
    for i in 0..n {
        let inn = format!("05{:08}", i + 1);
        let muni = format!("Район №{}", i % 40);
        let (teachers, students) = (20 + i % 30, 200 + i % 500);
        registry.push_str(&format!(
            "{inn};МБОУ «СОШ №{i}»;{muni};{REGION};{teachers};{students}\n"
        ));
        sferum.push_str(&format!(
            "{inn};МБОУ «СОШ №{i}»;{};{}\n",
            teachers * 3 / 4,
            students / 2
        ));
    }
    let as_of = date(2023, 10, 1);
    let registry = write(dir.path(), "реестр.csv", &registry);
    import(&mut store, "registry", &registry, as_of);
    let sferum = write(dir.path(), "сферум.csv", &sferum);
    import(&mut store, "sferum", &sferum, as_of);
    store
        .upsert_web_user("admin", &cheap_hash(PASSWORD), "admin", None)
        .expect("user");
    drop(store);
    serve(db, dir, |_| {})
}

/// 16 requests at once for the school-level report of 2,000 schools cost one build, and get
/// the same bytes; with gzip too, from the same build.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_for_one_report_share_one_build() {
    let app = big_app(2_000);
    // Logged in without opening a page, so that nothing is built yet.
    let login = app.try_login("admin", PASSWORD).await;
    let cookie = format!("tsos_session={}", login.cookie("tsos_session").unwrap());
    let before = app.state.report_builds();
    let fetch = |gzip: bool| {
        let router = app.router.clone();
        let mut request = Request::get("/api/report?level=school&as_of=2023-10-01")
            .header(header::COOKIE, &cookie);
        if gzip {
            request = request.header(header::ACCEPT_ENCODING, "gzip");
        }
        let request = request.body(Body::empty()).unwrap();
        tokio::spawn(async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let encoding = response.headers().get(header::CONTENT_ENCODING).cloned();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, encoding, body)
        })
    };
    let plain: Vec<_> = (0..16).map(|_| fetch(false)).collect();
    let mut bodies = Vec::new();
    for reply in plain {
        let (status, encoding, body) = reply.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(encoding.is_none());
        bodies.push(body);
    }
    assert!(
        bodies.iter().all(|body| *body == bodies[0]),
        "the same bytes"
    );
    assert_eq!(app.state.report_builds() - before, 1, "one build");
    let report: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(report["rows"].as_array().unwrap().len(), 2_000);

    let compressed: Vec<_> = (0..16).map(|_| fetch(true)).collect();
    for reply in compressed {
        let (status, encoding, body) = reply.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding.unwrap(), "gzip");
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut text)
            .unwrap();
        assert!(text == bodies[0], "gzip of the same bytes");
        assert!(body.len() * 5 < text.len(), "compressed");
    }
    assert_eq!(app.state.report_builds() - before, 1, "still one build");
}

/// The value the drop-down `name` of a page sends: its selected option's, or else its first
/// option's, as a browser has it.
fn selected_in(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("<select name=\"{name}\""))
        .unwrap_or_else(|| panic!("a drop-down {name}: {html}"));
    let select = &html[start..];
    let select = &select[..select.find("</select>").expect("the drop-down ends")];
    let options: Vec<&str> = select.split("<option value=\"").skip(1).collect();
    options
        .iter()
        .find(|option| {
            option
                .split('>')
                .next()
                .unwrap_or_default()
                .contains(" selected")
        })
        .or(options.first())
        .and_then(|option| option.split('"').next())
        .unwrap_or_else(|| panic!("no options in {name}: {select}"))
        .to_string()
}

async fn confirm_import(
    app: &TestApp,
    session: &Session,
    token: &str,
    fields: &[(&str, &str)],
) -> Reply {
    let mut all = vec![("csrf", session.csrf.as_str()), ("token", token)];
    all.extend_from_slice(fields);
    app.post_form("/import/confirm", &session.cookie, &all)
        .await
}

/// A per-user export whose ИНН column is headed «Код школы»: the preview finds no header and
/// shows every column with a drop-down; once «Код школы» means the organisation, the preview
/// is read again with it, and the confirmation saves the snapshot and the layout, which the
/// next file with that header is read with.
#[tokio::test]
async fn a_column_given_its_meaning_in_the_preview_is_read_so_and_remembered() {
    let app = app();
    let admin = app.login("admin").await;
    let november = users_csv(date(2023, 11, 1), true).replace("ИНН ОО", "Код школы");
    let preview = upload(
        &app,
        &admin,
        &[("dataset", "myschool"), ("as_of", "")],
        "код.csv",
        november.as_bytes(),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let html = preview.text();
    assert!(html.contains("не найдена строка заголовков"), "{html}");
    assert!(html.contains("«Код школы»") && html.contains("не похож ни на один"));
    assert!(
        html.contains("Самая похожая — строка 2; ее столбцы в таблице ниже.")
            && !html.contains("--map"),
        "the table, not the command line's advice: {html}"
    );
    assert_eq!(selected_in(&html, "col3"), "ignore");
    assert_eq!(selected_in(&html, "col2"), "role");
    assert_eq!(selected_in(&html, "col1"), "", "ФИО is shown as such");
    assert!(html.contains("<option value=\"active:teachers\">активные: педагоги</option>"));
    assert!(!html.contains("/import/confirm"), "nothing to confirm yet");
    let token = token_in(&html);

    let remapped = app
        .post_form(
            "/import/remap",
            &admin.cookie,
            &[
                ("csrf", &admin.csrf),
                ("token", &token),
                ("col0", "user_id"),
                ("col1", ""),
                ("col2", "role"),
                ("col3", "organisation"),
            ],
        )
        .await;
    assert_eq!(remapped.status, StatusCode::OK, "{}", remapped.text());
    let html = remapped.text();
    assert_eq!(selected_in(&html, "col3"), "organisation");
    assert!(
        html.contains("<td class=\"why\">задано вами</td>"),
        "{html}"
    );
    assert!(html.contains("4 ОО, 132 пользователя"), "{html}");
    assert!(html.contains("<dt>Принято</dt><dd>132</dd>"), "{html}");
    assert!(html.contains("Импорт сохранит эту разметку"), "{html}");
    assert!(html.contains("4 из 4 школ реестра"), "{html}");
    assert_eq!(token_in(&html), token, "the same upload");
    // Only an admin changes an upload's layout.
    let region = app.login("region").await;
    let refused = app
        .post_form(
            "/import/remap",
            &region.cookie,
            &[
                ("csrf", &region.csrf),
                ("token", &token),
                ("col3", "ignore"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(Store::open(&app.db).unwrap().snapshots().unwrap().len(), 4);

    let confirm = confirm_import(&app, &admin, &token, &[]).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.text());
    let text = confirm.text();
    assert!(text.contains("Сохранено: снимок №5."), "{text}");
    assert!(text.contains("Разметка столбцов сохранена"), "{text}");
    let store = Store::open(&app.db).unwrap();
    assert_eq!(store.snapshots().unwrap().len(), 5);
    let profiles = store.profiles().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(
        profiles[0].mapping,
        vec![("Код школы".to_string(), "organisation".to_string())]
    );
    assert_eq!(profiles[0].dataset, "myschool");

    // The next file with this header is read with the saved layout, and says so.
    let december = users_csv(date(2023, 12, 1), true).replace("ИНН ОО", "Код школы");
    let preview = upload(
        &app,
        &admin,
        &[("dataset", "myschool"), ("as_of", "")],
        "код-декабрь.csv",
        december.as_bytes(),
    )
    .await;
    let html = preview.text();
    let id = profiles[0].id;
    assert!(
        html.contains(&format!(
            "Столбцы прочитаны по разметке №{id}, сохраненной при импорте файла «код.csv»"
        )),
        "{html}"
    );
    assert!(html.contains(&format!(
        "<td class=\"why\">по сохраненной разметке №{id}</td>"
    )));
    assert_eq!(selected_in(&html, "col3"), "organisation");
    let confirm = confirm_import(&app, &admin, &token_in(&html), &[]).await;
    assert!(
        confirm
            .text()
            .contains(&format!("Столбцы прочитаны по сохраненной разметке №{id}.")),
        "{}",
        confirm.text()
    );
    // An unknown meaning is refused.
    let preview = upload(
        &app,
        &admin,
        &[("dataset", "myschool"), ("as_of", "2024-01-01")],
        "код-январь.csv",
        december.as_bytes(),
    )
    .await;
    let refused = app
        .post_form(
            "/import/remap",
            &admin.cookie,
            &[
                ("csrf", &admin.csrf),
                ("token", &token_in(&preview.text())),
                ("col3", "школа"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text().contains("неизвестный смысл столбца"));
}

/// A file that would replace October's snapshot with one school's users: the preview warns,
/// a confirmation without the person's word is refused with 409 and changes nothing, and with
/// it the snapshot is replaced.
#[tokio::test]
async fn a_replacement_by_far_less_needs_the_persons_word() {
    let app = app();
    let admin = app.login("admin").await;
    let others = [SCHOOL_A2, SCHOOL_B1, SCHOOL_B2];
    let one_school: String = users_csv(date(2023, 10, 1), true)
        .lines()
        .filter(|line| !others.iter().any(|inn| line.contains(inn)))
        .map(|line| format!("{line}\n"))
        .collect();
    let preview = upload(
        &app,
        &admin,
        &[("dataset", "myschool"), ("as_of", "")],
        "октябрь-одна-школа.csv",
        one_school.as_bytes(),
    )
    .await;
    let html = preview.text();
    assert!(
        html.contains("В этом файле данных заметно меньше") && html.contains("ОО 1 вместо 4"),
        "{html}"
    );
    assert!(
        html.contains("name=\"replace\"") && html.contains("Заменить, хотя данных заметно меньше")
    );
    let current = |app: &TestApp| {
        Store::open(&app.db)
            .unwrap()
            .current_at("myschool", date(2023, 10, 1))
            .unwrap()
            .expect("October's snapshot")
            .id
    };
    let october = current(&app);
    let token = token_in(&html);

    let refused = confirm_import(&app, &admin, &token, &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    let html = refused.text();
    assert!(
        html.contains("Импорт не выполнен, данные не изменились"),
        "{html}"
    );
    assert!(
        html.contains("Снимок не заменен"),
        "the application's message: {html}"
    );
    assert!(
        html.contains("name=\"replace\""),
        "the preview again, with its checkbox"
    );
    assert_eq!(current(&app), october, "nothing changed");
    assert_eq!(Store::open(&app.db).unwrap().snapshots().unwrap().len(), 4);

    let replaced = confirm_import(&app, &admin, &token_in(&html), &[("replace", "1")]).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text());
    assert!(
        replaced
            .text()
            .contains(&format!("он заменил снимок №{october} на ту же дату")),
        "{}",
        replaced.text()
    );
    assert_ne!(current(&app), october);
}

/// A per-school export that names its schools without ИНН, one name shared by two registry
/// schools: the preview offers both; a confirmation that leaves it is refused, one that
/// chooses saves the snapshot and remembers the choice.
#[tokio::test]
async fn a_name_without_inn_takes_the_school_a_person_chose_and_keeps_it() {
    let app = app();
    let admin = app.login("admin").await;
    const SCHOOL_B3: &str = "0500000005";
    {
        let registry = format!(
            "{}{SCHOOL_B3};МБОУ «СОШ №1»;{MUNI_B};{REGION};5;25\n",
            registry_csv()
        );
        let path = write(app._dir.path(), "реестр-5.csv", &registry);
        import(
            &mut Store::open(&app.db).unwrap(),
            "registry",
            &path,
            date(2023, 9, 1),
        );
    }
    let mut file = String::from(
        "Наименование ОО;Количество активных педагогов;Количество активных обучающихся\n",
    );
    for (_, name, _, teachers, students, _, _) in SCHOOLS {
        file.push_str(&format!("{name};{};{}\n", teachers / 2, students / 2));
    }
    let preview = upload(
        &app,
        &admin,
        &[("dataset", "sferum"), ("as_of", "2023-11-01")],
        "без-инн.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK);
    let html = preview.text();
    assert!(
        html.contains("в реестре несколько ОО с таким названием"),
        "{html}"
    );
    assert!(html.contains("без-инн.csv:2"), "the name's line: {html}");
    for inn in [SCHOOL_A1, SCHOOL_B3] {
        assert!(
            html.contains(&format!("<option value=\"{inn}\">")),
            "{html}"
        );
    }
    assert_eq!(selected_in(&html, "name0"), "", "no school is guessed");
    assert!(html.contains("Загрузить без ОО, для которых школа не выбрана"));
    let token = token_in(&html);

    let refused = confirm_import(&app, &admin, &token, &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refused.text()
    );
    assert!(refused.text().contains("не все найдены в реестре"));
    assert_eq!(Store::open(&app.db).unwrap().snapshots().unwrap().len(), 5);

    let saved = confirm_import(&app, &admin, &token, &[("name0", SCHOOL_A1)]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let text = saved.text();
    assert!(text.contains("Сохранено: снимок"), "{text}");
    assert!(text.contains("Школ в файле: 4"), "{text}");
    assert!(
        text.contains("Запомнены школы для названий без ИНН: 1"),
        "{text}"
    );
    let store = Store::open(&app.db).unwrap();
    assert_eq!(
        store
            .name_match(&tsos_domain::names::school_key("МБОУ «СОШ №1»"), "")
            .unwrap()
            .as_deref(),
        Some(SCHOOL_A1)
    );
}

/// Users of rows that name no organisation are counted apart: the preview says so by role,
/// and the region's overview says what its figures leave out; a municipality's does not.
#[tokio::test]
async fn users_without_an_organisation_are_shown_apart_from_the_schools() {
    let app = app();
    let admin = app.login("admin").await;
    let mut november = users_csv(date(2023, 11, 1), true);
    november.push_str(
        "x1;Сидоров;Учитель;;Да;31.10.2023\nx2;Сидорова;Учитель;;Да;\n\
         x3;Сидоров-мл;Обучающийся;;Да;31.10.2023\n",
    );
    let preview = upload(
        &app,
        &admin,
        &[("dataset", "myschool"), ("as_of", "")],
        "ноябрь.csv",
        november.as_bytes(),
    )
    .await;
    let html = preview.text();
    assert!(html.contains("Не вошли в показатели ОО"), "{html}");
    assert!(
        html.contains(
            "Пользователей без организации (ИНН в строке не указан): 3 — педагоги 2, обучающиеся 1"
        ),
        "{html}"
    );
    let confirm = confirm_import(&app, &admin, &token_in(&html), &[]).await;
    assert!(
        confirm
            .text()
            .contains("Пользователей без организации: 3 (педагоги 2, обучающиеся 1)"),
        "{}",
        confirm.text()
    );
    let overview = app.get("/", Some(&admin)).await.text();
    assert!(
        overview.contains(
            "ФГИС «Моя школа»: в выгрузке 3 пользователя без организации (педагоги 2, обучающиеся 1) — в показатели ОО не вошли."
        ),
        "{overview}"
    );
    let muni = app.login("muni_a").await;
    let page = app.get("/", Some(&muni)).await.text();
    assert!(!page.contains("без организации"), "{page}");
}
