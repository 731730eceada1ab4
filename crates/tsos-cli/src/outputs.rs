//! The records of `tsos-store` and `tsos-app` as the plain data the writers of `tsos-report`
//! take: `tsos-app` depends on `tsos-report`, so the writers cannot name its types, and an
//! output crate has no business with the store's.

use tsos_app::at_risk::AtRiskList;
use tsos_app::letters::Followup;
use tsos_report::at_risk::{AtRisk, Person};
use tsos_report::lists::{FollowupLetter, SnapshotLine};
use tsos_store::SnapshotInfo;

pub fn snapshots_json(snapshots: &[SnapshotInfo]) -> String {
    let list: Vec<SnapshotLine<'_>> = snapshots.iter().map(snapshot).collect();
    tsos_report::lists::snapshots_json(&list)
}

fn snapshot(s: &SnapshotInfo) -> SnapshotLine<'_> {
    SnapshotLine {
        id: s.id,
        dataset: &s.dataset,
        as_of: s.as_of,
        kind: s.kind,
        file_name: &s.file_name,
        sha256: &s.sha256,
        imported_at: &s.imported_at,
        current: s.is_current(),
        superseded_by: s.superseded_by,
        superseded_at: s.superseded_at.as_deref(),
        rows_read: s.rows_read,
        rows_skipped: s.rows_skipped,
        rows_rejected: s.rows_rejected,
        skipped: &s.skipped,
        rejected: &s.rejected,
        warnings: &s.warnings,
        findings: &s.findings,
    }
}

pub fn followup_json(followup: &Followup) -> String {
    let letter = &followup.letter;
    tsos_report::lists::followup_json(
        &FollowupLetter {
            id: letter.id,
            number: &letter.number,
            date: letter.date,
            as_of: letter.as_of,
            deadline: letter.deadline,
        },
        &followup.lines,
    )
}

pub fn at_risk_csv(list: &AtRiskList) -> Vec<u8> {
    tsos_report::at_risk::csv(&at_risk(list))
}

pub fn at_risk_xlsx(list: &AtRiskList) -> anyhow::Result<Vec<u8>> {
    Ok(tsos_report::at_risk::xlsx(&at_risk(list))?)
}

fn at_risk(list: &AtRiskList) -> AtRisk<'_> {
    AtRisk {
        platform_name: &list.platform_name,
        school: &list.school,
        as_of: list.as_of,
        horizon_end: list.horizon_end,
        users: list
            .users
            .iter()
            .map(|user| Person {
                full_name: user.full_name.as_deref(),
                user_id: user.user_id.as_deref(),
                role: user.role,
                last: user.last,
                active_until: user.active_until,
            })
            .collect(),
    }
}
