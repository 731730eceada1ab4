//! Who sees what. Every page, download and API call filters the rows of a report through the
//! account's scope on the server; nothing is hidden only in the browser.

use std::fmt;

use tsos_domain::{IndicatorRow, Level, Report};

use crate::http::error::WebError;

/// The kind of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountRole {
    /// Everything, the import and the audit log.
    Admin,
    /// One region: its municipalities and schools.
    Region,
    /// One municipality and its schools.
    Municipality,
    /// One school.
    School,
}

impl AccountRole {
    pub const ALL: [AccountRole; 4] = [
        AccountRole::Admin,
        AccountRole::Region,
        AccountRole::Municipality,
        AccountRole::School,
    ];

    /// The code stored in the database and typed on the command line.
    pub fn code(self) -> &'static str {
        match self {
            AccountRole::Admin => "admin",
            AccountRole::Region => "region",
            AccountRole::Municipality => "municipality",
            AccountRole::School => "school",
        }
    }

    pub fn from_code(code: &str) -> Option<AccountRole> {
        AccountRole::ALL
            .into_iter()
            .find(|role| role.code() == code)
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            AccountRole::Admin => "администратор",
            AccountRole::Region => "регион",
            AccountRole::Municipality => "муниципалитет",
            AccountRole::School => "школа",
        }
    }
}

impl fmt::Display for AccountRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A logged-in account: its role and what it is limited to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Account {
    pub login: String,
    pub role: AccountRole,
    /// The region's or municipality's name or the school's ИНН; empty for an admin.
    pub scope: String,
}

impl Account {
    pub fn is_admin(&self) -> bool {
        self.role == AccountRole::Admin
    }

    /// The snapshots' lineage and the whole data-quality picture concern every school, so
    /// they are for those who answer for all of them.
    pub fn sees_everything_in_data(&self) -> bool {
        matches!(self.role, AccountRole::Admin | AccountRole::Region)
    }

    /// Whether a row of a report at `level` is the account's to see.
    pub fn sees(&self, level: Level, row: &IndicatorRow) -> bool {
        self.sees_row(level, &row.id, &row.municipality, &row.region)
    }

    /// Whether the row `id` at `level`, of `municipality` in `region`, is the account's to
    /// see: the one rule behind every report, chats table and school page.
    pub fn sees_row(&self, level: Level, id: &str, municipality: &str, region: &str) -> bool {
        match self.role {
            AccountRole::Admin => true,
            AccountRole::Region => region == self.scope,
            AccountRole::Municipality => match level {
                Level::School => municipality == self.scope,
                Level::Municipality => id == self.scope,
                Level::Region => false,
            },
            AccountRole::School => level == Level::School && id == self.scope,
        }
    }

    /// Whether the account may change the official chats of the school `inn`: the school
    /// itself, and an admin; authorities see them but do not edit a school's registry.
    pub fn edits_chats_of(&self, inn: &str) -> bool {
        match self.role {
            AccountRole::Admin => true,
            AccountRole::School => self.scope == inn,
            AccountRole::Region | AccountRole::Municipality => false,
        }
    }

    /// Whether the account sees any row of `level` at all: a school account sees no
    /// municipality, a municipality account no region.
    pub fn sees_level(&self, level: Level) -> bool {
        match self.role {
            AccountRole::Admin | AccountRole::Region => true,
            AccountRole::Municipality => level != Level::Region,
            AccountRole::School => level == Level::School,
        }
    }

    /// An error unless the account is an admin's: the one check of what only an admin may
    /// open or do (the import, the audit log), with one message.
    pub fn require_admin(&self) -> Result<(), WebError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "доступно только администратору".to_string(),
            ))
        }
    }

    /// An error unless the account sees rows of `level`.
    pub fn require_level(&self, level: Level) -> Result<(), WebError> {
        if self.sees_level(level) {
            Ok(())
        } else {
            Err(WebError::Forbidden(format!(
                "уровень «{}» недоступен этой учетной записи",
                level.code()
            )))
        }
    }

    /// The report with only the rows the account may see. Organisations missing from the
    /// registry belong to no municipality, so only an admin or a region account learns of
    /// them.
    pub fn filter(&self, report: &Report) -> Report {
        self.filter_where(report, |_| true)
    }

    /// [`Account::filter`], keeping of the visible rows only those `keep` accepts: one row
    /// of a national report is copied alone, not with every other one.
    pub fn filter_where(&self, report: &Report, keep: impl Fn(&IndicatorRow) -> bool) -> Report {
        let mut platforms = report.platforms.clone();
        if !self.sees_everything_in_data() {
            for platform in &mut platforms {
                platform.unknown = None;
            }
        }
        let rows: Vec<IndicatorRow> = report
            .rows
            .iter()
            .filter(|row| self.sees(report.level, row) && keep(row))
            .cloned()
            .collect();
        // An event goes with the rows it touches: one of another school or municipality
        // stays behind with that school's figures.
        let events = report
            .events
            .iter()
            .filter(|event| {
                rows.iter()
                    .any(|row| event.scope.touches(&row.place(report.level)))
            })
            .cloned()
            .collect();
        Report {
            as_of: report.as_of,
            level: report.level,
            platforms,
            rows,
            events,
        }
    }

    /// «Иванова (школа 0512345678)».
    pub fn describe(&self) -> String {
        if self.scope.is_empty() {
            format!("{} ({})", self.login, self.role.title_ru())
        } else {
            format!("{} ({} {})", self.login, self.role.title_ru(), self.scope)
        }
    }
}
