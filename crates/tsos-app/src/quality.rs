//! `tsos quality`: every data-quality finding of a date (SPEC §6), with the schools concerned.

use std::collections::HashMap;

use jiff::civil::Date;
use tsos_domain::quality::{Finding, FindingKind, findings_in_report, push};
use tsos_domain::{Catalogue, Level, OrgId};
use tsos_store::Store;

use crate::AppError;
use crate::report::build_report;

#[derive(Clone, Debug, PartialEq)]
pub struct QualityReport {
    pub as_of: Date,
    pub findings: Vec<Finding>,
    /// Names of the registry schools, for listing them.
    pub names: HashMap<String, String>,
}

/// The findings at `as_of`: those the figures show (shares over 100 %, contingents missing,
/// drops, registry schools absent from an export, unknown organisations) and those stored
/// with each platform's snapshot at import (dates after the as-of date, merged duplicates,
/// shares disagreeing with counts, contingents differing from the registry).
pub fn build_quality(
    store: &Store,
    catalogue: &Catalogue,
    as_of: Date,
) -> Result<QualityReport, AppError> {
    let report = build_report(store, catalogue, as_of, Level::School)?;
    let mut findings = findings_in_report(&report);
    for platform in report.platforms.iter().filter(|p| p.present) {
        let code = platform.platform.code.as_str();
        let snapshot = store
            .current_at(code, as_of)?
            .expect("a present platform has a snapshot at the date");
        let counts = store.platform_counts(&snapshot)?;
        let absent = report
            .rows
            .iter()
            .filter(|row| {
                !counts
                    .by_org
                    .contains_key(&OrgId::from_normalized(row.id.clone()))
            })
            .map(|row| row.id.clone())
            .collect();
        push(
            &mut findings,
            FindingKind::AbsentFromExport,
            Some(code),
            None,
            absent,
        );
        // Unknown organisations as the registry stands now, not as it stood at import.
        if let Some(unknown) = &platform.unknown {
            push(
                &mut findings,
                FindingKind::UnknownOrganisations,
                Some(code),
                None,
                unknown.ids.iter().map(ToString::to_string).collect(),
            );
        }
        findings.extend(
            snapshot
                .findings
                .into_iter()
                .filter(|f| f.kind != FindingKind::UnknownOrganisations),
        );
    }
    findings.sort_by(|a, b| (a.kind, &a.platform, &a.role).cmp(&(b.kind, &b.platform, &b.role)));
    let names = report
        .rows
        .into_iter()
        .map(|row| (row.id, row.name))
        .collect();
    Ok(QualityReport {
        as_of,
        findings,
        names,
    })
}
