//! The JSON API: the same object as `tsos report --format json`, and one build of a report
//! for many requests at once.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::civil::date;
use tower::ServiceExt;
use tsos_domain::{Catalogue, Level};
use tsos_web::AccountRole;

use crate::util::*;

/// The API gives exactly what `tsos report --format json` gives.
#[tokio::test]
async fn api_matches_the_command_line_report() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let store = app.store();
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
                &admin,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json(), expected, "level {}", level.code());
    }
    let one = app
        .get(&format!("/api/schools/{SCHOOL_B2}"), &admin)
        .await
        .json();
    assert_eq!(one["rows"].as_array().unwrap().len(), 1);
    assert_eq!(one["rows"][0]["myschool"]["teachers"]["share"], 1.0);
}

/// `n` schools in 40 municipalities with a per-school Sferum export on 01.10.2023, and an
/// admin.
fn big_app(n: usize) -> TestApp {
    let mut registry = String::from(REGISTRY_HEADER);
    let mut sferum = String::from(SFERUM_HEADER);
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
    Fixture::empty()
        .import("registry", "реестр.csv", &registry, as_of)
        .import("sferum", "сферум.csv", &sferum, as_of)
        .account("admin", AccountRole::Admin, None)
        .serve()
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
