//! The charts of a page: a row's trend over the dates, and its schools by share.

use jiff::civil::Date;
use tsos_domain::{Event, Indicator, IndicatorRow, Report, Role, Status, format_date_ru};
use tsos_report::{marks, ru};

use super::columns::{columns, indicator};
use super::svg::{self, Bin, Series};

pub(crate) struct Chart {
    pub title: String,
    pub svg: String,
    pub caption: String,
}

const ROLE_COLORS: [&str; 4] = ["#1f5fa8", "#d9822b", "#4f8a2b", "#8a3b8f"];

fn role_color(role: Role) -> &'static str {
    match role {
        Role::Teachers => ROLE_COLORS[0],
        Role::Students => ROLE_COLORS[1],
        Role::Parents => ROLE_COLORS[2],
        Role::Staff => ROLE_COLORS[3],
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
                        "{} — {}: {} ({} {} из {})",
                        format_date_ru(*date),
                        role.title_ru(),
                        ru::percent(i.share),
                        platform.platform.rule.counted_ru(),
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
        let markers = markers(dates, rows, &platform.platform.code);
        let title = format!(
            "{}: доля {} по срезам",
            platform.platform.name,
            platform.platform.rule.counted_ru()
        );
        let mut caption =
            "Точки — отчетные даты (наведите, чтобы увидеть значение); пунктир — цель.".to_string();
        if !markers.is_empty() {
            caption.push_str(" Вертикальный пунктир — событие (наведите, чтобы прочесть).");
        }
        charts.push(Chart {
            svg: svg::line_chart(&title, dates, &series, &markers),
            title,
            caption,
        });
    }
    charts
}

/// The user flows of one row over the dates: one stacked-bar chart per platform and role that
/// has flows at some date — retained, returned and new users above the axis, lost below.
pub(crate) fn flows_charts(
    dates: &[Date],
    rows: &[Option<(&Report, &IndicatorRow)>],
) -> Vec<Chart> {
    let Some((latest, _)) = rows.iter().rev().flatten().next() else {
        return Vec::new();
    };
    let titles = tsos_report::labels::FLOW_TITLES;
    let mut charts = Vec::new();
    for platform in &latest.platforms {
        for role in Role::ALL {
            let mut stacks = Vec::new();
            for (date, row) in dates.iter().zip(rows) {
                let flows = row.and_then(|(report, row)| {
                    let pos = report
                        .platforms
                        .iter()
                        .position(|p| p.platform.code == platform.platform.code)?;
                    row.platforms[pos].as_ref()?.get(role).flows
                });
                let Some(flows) = flows else {
                    continue;
                };
                let values = tsos_report::labels::flow_values(&flows);
                let tip = titles
                    .iter()
                    .zip(values)
                    .map(|(title, n)| format!("{title}: {}", ru::integer(n)))
                    .collect::<Vec<_>>()
                    .join(", ");
                stacks.push(svg::Stack {
                    date: *date,
                    up: vec![
                        svg::Segment {
                            label: titles[2],
                            color: FLOW_COLORS[2],
                            count: flows.retained,
                        },
                        svg::Segment {
                            label: titles[1],
                            color: FLOW_COLORS[1],
                            count: flows.returned,
                        },
                        svg::Segment {
                            label: titles[0],
                            color: FLOW_COLORS[0],
                            count: flows.new,
                        },
                    ],
                    down: svg::Segment {
                        label: titles[3],
                        color: FLOW_COLORS[3],
                        count: flows.lost,
                    },
                    tip: format!("{} — {}: {tip}", format_date_ru(*date), role.title_ru()),
                });
            }
            if stacks
                .iter()
                .all(|s| s.up.iter().all(|seg| seg.count == 0) && s.down.count == 0)
            {
                continue;
            }
            let title = format!(
                "{}, {}: потоки пользователей с прошлого месяца",
                platform.platform.name,
                role.title_ru()
            );
            charts.push(Chart {
                svg: svg::stacked_bars(&title, &stacks),
                title,
                caption: "Над осью — активные в месяце: удержанные, вернувшиеся и новые; под осью — ушедшие с прошлого месяца (наведите на столбец, чтобы увидеть числа).".to_string(),
            });
        }
    }
    charts
}

/// New, returned, retained, lost, in the order of [`tsos_report::labels::FLOW_TITLES`].
const FLOW_COLORS: [&str; 4] = ["#7fb36a", "#e0a43a", "#1f5fa8", "#c0392b"];

/// The events of a platform's chart: those some date's Δ of the row spans (so they touch the
/// row and concern the platform), within the chart's dates, each once.
fn markers(
    dates: &[Date],
    rows: &[Option<(&Report, &IndicatorRow)>],
    code: &str,
) -> Vec<svg::Marker> {
    let (Some(first), Some(last)) = (dates.first(), dates.last()) else {
        return Vec::new();
    };
    let mut seen: Vec<&Event> = Vec::new();
    let mut markers = Vec::new();
    for (report, row) in rows.iter().flatten() {
        let Some(pos) = report
            .platforms
            .iter()
            .position(|p| p.platform.code == code)
        else {
            continue;
        };
        for event in report.delta_events(row, pos) {
            if event.date < *first || event.date > *last || seen.contains(&event) {
                continue;
            }
            seen.push(event);
            markers.push(svg::Marker {
                date: event.date,
                tip: marks::line(report, event),
            });
        }
    }
    markers
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
                    class: status.code(),
                }
            })
            .collect();
        let platform = &report.platforms[column.platform].platform;
        let title = format!("{} · {}", platform.name, column.role.title_ru());
        let mut caption = format!(
            "{} ОО по доле {} на {}; {}.",
            ru::integer(indicators.len() as u64),
            platform.rule.counted_ru(),
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
            svg: svg::histogram(&title, &bins),
            title,
            caption,
        });
    }
    charts
}
