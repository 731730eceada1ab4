//! A school's figures: every measure of every indicator, a table per platform. A measure
//! the other outputs show too is titled as they title it ([`Measure::title`]).

use tsos_domain::dates::next_monthly;
use tsos_domain::{Indicator, IndicatorRow, Report, ReportPlatform, Role, format_date_ru};
use tsos_report::labels::Measure;
use tsos_report::ru;

use super::columns::{columns, delta_class, indicator};

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
            let mut lines = vec![line(Measure::Registered.title(), &|i| {
                plain(ru::optional_integer(i.registered))
            })];
            if platform.platform.rule.requires_confirmed {
                lines.push(line(Measure::Confirmed.title(), &|i| {
                    plain(ru::optional_integer(i.confirmed))
                }));
            }
            lines.extend([
                line(Measure::Active.title(), &|i| {
                    plain(ru::optional_integer(i.active))
                }),
                line("Контингент", &|i| {
                    plain(ru::optional_integer(i.contingent))
                }),
                line(Measure::Share.title(), &|i| FigureCell {
                    text: ru::percent(i.share),
                    class: i.status.code(),
                }),
                line(&change_label(platform), &|i| FigureCell {
                    text: ru::delta_pp(i.delta_pp),
                    class: delta_class(i.delta_pp),
                }),
                line(Measure::Target.title(), &|i| plain(ru::percent(i.target))),
                line(Measure::Status.title(), &|i| FigureCell {
                    text: i.status.title_ru().to_string(),
                    class: i.status.code(),
                }),
                line(Measure::Gap.title(), &|i| {
                    plain(ru::optional_integer(i.gap))
                }),
                line(Measure::RankMunicipality.title(), &|i| {
                    plain(place(i.rank.municipality))
                }),
                line(Measure::RankRegion.title(), &|i| {
                    plain(place(i.rank.region))
                }),
                line(&format!("{} ({next})", Measure::Leaving.title()), &|i| {
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
