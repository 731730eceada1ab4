//! A school's figures: every measure of every indicator, a table per platform. A measure
//! the other outputs show too is titled as they title it ([`Measure::title`]).

use tsos_domain::dates::next_monthly;
use tsos_domain::{
    CountIndicator, CountRate, Indicator, IndicatorRow, Report, ReportPlatform, Role,
    format_date_ru,
};
use tsos_report::labels::{COUNTS_TITLE, CountMeasure, Measure};
use tsos_report::ru;

use super::columns::{columns, delta_class, indicator};

/// One platform's figures of a school: a measure per line, a role per column (narrow
/// enough for a phone).
pub(crate) struct FigureTable {
    pub platform: String,
    /// The columns' titles: the roles, or a count of use's measures.
    pub columns: Vec<&'static str>,
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

/// A school's counts of use, a table per platform whose snapshot gives some: a count per
/// line, its value, rates and change per column, titled as the table and the XLSX title them
/// ([`CountMeasure::title`]); a rate with a target is coloured by its status.
pub(crate) fn school_counts(report: &Report, row: &IndicatorRow) -> Vec<FigureTable> {
    report
        .platforms
        .iter()
        .enumerate()
        .filter(|(idx, p)| p.present && !row.uses[*idx].is_empty())
        .map(|(idx, platform)| FigureTable {
            platform: format!("{COUNTS_TITLE}: {}", platform.platform.name),
            columns: CountMeasure::ALL.map(CountMeasure::title).to_vec(),
            lines: platform
                .counts
                .iter()
                .filter_map(|column| {
                    let count = row.uses[idx].get(&column.name)?;
                    let plain = |text: String| FigureCell { text, class: "" };
                    let cells = CountMeasure::ALL.map(|measure| match measure {
                        CountMeasure::Value => plain(ru::integer(count.value)),
                        CountMeasure::Per100Students => rate_cell(count, CountRate::Per100Students),
                        CountMeasure::PerTeacher => rate_cell(count, CountRate::PerTeacher),
                        CountMeasure::Delta => FigureCell {
                            text: ru::signed_integer(count.delta),
                            class: delta_class(count.delta_pct),
                        },
                        CountMeasure::DeltaPct => FigureCell {
                            text: ru::delta_pp(count.delta_pct),
                            class: delta_class(count.delta_pct),
                        },
                    });
                    Some(FigureLine {
                        label: column.title.clone(),
                        cells: cells.into(),
                    })
                })
                .collect(),
        })
        .collect()
}

/// A count's rate, lit by its status as a share is where a target is set on the rate.
fn rate_cell(count: &CountIndicator, rate: CountRate) -> FigureCell {
    FigureCell {
        text: ru::rate(count.rate(rate)),
        class: count
            .targets
            .get(rate)
            .map_or("", |target| target.status.code()),
    }
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
                line(Measure::Active.title_for(&platform.platform.rule), &|i| {
                    plain(ru::optional_integer(i.active))
                }),
                line("Контингент", &|i| {
                    plain(ru::optional_integer(i.contingent))
                }),
                line(Measure::Share.title_for(&platform.platform.rule), &|i| {
                    FigureCell {
                        text: ru::percent(i.share),
                        class: i.status.code(),
                    }
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
                columns: roles.iter().map(|(role, _)| role.title_ru()).collect(),
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
fn place(rank: Option<(u32, u32)>) -> String {
    match rank {
        Some((rank, of)) => format!("{rank} из {of}"),
        None => "—".to_string(),
    }
}
