//! GET /quality: the data-quality findings of a date.

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use tsos_domain::{Level, format_date_ru};

use super::empty;
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::query::PageQuery;
use crate::http::response::html;
use crate::views::{self, FindingView, Layout, Section};

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityPage {
    layout: Layout,
    findings: Vec<FindingView>,
    scoped: bool,
}

/// GET /quality: the data-quality findings of a date, as far as the account's scope goes.
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let account = &user.account;
            let Some(when) = db.when(query.as_of.as_deref())? else {
                return empty(db, &user);
            };
            let report = db.report(when.as_of, Level::School)?;
            let visible: HashSet<&str> = report
                .rows
                .iter()
                .filter(|row| account.sees(Level::School, row))
                .map(|row| row.id.as_str())
                .collect();
            let quality = db.quality(when.as_of)?;
            let findings =
                views::findings(&quality, db.catalogue(), account, &visible, when.chosen);
            let page = QualityPage {
                layout: Layout::new(
                    account,
                    &user.csrf,
                    Section::Quality,
                    format!("Качество данных на {}", format_date_ru(when.as_of)),
                )
                .with_dates(&when.dates, when.as_of),
                findings,
                scoped: !account.is_admin(),
            };
            db.audit_read(
                &account.login,
                Action::View,
                &format!("качество данных на {}", format_date_ru(when.as_of)),
            );
            Ok(html(&page)?.into_response())
        })
        .await
}
