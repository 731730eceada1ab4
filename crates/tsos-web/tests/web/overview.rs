//! The pages of the reports, `/` and the drill-down region → municipality → school, with
//! what an admin opens from them: every page and download.

use axum::http::{StatusCode, header};

use crate::util::*;

#[tokio::test]
async fn admin_opens_every_page_and_download() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let overview = app.get("/", &admin).await;
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
        let reply = app.get(&path, &admin).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
        assert!(reply.text().contains("</html>"), "{path}");
    }
    let school = app.get(&school_url(SCHOOL_B1), &admin).await.text();
    assert!(
        school.contains(REGION) && school.contains(MUNI_B),
        "breadcrumbs"
    );
    assert!(school.contains("Выбудут к следующему срезу") && school.contains("Прогноз доли"));
    assert!(school.contains("<svg"), "the school's trend");
    let snapshots = app.get("/snapshots", &admin).await.text();
    assert!(snapshots.contains("2023-10-01_myschool.csv") && snapshots.contains("SHA-256"));
    // The views just made are in the audit log, though their lines are written in batches.
    let audit = app.get("/audit", &admin).await.text();
    assert!(
        audit.contains(&format!("школа {SCHOOL_B1} на 01.10.2023")) && audit.contains("снимки"),
        "{audit}"
    );

    let xlsx = app.get("/download/appendix.xlsx", &admin).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"));
    assert_eq!(xlsx.sheets().len(), 3, "a sheet per level");
    let disposition = xlsx.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.contains("appendix_2023-10-01.xlsx"),
        "{disposition}"
    );
    let csv = app.get("/download/report.csv?level=school", &admin).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.starts_with("\u{feff}".as_bytes()),
        "CSV for Excel has a BOM"
    );
    let download = app
        .get(
            "/download/report.json?level=municipality&as_of=2023-09-01",
            &admin,
        )
        .await;
    assert_eq!(download.json()["rows"].as_array().unwrap().len(), 2);
    for path in [
        "/api/dates",
        "/api/report?level=region",
        "/assets/style.css",
        "/assets/app.js",
    ] {
        assert_eq!(app.get(path, &admin).await.status, StatusCode::OK, "{path}");
    }
}
