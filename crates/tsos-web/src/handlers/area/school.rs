//! GET /school/{inn}

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::school_page;
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::query::PageQuery;

/// GET /school/{inn}
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let when = db.when(query.as_of.as_deref())?.ok_or(WebError::NotFound)?;
            school_page(db, &user, &when, &inn)
        })
        .await
}
