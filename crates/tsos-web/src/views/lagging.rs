//! The lagging list: the schools below target, or below a fixed cut-off, per indicator.

use jiff::civil::Date;
use tsos_domain::Report;
use tsos_domain::Role;
use tsos_domain::indicators::{Cutoff, lagging};
use tsos_report::ru;

use crate::http::urls;

/// How many schools of each indicator the lagging list shows before pointing to the
/// appendix.
const LAGGING_SHOWN: usize = 10;

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

/// The schools the cut-off lists, per indicator, lowest share first.
pub(crate) fn lagging_groups(
    report: &Report,
    as_of: Option<Date>,
    cutoff: Cutoff,
) -> Vec<LagGroup> {
    let mut groups: Vec<LagGroup> = Vec::new();
    let mut current: Option<(String, Role)> = None;
    for lag in lagging(report, None, None, cutoff) {
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
