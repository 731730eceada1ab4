//! /healthz and /readyz answer a load balancer without a login. What makes an instance
//! unready (a newer schema) is `Store::is_ready`, tested in the store on both engines.

use axum::http::StatusCode;

use crate::util::TestApp;

#[tokio::test]
async fn health_and_readiness_answer_without_a_login() {
    let app = TestApp::new();
    let live = app.get("/healthz", None).await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.text(), "ok\n");
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    assert_eq!(ready.text(), "ready\n");
}
