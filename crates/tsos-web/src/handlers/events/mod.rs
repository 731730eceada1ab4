//! The page «События»: the dated events that explain jumps. Every account sees those that
//! touch a school of its scope; an administrator adds and removes them, each change written
//! to the audit log with the event by `tsos-app`.

pub(crate) mod add;
pub(crate) mod list;
pub(crate) mod remove;

use askama::Template;
use axum::response::{IntoResponse, Response};
use tsos_domain::events::SUGGESTIONS;
use tsos_domain::{Level, format_date_ru};
use tsos_report::labels::EVENTS_TITLE;
use tsos_store::StoredEvent;

use crate::auth::CurrentUser;
use crate::data::Db;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::scope::Account;
use crate::views::{Layout, Section};

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    layout: Layout,
    events: Vec<EventView>,
    admin: bool,
    platforms: Vec<(String, String)>,
    suggestions: Vec<SuggestionView>,
    form: EventForm,
    done: String,
    error: String,
}

struct EventView {
    id: i64,
    date: String,
    scope: String,
    platform: String,
    text: String,
}

struct SuggestionView {
    n: usize,
    date: String,
    platform: String,
    text: String,
    source: &'static str,
}

/// What the administrator typed, shown again with an error.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub(crate) struct EventForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub text: String,
    /// The number of a built-in suggestion, instead of the fields above but `name`.
    #[serde(default)]
    pub suggested: String,
}

/// What happened before the page is shown again.
#[derive(Default)]
pub(super) struct Outcome {
    pub form: EventForm,
    pub done: String,
    pub error: String,
}

/// The events the account sees: all for an administrator; else those that touch a school
/// the account sees in the latest school report (a region's event its schools, and so on).
fn visible(db: &mut Db<'_>, account: &Account) -> Result<Vec<StoredEvent>, WebError> {
    let events = db.store.events()?;
    if account.is_admin() {
        return Ok(events);
    }
    let Some(when) = db.when(None)? else {
        return Ok(Vec::new());
    };
    let report = db.report(when.as_of, Level::School)?;
    let rows: Vec<_> = report
        .rows
        .iter()
        .filter(|row| account.sees(Level::School, row))
        .collect();
    Ok(events
        .into_iter()
        .filter(|stored| {
            rows.iter()
                .any(|row| stored.event.scope.touches(&row.place(Level::School)))
        })
        .collect())
}

/// The page with `outcome`.
pub(super) fn page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    outcome: Outcome,
) -> Result<Response, WebError> {
    let account = &user.account;
    let catalogue = db.catalogue().clone();
    let name_of = |code: &Option<String>| match code {
        Some(code) => catalogue
            .get(code)
            .map_or_else(|| code.clone(), |p| p.name.clone()),
        None => "все платформы".to_string(),
    };
    let events = visible(db, account)?
        .into_iter()
        .map(|stored| EventView {
            id: stored.id,
            date: format_date_ru(stored.event.date),
            scope: stored.event.scope.title_ru(),
            platform: name_of(&stored.event.platform),
            text: stored.event.text.as_str().to_string(),
        })
        .collect();
    let page = EventsPage {
        layout: Layout::new(
            account,
            &user.csrf,
            Section::Events,
            EVENTS_TITLE.to_string(),
        ),
        events,
        admin: account.is_admin(),
        platforms: catalogue
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect(),
        suggestions: SUGGESTIONS
            .iter()
            .enumerate()
            .map(|(idx, s)| SuggestionView {
                n: idx + 1,
                date: format_date_ru(s.date),
                platform: name_of(&Some(s.platform.to_string())),
                text: s.text.to_string(),
                source: s.source,
            })
            .collect(),
        form: outcome.form,
        done: outcome.done,
        error: outcome.error,
    };
    Ok(html(&page)?.into_response())
}
