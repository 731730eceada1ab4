//! The page «Цели»: the targets of the indicators — shares of a role and rates of counts of
//! use — and the yellow band. Every account reads them; an administrator sets and removes
//! them, each change written to the audit log by `tsos-app`.

pub(crate) mod list;
pub(crate) mod remove;
pub(crate) mod set;

use askama::Template;
use axum::response::{IntoResponse, Response};
use tsos_domain::{CountRate, IndicatorId, Level, Role, format_date_ru};
use tsos_report::{labels, ru};

use crate::auth::CurrentUser;
use crate::data::Db;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::views::{Layout, Section};

/// The page's title and the navigation's label.
const TITLE: &str = "Цели";

/// A target set for no level in particular.
const ALL_LEVELS: &str = "все уровни";

#[derive(Template)]
#[template(path = "targets.html")]
struct TargetsPage {
    layout: Layout,
    targets: Vec<TargetView>,
    band: String,
    admin: bool,
    /// Ids the form offers (a share of each role, a rate of each count loaded), with words.
    choices: Vec<(String, String)>,
    /// The levels the form offers, as a target's level is shown in the list.
    levels: Vec<(&'static str, &'static str)>,
    all_levels: &'static str,
    form: TargetForm,
    done: String,
    error: String,
}

struct TargetView {
    id: i64,
    indicator: String,
    words: String,
    value: String,
    from: String,
    level: String,
}

/// What the administrator typed, shown again with an error.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub(crate) struct TargetForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub indicator: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub level: String,
}

/// What happened before the page is shown again.
#[derive(Default)]
pub(super) struct Outcome {
    pub form: TargetForm,
    pub done: String,
    pub error: String,
}

/// The page with `outcome`.
pub(super) fn page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    outcome: Outcome,
) -> Result<Response, WebError> {
    let account = &user.account;
    let catalogue = db.catalogue().clone();
    let book = db.store.target_book()?;
    let targets = db
        .store
        .targets()?
        .into_iter()
        .map(|stored| TargetView {
            id: stored.id,
            indicator: stored.target.indicator.to_string(),
            words: labels::indicator_title(&catalogue, &stored.target.indicator),
            value: labels::target_value(&stored.target.indicator, stored.target.value),
            from: format_date_ru(stored.target.from),
            level: stored
                .target
                .level
                .map_or(ALL_LEVELS, Level::title_ru)
                .to_string(),
        })
        .collect();
    let mut choices = Vec::new();
    for platform in catalogue.iter() {
        for role in Role::ALL {
            let id = IndicatorId::Share {
                platform: platform.code.clone(),
                role,
            };
            choices.push((id.to_string(), labels::indicator_title(&catalogue, &id)));
        }
        for count in db.store.count_names(&platform.code)? {
            for rate in CountRate::ALL {
                let id = IndicatorId::Rate {
                    platform: platform.code.clone(),
                    count: count.clone(),
                    rate,
                };
                choices.push((id.to_string(), labels::indicator_title(&catalogue, &id)));
            }
        }
    }
    let page = TargetsPage {
        layout: Layout::new(account, &user.csrf, Section::Targets, TITLE.to_string()),
        targets,
        band: ru::decimal(book.yellow_band_pp, 1),
        admin: account.is_admin(),
        choices,
        levels: Level::ALL
            .into_iter()
            .map(|level| (level.code(), level.title_ru()))
            .collect(),
        all_levels: ALL_LEVELS,
        form: outcome.form,
        done: outcome.done,
        error: outcome.error,
    };
    Ok(html(&page)?.into_response())
}
