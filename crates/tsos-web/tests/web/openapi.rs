//! `/api/openapi.json`: an OpenAPI 3.1 document of every route of the API, each of which
//! answers 200 for an admin's token. (CI also checks the document with the Python
//! openapi-spec-validator: `.ci/openapi-check.sh`.)

use axum::http::StatusCode;

use crate::util::*;

/// The document as the server serves it, without a login.
async fn document(app: &TestApp) -> serde_json::Value {
    let reply = app.get("/api/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// Each documented path, with its placeholders filled, answers 200 to an admin's token, with
/// the JSON its description names.
#[tokio::test]
async fn every_documented_path_answers_an_admins_token() {
    let app = TestApp::new();
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc, serde_json::to_value(tsos_web::openapi()).unwrap());
    let token = tsos_web::add_token(&mut app.store(), "admin", "проверка", None)
        .unwrap()
        .token;
    let paths = doc["paths"].as_object().expect("paths");
    let mut ids: Vec<&str> = paths
        .values()
        .filter_map(|item| item["get"]["operationId"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), paths.len(), "one operation id each: {ids:?}");
    assert!(paths.len() >= 7, "{paths:?}");
    for (path, item) in paths {
        let operations = item.as_object().unwrap();
        assert_eq!(operations.keys().collect::<Vec<_>>(), ["get"], "{path}");
        let get = &item["get"];
        let placeholders: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .collect();
        for name in &placeholders {
            assert!(
                get["parameters"].as_array().is_some_and(|params| params
                    .iter()
                    .any(|p| p["name"] == *name && p["in"] == "path")),
                "{path}: {{{name}}} is not described"
            );
        }
        let url = path
            .replace("{inn}", SCHOOL_A1)
            .replace("{name}", &encode(MUNI_A));
        let reply = app
            .get_bearer(&format!("{url}?as_of=2023-10-01"), &token)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.text());
        let body = reply.json();
        let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
        let name = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .unwrap_or_else(|| panic!("{path}: no schema of its answer"));
        let described = &doc["components"]["schemas"][name];
        for key in described["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            assert!(body.get(key).is_some(), "{path}: «{key}» missing in {body}");
        }
        if path != "/api/openapi.json" {
            assert!(get["responses"]["401"].is_object(), "{path}");
        }
    }
}

/// The router's API is the document's: the router registers the API's routes only from the
/// described handlers, one `routes!` each, never with a bare `.route("/api/…")`.
#[test]
fn every_api_route_of_the_router_is_described() {
    let source = include_str!("../../src/router.rs");
    let bare: Vec<&str> = source
        .lines()
        .filter(|line| line.contains("\"/api"))
        .collect();
    assert!(bare.is_empty(), "API routes outside routes!: {bare:?}");
    let registered = source.matches(".routes(routes!(").count();
    let doc = serde_json::to_value(tsos_web::openapi()).unwrap();
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(registered, operations);
}
