//! POST /notices/reply/{id}/review

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tsos_app::replies::review_reply;
use tsos_domain::replies::ReviewDecision;

use super::{Notice, NoticesQuery, Refusal, notices_page, reviews, thread_of_reply};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::urls;

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    /// Defaulted so that a form without it is refused as a forgery, not as malformed.
    #[serde(default)]
    csrf: String,
    /// `ReviewDecision::code`, from the button pressed.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    /// The filter the page had, to go back to.
    #[serde(default)]
    state: String,
}

/// POST /notices/reply/{id}/review: an authority accepts or returns reply `id` of a school in
/// its scope (out of scope, the reply does not exist).
pub(crate) async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    state
        .run(move |db| {
            let account = &user.account;
            let thread = thread_of_reply(db, account, id)?;
            if !reviews(account) {
                return Err(WebError::Forbidden(
                    "ответ школы рассматривает муниципалитет или регион".to_string(),
                ));
            }
            let query = NoticesQuery {
                state: Some(form.state.clone()),
                done: None,
            };
            let Some(decision) = ReviewDecision::from_code(&form.decision) else {
                let reason = "выберите: принять или вернуть".to_string();
                return notices_page(db, &user, &query, Notice::Error(reason));
            };
            match review_reply(db.store, id, decision, &form.comment, &account.login) {
                Ok(_) => {
                    let item = &thread.item;
                    db.audit(
                        Some(&account.login),
                        Action::ReplyReview,
                        &format!(
                            "школа {}, письмо {}, {}.{}: ответ № {id} {}{}",
                            item.org_id,
                            thread.letter.id,
                            item.platform,
                            item.role.code(),
                            decision.title_ru(),
                            if form.comment.trim().is_empty() {
                                String::new()
                            } else {
                                format!(": «{}»", form.comment.trim())
                            }
                        ),
                    )?;
                    Ok(Redirect::to(&format!(
                        "/notices?state={}&done={}",
                        urls::encode(&form.state),
                        decision.code()
                    ))
                    .into_response())
                }
                Err(err) => match Refusal::from(err) {
                    Refusal::Page(reason) => notices_page(db, &user, &query, Notice::Error(reason)),
                    Refusal::Error(err) => Err(err),
                },
            }
        })
        .await
}
