//! The pages: overview of a region or a municipality, a school, the snapshots with their
//! lineage, data quality, downloads and the audit log. Every handler resolves the date,
//! checks the account's scope, builds the view on a blocking thread and logs the view.

use std::collections::HashSet;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use tsos_domain::{IndicatorRow, Level, Report, format_date_ru};
use tsos_report::ru;
use tsos_store::SnapshotInfo;

use crate::auth::CurrentUser;
use crate::data::{AppState, Db};
use crate::http::error::WebError;
use crate::http::query::{PageQuery, When};
use crate::http::response::html;
use crate::http::urls;
use crate::scope::AccountRole;
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
    trends: Vec<Chart>,
    findings: Vec<FindingView>,
    chats_href: String,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    layout: Layout,
    ranked: Ranked,
}

#[derive(Template)]
#[template(path = "empty.html")]
struct EmptyPage {
    layout: Layout,
    message: String,
    can_import: bool,
}

/// GET /: the account's own area — its school, its municipality, its region, or (for an
/// admin of several regions) the list of regions.
pub(crate) async fn overview(
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
                    query.sort.as_deref(),
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
                            area_page(
                                db,
                                &user,
                                &when,
                                Level::Region,
                                &name,
                                query.sort.as_deref(),
                            )
                        }
                        _ => regions_page(db, &user, &when, &report, query.sort.as_deref()),
                    }
                }
            }
        })
        .await
}

/// GET /region/{name}
pub(crate) async fn region(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    area(state, user, Level::Region, name, query).await
}

/// GET /municipality/{name}
pub(crate) async fn municipality(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    area(state, user, Level::Municipality, name, query).await
}

/// A region's or municipality's page at the date the query asks for.
async fn area(
    state: AppState,
    user: CurrentUser,
    level: Level,
    name: String,
    query: PageQuery,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let when = db.when(query.as_of.as_deref())?.ok_or(WebError::NotFound)?;
            area_page(db, &user, &when, level, &name, query.sort.as_deref())
        })
        .await
}

/// GET /school/{inn}
pub(crate) async fn school(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let when = db.when(query.as_of.as_deref())?.ok_or(WebError::NotFound)?;
            school_page(db, &user, &when, &inn)
        })
        .await
}

fn empty(db: &mut Db<'_>, user: &CurrentUser) -> Result<Response, WebError> {
    let account = &user.account;
    let page = EmptyPage {
        layout: Layout::new(account, &user.csrf, Section::Overview, "Обзор".to_string()),
        message: "Данных пока нет: ни одна выгрузка платформ еще не импортирована.".to_string(),
        can_import: account.is_admin(),
    };
    db.audit_read(&account.login, "view", "обзор (данных нет)");
    Ok(html(&page)?.into_response())
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
    Ok(views::trend_charts(dates, &rows))
}

/// A region's or municipality's page.
fn area_page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    when: &When,
    level: Level,
    name: &str,
    sort: Option<&str>,
) -> Result<Response, WebError> {
    let account = &user.account;
    if !account.sees_level(level) {
        return Err(WebError::NotFound);
    }
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
        lagging: views::lagging_groups(&area_schools, when.chosen),
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
        "view",
        &format!("{what} «{name}» на {}", format_date_ru(when.as_of)),
    );
    Ok(html(&page)?.into_response())
}

/// `report` with other rows: the same date, level and platforms.
pub(crate) fn with_rows(report: &Report, rows: Vec<IndicatorRow>) -> Report {
    Report {
        as_of: report.as_of,
        level: report.level,
        platforms: report.platforms.clone(),
        rows,
    }
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
        "view",
        &format!("регионы на {}", format_date_ru(when.as_of)),
    );
    Ok(html(&page)?.into_response())
}

fn school_page(
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
            title: views::capitalized(f.kind.title_ru()),
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
        trends,
        findings,
        chats_href: format!("/chats/school/{}", urls::encode(inn)),
        layout,
    };
    db.audit_read(
        &account.login,
        "view",
        &format!("школа {inn} на {}", format_date_ru(when.as_of)),
    );
    Ok(html(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "snapshots.html")]
struct SnapshotsPage {
    layout: Layout,
    snapshots: Vec<SnapshotView>,
}

struct SnapshotView {
    id: i64,
    dataset: String,
    as_of: String,
    kind: &'static str,
    file_name: String,
    sha256: String,
    sha_short: String,
    imported_at: String,
    rows: String,
    rejected: Vec<String>,
    warnings: Vec<String>,
    status: String,
    current: bool,
}

/// GET /snapshots: every import with its lineage.
pub(crate) async fn snapshots(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    if !user.account.sees_everything_in_data() {
        return Err(WebError::Forbidden(
            "список снимков доступен администратору и региону".to_string(),
        ));
    }
    state
        .run(move |db| {
            let mut list = db.store.snapshots()?;
            // The latest imports first: that is what one checks after importing.
            list.sort_by_key(|s| std::cmp::Reverse(s.id));
            let catalogue = db.catalogue();
            let snapshots = list.iter().map(|s| snapshot_view(s, catalogue)).collect();
            let page = SnapshotsPage {
                layout: Layout::new(
                    &user.account,
                    &user.csrf,
                    Section::Snapshots,
                    "Снимки и их происхождение".to_string(),
                ),
                snapshots,
            };
            db.audit_read(&user.account.login, "view", "снимки");
            Ok(html(&page)?.into_response())
        })
        .await
}

fn snapshot_view(s: &SnapshotInfo, catalogue: &tsos_domain::Catalogue) -> SnapshotView {
    SnapshotView {
        id: s.id,
        dataset: if s.dataset == tsos_store::REGISTRY {
            tsos_report::labels::REGISTRY.to_string()
        } else {
            catalogue
                .get(&s.dataset)
                .map_or_else(|| s.dataset.clone(), |p| p.name.clone())
        },
        as_of: format_date_ru(s.as_of),
        kind: s.kind.title_ru(),
        file_name: s.file_name.clone(),
        sha_short: s.sha256.chars().take(12).collect(),
        sha256: s.sha256.clone(),
        imported_at: moscow_time(&s.imported_at),
        rows: format!(
            "прочитано {}, пропущено {}, отклонено {}",
            ru::integer(s.rows_read),
            ru::integer(s.rows_skipped),
            ru::integer(s.rows_rejected)
        ),
        rejected: s
            .rejected
            .iter()
            .map(|(reason, n)| format!("{reason}: {}", ru::integer(*n)))
            .collect(),
        warnings: s.warnings.clone(),
        status: match s.superseded_by {
            None => "действующий".to_string(),
            Some(by) => format!(
                "заменен снимком №{by}{}",
                s.superseded_at
                    .as_deref()
                    .map(|at| format!(" {}", moscow_time(at)))
                    .unwrap_or_default()
            ),
        },
        current: s.is_current(),
    }
}

/// A stored UTC time as people in the authorities read it: Moscow time, «01.10.2023 14:05».
pub(crate) fn moscow_time(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(ts) => {
            let local = jiff::tz::offset(3).to_datetime(ts);
            format!(
                "{} {:02}:{:02}",
                format_date_ru(local.date()),
                local.hour(),
                local.minute()
            )
        }
        Err(_) => rfc3339.to_string(),
    }
}

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityPage {
    layout: Layout,
    findings: Vec<FindingView>,
    scoped: bool,
}

/// GET /quality: the data-quality findings of a date, as far as the account's scope goes.
pub(crate) async fn quality(
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
                "view",
                &format!("качество данных на {}", format_date_ru(when.as_of)),
            );
            Ok(html(&page)?.into_response())
        })
        .await
}

#[derive(Template)]
#[template(path = "downloads.html")]
struct DownloadsPage {
    layout: Layout,
    date_label: String,
    date_query: String,
    levels: Vec<(&'static str, &'static str)>,
    letters: Vec<LetterView>,
    show_letters: bool,
}

struct LetterView {
    title: String,
    files: Vec<(String, Option<String>)>,
}

/// GET /downloads
pub(crate) async fn downloads(
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
            let levels = [
                (Level::School, "по школам"),
                (Level::Municipality, "по муниципалитетам"),
                (Level::Region, "по региону"),
            ]
            .into_iter()
            .filter(|(level, _)| account.sees_level(*level))
            .map(|(level, label)| (level.code(), label))
            .collect();
            let show_letters = account.sees_everything_in_data();
            let letters = if show_letters {
                db.store
                    .letters()?
                    .into_iter()
                    .rev()
                    .map(|letter| LetterView {
                        title: format!(
                            "№ {} от {} (данные на {}, срок {})",
                            letter.number,
                            format_date_ru(letter.date),
                            format_date_ru(letter.as_of),
                            format_date_ru(letter.deadline)
                        ),
                        files: letter
                            .files
                            .iter()
                            .enumerate()
                            .map(|(idx, path)| {
                                let name = std::path::Path::new(path).file_name().map_or_else(
                                    || path.clone(),
                                    |n| n.to_string_lossy().into_owned(),
                                );
                                let href = std::path::Path::new(path)
                                    .is_file()
                                    .then(|| format!("/download/letter/{}/{idx}", letter.id));
                                (name, href)
                            })
                            .collect(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let page = DownloadsPage {
                layout: Layout::new(
                    account,
                    &user.csrf,
                    Section::Downloads,
                    "Выгрузки".to_string(),
                )
                .with_dates(&when.dates, when.as_of),
                date_label: format_date_ru(when.as_of),
                date_query: format!("as_of={}", when.as_of),
                levels,
                letters,
                show_letters,
            };
            db.audit_read(&account.login, "view", "выгрузки");
            Ok(html(&page)?.into_response())
        })
        .await
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditView>,
    page: u32,
    pages: u32,
}

struct AuditView {
    at: String,
    login: String,
    action: &'static str,
    detail: String,
}

const AUDIT_PAGE: u32 = 100;

/// GET /audit: who logged in, viewed, imported and downloaded what (admins only).
pub(crate) async fn audit(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    if !user.account.is_admin() {
        return Err(WebError::Forbidden(
            "журнал действий доступен только администратору".to_string(),
        ));
    }
    state
        .run(move |db| {
            // The lines of reading still queued belong to the log being read.
            db.flush_audit()?;
            let total = db.store.audit_count()?;
            let pages = (total.div_ceil(u64::from(AUDIT_PAGE)).max(1)) as u32;
            let page = query.page.unwrap_or(1).clamp(1, pages);
            let entries = db
                .store
                .audit_log(AUDIT_PAGE, (page - 1) * AUDIT_PAGE)?
                .into_iter()
                .map(|entry| AuditView {
                    at: moscow_time(&entry.at),
                    login: entry.login.unwrap_or_else(|| "—".to_string()),
                    action: match entry.action.as_str() {
                        "login" => "вход",
                        "login_failed" => "неудачный вход",
                        "login_throttled" => "вход заблокирован",
                        "logout" => "выход",
                        "view" => "просмотр",
                        "download" => "скачивание",
                        "import" => "импорт",
                        "import_failed" => "импорт не удался",
                        "chats" => "правка чатов",
                        _ => "другое",
                    },
                    detail: entry.detail,
                })
                .collect();
            let page = AuditPage {
                layout: Layout::new(
                    &user.account,
                    &user.csrf,
                    Section::Audit,
                    "Журнал действий".to_string(),
                ),
                entries,
                page,
                pages,
            };
            Ok(html(&page)?.into_response())
        })
        .await
}

/// The stylesheet and the script, compiled into the binary: the dashboard works offline.
pub(crate) async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../assets/style.css"),
    )
        .into_response()
}

pub(crate) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../assets/app.js"),
    )
        .into_response()
}

/// Any other address.
pub(crate) async fn not_found() -> WebError {
    WebError::NotFound
}
