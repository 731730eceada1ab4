//! The pages of an area: a region's or municipality's, a school's. The account's own area
//! ([`overview`]) and the drill-down ([`region`], [`municipality`], [`school`]) show them.

pub(crate) mod municipality;
pub(crate) mod overview;
pub(crate) mod region;
pub(crate) mod school;

use std::collections::HashSet;
use std::sync::Arc;

use askama::Template;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use tsos_domain::indicators::Cutoff;
use tsos_domain::{IndicatorRow, Level, Report, format_date_ru};
use tsos_report::labels::capitalised;
use tsos_report::ru;

use crate::auth::CurrentUser;
use crate::data::audit::Action;
use crate::data::{AppState, Db};
use crate::http::error::WebError;
use crate::http::query::{PageQuery, When};
use crate::http::response::html;
use crate::http::urls;
use crate::views::{
    self, Card, Chart, Crumb, FigureTable, FindingView, LagGroup, Layout, Ranked, Section,
};

#[derive(Template)]
#[template(path = "area.html")]
struct AreaPage {
    layout: Layout,
    summary: String,
    cards: Vec<Card>,
    /// Users and organisations no school's figures take in, on a region's page.
    outside: Vec<String>,
    notes: Vec<String>,
    trends: Vec<Chart>,
    distributions: Vec<Chart>,
    lagging: Vec<LagGroup>,
    /// The cut-off of the lagging list in percent as typed back into its field; empty for
    /// the targets.
    below: String,
    /// The date and sort the cut-off's form keeps.
    as_of_field: Option<String>,
    sort_field: Option<String>,
    lagging_scope: String,
    /// The lagging list names each school's municipality on a region's page only.
    lagging_municipality: bool,
    ranked: Option<Ranked>,
    downloads_href: String,
}

#[derive(Template)]
#[template(path = "school.html")]
struct SchoolPage {
    layout: Layout,
    summary: String,
    cards: Vec<Card>,
    notes: Vec<String>,
    figures: Vec<FigureTable>,
    /// Counts of use (lessons, marks…), a table per platform that gives them.
    counts: Vec<FigureTable>,
    trends: Vec<Chart>,
    findings: Vec<FindingView>,
    chats_href: String,
}

/// A region's or municipality's page at the date the query asks for.
async fn show_area(
    state: AppState,
    user: CurrentUser,
    level: Level,
    name: String,
    query: PageQuery,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let when = db.when(query.as_of.as_deref())?.ok_or(WebError::NotFound)?;
            area_page(db, &user, &when, level, &name, &query)
        })
        .await
}

/// The report rows at every date for the row `id` of `level`, for a trend.
fn trend(db: &mut Db<'_>, dates: &[Date], level: Level, id: &str) -> Result<Vec<Chart>, WebError> {
    let reports: Vec<Arc<Report>> = dates
        .iter()
        .map(|date| db.report(*date, level))
        .collect::<Result<_, _>>()?;
    let rows: Vec<Option<(&Report, &IndicatorRow)>> = reports
        .iter()
        .map(|report| {
            report
                .rows
                .iter()
                .find(|row| row.id == id)
                .map(|row| (report.as_ref(), row))
        })
        .collect();
    let mut charts = views::trend_charts(dates, &rows);
    charts.extend(views::flows_charts(dates, &rows));
    Ok(charts)
}

/// A region's or municipality's page.
pub(super) fn area_page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    when: &When,
    level: Level,
    name: &str,
    query: &PageQuery,
) -> Result<Response, WebError> {
    let account = &user.account;
    if !account.sees_level(level) {
        return Err(WebError::NotFound);
    }
    let sort = query.sort.as_deref();
    let cutoff = query.cutoff()?;
    let report = db.report(when.as_of, level)?;
    let row = report
        .rows
        .iter()
        .find(|row| row.id == name && account.sees(level, row))
        .ok_or(WebError::NotFound)?;
    let schools_report = db.report(when.as_of, Level::School)?;
    let in_area = |school: &&IndicatorRow| match level {
        Level::Region => school.region == row.id,
        _ => school.municipality == row.id && school.region == row.region,
    };
    let schools: Vec<&IndicatorRow> = schools_report.rows.iter().filter(in_area).collect();
    let band = db.store.target_book()?.yellow_band_pp;
    let area_schools = with_rows(
        &schools_report,
        schools.iter().map(|row| (*row).clone()).collect(),
    );
    let (title, ranked, crumbs) = match level {
        Level::Region => {
            let municipalities = db.report(when.as_of, Level::Municipality)?;
            let rows: Vec<&IndicatorRow> = municipalities
                .rows
                .iter()
                .filter(|m| m.region == row.id)
                .collect();
            let base = urls::region(&row.id, when.chosen);
            let ranked = views::ranked(
                "Муниципалитеты по доле активных".to_string(),
                &municipalities,
                &rows,
                sort,
                &base,
                |m| {
                    account
                        .sees(Level::Municipality, m)
                        .then(|| urls::municipality(&m.id, when.chosen))
                },
            );
            // The region is the top of the hierarchy: its title says all a crumb would.
            (row.name.clone(), ranked, Vec::new())
        }
        _ => {
            let base = urls::municipality(&row.id, when.chosen);
            let ranked = views::ranked(
                "Школы муниципалитета по доле активных".to_string(),
                &schools_report,
                &schools,
                sort,
                &base,
                |s| Some(urls::school(&s.id, when.chosen)),
            );
            let region_href = account
                .sees_level(Level::Region)
                .then(|| urls::region(&row.region, when.chosen));
            (
                row.name.clone(),
                ranked,
                vec![
                    Crumb {
                        label: row.region.clone(),
                        href: region_href,
                    },
                    Crumb {
                        label: row.name.clone(),
                        href: None,
                    },
                ],
            )
        }
    };
    let trends = trend(db, &when.dates, level, name)?;
    let mut layout = Layout::new(account, &user.csrf, Section::Overview, title.clone())
        .with_dates(&when.dates, when.as_of);
    layout.crumbs = crumbs;
    if let Some(sort) = sort {
        layout.keep.push(("sort".to_string(), sort.to_string()));
    }
    if let Cutoff::Below(cut) = cutoff {
        layout
            .keep
            .push(("below".to_string(), ru::decimal(cut * 100.0, 1)));
    }
    let municipalities: HashSet<&str> = schools.iter().map(|s| s.municipality.as_str()).collect();
    let summary = match level {
        Level::Region => format!(
            "{} ОО в {} {} · данные на {}",
            ru::integer(row.schools as u64),
            municipalities.len(),
            ru::plural(
                municipalities.len() as u64,
                "муниципалитете",
                "муниципалитетах",
                "муниципалитетах"
            ),
            format_date_ru(when.as_of)
        ),
        _ => format!(
            "{} ОО · данные на {}",
            ru::integer(row.schools as u64),
            format_date_ru(when.as_of)
        ),
    };
    let page = AreaPage {
        summary,
        cards: views::cards(&report, row),
        // They belong to no municipality, and only an account that sees the whole data may
        // learn of them (as with the API's unknown organisations).
        outside: if level == Level::Region && account.sees_everything_in_data() {
            views::outside(&report)
        } else {
            Vec::new()
        },
        notes: views::notes(&report),
        trends,
        distributions: views::distribution_charts(&schools_report, &schools, band),
        lagging: views::lagging_groups(&area_schools, when.chosen, cutoff),
        below: match cutoff {
            Cutoff::Target => String::new(),
            Cutoff::Below(cut) => ru::decimal(cut * 100.0, 1),
        },
        as_of_field: when.chosen.map(|date| date.to_string()),
        sort_field: sort.map(str::to_string),
        lagging_scope: match level {
            Level::Region => "региона".to_string(),
            _ => "муниципалитета".to_string(),
        },
        lagging_municipality: level == Level::Region,
        ranked: Some(ranked),
        downloads_href: format!("/downloads{}", urls::date_query(when.chosen)),
        layout,
    };
    let what = match level {
        Level::Region => "регион",
        _ => "муниципалитет",
    };
    db.audit_read(
        &account.login,
        Action::View,
        &format!("{what} «{name}» на {}", format_date_ru(when.as_of)),
    );
    Ok(html(&page)?.into_response())
}

/// `report` with other rows: the same date, level and platforms.
fn with_rows(report: &Report, rows: Vec<IndicatorRow>) -> Report {
    Report {
        as_of: report.as_of,
        level: report.level,
        platforms: report.platforms.clone(),
        rows,
        events: report.events.clone(),
    }
}

pub(super) fn school_page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    when: &When,
    inn: &str,
) -> Result<Response, WebError> {
    let account = &user.account;
    let report = db.report(when.as_of, Level::School)?;
    let row = report
        .rows
        .iter()
        .find(|row| row.id == inn && account.sees(Level::School, row))
        .ok_or(WebError::NotFound)?;
    let trends = trend(db, &when.dates, Level::School, inn)?;
    let quality = db.quality(when.as_of)?;
    let findings = quality
        .findings
        .iter()
        .filter(|f| f.orgs.iter().any(|org| org == inn))
        .map(|f| FindingView {
            title: capitalised(f.kind.title_ru()),
            scope: views::finding_scope(f, db.catalogue()),
            count: String::new(),
            schools: Vec::new(),
            rest: Vec::new(),
            more: 0,
        })
        .collect();
    let mut layout = Layout::new(account, &user.csrf, Section::Overview, row.name.clone())
        .with_dates(&when.dates, when.as_of);
    layout.crumbs = vec![
        Crumb {
            label: row.region.clone(),
            href: account
                .sees_level(Level::Region)
                .then(|| urls::region(&row.region, when.chosen)),
        },
        Crumb {
            label: row.municipality.clone(),
            href: account
                .sees_level(Level::Municipality)
                .then(|| urls::municipality(&row.municipality, when.chosen)),
        },
        Crumb {
            label: row.name.clone(),
            href: None,
        },
    ];
    let page = SchoolPage {
        summary: format!(
            "ИНН {} · {} · данные на {}",
            row.id,
            row.municipality,
            format_date_ru(when.as_of)
        ),
        cards: views::cards(&report, row),
        notes: views::notes(&report),
        figures: views::school_figures(&report, row),
        counts: views::school_counts(&report, row),
        trends,
        findings,
        chats_href: format!("/chats/school/{}", urls::encode(inn)),
        layout,
    };
    db.audit_read(
        &account.login,
        Action::View,
        &format!("школа {inn} на {}", format_date_ru(when.as_of)),
    );
    Ok(html(&page)?.into_response())
}
