//! Who sees what: every route for every role, and what a scoped account receives.

use axum::http::StatusCode;

use crate::util::*;

/// Who gets what, route by route: 200, 403 for what the role never has, 404 for what lies
/// outside the account's scope (it must not learn that the page exists).
#[tokio::test]
async fn authorization_matrix() {
    let app = TestApp::new();
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
        ("/events".into(), [OK, OK, OK, OK, OK, OK]),
        ("/account".into(), [OK, OK, OK, OK, OK, OK]),
        ("/download/appendix.xlsx".into(), [OK, OK, OK, OK, OK, OK]),
        ("/download/opendata.zip".into(), [OK, NO, NO, NO, NO, NO]),
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
            let got = app.get(path, session).await.status.as_u16();
            if got != *want {
                failures.push(format!("{login} {path}: {got}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Letter files are the region's and the admin's.
    let letter = app.get("/download/letter/1/0", &sessions[4]).await;
    assert_eq!(letter.status, StatusCode::FORBIDDEN);
}

/// What a scoped account receives holds nothing of the schools outside its scope.
#[tokio::test]
async fn scoped_content_holds_only_the_scope() {
    let app = TestApp::new();
    let school_a = app.login("school_a").await;
    let report = app.get("/api/report?level=school", &school_a).await.json();
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SCHOOL_A1]);
    let xlsx = app.get("/download/appendix.xlsx", &school_a).await;
    let sheets = xlsx.sheets();
    assert_eq!(sheets.len(), 1, "no municipality or region sheet");
    let text = sheets[0].join(" ");
    assert!(text.contains("СОШ №1") && !text.contains("Лицей") && !text.contains("Бетинская"));
    let csv = app.get("/download/report.csv", &school_a).await.text();
    assert!(csv.contains("СОШ №1") && !csv.contains("Лицей"), "{csv}");
    let home = app.get("/", &school_a).await.text();
    assert!(
        home.contains("<h1>МБОУ «СОШ №1»</h1>"),
        "a school's home is its page"
    );
    assert!(!home.contains("Лицей") && !home.contains("Бетинская"));
    assert!(
        !home.contains(&format!("href=\"{}", muni_url(MUNI_A))),
        "no link to the municipality page it may not open"
    );
    let quality = app.get("/quality", &school_a).await.text();
    assert!(!quality.contains("Бетинская") && !quality.contains(SCHOOL_B1));
    let downloads = app.get("/downloads", &school_a).await.text();
    assert!(!downloads.contains("level=municipality") && !downloads.contains("Письма"));

    let muni_b = app.login("muni_b").await;
    let home = app.get("/", &muni_b).await.text();
    assert!(home.contains(&format!("<h1>{MUNI_B}</h1>")), "{home}");
    assert!(home.contains("Бетинская") && !home.contains("Лицей"));
    let report = app
        .get("/api/report?level=municipality", &muni_b)
        .await
        .json();
    assert_eq!(report["rows"].as_array().unwrap().len(), 1);
    assert_eq!(report["rows"][0]["id"], MUNI_B);
    assert!(
        report["unknown"]["myschool"].is_null(),
        "no unknown organisations"
    );
}
