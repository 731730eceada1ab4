//! Data-quality findings (SPEC §6): what makes a figure doubtful before it is sent to a
//! school head. Some are found at import and stored with the snapshot; the others are found
//! in the figures of a date.

use serde::{Deserialize, Serialize};

use crate::indicators::{IndicatorRow, Report};
use crate::role::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    ShareOver100,
    ContingentMissing,
    AbsentFromExport,
    Drop,
    UnknownOrganisations,
    DatesAfterAsOf,
    DuplicatesMerged,
    SharesDisagree,
    ContingentDiffers,
    WithoutOrganisation,
}

impl FindingKind {
    pub fn code(self) -> &'static str {
        match self {
            FindingKind::ShareOver100 => "share_over_100",
            FindingKind::ContingentMissing => "contingent_missing",
            FindingKind::AbsentFromExport => "absent_from_export",
            FindingKind::Drop => "drop",
            FindingKind::UnknownOrganisations => "unknown_organisations",
            FindingKind::DatesAfterAsOf => "dates_after_as_of",
            FindingKind::DuplicatesMerged => "duplicates_merged",
            FindingKind::SharesDisagree => "shares_disagree",
            FindingKind::ContingentDiffers => "contingent_differs",
            FindingKind::WithoutOrganisation => "without_organisation",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            FindingKind::ShareOver100 => "доля больше 100 %",
            FindingKind::ContingentMissing => "контингент не указан или равен 0",
            FindingKind::AbsentFromExport => "ОО из реестра нет в выгрузке",
            FindingKind::Drop => "падение доли более чем на 20 п.п. с прошлого среза",
            FindingKind::UnknownOrganisations => "организации не из реестра",
            FindingKind::DatesAfterAsOf => "даты активности позже отчетной даты",
            FindingKind::DuplicatesMerged => "повторяющиеся строки пользователей объединены",
            FindingKind::SharesDisagree => "доли в файле не совпадают с его количествами",
            FindingKind::ContingentDiffers => {
                "контингент в файле отличается от реестра более чем на 5 %"
            }
            FindingKind::WithoutOrganisation => {
                "пользователи без организации (в показатели ОО не вошли)"
            }
        }
    }

    /// What `count` counts, in the three Russian plural forms (1, 2–4, 5 and more).
    pub fn unit_ru(self) -> [&'static str; 3] {
        match self {
            FindingKind::UnknownOrganisations => ["организация", "организации", "организаций"],
            FindingKind::DatesAfterAsOf | FindingKind::WithoutOrganisation => {
                ["пользователь", "пользователя", "пользователей"]
            }
            FindingKind::DuplicatesMerged => ["строка", "строки", "строк"],
            FindingKind::SharesDisagree | FindingKind::ContingentDiffers => {
                ["значение", "значения", "значений"]
            }
            _ => ["ОО", "ОО", "ОО"],
        }
    }
}

/// One finding: its kind, where (platform and role, where it applies), how many and which
/// organisations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub count: u64,
    /// Organisation ids concerned.
    pub orgs: Vec<String>,
}

/// The drop that is a finding, in percentage points.
pub const DROP_PP: f64 = 20.0;

/// Findings visible in the school rows of a report: shares over 100 %, contingents missing
/// or 0, drops of more than 20 p.p. Parents and staff are left out of the contingent check:
/// their headcounts are optional (SPEC §6).
pub fn findings_in_report(report: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for role in Role::ALL.into_iter().filter(|r| !r.contingent_optional()) {
        let orgs: Vec<String> = report
            .rows
            .iter()
            .filter(|row| matches!(row.contingent.get(role), None | Some(0)))
            .map(|row| row.id.clone())
            .collect();
        push(
            &mut out,
            FindingKind::ContingentMissing,
            None,
            Some(role),
            orgs,
        );
    }
    for (idx, platform) in report.platforms.iter().enumerate() {
        for role in Role::ALL {
            let over = select(&report.rows, idx, role, |i| {
                i.share.is_some_and(|s| s > 1.0)
            });
            push(
                &mut out,
                FindingKind::ShareOver100,
                Some(&platform.platform.code),
                Some(role),
                over,
            );
            let drops = select(&report.rows, idx, role, |i| {
                i.delta_pp.is_some_and(|d| d < -DROP_PP)
            });
            push(
                &mut out,
                FindingKind::Drop,
                Some(&platform.platform.code),
                Some(role),
                drops,
            );
        }
    }
    out
}

fn select(
    rows: &[IndicatorRow],
    platform_idx: usize,
    role: Role,
    test: impl Fn(&crate::indicators::Indicator) -> bool,
) -> Vec<String> {
    rows.iter()
        .filter(|row| {
            row.platforms[platform_idx]
                .as_ref()
                .is_some_and(|p| test(p.get(role)))
        })
        .map(|row| row.id.clone())
        .collect()
}

/// Adds a finding with `orgs` as its organisations and count, unless there are none.
pub fn push(
    out: &mut Vec<Finding>,
    kind: FindingKind,
    platform: Option<&str>,
    role: Option<Role>,
    orgs: Vec<String>,
) {
    if orgs.is_empty() {
        return;
    }
    out.push(Finding {
        kind,
        platform: platform.map(str::to_string),
        role: role.map(|r| r.code().to_string()),
        count: orgs.len() as u64,
        orgs,
    });
}
