//! GET /targets

use axum::extract::State;
use axum::response::Response;

use super::{Outcome, page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;

/// GET /targets: the targets set, and an administrator's forms.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            db.audit_read(&user.account.login, Action::View, "цели");
            page(db, &user, Outcome::default())
        })
        .await
}
