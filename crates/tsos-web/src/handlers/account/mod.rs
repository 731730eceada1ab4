//! The account page: the account's own API tokens, made (shown once) and revoked there.

pub(crate) mod add_token;
pub(crate) mod revoke_token;
pub(crate) mod show;

use askama::Template;
use axum::response::{IntoResponse, Response};
use tsos_store::ApiToken;

use crate::auth::CurrentUser;
use crate::auth::tokens::{AddedToken, TokenState, date_ru, expiry_ru, used_ru};
use crate::data::Db;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::views::{Layout, Section};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    tokens: Vec<TokenView>,
    new_token: Option<AddedToken>,
    /// An address of the API for the example with the new token.
    api_example: &'static str,
    done: String,
    error: String,
}

struct TokenView {
    id: i64,
    name: String,
    hint: String,
    created: String,
    expires: String,
    used: String,
    state: &'static str,
    /// The state's code, the row's CSS class.
    state_code: &'static str,
    live: bool,
}

impl TokenView {
    fn of(token: ApiToken, now: i64) -> TokenView {
        let state = TokenState::of(&token, now);
        TokenView {
            id: token.id,
            expires: expiry_ru(&token),
            created: date_ru(token.created_at),
            used: used_ru(&token),
            name: token.name,
            hint: token.hint,
            state: state.title_ru(),
            state_code: state.code(),
            live: state == TokenState::Live,
        }
    }
}

/// What happened on the page before it is shown again.
#[derive(Default)]
pub(super) struct Outcome {
    pub new_token: Option<AddedToken>,
    pub done: String,
    pub error: String,
}

/// The account page with `outcome`.
pub(super) fn page(
    db: &Db<'_>,
    user: &CurrentUser,
    outcome: Outcome,
) -> Result<Response, WebError> {
    let now = jiff::Timestamp::now().as_second();
    let tokens = db
        .store
        .api_tokens(Some(&user.account.login))?
        .into_iter()
        .map(|token| TokenView::of(token, now))
        .collect();
    let page = AccountPage {
        layout: Layout::new(
            &user.account,
            &user.csrf,
            Section::Account,
            "Учетная запись".to_string(),
        ),
        tokens,
        new_token: outcome.new_token,
        api_example: "/api/report?level=school",
        done: outcome.done,
        error: outcome.error,
    };
    Ok(html(&page)?.into_response())
}
