//! GET /download/chats.xlsx

use axum::extract::{Query, State};
use axum::response::Response;
use tsos_domain::format_date_ru;

use super::{Asked, ChatsQuery, scoped_rows};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::query::parse_level;
use crate::http::response::{XLSX, file};

/// GET /download/chats.xlsx?level=…&as_of=…&deadline=…
pub(crate) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let asked = Asked::of(&query)?;
    state
        .run(move |db| {
            let account = &user.account;
            let level = parse_level(query.level.as_deref())?;
            let rows = scoped_rows(db, account, &asked, level)?;
            let closings = tsos_app::chats::closings(db.store)?;
            let bytes = tsos_report::chats::xlsx(&rows, level, asked.when.as_of, &closings)
                .map_err(|err| WebError::Internal(format!("чаты XLSX: {err}")))?;
            let date = format_date_ru(asked.when.as_of);
            db.audit_read(
                &account.login,
                Action::Download,
                &format!("официальные чаты XLSX ({}) на {date}", level.code()),
            );
            Ok(file(
                XLSX,
                &format!("chats_{}.xlsx", asked.when.as_of),
                &format!("Официальные чаты на {date}.xlsx"),
                bytes,
            ))
        })
        .await
}
