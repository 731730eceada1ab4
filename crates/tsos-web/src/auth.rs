//! Logging in and out, sessions, CSRF protection and login throttling.
//!
//! - Passwords are Argon2id PHC strings.
//! - A session is a random 256-bit token in an `HttpOnly; SameSite=Lax` cookie; the database
//!   keeps only its SHA-256, so a copy of the database opens no session.
//! - Every POST form carries a CSRF token: the session's own, or for the login form a
//!   double-submit cookie. Independently, a POST whose `Origin` is another site, or which a
//!   browser marks as cross-site, is refused before any handler runs.
//! - After [`MAX_FAILURES`] failed logins of one login within [`FAILURE_WINDOW`] seconds, the
//!   login is refused with 429 until the window passes, even with the right password.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use askama::Template;
use axum::Form;
use axum::extract::multipart::Field;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::http::upload::field_text;
use crate::http::urls;
use crate::scope::{Account, AccountRole};

pub(crate) const SESSION_COOKIE: &str = "tsos_session";
/// The login form's double-submit token; only sent to `/login`.
const LOGIN_COOKIE: &str = "tsos_login";
/// A session lasts a working day.
const SESSION_SECONDS: i64 = 12 * 3600;
pub const MAX_FAILURES: u64 = 5;
pub const FAILURE_WINDOW: i64 = 15 * 60;

/// Hashes a password as an Argon2id PHC string with the library's default cost.
pub(crate) fn hash_password(password: &str) -> Result<String, WebError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| WebError::Internal(format!("хеширование пароля: {err}")))
}

/// Verifies with the parameters stored in the hash itself, so hashes of any cost keep
/// working after the default changes.
fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash to verify against when the login does not exist, so that the answer takes as
/// long as for a wrong password and does not tell which logins exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("tsos: нет такой учетной записи").unwrap_or_default())
}

/// 256 random bits as 64 hex digits.
pub(crate) fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|err| WebError::Internal(format!("нет источника случайных чисел: {err}")))?;
    Ok(hex(&bytes))
}

pub(crate) fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// `Secure` only behind an HTTPS proxy that says so: on plain http (a laptop, a LAN) a
/// browser would drop a secure cookie and nobody could log in.
fn secure_attr(headers: &HeaderMap) -> &'static str {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The logged-in account of a request, with its session's CSRF token.
pub(crate) struct CurrentUser {
    pub account: Account,
    pub csrf: String,
    token_sha256: String,
}

impl CurrentUser {
    /// Checks the CSRF token a form sent.
    pub fn check_csrf(&self, given: &str) -> Result<(), WebError> {
        if same_secret(&self.csrf, given) {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

/// The CSRF check of a multipart form, whose token must come before any other field: a forged
/// form is refused before its file is read, let alone stored.
pub(crate) struct CsrfFirst<'u> {
    user: &'u CurrentUser,
    /// The route's limit on the form, for the error if it is exceeded.
    limit: u64,
    checked: bool,
}

impl<'u> CsrfFirst<'u> {
    pub fn new(user: &'u CurrentUser, limit: u64) -> CsrfFirst<'u> {
        CsrfFirst {
            user,
            limit,
            checked: false,
        }
    }

    /// The field for the handler, or `None` for the token, which is checked here.
    pub async fn admit<'f>(&mut self, field: Field<'f>) -> Result<Option<Field<'f>>, WebError> {
        if field.name() == Some("csrf") {
            self.user
                .check_csrf(&field_text(field, self.limit).await?)?;
            self.checked = true;
            return Ok(None);
        }
        if self.checked {
            Ok(Some(field))
        } else {
            Err(WebError::Csrf)
        }
    }

    /// At the end of the form: an error if it had no token at all.
    pub fn finish(&self) -> Result<(), WebError> {
        if self.checked {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let next = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/".to_string());
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(WebError::LoginRequired { next });
        };
        let token_sha256 = sha256_hex(token);
        let key = token_sha256.clone();
        let session = state
            .run(move |db| Ok(db.store.web_session(&key, unix_now())?))
            .await?;
        let Some(session) = session else {
            return Err(WebError::LoginRequired { next });
        };
        let role = AccountRole::from_code(&session.user.role).ok_or_else(|| {
            WebError::Internal(format!("неизвестная роль «{}»", session.user.role))
        })?;
        Ok(CurrentUser {
            account: Account {
                login: session.user.login,
                role,
                scope: session.user.scope.unwrap_or_default(),
            },
            csrf: session.csrf_token,
            token_sha256,
        })
    }
}

/// [`CurrentUser`] for the API: without a session the answer is 401 in JSON, not a redirect
/// to the login page.
pub(crate) struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        CurrentUser::from_request_parts(parts, state)
            .await
            .map(ApiUser)
            .map_err(WebError::api)
    }
}

/// Refuses a state-changing request sent from another site: its `Origin` names another host,
/// or the browser marks it `Sec-Fetch-Site: cross-site`. Requests without either header
/// (scripts, old browsers) still need the form's CSRF token.
pub(crate) async fn same_origin(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let foreign_origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            origin == "null" || origin_host != host
        });
    if cross_site || foreign_origin {
        return WebError::Csrf.into_response();
    }
    next.run(request).await
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    login: String,
    message: String,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// GET /login
pub(crate) async fn login_form(
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Result<Response, WebError> {
    let next = urls::safe_next(query.next.as_deref());
    login_page(&headers, StatusCode::OK, next, String::new(), String::new())
}

/// The login page with a fresh double-submit token in its form and cookie.
fn login_page(
    headers: &HeaderMap,
    status: StatusCode,
    next: String,
    login: String,
    message: String,
) -> Result<Response, WebError> {
    let csrf = random_token()?;
    let page = LoginPage {
        csrf: csrf.clone(),
        next,
        login,
        message,
    };
    let cookie = format!(
        "{LOGIN_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        secure_attr(headers)
    );
    let mut response = (status, html(&page)?).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, header_value(&cookie)?);
    Ok(response)
}

fn header_value(text: &str) -> Result<HeaderValue, WebError> {
    HeaderValue::from_str(text).map_err(|err| WebError::Internal(err.to_string()))
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

enum LoginOutcome {
    Throttled,
    Failed,
    Success { token: String },
}

/// POST /login
pub(crate) async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(expected, &form.csrf) {
        return Err(WebError::Csrf);
    }
    let next = urls::safe_next(form.next.as_deref());
    let login = form.login.trim().to_lowercase();
    let key = login.clone();
    let password = form.password;
    // The browser's session before this login, whoever's it was: it ends with the login, so
    // a token someone may have seen (a shared computer, a fixated cookie) opens nothing.
    let previous = cookie(&headers, SESSION_COOKIE).map(sha256_hex);
    let outcome = state
        .run(move |db| {
            let now = unix_now();
            let since = now - FAILURE_WINDOW;
            if db.store.login_failures(&key, since)? >= MAX_FAILURES {
                db.audit(
                    Some(&key),
                    "login_throttled",
                    "вход заблокирован после неудачных попыток",
                )?;
                return Ok(LoginOutcome::Throttled);
            }
            let user = db.store.web_user(&key)?;
            let verified = match &user {
                Some(user) => verify_password(&user.password_hash, &password),
                None => {
                    verify_password(dummy_hash(), &password);
                    false
                }
            };
            let Some(user) = user.filter(|_| verified) else {
                db.store.record_login_failure(&key, now, since)?;
                db.audit(Some(&key), "login_failed", "неверный логин или пароль")?;
                return Ok(LoginOutcome::Failed);
            };
            db.store.clear_login_failures(&key)?;
            if let Some(previous) = &previous {
                db.store.delete_web_session(previous)?;
            }
            let token = random_token()?;
            let csrf = random_token()?;
            db.store.create_web_session(
                &sha256_hex(&token),
                user.id,
                &csrf,
                now,
                now + SESSION_SECONDS,
            )?;
            db.audit(Some(&user.login), "login", "вход в систему")?;
            Ok(LoginOutcome::Success { token })
        })
        .await?;
    match outcome {
        LoginOutcome::Throttled => {
            let minutes = FAILURE_WINDOW / 60;
            let mut response = login_page(
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                next,
                login,
                format!(
                    "Слишком много неудачных попыток входа. Вход для этой учетной записи \
                     временно заблокирован; повторите через {minutes} минут."
                ),
            )?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(FAILURE_WINDOW));
            Ok(response)
        }
        LoginOutcome::Failed => login_page(
            &headers,
            StatusCode::UNAUTHORIZED,
            next,
            login,
            "Неверный логин или пароль.".to_string(),
        ),
        LoginOutcome::Success { token } => {
            let session = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{}",
                secure_attr(&headers)
            );
            let clear_login = format!("{LOGIN_COOKIE}=; Path=/login; Max-Age=0");
            let mut response = Redirect::to(&next).into_response();
            let cookies = response.headers_mut();
            cookies.append(header::SET_COOKIE, header_value(&session)?);
            cookies.append(header::SET_COOKIE, header_value(&clear_login)?);
            Ok(response)
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// POST /logout
pub(crate) async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    let key = user.token_sha256.clone();
    let login = user.account.login.clone();
    state
        .run(move |db| {
            db.store.delete_web_session(&key)?;
            db.audit(Some(&login), "logout", "выход из системы")
        })
        .await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("tsos_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tsos_session=abc; tsos_login=x"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "tsos_login"), Some("x"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
