//! The marks of dated events in a table: a Δ that spans an event gets «*N», N being the
//! event's place in the report's list of events (from 1), so that the table, the XLSX sheets
//! of every level and the list under them number an event alike.

use tsos_domain::{Event, IndicatorRow, Report};

use crate::labels::{EVENT_MARK, event_line};

/// The numbers of the events that the Δ of platform `idx` in `row` spans.
pub fn delta_numbers(report: &Report, row: &IndicatorRow, idx: usize) -> Vec<usize> {
    report
        .delta_events(row, idx)
        .into_iter()
        .filter_map(|event| number(report, event))
        .collect()
}

/// The numbers of the events any Δ of `row` spans.
pub fn row_numbers(report: &Report, row: &IndicatorRow) -> Vec<usize> {
    report
        .row_events(row)
        .into_iter()
        .filter_map(|event| number(report, event))
        .collect()
}

/// The number of `event` in the report's list, as a one-element list for [`marker`].
pub fn row_numbers_of(report: &Report, event: &Event) -> Vec<usize> {
    number(report, event).into_iter().collect()
}

fn number(report: &Report, event: &Event) -> Option<usize> {
    report
        .events
        .iter()
        .position(|e| std::ptr::eq(e, event))
        .map(|idx| idx + 1)
}

/// «*1» or «*1,2»; empty for none.
pub fn marker(numbers: &[usize]) -> String {
    if numbers.is_empty() {
        return String::new();
    }
    let list: Vec<String> = numbers.iter().map(ToString::to_string).collect();
    format!("{EVENT_MARK}{}", list.join(","))
}

/// The events some row of `report` is marked with, each as «*N» and its line, with the
/// platform's name as the report gives it.
pub fn listed(report: &Report) -> Vec<(String, String)> {
    let mut used = vec![false; report.events.len()];
    for row in &report.rows {
        for n in row_numbers(report, row) {
            used[n - 1] = true;
        }
    }
    report
        .events
        .iter()
        .enumerate()
        .filter(|(idx, _)| used[*idx])
        .map(|(idx, event)| (marker(&[idx + 1]), line(report, event)))
        .collect()
}

/// An event's line with its platform's name from the report.
pub fn line(report: &Report, event: &Event) -> String {
    let platform = event.platform.as_deref().map(|code| {
        report
            .platforms
            .iter()
            .find(|p| p.platform.code == code)
            .map_or(code, |p| p.platform.name.as_str())
    });
    event_line(event, platform)
}
