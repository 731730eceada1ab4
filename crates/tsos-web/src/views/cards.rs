//! Headline cards: the few figures a page opens with. A report's card is a platform and role
//! against its target, with its change; a chats card is what the chats of an area or a
//! school count ([`super::chats::chat_cards`]). Both are one [`Card`], drawn by one macro.

use tsos_domain::{IndicatorRow, Report, Status, format_date_ru};
use tsos_report::ru;

use super::columns::{columns, delta_class, delta_text, indicator};

/// A headline figure.
pub(crate) struct Card {
    /// What the figure is of: a platform, or what the chats count.
    pub title: String,
    /// Under the title, in larger type: the role of a platform's card; empty for none.
    pub subtitle: &'static str,
    /// The figure: «81,3 %», «12», «просрочено».
    pub value: String,
    /// The figure is a word, not a number: set smaller so that it fits the card.
    pub text: bool,
    /// The traffic light of the card; [`Status::None`] draws none.
    pub status: Status,
    /// The status in words, after a dot of its colour; empty: no such line.
    pub status_label: &'static str,
    /// «цель 100,0 %, не хватает 3 359»; empty without a target.
    pub target: String,
    /// The change since the previous date, where the figure has one.
    pub change: Option<Change>,
    /// What the figure counts: «активных 12 из 20»; empty for nothing more to say.
    pub counts: String,
}

/// A figure's change since the previous date.
pub(crate) struct Change {
    /// «+1,2 п.п.»
    pub delta: String,
    /// `up`, `down` or `flat`.
    pub class: &'static str,
    /// «с 01.09.2023», or that there is no previous date.
    pub since: String,
}

/// The headline cards of one row (a region, municipality or school).
pub(crate) fn cards(report: &Report, row: &IndicatorRow) -> Vec<Card> {
    columns(report, &[row])
        .into_iter()
        .filter_map(|column| {
            let indicator = indicator(row, column)?;
            let platform = &report.platforms[column.platform];
            Some(Card {
                title: platform.platform.name.clone(),
                subtitle: column.role.title_ru(),
                value: ru::percent(indicator.share),
                text: false,
                status: indicator.status,
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
                change: Some(Change {
                    delta: delta_text(indicator.delta_pp),
                    class: delta_class(indicator.delta_pp),
                    since: platform
                        .previous
                        .map(|date| format!("с {}", format_date_ru(date)))
                        .unwrap_or_else(|| "прошлого среза нет".to_string()),
                }),
                counts: format!(
                    "{} {} из {}",
                    platform.platform.rule.counted_ru(),
                    ru::optional_integer(indicator.active),
                    ru::optional_integer(indicator.contingent)
                ),
            })
        })
        .collect()
}
