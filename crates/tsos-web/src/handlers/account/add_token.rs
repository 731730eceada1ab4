//! POST /account/tokens

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::{Outcome, page};
use crate::auth::CurrentUser;
use crate::auth::tokens::{add_token, parse_days};
use crate::data::AppState;
use crate::http::error::WebError;

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// Empty: until revoked.
    #[serde(default)]
    days: String,
}

/// POST /account/tokens: makes a token of the account's own and shows it, this once, on the
/// page itself rather than after a redirect, so that it is never in a URL or a later page.
pub(crate) async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    state
        .run(move |db| {
            let made = match form.days.trim() {
                "" => Ok(None),
                days => parse_days(days).map(Some),
            }
            .and_then(|days| add_token(db.store, &user.account.login, &form.name, days));
            let outcome = match made {
                Ok(added) => Outcome {
                    new_token: Some(added),
                    ..Outcome::default()
                },
                Err(WebError::Account(message)) => Outcome {
                    error: format!("Токен не создан: {message}."),
                    ..Outcome::default()
                },
                Err(other) => return Err(other),
            };
            page(db, &user, outcome)
        })
        .await
}
