//! GET /account

use axum::extract::State;
use axum::response::Response;

use super::{Outcome, page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;

/// GET /account: the account's API tokens and the form for a new one.
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    state
        .run(move |db| page(db, &user, Outcome::default()))
        .await
}
