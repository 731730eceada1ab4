//! GET /: the account's own area.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use tsos_domain::{IndicatorRow, Level, Report, format_date_ru};

use super::{area_page, school_page};
use crate::auth::CurrentUser;
use crate::data::audit::Action;
use crate::data::{AppState, Db};
use crate::handlers::empty;
use crate::http::error::WebError;
use crate::http::query::{PageQuery, When};
use crate::http::response::html;
use crate::http::urls;
use crate::scope::AccountRole;
use crate::views::{self, Layout, Ranked, Section};

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    layout: Layout,
    ranked: Ranked,
}

/// GET /: the account's own area — its school, its municipality, its region, or (for an
/// admin of several regions) the list of regions.
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
            match account.role {
                AccountRole::School => school_page(db, &user, &when, &account.scope),
                AccountRole::Municipality => area_page(
                    db,
                    &user,
                    &when,
                    Level::Municipality,
                    &account.scope,
                    &query,
                ),
                AccountRole::Admin | AccountRole::Region => {
                    let report = db.report(when.as_of, Level::Region)?;
                    let regions: Vec<&IndicatorRow> = report
                        .rows
                        .iter()
                        .filter(|row| account.sees(Level::Region, row))
                        .collect();
                    match regions.as_slice() {
                        [only] => {
                            let name = only.id.clone();
                            area_page(db, &user, &when, Level::Region, &name, &query)
                        }
                        _ => regions_page(db, &user, &when, &report, query.sort.as_deref()),
                    }
                }
            }
        })
        .await
}

fn regions_page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    when: &When,
    report: &Report,
    sort: Option<&str>,
) -> Result<Response, WebError> {
    let account = &user.account;
    let rows: Vec<&IndicatorRow> = report
        .rows
        .iter()
        .filter(|row| account.sees(Level::Region, row))
        .collect();
    let base = format!("/{}", urls::date_query(when.chosen));
    let mut layout = Layout::new(
        account,
        &user.csrf,
        Section::Overview,
        "Регионы".to_string(),
    )
    .with_dates(&when.dates, when.as_of);
    if let Some(sort) = sort {
        layout.keep.push(("sort".to_string(), sort.to_string()));
    }
    let page = RegionsPage {
        ranked: views::ranked(
            "Регионы по доле активных".to_string(),
            report,
            &rows,
            sort,
            &base,
            |r| Some(urls::region(&r.id, when.chosen)),
        ),
        layout,
    };
    db.audit_read(
        &account.login,
        Action::View,
        &format!("регионы на {}", format_date_ru(when.as_of)),
    );
    Ok(html(&page)?.into_response())
}
