//! What the pages show, computed from the reports: the frame of every page, headline cards,
//! charts, the lagging list, ranked tables, a school's figures, data-quality findings.
//! Everything here is already formatted the Russian way («81,3 %», «01.10.2023»), so the
//! templates only lay it out; nothing here reads the database.

mod cards;
mod charts;
pub(crate) mod chats;
mod columns;
mod figures;
mod findings;
mod lagging;
mod notes;
pub(crate) mod preview;
mod ranked;
pub(crate) mod replies;
mod svg;

use jiff::civil::Date;
use tsos_domain::format_date_ru;

use crate::scope::Account;
pub(crate) use cards::{Card, cards};
pub(crate) use charts::{Chart, distribution_charts, flows_charts, trend_charts};
pub(crate) use figures::{FigureTable, school_counts, school_figures};
pub(crate) use findings::{FindingView, finding_scope, findings};
pub(crate) use lagging::{LagGroup, lagging_groups};
pub(crate) use notes::{notes, outside};
pub(crate) use ranked::{Ranked, ranked};

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
    Notices,
    Downloads,
    Import,
    Audit,
    Account,
    Events,
    Targets,
}

impl Layout {
    pub fn new(account: &Account, csrf: &str, section: Section, title: String) -> Layout {
        // The sections in menu order, with who sees each: snapshots for accounts that see all
        // the data, import and the audit log for administrators, everyone's own tokens.
        let sections = [
            (Section::Overview, "Обзор", "/", true),
            (
                Section::Snapshots,
                "Снимки",
                "/snapshots",
                account.sees_everything_in_data(),
            ),
            (Section::Quality, "Качество данных", "/quality", true),
            (Section::Chats, "Чаты", "/chats", true),
            (Section::Notices, "Уведомления", "/notices", true),
            (Section::Downloads, "Выгрузки", "/downloads", true),
            (Section::Events, "События", "/events", true),
            (Section::Targets, "Цели", "/targets", true),
            (Section::Import, "Импорт", "/import", account.is_admin()),
            (Section::Audit, "Журнал", "/audit", account.is_admin()),
            (Section::Account, "API-токены", "/account", true),
        ];
        let nav = sections
            .into_iter()
            .filter(|&(_, _, _, shown)| shown)
            .map(|(item, label, href, _)| NavItem {
                label,
                href,
                active: section == item,
            })
            .collect();
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

/// A stored UTC time as people in the authorities read it: Moscow time, «01.10.2023 14:05».
pub(crate) fn moscow_time(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(ts) => {
            let local = jiff::tz::offset(3).to_datetime(ts);
            format!(
                "{} {:02}:{:02}",
                format_date_ru(local.date()),
                local.hour(),
                local.minute()
            )
        }
        Err(_) => rfc3339.to_string(),
    }
}
