//! POST /events/{id}/remove

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use tsos_app::events::{EventsError, remove_event};
use tsos_store::StoreError;

use super::{Outcome, page};
use crate::auth::{CsrfForm, CurrentUser};
use crate::data::AppState;
use crate::http::error::WebError;

/// POST /events/{id}/remove: an administrator removes an event.
pub(crate) async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    user.account.require_admin()?;
    state
        .run(move |db| {
            let outcome = match remove_event(db.store, id, Some(&user.account.login)) {
                Ok(removed) => Outcome {
                    done: format!("Событие №{id} «{}» удалено.", removed.event.text.as_str()),
                    ..Outcome::default()
                },
                Err(EventsError::Store(StoreError::NoEvent(_))) => Outcome {
                    error: format!("События №{id} нет: его уже удалили."),
                    ..Outcome::default()
                },
                Err(EventsError::Store(err)) => return Err(WebError::Store(err)),
                Err(other) => Outcome {
                    error: format!("{other}."),
                    ..Outcome::default()
                },
            };
            page(db, &user, outcome)
        })
        .await
}
