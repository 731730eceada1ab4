//! GET /events

use axum::extract::State;
use axum::response::Response;

use super::{Outcome, page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;

/// GET /events: the events in the account's scope, and an administrator's forms.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            db.audit_read(&user.account.login, Action::View, "события");
            page(db, &user, Outcome::default())
        })
        .await
}
