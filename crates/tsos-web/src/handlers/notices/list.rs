//! GET /notices

use axum::extract::{Query, State};
use axum::response::Response;

use super::{Notice, NoticesQuery, notices_page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;

/// GET /notices: a school's notices with its replies and forms, or an authority's replies to
/// review, filtered by state.
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<NoticesQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let notice = match query.done.as_deref() {
                Some("reply") => Notice::Done("Ответ отправлен.".to_string()),
                Some("accept") => Notice::Done("Ответ принят.".to_string()),
                Some("return") => Notice::Done("Ответ возвращен школе с комментарием.".to_string()),
                _ => Notice::None,
            };
            notices_page(db, &user, &query, notice)
        })
        .await
}
