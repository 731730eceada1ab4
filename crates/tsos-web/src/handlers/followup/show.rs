//! GET /followup

use axum::extract::{Query, State};
use axum::response::Response;

use super::{FollowupQuery, Notice, followup_page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;

/// GET /followup?letter=N: the follow-up of a letter (the latest without one).
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<FollowupQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| followup_page(db, &user, query.letter, Notice::None))
        .await
}
