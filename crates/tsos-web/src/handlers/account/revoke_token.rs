//! POST /account/tokens/{id}/revoke

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Outcome, page};
use crate::auth::CsrfForm;
use crate::auth::CurrentUser;
use crate::auth::tokens::revoke_token;
use crate::data::AppState;
use crate::http::error::WebError;

/// POST /account/tokens/{id}/revoke: revokes a token of the account's own; another
/// account's is answered as a missing one.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    state
        .run(move |db| {
            let outcome = match revoke_token(db.store, id, Some(&user.account.login)) {
                Ok(token) => Outcome {
                    done: format!(
                        "Токен «{}» отозван: запросы с ним больше не принимаются.",
                        token.name
                    ),
                    ..Outcome::default()
                },
                Err(WebError::Account(message)) => Outcome {
                    error: format!("{message}."),
                    ..Outcome::default()
                },
                Err(other) => return Err(other),
            };
            page(db, &user, outcome)
        })
        .await
}
