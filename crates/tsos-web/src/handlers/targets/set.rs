//! POST /targets

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use tsos_app::targets::{TargetRequest, TargetsError, set_target};
use tsos_report::labels;

use super::{Outcome, TargetForm, page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;

/// POST /targets: an administrator sets a target. A mistake is said on the page, with what
/// was typed kept.
pub(crate) async fn set(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TargetForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    user.account.require_admin()?;
    state
        .run(move |db| {
            let catalogue = db.catalogue().clone();
            let request = TargetRequest {
                indicator: form.indicator.clone(),
                value: form.value.clone(),
                from: form.from.clone(),
                level: form.level.clone(),
            };
            let outcome =
                match set_target(db.store, &catalogue, &request, Some(&user.account.login)) {
                    Ok((id, target)) => Outcome {
                        done: format!(
                            "Цель №{id} задана: {}.",
                            labels::indicator_title(&catalogue, &target.indicator)
                        ),
                        ..Outcome::default()
                    },
                    Err(TargetsError::Store(err)) => return Err(WebError::Store(err)),
                    Err(other) => Outcome {
                        error: format!("Цель не задана: {other}."),
                        form,
                        ..Outcome::default()
                    },
                };
            page(db, &user, outcome)
        })
        .await
}
