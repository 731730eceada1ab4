//! Files to download: a CSV is safe to open in Excel.

use axum::http::StatusCode;
use jiff::civil::{Date, date};
use tsos_web::AccountRole;

use crate::util::*;

/// A formula each, when Excel opens a CSV.
const PAYLOADS: [&str; 4] = ["=HYPERLINK(\"http://x\",\"a\")", "+1", "-1", "@SUM(A1)"];

/// The cells of a CSV for Excel (BOM, `;`), header included.
#[track_caller]
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "CSV for Excel has a BOM"
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..]);
    reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// A per-user export in which `active` of each school's ten teachers logged in the day
/// before `as_of`.
fn teachers_csv(as_of: Date, active: u64) -> String {
    let mut out = String::from("ID;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n");
    let recent = tsos_domain::format_date_ru(as_of.yesterday().expect("a date"));
    for school in 1..=PAYLOADS.len() {
        for n in 0..10 {
            let last = if n < active { recent.as_str() } else { "" };
            out.push_str(&format!(
                "t{school}-{n};Иванов Иван;Учитель;05000000{school:02};Да;{last}\n"
            ));
        }
    }
    out
}

/// `/download/report.csv` at every level: a school's or a municipality's name from the
/// registry that Excel would take for a formula (= + - @) gets a `'` in front, while a
/// negative change that tsos formats stays a number.
#[tokio::test]
async fn report_csv_neutralises_formulas_at_every_level() {
    // Schools named by the payloads, one municipality per payload.
    let mut registry = String::from(REGISTRY_HEADER);
    for (idx, payload) in PAYLOADS.iter().enumerate() {
        registry.push_str(&format!(
            "05000000{:02};{payload};{payload};{REGION};10;100\n",
            idx + 1
        ));
    }
    let (september, october) = (date(2023, 9, 1), date(2023, 10, 1));
    let app = Fixture::empty()
        .import("registry", "реестр.csv", &registry, september)
        // 5 of 10 teachers active in September, 3 in October: -20,0 p.p.
        .import(
            "myschool",
            "сентябрь.csv",
            &teachers_csv(september, 5),
            september,
        )
        .import(
            "myschool",
            "октябрь.csv",
            &teachers_csv(october, 3),
            october,
        )
        .account("admin", AccountRole::Admin, None)
        .serve();
    let admin = app.login("admin").await;
    for level in ["school", "municipality", "region"] {
        let reply = app
            .get(&format!("/download/report.csv?level={level}"), &admin)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{level}: {}", reply.text());
        let rows = cells(&reply.body);
        for cell in rows.iter().flatten() {
            let numeric = cell
                .strip_prefix('-')
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == ','));
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r'])
                    && (!cell.starts_with('-') || numeric),
                "{level}: «{cell}» would be a formula"
            );
        }
        if level != "region" {
            for payload in PAYLOADS {
                let safe = format!("'{payload}");
                assert!(
                    rows.iter().flatten().any(|cell| *cell == safe),
                    "{level}: no «{safe}» in {rows:?}"
                );
            }
            assert!(
                rows.iter().flatten().any(|cell| cell == "-20,0"),
                "{level}: a negative change stays a number: {rows:?}"
            );
        }
    }
}

/// The open-data ZIP is `tsos publish`'s files, for administrators only.
#[tokio::test]
async fn the_open_data_zip_is_the_publication_for_admins() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let reply = app
        .get("/download/opendata.zip?as_of=2023-10-01", &admin)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.headers["content-type"], "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(reply.body.clone())).unwrap();
    let reports = tsos_app::report::build_all_levels(
        &app.store(),
        &tsos_domain::Catalogue::builtin(),
        date(2023, 10, 1),
    )
    .unwrap();
    let expected = tsos_report::opendata::publication(&reports, date(2023, 10, 2), REGION);
    assert_eq!(archive.len(), expected.len());
    for file in expected
        .iter()
        .filter(|f| f.name.ends_with(".csv") && f.name != "meta.csv")
    {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name(&file.name).unwrap(), &mut bytes).unwrap();
        assert_eq!(bytes, file.bytes, "{}", file.name);
    }
    let page = app.get("/downloads", &admin).await.text();
    assert!(page.contains("/download/opendata.zip?"), "{page}");
    let region = app.login("region").await;
    assert_eq!(
        app.get("/download/opendata.zip", &region).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !app.get("/downloads", &region)
            .await
            .text()
            .contains("opendata.zip")
    );
}
