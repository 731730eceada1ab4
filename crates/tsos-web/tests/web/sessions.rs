//! Sessions: logging in and out, CSRF and the same-origin check, throttled logins, where a
//! login leads.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::util::*;

#[tokio::test]
async fn without_a_session_pages_redirect_and_the_api_answers_401() {
    let app = TestApp::new();
    let page = app.get(&school_url(SCHOOL_A1), None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=%2Fschool%2F0500000001");
    let api = app.get("/api/report", None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(api.json()["error"].is_string());
    let forged = app
        .get(
            "/",
            &Session {
                cookie: "tsos_session=0123".into(),
                csrf: String::new(),
            },
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
    let store = app.store();
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
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let logout = app.post_form("/logout", &admin.cookie, &[]).await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    let wrong = app
        .post_form("/logout", &admin.cookie, &[("csrf", "0000")])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/", &admin).await.status,
        StatusCode::OK,
        "still logged in"
    );
    for path in ["/import/confirm", "/import/remap"] {
        let reply = app
            .post_form(path, &admin.cookie, &[("token", "x"), ("col0", "ignore")])
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    let preview = app
        .send_multipart(
            "/import/preview",
            &admin.cookie,
            &[("dataset", "myschool")],
            ("a.csv", b"x"),
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
    assert_eq!(app.get("/", &admin).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logins_are_throttled_after_repeated_failures() {
    let app = TestApp::new();
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
    let audit = app.get("/audit", &admin).await.text();
    assert!(audit.contains("неудачный вход") && audit.contains("вход заблокирован"));
    assert!(audit.contains("school_a"));
}

/// After the login, only a path of this site: a tab or a line break that browsers drop, a
/// second slash or a backslash that makes a host, a scheme, all go to `/`.
#[tokio::test]
async fn the_login_redirects_only_to_paths_of_this_site() {
    let app = TestApp::new();
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
    let app = TestApp::new();
    let first = app.login("admin").await;
    let form = app.get("/login", &first).await;
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
    let old = app.get("/", &first).await;
    assert_eq!(old.status, StatusCode::SEE_OTHER);
    assert!(old.location().starts_with("/login"), "{}", old.location());
    assert_eq!(app.get("/", &second).await.status, StatusCode::OK);
}
