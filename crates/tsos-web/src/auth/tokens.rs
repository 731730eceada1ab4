//! API tokens, for scripts and BI: made by `tsos token add` or on the account page, sent as
//! `Authorization: Bearer tsos_…`, and accepted only by the API ([`ApiUser`]), never by a page
//! or a form, which know only the session's cookie ([`super::CurrentUser`]).
//!
//! - A token is [`TOKEN_PREFIX`] and 256 random bits in hex, so that a secret scanner (or a
//!   person) recognises one in a script or a log. It is shown once; the database keeps its
//!   SHA-256 and its first characters ([`ApiToken::hint`]) to tell tokens apart in lists.
//! - It reads with its account's role and scope as they are at each request: the session's
//!   scope rules, unchanged.
//! - An unknown, expired or revoked token gets 401 in JSON with the reason.
//! - Its requests are not logged one by one: the audit log gets a line on its first use of each
//!   (UTC) day, beside the lines of its making and revoking.
//! - Each token has its own rate limit ([`crate::RateLimit`]); past it, 429 with `Retry-After`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use jiff::Timestamp;
use tsos_domain::format_date_ru;
use tsos_store::{ApiToken, NewApiToken, Store};

use super::secret::{random_token, sha256_hex};
use super::session::{CurrentUser, account_of, unix_now};
use crate::data::audit::Action;
use crate::data::{AppState, Db};
use crate::http::access::RequestLogin;
use crate::http::error::WebError;
use crate::scope::Account;

/// What every token begins with.
pub const TOKEN_PREFIX: &str = "tsos_";
/// The longest a token may live, in days: ten years.
pub const MAX_TOKEN_DAYS: u32 = 3650;
/// The longest name of a token, in characters.
const MAX_NAME: usize = 100;
/// The characters of a token after its prefix that lists show.
const HINT_CHARS: usize = 6;

/// Where a token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenState {
    Live,
    Expired,
    Revoked,
}

impl TokenState {
    pub fn code(self) -> &'static str {
        match self {
            TokenState::Live => "live",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            TokenState::Live => "действует",
            TokenState::Expired => "срок истек",
            TokenState::Revoked => "отозван",
        }
    }

    /// The state of `token` at `now` (Unix seconds).
    pub fn of(token: &ApiToken, now: i64) -> TokenState {
        if token.revoked_at.is_some() {
            TokenState::Revoked
        } else if token.expires_at.is_some_and(|at| at <= now) {
            TokenState::Expired
        } else {
            TokenState::Live
        }
    }
}

/// «до 01.01.2024» or «бессрочно»: a token's expiry as lists show it.
pub fn expiry_ru(token: &ApiToken) -> String {
    match token.expires_at {
        Some(at) => format!("до {}", date_ru(at)),
        None => "бессрочно".to_string(),
    }
}

/// «01.10.2023», the day of a token's last request, or «—».
pub fn used_ru(token: &ApiToken) -> String {
    token
        .used_on
        .as_deref()
        .and_then(|day| day.parse::<jiff::civil::Date>().ok())
        .map_or_else(|| "—".to_string(), format_date_ru)
}

/// The UTC date of Unix seconds, «01.10.2023».
pub fn date_ru(unix: i64) -> String {
    Timestamp::from_second(unix)
        .map(|ts| format_date_ru(utc_date(ts)))
        .unwrap_or_default()
}

fn utc_date(at: Timestamp) -> jiff::civil::Date {
    jiff::tz::offset(0).to_datetime(at).date()
}

/// A lifetime in days as typed: `90d` or `90`.
pub fn parse_days(text: &str) -> Result<u32, WebError> {
    let digits = text.trim().trim_end_matches(['d', 'д']);
    digits
        .parse::<u32>()
        .ok()
        .filter(|days| (1..=MAX_TOKEN_DAYS).contains(days))
        .ok_or_else(|| bad_days(text))
}

fn bad_days(text: &str) -> WebError {
    WebError::Account(format!(
        "срок токена «{text}»: число дней от 1 до {MAX_TOKEN_DAYS}, например 90d"
    ))
}

/// What [`add_token`] made: the token itself is here and nowhere else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedToken {
    pub id: i64,
    pub token: String,
    pub login: String,
    pub name: String,
    pub expires_at: Option<i64>,
}

/// Makes a token named `name` for the account `login`, living `days` days or until revoked.
pub fn add_token(
    store: &mut Store,
    login: &str,
    name: &str,
    days: Option<u32>,
) -> Result<AddedToken, WebError> {
    let login = login.trim().to_lowercase();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(WebError::Account(format!(
            "название токена — от 1 до {MAX_NAME} знаков, например «BI»"
        )));
    }
    if let Some(days) = days.filter(|days| !(1..=MAX_TOKEN_DAYS).contains(days)) {
        return Err(bad_days(&days.to_string()));
    }
    let user = store
        .web_user(&login)?
        .ok_or_else(|| WebError::Account(format!("учетной записи «{login}» нет")))?;
    let token = format!("{TOKEN_PREFIX}{}", random_token()?);
    let now = unix_now();
    let expires_at = days.map(|days| now + i64::from(days) * 86_400);
    let id = store.create_api_token(&NewApiToken {
        user_id: user.id,
        name,
        hint: &token[..TOKEN_PREFIX.len() + HINT_CHARS],
        token_sha256: &sha256_hex(&token),
        created_at: now,
        expires_at,
    })?;
    let added = AddedToken {
        id,
        token,
        login,
        name: name.to_string(),
        expires_at,
    };
    store.append_audit(
        Some(&added.login),
        Action::TokenAdded.code(),
        &format!(
            "API-токен №{id} «{}», {}",
            added.name,
            match expires_at {
                Some(at) => format!("до {}", date_ru(at)),
                None => "бессрочно".to_string(),
            }
        ),
    )?;
    Ok(added)
}

/// The tokens of `login`, or of every account.
pub fn list_tokens(store: &Store, login: Option<&str>) -> Result<Vec<ApiToken>, WebError> {
    let login = login.map(|login| login.trim().to_lowercase());
    Ok(store.api_tokens(login.as_deref())?)
}

/// Revokes the token `id`; with `owner`, only if it is that account's. A token that is not
/// there, or not the owner's, is the same error, so that nobody learns of others' tokens.
pub fn revoke_token(store: &mut Store, id: i64, owner: Option<&str>) -> Result<ApiToken, WebError> {
    let token = store
        .api_token(id)?
        .filter(|token| owner.is_none_or(|owner| token.login == owner))
        .ok_or_else(|| WebError::Account(format!("API-токена №{id} нет")))?;
    if !store.revoke_api_token(id, unix_now())? {
        return Err(WebError::Account(format!(
            "API-токен №{id} «{}» уже отозван",
            token.name
        )));
    }
    store.append_audit(
        Some(&token.login),
        Action::TokenRevoked.code(),
        &format!("API-токен №{id} «{}»", token.name),
    )?;
    Ok(token)
}

/// The account of an API request: the bearer token's when the request sends
/// `Authorization`, else the session's. Without either the answer is 401 in JSON, not a
/// redirect to the login page.
pub(crate) struct ApiUser {
    pub account: Account,
    via_token: bool,
}

impl ApiUser {
    /// Adds a line of reading to the audit log, for a session: a token's reads are its line
    /// of the day.
    pub fn audit_read(&self, db: &Db<'_>, detail: &str) {
        if !self.via_token {
            db.audit_read(&self.account.login, Action::View, detail);
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let Some(authorization) = parts.headers.get(header::AUTHORIZATION) else {
            return CurrentUser::from_request_parts(parts, state)
                .await
                .map(|user| ApiUser {
                    account: user.account,
                    via_token: false,
                })
                .map_err(WebError::api);
        };
        let token = authorization
            .to_str()
            .ok()
            .and_then(|value| value.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_string())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                WebError::BadToken(
                    "ожидается заголовок «Authorization: Bearer <API-токен>»".to_string(),
                )
                .api()
            })?;
        let path = parts.uri.path().to_string();
        let limiter = state.clone();
        let user = state
            .run(move |db| bearer(db, &limiter, &token, &path))
            .await
            .map_err(WebError::api)?;
        RequestLogin::record(&parts.extensions, &user.account.login);
        Ok(user)
    }
}

/// The account of a bearer `token`, on its request to `path`.
fn bearer(db: &mut Db<'_>, state: &AppState, token: &str, path: &str) -> Result<ApiUser, WebError> {
    let now = Timestamp::now();
    let (token, user) = db
        .store
        .api_token_by_hash(&sha256_hex(token))?
        .ok_or_else(|| {
            WebError::BadToken(
                "API-токен не найден: проверьте, что он скопирован целиком".to_string(),
            )
        })?;
    match TokenState::of(&token, now.as_second()) {
        TokenState::Live => {}
        TokenState::Revoked => {
            return Err(WebError::BadToken(format!(
                "API-токен «{}» отозван; создайте новый",
                token.name
            )));
        }
        TokenState::Expired => {
            return Err(WebError::BadToken(format!(
                "срок действия API-токена «{}» истек {}; создайте новый",
                token.name,
                token.expires_at.map(date_ru).unwrap_or_default()
            )));
        }
    }
    state
        .admit_token(token.id)
        .map_err(|retry_after| WebError::TooManyRequests { retry_after })?;
    let account = account_of(user)?;
    let today = utc_date(now).to_string();
    // Read on every request, written once a day: the write takes the database's lock.
    if token.used_on.as_deref() != Some(today.as_str())
        && db.store.mark_api_token_used(token.id, &today)?
    {
        db.audit(
            Some(&account.login),
            Action::TokenUsed,
            &format!(
                "API-токен №{} «{}»: первый запрос за день, {path}",
                token.id, token.name
            ),
        )?;
    }
    Ok(ApiUser {
        account,
        via_token: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_in_days() {
        assert_eq!(parse_days("90d").unwrap(), 90);
        assert_eq!(parse_days(" 30 ").unwrap(), 30);
        assert_eq!(parse_days("365д").unwrap(), 365);
        for bad in ["0d", "", "d", "-5d", "3651d", "1y"] {
            let err = parse_days(bad).unwrap_err().to_string();
            assert!(err.contains("90d"), "{bad}: {err}");
        }
    }

    #[test]
    fn made_tokens_are_prefixed_and_stored_as_hashes() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .upsert_web_user("bi", "$argon2id$a", "admin", None)
            .unwrap();
        let added = add_token(&mut store, " BI ", "Power BI", Some(90)).unwrap();
        assert!(added.token.starts_with(TOKEN_PREFIX));
        assert_eq!(added.token.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(added.login, "bi");
        let (stored, _) = store
            .api_token_by_hash(&sha256_hex(&added.token))
            .unwrap()
            .unwrap();
        assert_eq!(stored.hint, added.token[..TOKEN_PREFIX.len() + HINT_CHARS]);
        assert_eq!(stored.expires_at.unwrap() - stored.created_at, 90 * 86_400);
        assert_eq!(TokenState::of(&stored, stored.created_at), TokenState::Live);
        assert_eq!(
            TokenState::of(&stored, stored.expires_at.unwrap()),
            TokenState::Expired
        );
        assert!(add_token(&mut store, "nobody", "BI", None).is_err());
        assert!(add_token(&mut store, "bi", "  ", None).is_err());

        // Another account's token is as absent as a missing one.
        store
            .upsert_web_user("other", "$argon2id$a", "admin", None)
            .unwrap();
        let err = revoke_token(&mut store, added.id, Some("other")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("учетная запись: API-токена №{} нет", added.id)
        );
        let revoked = revoke_token(&mut store, added.id, Some("bi")).unwrap();
        assert_eq!(revoked.name, "Power BI");
        assert!(revoke_token(&mut store, added.id, None).is_err(), "twice");
        let listed = list_tokens(&store, Some("BI")).unwrap();
        assert_eq!(TokenState::of(&listed[0], 0), TokenState::Revoked);
    }
}
