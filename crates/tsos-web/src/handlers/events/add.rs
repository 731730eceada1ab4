//! POST /events

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use tsos_app::events::{EventRequest, EventsError, add_event};
use tsos_domain::{Level, parse_cli_date};

use super::{EventForm, Outcome, page};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;

/// POST /events: an administrator adds an event, typed or a built-in suggestion. A mistake
/// is said on the page, with what was typed kept.
pub(crate) async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<EventForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    user.account.require_admin()?;
    state
        .run(move |db| {
            let added = request(&form).and_then(|request| {
                let catalogue = db.catalogue().clone();
                add_event(db.store, &catalogue, &request, Some(&user.account.login)).map_err(
                    |err| match err {
                        EventsError::Store(err) => Err(WebError::Store(err)),
                        other => Ok(other.to_string()),
                    },
                )
            });
            let outcome = match added {
                Ok(stored) => Outcome {
                    done: format!("Событие №{} добавлено.", stored.id),
                    ..Outcome::default()
                },
                Err(Ok(message)) => Outcome {
                    error: format!("Событие не добавлено: {message}."),
                    form,
                    ..Outcome::default()
                },
                Err(Err(internal)) => return Err(internal),
            };
            page(db, &user, outcome)
        })
        .await
}

/// The request the form makes, or what is wrong with it (`Ok` of a message for the page).
fn request(form: &EventForm) -> Result<EventRequest, Result<String, WebError>> {
    let name = Some(form.name.trim().to_string()).filter(|n| !n.is_empty());
    if !form.suggested.trim().is_empty() {
        let n = form
            .suggested
            .trim()
            .parse::<usize>()
            .map_err(|_| Ok(format!("предложения «{}» нет", form.suggested.trim())))?;
        return EventRequest::suggested(n, name).map_err(|err| Ok(err.to_string()));
    }
    let date = parse_cli_date(form.date.trim()).map_err(|err| Ok(format!("дата: {err}")))?;
    let level = Level::from_code(form.level.trim())
        .ok_or_else(|| Ok("выберите область: регион, муниципалитет или школу".to_string()))?;
    Ok(EventRequest {
        date,
        level,
        name,
        platform: Some(form.platform.trim().to_string()).filter(|p| !p.is_empty()),
        text: form.text.clone(),
    })
}
