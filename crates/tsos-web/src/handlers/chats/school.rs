//! GET /chats/school/{inn}: a school's registry of chats.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{Asked, ChatsQuery, Notice, school_in_scope, school_page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;

/// GET /chats/school/{inn}
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let asked = Asked::of(&query)?;
    let notice = match (query.done.as_deref(), query.chat.as_deref()) {
        (Some(done), Some(chat)) => match done {
            "add" => Notice::Done(format!("Чат «{chat}» добавлен.")),
            "move" => Notice::Done(format!("Перенос чата «{chat}» сохранен.")),
            "deactivate" => Notice::Done(format!("Чат «{chat}» отмечен неактивным.")),
            "confirm" => Notice::Done(format!("Чат «{chat}» подтвержден.")),
            _ => Notice::None,
        },
        _ => Notice::None,
    };
    state
        .run(move |db| {
            let school = school_in_scope(db, &user.account, &inn, asked.when.as_of)?;
            school_page(db, &user, &school, &asked, notice)
        })
        .await
}
