//! What a panic in a handler becomes.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use tsos_web::Answer;

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
