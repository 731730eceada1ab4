//! POST /targets/{id}/remove

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use tsos_app::targets::{TargetsError, remove_target};
use tsos_store::StoreError;

use super::{Outcome, page};
use crate::auth::{CsrfForm, CurrentUser};
use crate::data::AppState;
use crate::http::error::WebError;

/// POST /targets/{id}/remove: an administrator removes a target.
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
            let outcome = match remove_target(db.store, id, Some(&user.account.login)) {
                Ok(()) => Outcome {
                    done: format!("Цель №{id} удалена."),
                    ..Outcome::default()
                },
                Err(TargetsError::Store(StoreError::NoTarget(_))) => Outcome {
                    error: format!("Цели №{id} нет: ее уже удалили."),
                    ..Outcome::default()
                },
                Err(TargetsError::Store(err)) => return Err(WebError::Store(err)),
                Err(other) => Outcome {
                    error: format!("{other}."),
                    ..Outcome::default()
                },
            };
            page(db, &user, outcome)
        })
        .await
}
