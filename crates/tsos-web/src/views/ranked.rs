//! Peers ranked by the share of one indicator, sortable by any.

use tsos_domain::{IndicatorRow, Level, Report};
use tsos_report::ru;

use super::columns::{columns, indicator};
use crate::http::urls;

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
