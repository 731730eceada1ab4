//! What the pages show, computed from the reports: headline cards, charts, the lagging list,
//! ranked tables, a school's figures. Everything here is already formatted the Russian way
//! («81,3 %», «01.10.2023»), so the templates only lay it out.

use std::collections::HashSet;

use jiff::civil::Date;
use tsos_app::import::by_role;
use tsos_domain::dates::next_monthly;
use tsos_domain::indicators::lagging;
use tsos_domain::{
    Indicator, IndicatorRow, Level, Report, ReportPlatform, Role, Status, format_date_ru,
};
use tsos_report::ru;

use crate::charts::{self, Bin, Series};
use crate::http::urls;
use crate::scope::Account;

/// How many schools of each indicator the lagging list shows before pointing to the
/// appendix.
const LAGGING_SHOWN: usize = 10;

/// The frame of every page: navigation, account, breadcrumbs and the date picker.
pub(crate) struct Layout {
    pub title: String,
    pub account: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub crumbs: Vec<Crumb>,
    pub dates: Vec<DateOption>,
    /// Query parameters the date picker keeps (the sort order of a table).
    pub keep: Vec<(String, String)>,
    pub asset_version: &'static str,
}

pub(crate) struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

pub(crate) struct Crumb {
    pub label: String,
    /// `None` for the current page, or a level the account may not open.
    pub href: Option<String>,
}

pub(crate) struct DateOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Which section of the navigation a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Overview,
    Snapshots,
    Quality,
    Chats,
    Downloads,
    Import,
    Audit,
}

impl Layout {
    pub fn new(account: &Account, csrf: &str, section: Section, title: String) -> Layout {
        let mut nav = vec![NavItem {
            label: "Обзор",
            href: "/",
            active: section == Section::Overview,
        }];
        if account.sees_everything_in_data() {
            nav.push(NavItem {
                label: "Снимки",
                href: "/snapshots",
                active: section == Section::Snapshots,
            });
        }
        nav.push(NavItem {
            label: "Качество данных",
            href: "/quality",
            active: section == Section::Quality,
        });
        nav.push(NavItem {
            label: "Чаты",
            href: "/chats",
            active: section == Section::Chats,
        });
        nav.push(NavItem {
            label: "Выгрузки",
            href: "/downloads",
            active: section == Section::Downloads,
        });
        if account.is_admin() {
            nav.push(NavItem {
                label: "Импорт",
                href: "/import",
                active: section == Section::Import,
            });
            nav.push(NavItem {
                label: "Журнал",
                href: "/audit",
                active: section == Section::Audit,
            });
        }
        Layout {
            title,
            account: account.describe(),
            csrf: csrf.to_string(),
            nav,
            crumbs: Vec::new(),
            dates: Vec::new(),
            keep: Vec::new(),
            asset_version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// Offers the dates with data, newest first, `as_of` selected.
    pub fn with_dates(mut self, dates: &[Date], as_of: Date) -> Layout {
        self.dates = dates
            .iter()
            .rev()
            .map(|date| DateOption {
                value: date.to_string(),
                label: format_date_ru(*date),
                selected: *date == as_of,
            })
            .collect();
        self
    }
}

/// A headline figure: one platform and role against its target.
pub(crate) struct Card {
    pub platform: String,
    pub role: &'static str,
    pub share: String,
    pub status: &'static str,
    pub status_label: &'static str,
    /// «цель 100,0 %, не хватает 3 359»; empty without a target.
    pub target: String,
    pub delta: String,
    pub delta_class: &'static str,
    pub since: String,
    pub counts: String,
}

pub(crate) struct Chart {
    pub title: String,
    pub svg: String,
    pub caption: String,
}

pub(crate) struct LagGroup {
    pub title: String,
    pub total: usize,
    pub rows: Vec<LagRow>,
}

pub(crate) struct LagRow {
    pub name: String,
    pub href: String,
    pub municipality: String,
    pub share: String,
    pub target: String,
    pub gap: String,
    pub delta: String,
}

/// A table of peers ranked by the share of one indicator.
pub(crate) struct Ranked {
    pub title: String,
    /// Header of the platform groups: (name, columns).
    pub groups: Vec<(String, usize)>,
    pub columns: Vec<RankColumn>,
    pub show_schools: bool,
    pub rows: Vec<RankRow>,
}

pub(crate) struct RankColumn {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

pub(crate) struct RankRow {
    pub place: usize,
    pub name: String,
    pub href: Option<String>,
    pub schools: usize,
    pub cells: Vec<RankCell>,
}

pub(crate) struct RankCell {
    pub share: String,
    pub delta: String,
    pub status: &'static str,
}

/// A platform and role shown in a table or chart.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    pub platform: usize,
    pub role: Role,
}

impl Column {
    pub fn code(self, report: &Report) -> String {
        format!(
            "{}.{}",
            report.platforms[self.platform].platform.code,
            self.role.code()
        )
    }
}

/// The platforms with data at the report's date and their roles: teachers and students
/// always, parents only where some row has a parents' share (their contingent is optional).
pub(crate) fn columns(report: &Report, rows: &[&IndicatorRow]) -> Vec<Column> {
    let mut out = Vec::new();
    for (idx, platform) in report.platforms.iter().enumerate() {
        if !platform.present {
            continue;
        }
        for role in Role::ALL {
            let shown = role != Role::Parents
                || rows.iter().any(|row| {
                    row.platforms[idx]
                        .as_ref()
                        .is_some_and(|p| p.get(role).share.is_some())
                });
            if shown {
                out.push(Column {
                    platform: idx,
                    role,
                });
            }
        }
    }
    out
}

fn indicator(row: &IndicatorRow, column: Column) -> Option<&Indicator> {
    row.platforms[column.platform]
        .as_ref()
        .map(|p| p.get(column.role))
}

fn delta_class(delta: Option<f64>) -> &'static str {
    match delta {
        Some(d) if d >= 0.05 => "up",
        Some(d) if d <= -0.05 => "down",
        _ => "flat",
    }
}

fn delta_text(delta: Option<f64>) -> String {
    match delta {
        Some(_) => format!("{} п.п.", ru::delta_pp(delta)),
        None => "—".to_string(),
    }
}

/// The headline cards of one row (a region, municipality or school).
pub(crate) fn cards(report: &Report, row: &IndicatorRow) -> Vec<Card> {
    columns(report, &[row])
        .into_iter()
        .filter_map(|column| {
            let indicator = indicator(row, column)?;
            let platform = &report.platforms[column.platform];
            Some(Card {
                platform: platform.platform.name.clone(),
                role: column.role.title_ru(),
                share: ru::percent(indicator.share),
                status: indicator.status.code(),
                status_label: match indicator.status {
                    Status::None => "цель не задана",
                    status => status.title_ru(),
                },
                target: match (indicator.target, indicator.gap) {
                    (Some(target), Some(gap)) if gap > 0 => format!(
                        "цель {}, не хватает {}",
                        ru::percent(Some(target)),
                        ru::integer(gap)
                    ),
                    (Some(target), _) => format!("цель {}", ru::percent(Some(target))),
                    (None, _) => String::new(),
                },
                delta: delta_text(indicator.delta_pp),
                delta_class: delta_class(indicator.delta_pp),
                since: platform
                    .previous
                    .map(|date| format!("с {}", format_date_ru(date)))
                    .unwrap_or_else(|| "прошлого среза нет".to_string()),
                counts: format!(
                    "активных {} из {}",
                    ru::optional_integer(indicator.active),
                    ru::optional_integer(indicator.contingent)
                ),
            })
        })
        .collect()
}

/// What the figures mean: the active-user rule of each platform, and what a change is.
pub(crate) fn notes(report: &Report) -> Vec<String> {
    let mut notes: Vec<String> = report
        .platforms
        .iter()
        .filter(|p| p.present)
        .map(|p| {
            format!(
                "Активные, {}: {}.",
                p.platform.name,
                p.platform.rule.describe_ru()
            )
        })
        .collect();
    notes.push(
        "Доля — активные от контингента. Δ — изменение доли в процентных пунктах с прошлого \
         среза той же платформы; это сдвиг скользящего окна активности, а не число новых \
         пользователей."
            .to_string(),
    );
    notes
}

/// What the figures of each platform leave out: users of rows that name no organisation, and
/// organisations missing from the registry. Neither belongs to any municipality, and the
/// counts are the whole file's.
pub(crate) fn outside(report: &Report) -> Vec<String> {
    report
        .platforms
        .iter()
        .filter(|platform| platform.present)
        .filter_map(|platform| {
            let unknown = platform.unknown.as_ref()?;
            let mut parts = Vec::new();
            let without_org = unknown.users_without_org();
            if without_org > 0 {
                parts.push(format!(
                    "{} {} без организации ({})",
                    ru::integer(without_org),
                    ru::plural(without_org, "пользователь", "пользователя", "пользователей"),
                    by_role(&unknown.without_org)
                ));
            }
            let orgs = unknown.ids.len() as u64;
            if orgs > 0 {
                parts.push(format!(
                    "{} {} не из реестра ({} польз.)",
                    ru::integer(orgs),
                    ru::plural(orgs, "организация", "организации", "организаций"),
                    ru::integer(unknown.users)
                ));
            }
            (!parts.is_empty()).then(|| {
                format!(
                    "{}: в выгрузке {} — в показатели ОО не вошли.",
                    platform.platform.name,
                    parts.join(" и ")
                )
            })
        })
        .collect()
}

const ROLE_COLORS: [&str; 3] = ["#1f5fa8", "#d9822b", "#4f8a2b"];

fn role_color(role: Role) -> &'static str {
    match role {
        Role::Teachers => ROLE_COLORS[0],
        Role::Students => ROLE_COLORS[1],
        Role::Parents => ROLE_COLORS[2],
    }
}

fn status_color(status: Status) -> &'static str {
    match status {
        Status::Green => "#2e7d32",
        Status::Yellow => "#d4a106",
        Status::Red => "#c62828",
        Status::None => "#5b7db1",
    }
}

/// The trend of one row over every date: one chart per platform, a line per role, the
/// targets dashed. `rows[i]` is the row at `dates[i]` with its report, if it has one.
pub(crate) fn trend_charts(
    dates: &[Date],
    rows: &[Option<(&Report, &IndicatorRow)>],
) -> Vec<Chart> {
    let Some((latest, _)) = rows.iter().rev().flatten().next() else {
        return Vec::new();
    };
    let mut charts = Vec::new();
    for platform in &latest.platforms {
        let mut series = Vec::new();
        for role in Role::ALL {
            let mut values = Vec::with_capacity(dates.len());
            let mut targets = Vec::with_capacity(dates.len());
            let mut tips = Vec::with_capacity(dates.len());
            for (date, row) in dates.iter().zip(rows) {
                let found = row.and_then(|(report, row)| {
                    let pos = report
                        .platforms
                        .iter()
                        .position(|p| p.platform.code == platform.platform.code)?;
                    row.platforms[pos].as_ref().map(|p| *p.get(role))
                });
                values.push(found.and_then(|i| i.share).map(|s| s * 100.0));
                targets.push(found.and_then(|i| i.target).map(|t| t * 100.0));
                tips.push(match found {
                    Some(i) => format!(
                        "{} — {}: {} (активных {} из {})",
                        format_date_ru(*date),
                        role.title_ru(),
                        ru::percent(i.share),
                        ru::optional_integer(i.active),
                        ru::optional_integer(i.contingent)
                    ),
                    None => String::new(),
                });
            }
            if values.iter().any(Option::is_some) {
                series.push(Series {
                    label: role.title_ru().to_string(),
                    color: role_color(role),
                    values,
                    targets,
                    tips,
                });
            }
        }
        if series.is_empty() {
            continue;
        }
        let title = format!("{}: доля активных по срезам", platform.platform.name);
        charts.push(Chart {
            svg: charts::line_chart(&title, dates, &series),
            title,
            caption: "Точки — отчетные даты (наведите, чтобы увидеть значение); пунктир — цель."
                .to_string(),
        });
    }
    charts
}

/// Schools by share in bands of 10 p.p. (and one band over 100 %), coloured by where the
/// band lies against the target.
pub(crate) fn distribution_charts(
    report: &Report,
    schools: &[&IndicatorRow],
    band_pp: f64,
) -> Vec<Chart> {
    let mut charts = Vec::new();
    for column in columns(report, schools) {
        let indicators: Vec<&Indicator> = schools
            .iter()
            .filter_map(|row| indicator(row, column))
            .collect();
        let target = indicators.iter().find_map(|i| i.target);
        let mut counts = [0usize; 11];
        let mut without = 0;
        for i in &indicators {
            match i.share {
                Some(share) => {
                    let band = ((share * 100.0 + 1e-9) / 10.0).floor().clamp(0.0, 10.0) as usize;
                    counts[band] += 1;
                }
                None => without += 1,
            }
        }
        if counts.iter().all(|&c| c == 0) {
            continue;
        }
        let bins: Vec<Bin> = counts
            .iter()
            .enumerate()
            .map(|(band, &count)| {
                let (low, high) = (band as f64 * 10.0, band as f64 * 10.0 + 10.0);
                let label = if band == 10 {
                    "≥100".to_string()
                } else {
                    format!("{}–{}", low, high)
                };
                let status = match target {
                    None => Status::None,
                    Some(t) if low + 1e-9 >= t * 100.0 => Status::Green,
                    Some(t) if high <= t * 100.0 - band_pp + 1e-9 => Status::Red,
                    Some(_) => Status::Yellow,
                };
                Bin {
                    tip: format!(
                        "доля {label} %: {count} {}",
                        ru::plural(count as u64, "ОО", "ОО", "ОО")
                    ),
                    label,
                    count,
                    color: status_color(status),
                }
            })
            .collect();
        let platform = &report.platforms[column.platform].platform;
        let title = format!("{} · {}", platform.name, column.role.title_ru());
        let mut caption = format!(
            "{} ОО по доле активных на {}; {}.",
            ru::integer(indicators.len() as u64),
            format_date_ru(report.as_of),
            match target {
                Some(t) => format!(
                    "цель {}: зеленые — достигли, желтые — в пределах {} п.п., красные — ниже",
                    ru::percent(Some(t)),
                    ru::decimal(band_pp, 0)
                ),
                None => "цель не задана".to_string(),
            }
        );
        if without > 0 {
            caption.push_str(&format!(" Без контингента: {without} ОО."));
        }
        charts.push(Chart {
            svg: charts::histogram(&title, &bins),
            title,
            caption,
        });
    }
    charts
}

/// The red schools per indicator, lowest share first.
pub(crate) fn lagging_groups(report: &Report, as_of: Option<Date>) -> Vec<LagGroup> {
    let mut groups: Vec<LagGroup> = Vec::new();
    let mut current: Option<(String, Role)> = None;
    for lag in lagging(report, None, None) {
        let key = (lag.platform.code.clone(), lag.role);
        if current.as_ref() != Some(&key) {
            groups.push(LagGroup {
                title: format!("{} · {}", lag.platform.name, lag.role.title_ru()),
                total: 0,
                rows: Vec::new(),
            });
            current = Some(key);
        }
        let group = groups.last_mut().expect("a group was just pushed");
        group.total += 1;
        if group.rows.len() < LAGGING_SHOWN {
            group.rows.push(LagRow {
                name: lag.row.name.clone(),
                href: urls::school(&lag.row.id, as_of),
                municipality: lag.row.municipality.clone(),
                share: ru::percent(lag.indicator.share),
                target: ru::percent(lag.indicator.target),
                gap: ru::optional_integer(lag.indicator.gap),
                delta: ru::delta_pp(lag.indicator.delta_pp),
            });
        }
    }
    groups
}

/// Peers ranked by the share of the indicator `sort` (`myschool.teachers`; the first one by
/// default), highest first, ties by name.
pub(crate) fn ranked(
    title: String,
    report: &Report,
    rows: &[&IndicatorRow],
    sort: Option<&str>,
    base_href: &str,
    link: impl Fn(&IndicatorRow) -> Option<String>,
) -> Ranked {
    let columns = columns(report, rows);
    let sort_column = columns
        .iter()
        .copied()
        .find(|c| Some(c.code(report).as_str()) == sort)
        .or_else(|| columns.first().copied());
    let mut sorted: Vec<&IndicatorRow> = rows.to_vec();
    sorted.sort_by(|a, b| {
        let key = |row: &IndicatorRow| {
            sort_column
                .and_then(|c| indicator(row, c))
                .and_then(|i| i.share)
        };
        match (key(a), key(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    let mut groups: Vec<(String, usize)> = Vec::new();
    for column in &columns {
        let name = &report.platforms[column.platform].platform.name;
        match groups.last_mut() {
            Some((last, span)) if last == name => *span += 1,
            _ => groups.push((name.clone(), 1)),
        }
    }
    let separator = if base_href.contains('?') { '&' } else { '?' };
    Ranked {
        title,
        groups,
        columns: columns
            .iter()
            .map(|&c| RankColumn {
                label: c.role.title_ru(),
                href: format!(
                    "{base_href}{separator}sort={}",
                    urls::encode(&c.code(report))
                ),
                active: Some(c) == sort_column,
            })
            .collect(),
        show_schools: report.level != Level::School,
        rows: sorted
            .iter()
            .enumerate()
            .map(|(place, row)| RankRow {
                place: place + 1,
                name: row.name.clone(),
                href: link(row),
                schools: row.schools,
                cells: columns
                    .iter()
                    .map(|&c| match indicator(row, c) {
                        Some(i) => RankCell {
                            share: ru::percent(i.share),
                            delta: ru::delta_pp(i.delta_pp),
                            status: i.status.code(),
                        },
                        None => RankCell {
                            share: "—".to_string(),
                            delta: String::new(),
                            status: "none",
                        },
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// One platform's figures of a school: a measure per line, a role per column (narrow
/// enough for a phone).
pub(crate) struct FigureTable {
    pub platform: String,
    pub roles: Vec<&'static str>,
    pub lines: Vec<FigureLine>,
}

pub(crate) struct FigureLine {
    pub label: String,
    pub cells: Vec<FigureCell>,
}

pub(crate) struct FigureCell {
    pub text: String,
    pub class: &'static str,
}

pub(crate) fn school_figures(report: &Report, row: &IndicatorRow) -> Vec<FigureTable> {
    let next = format_date_ru(next_monthly(report.as_of));
    let columns = columns(report, &[row]);
    report
        .platforms
        .iter()
        .enumerate()
        .filter(|(_, p)| p.present)
        .map(|(idx, platform)| {
            let roles: Vec<(Role, Indicator)> = columns
                .iter()
                .filter(|c| c.platform == idx)
                .filter_map(|&c| indicator(row, c).map(|i| (c.role, *i)))
                .collect();
            let plain = |text: String| FigureCell { text, class: "" };
            let line = |label: &str, cell: &dyn Fn(&Indicator) -> FigureCell| FigureLine {
                label: label.to_string(),
                cells: roles.iter().map(|(_, i)| cell(i)).collect(),
            };
            let mut lines = vec![line("Зарегистрировано", &|i| {
                plain(ru::optional_integer(i.registered))
            })];
            if platform.platform.rule.requires_confirmed {
                lines.push(line("Подтвержденная УЗ", &|i| {
                    plain(ru::optional_integer(i.confirmed))
                }));
            }
            lines.extend([
                line("Активные", &|i| {
                    plain(ru::optional_integer(i.active))
                }),
                line("Контингент", &|i| {
                    plain(ru::optional_integer(i.contingent))
                }),
                line("Доля активных", &|i| FigureCell {
                    text: ru::percent(i.share),
                    class: i.status.code(),
                }),
                line(&change_label(platform), &|i| FigureCell {
                    text: ru::delta_pp(i.delta_pp),
                    class: delta_class(i.delta_pp),
                }),
                line("Цель", &|i| plain(ru::percent(i.target))),
                line("Статус", &|i| FigureCell {
                    text: i.status.title_ru().to_string(),
                    class: i.status.code(),
                }),
                line("До цели не хватает", &|i| {
                    plain(ru::optional_integer(i.gap))
                }),
                line("Место в муниципалитете", &|i| {
                    plain(place(i.rank.municipality))
                }),
                line("Место в регионе", &|i| {
                    plain(place(i.rank.region))
                }),
                line(&format!("Выпадут из окна до {next}"), &|i| {
                    plain(ru::optional_integer(i.leaving))
                }),
                line(&format!("Прогноз доли на {next}"), &|i| {
                    plain(match i.forecast_next(report.as_of) {
                        Some(forecast) => format!(
                            "{} ({})",
                            ru::percent(forecast.share),
                            ru::integer(forecast.active)
                        ),
                        None => "—".to_string(),
                    })
                }),
            ]);
            FigureTable {
                platform: platform.platform.name.clone(),
                roles: roles.iter().map(|(role, _)| role.title_ru()).collect(),
                lines,
            }
        })
        .collect()
}

fn change_label(platform: &ReportPlatform) -> String {
    match platform.previous {
        Some(date) => format!("Δ с {}, п.п.", format_date_ru(date)),
        None => "Δ, п.п.".to_string(),
    }
}

/// «3 из 41».
fn place(rank: Option<(usize, usize)>) -> String {
    match rank {
        Some((rank, of)) => format!("{rank} из {of}"),
        None => "—".to_string(),
    }
}

/// A data-quality finding as a page lists it.
pub(crate) struct FindingView {
    pub title: String,
    pub scope: String,
    pub count: String,
    /// The first schools concerned, listed at once.
    pub schools: Vec<(String, Option<String>)>,
    /// The next ones, behind a «more» switch.
    pub rest: Vec<(String, Option<String>)>,
    /// Those not listed at all.
    pub more: usize,
}

/// Schools listed at once under a finding, and at most behind its «more» switch.
const FINDING_SCHOOLS: usize = 10;
const FINDING_SCHOOLS_MAX: usize = 500;

/// Findings of a date as `account` may see them. An admin sees every finding with its
/// count; anyone else sees only findings about schools in scope, counted in those schools,
/// so that nothing is learnt about other schools.
pub(crate) fn findings(
    quality: &tsos_app::quality::QualityReport,
    catalogue: &tsos_domain::Catalogue,
    account: &Account,
    visible: &HashSet<&str>,
    as_of: Option<Date>,
) -> Vec<FindingView> {
    quality
        .findings
        .iter()
        .filter_map(|finding| {
            let orgs: Vec<&String> = finding
                .orgs
                .iter()
                .filter(|org| account.is_admin() || visible.contains(org.as_str()))
                .collect();
            if !account.is_admin() && orgs.is_empty() {
                return None;
            }
            let [one, few, many] = finding.kind.unit_ru();
            let count = if account.is_admin() {
                finding.count
            } else {
                orgs.len() as u64
            };
            let unit = if account.is_admin() {
                ru::plural(count, one, few, many)
            } else {
                "ОО"
            };
            let mut listed: Vec<(String, Option<String>)> = orgs
                .iter()
                .take(FINDING_SCHOOLS_MAX)
                .map(|org| match quality.names.get(org.as_str()) {
                    Some(name) => (format!("{name} ({org})"), Some(urls::school(org, as_of))),
                    None => (org.to_string(), None),
                })
                .collect();
            let rest = listed.split_off(listed.len().min(FINDING_SCHOOLS));
            Some(FindingView {
                title: capitalized(finding.kind.title_ru()),
                scope: finding_scope(finding, catalogue),
                count: format!("{} {unit}", ru::integer(count)),
                schools: listed,
                rest,
                more: orgs.len().saturating_sub(FINDING_SCHOOLS_MAX),
            })
        })
        .collect()
}

/// «Доля больше 100 %» from «доля больше 100 %», for a heading.
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// «ФГИС «Моя школа» · педагоги»: what a finding concerns.
pub(crate) fn finding_scope(
    finding: &tsos_domain::Finding,
    catalogue: &tsos_domain::Catalogue,
) -> String {
    let platform = finding
        .platform
        .as_deref()
        .map(|code| catalogue.get(code).map_or(code, |p| p.name.as_str()));
    let role = finding
        .role
        .as_deref()
        .map(|code| Role::from_code(code).map_or(code, |role| role.title_ru()));
    [platform, role]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}
