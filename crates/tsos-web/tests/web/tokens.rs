//! API tokens: made on the account page and shown once, read the API with their account's
//! scope, open no page and no form, and are refused (401 in JSON) when unknown, expired or
//! revoked; their use is audited once a day and limited in rate.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sha2::{Digest, Sha256};
use tsos_store::NewApiToken;
use tsos_web::{RateLimit, TOKEN_PREFIX};

use crate::util::*;

/// The token a page shows: the prefix and 64 hex digits.
fn token_in(html: &str) -> String {
    let start = html.find(TOKEN_PREFIX).expect("a token on the page");
    html[start..start + TOKEN_PREFIX.len() + 64].to_string()
}

/// A token of `login` made as `tsos token add` makes it.
fn token_of(app: &TestApp, login: &str, days: Option<u32>) -> String {
    tsos_web::add_token(&mut app.store(), login, "скрипт", days)
        .expect("a token")
        .token
}

fn error_of(reply: &Reply) -> String {
    reply.json()["error"]
        .as_str()
        .expect("an error")
        .to_string()
}

/// A school's token, made on its account page, reads what the school's session reads and
/// nothing else; the page shows it once and the database holds only its hash.
#[tokio::test]
async fn a_token_made_on_the_account_page_reads_the_api_in_its_scope() {
    let app = TestApp::new();
    let school = app.login("school_a").await;
    let made = app
        .post(
            "/account/tokens",
            &school,
            &[("name", "Power BI"), ("days", "90")],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text());
    let token = token_in(&made.text());
    assert!(
        token[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
    );
    let again = app.get("/account", &school).await.text();
    assert!(again.contains("Power BI") && again.contains(&token[..TOKEN_PREFIX.len() + 6]));
    assert!(!again.contains(&token), "shown once");
    let stored = std::fs::read(&app.db).unwrap();
    let secret = &token.as_bytes()[TOKEN_PREFIX.len()..];
    assert!(
        !stored.windows(secret.len()).any(|w| w == secret),
        "only the hash is stored"
    );

    let by_token = app.get_bearer("/api/report?level=school", &token).await;
    assert_eq!(by_token.status, StatusCode::OK, "{}", by_token.text());
    let by_session = app.get("/api/report?level=school", &school).await;
    assert_eq!(by_token.json(), by_session.json());
    let rows = by_token.json()["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], SCHOOL_A1);
    let own = app
        .get_bearer(&format!("/api/schools/{SCHOOL_A1}"), &token)
        .await;
    assert_eq!(own.status, StatusCode::OK);
    for (path, status) in [
        (format!("/api/schools/{SCHOOL_B1}"), StatusCode::NOT_FOUND),
        (format!("/api/schools/{SCHOOL_A2}"), StatusCode::NOT_FOUND),
        (
            format!("/api/chats/schools/{SCHOOL_B1}"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/report?level=municipality".to_string(),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let reply = app.get_bearer(&path, &token).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text());
        assert!(!reply.text().contains("0500000003"), "{path}");
    }
    // An admin's token reads everything.
    let admin = token_of(&app, "admin", None);
    let all = app
        .get_bearer("/api/report?level=school", &admin)
        .await
        .json();
    assert_eq!(all["rows"].as_array().unwrap().len(), 4);
}

/// A token opens the API alone: a page sends its bearer to the login page, and a form
/// posted with one changes nothing, however valid the token.
#[tokio::test]
async fn a_token_opens_no_page_and_no_form() {
    let app = TestApp::new();
    let token = token_of(&app, "admin", None);
    for page in ["/", "/import", "/audit", "/account", "/download/report.csv"] {
        let reply = app.get_bearer(page, &token).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{page}");
        assert!(reply.location().starts_with("/login"), "{page}");
    }
    let tokens_before = tsos_web::list_tokens(&app.store(), None).unwrap().len();
    let forms = [
        ("/account/tokens", "name=x&days=30"),
        (
            "/chats/school/0500000001",
            "op=add&name=%D0%A7%D0%B0%D1%82&purpose=class&platform=sferum",
        ),
        ("/logout", ""),
    ];
    for (path, body) in forms {
        let reply = app
            .send(
                Request::post(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert!(reply.location().starts_with("/login"), "{path}");
    }
    assert_eq!(
        tsos_web::list_tokens(&app.store(), None).unwrap().len(),
        tokens_before
    );
    let admin = app.login("admin").await;
    let chats = app
        .get("/api/chats/schools/0500000001", &admin)
        .await
        .json();
    assert!(chats["chats"].as_array().unwrap().is_empty(), "{chats}");
}

/// An unknown, expired or revoked token, or an `Authorization` that is no bearer token, is
/// answered 401 in JSON with the reason in Russian, even with a session beside it.
#[tokio::test]
async fn unknown_expired_and_revoked_tokens_get_401() {
    let app = TestApp::new();
    let unknown = app
        .get_bearer("/api/dates", &format!("{TOKEN_PREFIX}{}", "0".repeat(64)))
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(error_of(&unknown).contains("не найден"));
    assert_eq!(
        unknown.headers.get(header::WWW_AUTHENTICATE).unwrap(),
        "Bearer realm=\"tsos\""
    );
    let basic = app
        .send(
            Request::get("/api/dates")
                .header(header::AUTHORIZATION, "Basic YWRtaW46cGFzcw==")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    assert!(error_of(&basic).contains("Bearer"));

    // Expired a second ago: stored directly, since no one can make a token that is.
    let mut store = app.store();
    let expired = format!("{TOKEN_PREFIX}{}", "e".repeat(64));
    let now = jiff::Timestamp::now().as_second();
    let hash: String = Sha256::digest(expired.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    store
        .create_api_token(&NewApiToken {
            user_id: store.web_user("admin").unwrap().unwrap().id,
            name: "старый",
            hint: &expired[..11],
            token_sha256: &hash,
            created_at: now - 86_400,
            expires_at: Some(now - 1),
        })
        .unwrap();
    let reply = app.get_bearer("/api/dates", &expired).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(error_of(&reply).contains("срок действия API-токена «старый» истек"));

    // Revoked on the account page; another school cannot revoke it.
    let school = app.login("school_a").await;
    let token = token_in(
        &app.post("/account/tokens", &school, &[("name", "BI"), ("days", "")])
            .await
            .text(),
    );
    let id = tsos_web::list_tokens(&app.store(), Some("school_a")).unwrap()[0].id;
    assert_eq!(
        app.get_bearer("/api/dates", &token).await.status,
        StatusCode::OK
    );
    let other = app.login("school_b").await;
    let refused = app
        .post(&format!("/account/tokens/{id}/revoke"), &other, &[])
        .await;
    assert!(refused.text().contains(&format!("API-токена №{id} нет")));
    assert_eq!(
        app.get_bearer("/api/dates", &token).await.status,
        StatusCode::OK
    );
    let revoked = app
        .post(&format!("/account/tokens/{id}/revoke"), &school, &[])
        .await;
    assert!(
        revoked.text().contains("Токен «BI» отозван"),
        "{}",
        revoked.text()
    );
    let reply = app.get_bearer("/api/dates", &token).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(error_of(&reply).contains("«BI» отозван"));
    // A session does not rescue a request whose token is refused.
    let both = app
        .send(
            Request::get("/api/dates")
                .header(header::COOKIE, &school.cookie)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(both.status, StatusCode::UNAUTHORIZED);
}

/// A token's requests leave one line in the audit log a day, not one each; its making and
/// revoking have theirs.
#[tokio::test]
async fn a_tokens_use_is_audited_once_a_day() {
    let app = TestApp::new();
    let token = token_of(&app, "region", Some(30));
    for path in ["/api/dates", "/api/report?level=school", "/api/dates"] {
        assert_eq!(app.get_bearer(path, &token).await.status, StatusCode::OK);
    }
    let admin = app.login("admin").await;
    // The audit page writes what is queued before it reads.
    assert_eq!(app.get("/audit", &admin).await.status, StatusCode::OK);
    let log = app.store().audit_log(1000, 0).unwrap();
    let of_region: Vec<_> = log
        .iter()
        .filter(|line| line.login.as_deref() == Some("region"))
        .collect();
    let actions: Vec<&str> = of_region.iter().map(|line| line.action.as_str()).collect();
    assert_eq!(actions, ["token_use", "token_add"], "{of_region:?}");
    assert!(of_region[0].detail.contains("/api/dates"));
    assert!(!of_region.iter().any(|line| line.detail.contains(&token)));
    let listed = tsos_web::list_tokens(&app.store(), Some("region")).unwrap();
    let today = jiff::tz::offset(0)
        .to_datetime(jiff::Timestamp::now())
        .date()
        .to_string();
    assert_eq!(listed[0].used_on.as_deref(), Some(today.as_str()));
}

/// Past its burst a token gets 429 with `Retry-After`; another token keeps its own.
#[tokio::test]
async fn tokens_are_limited_in_rate_each_on_its_own() {
    let app = TestApp::with_config(|config| {
        config.token_rate = RateLimit {
            burst: 2,
            per_minute: 1,
        }
    });
    let (first, second) = (
        token_of(&app, "admin", None),
        token_of(&app, "muni_a", None),
    );
    for _ in 0..2 {
        assert_eq!(
            app.get_bearer("/api/dates", &first).await.status,
            StatusCode::OK
        );
    }
    let limited = app.get_bearer("/api/dates", &first).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(error_of(&limited).contains(&format!("повторите через {retry} с")));
    assert_eq!(
        app.get_bearer("/api/dates", &second).await.status,
        StatusCode::OK
    );
}
