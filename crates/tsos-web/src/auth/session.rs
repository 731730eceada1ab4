//! Sessions: the cookie that carries one, and the account of a request it names.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use tsos_store::WebUser;

use super::secret::{same_secret, sha256_hex};
use crate::data::AppState;
use crate::http::access::RequestLogin;
use crate::http::error::WebError;
use crate::scope::{Account, AccountRole};

pub(super) const SESSION_COOKIE: &str = "tsos_session";
/// A session lasts a working day.
pub(super) const SESSION_SECONDS: i64 = 12 * 3600;

/// The value of the cookie `name` a request sent.
pub(super) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
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
pub(super) fn secure_attr(headers: &HeaderMap) -> &'static str {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

pub(crate) fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The logged-in account of a request, with its session's CSRF token.
pub(crate) struct CurrentUser {
    pub account: Account,
    pub csrf: String,
    /// What the database knows the session by.
    pub(super) token_sha256: String,
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
        let account = account_of(session.user)?;
        RequestLogin::record(&parts.extensions, &account.login);
        Ok(CurrentUser {
            account,
            csrf: session.csrf_token,
            token_sha256,
        })
    }
}

/// The account as the scope rules know it.
pub(super) fn account_of(user: WebUser) -> Result<Account, WebError> {
    let role = AccountRole::from_code(&user.role)
        .ok_or_else(|| WebError::Internal(format!("неизвестная роль «{}»", user.role)))?;
    Ok(Account {
        login: user.login,
        role,
        scope: user.scope.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

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
}
