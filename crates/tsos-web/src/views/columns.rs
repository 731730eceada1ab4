//! The indicators a table, chart or card shows: a platform and a role each.

use tsos_domain::{Indicator, IndicatorRow, Report, Role};
use tsos_report::ru;

/// A platform and role shown in a table or chart.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndicatorColumn {
    pub platform: usize,
    pub role: Role,
}

impl IndicatorColumn {
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
pub(crate) fn columns(report: &Report, rows: &[&IndicatorRow]) -> Vec<IndicatorColumn> {
    let mut out = Vec::new();
    for (idx, platform) in report.platforms.iter().enumerate() {
        if !platform.present {
            continue;
        }
        for role in Role::ALL {
            let shown = !role.contingent_optional()
                || rows.iter().any(|row| {
                    row.platforms[idx]
                        .as_ref()
                        .is_some_and(|p| p.get(role).share.is_some())
                });
            if shown {
                out.push(IndicatorColumn {
                    platform: idx,
                    role,
                });
            }
        }
    }
    out
}

pub(super) fn indicator(row: &IndicatorRow, column: IndicatorColumn) -> Option<&Indicator> {
    row.platforms[column.platform]
        .as_ref()
        .map(|p| p.get(column.role))
}

pub(super) fn delta_class(delta: Option<f64>) -> &'static str {
    match delta {
        Some(d) if d >= 0.05 => "up",
        Some(d) if d <= -0.05 => "down",
        _ => "flat",
    }
}

pub(super) fn delta_text(delta: Option<f64>) -> String {
    match delta {
        Some(_) => format!("{} п.п.", ru::delta_pp(delta)),
        None => "—".to_string(),
    }
}
