//! The login page, logging in with throttling, and logging out.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::secret::{dummy_hash, random_token, same_secret, sha256_hex, verify_password};
use super::session::{CurrentUser, SESSION_COOKIE, SESSION_SECONDS, cookie, secure_attr, unix_now};
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::http::urls;

/// The login form's double-submit token; only sent to `/login`.
const LOGIN_COOKIE: &str = "tsos_login";
pub const MAX_FAILURES: u64 = 5;
pub const FAILURE_WINDOW: i64 = 15 * 60;

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
pub(crate) async fn form(
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
pub(crate) async fn submit(
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
                    Action::LoginThrottled,
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
                db.audit(Some(&key), Action::LoginFailed, "неверный логин или пароль")?;
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
            db.audit(Some(&user.login), Action::Login, "вход в систему")?;
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
            db.audit(Some(&login), Action::Logout, "выход из системы")
        })
        .await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("tsos_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}
