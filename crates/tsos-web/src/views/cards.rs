//! Headline cards: a figure of a row against its target, with its change.

use tsos_domain::{IndicatorRow, Report, Status, format_date_ru};
use tsos_report::ru;

use super::columns::{columns, delta_class, delta_text, indicator};

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
