//! The lists `tsos` prints as JSON (`--format json`): the snapshots with their lineage, the
//! lagging schools, the data-quality findings and a letter's follow-up.
//!
//! The snapshots and the follow-up are records of `tsos-store` and `tsos-app`, which this
//! crate sits below (`tsos-app` uses it), so a snapshot arrives as the plain borrowed data of
//! [`SnapshotLine`]; a follow-up's lines are the domain's.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use serde_json::{Value, json};
use tsos_domain::followup::FollowupLine;
use tsos_domain::indicators::{Cutoff, Lagging};
use tsos_domain::{Finding, Report, SnapshotKind};

use crate::json::pretty;

/// One snapshot of `tsos snapshots`, as the store keeps it.
pub struct SnapshotLine<'a> {
    pub id: i64,
    pub dataset: &'a str,
    pub as_of: Date,
    pub kind: SnapshotKind,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub imported_at: &'a str,
    /// Not superseded by another file for the same dataset and date.
    pub current: bool,
    pub superseded_by: Option<i64>,
    pub superseded_at: Option<&'a str>,
    pub rows_read: u64,
    pub rows_skipped: u64,
    pub rows_rejected: u64,
    pub skipped: &'a BTreeMap<String, u64>,
    pub rejected: &'a BTreeMap<String, u64>,
    pub warnings: &'a [String],
    pub findings: &'a [Finding],
}

pub fn snapshots_json(snapshots: &[SnapshotLine<'_>]) -> String {
    let list: Vec<Value> = snapshots
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "dataset": s.dataset,
                "as_of": s.as_of.to_string(),
                "kind": s.kind.code(),
                "file_name": s.file_name,
                "sha256": s.sha256,
                "imported_at": s.imported_at,
                "current": s.current,
                "superseded_by": s.superseded_by,
                "superseded_at": s.superseded_at,
                "rows_read": s.rows_read,
                "rows_skipped": s.rows_skipped,
                "rows_rejected": s.rows_rejected,
                "skipped": s.skipped,
                "rejected": s.rejected,
                "warnings": s.warnings,
                "findings": s.findings,
            })
        })
        .collect();
    pretty(&Value::Array(list))
}

/// The lagging list; `below` is there when a fixed cut-off, not the targets, made it.
pub fn lagging_json(report: &Report, lagging: &[Lagging<'_>], cutoff: Cutoff) -> String {
    let list: Vec<Value> = lagging
        .iter()
        .map(|entry| {
            json!({
                "indicator": format!("{}.{}", entry.platform.code, entry.role.code()),
                "id": entry.row.id,
                "name": entry.row.name,
                "municipality": entry.row.municipality,
                "share": entry.indicator.share,
                "active": entry.indicator.active,
                "contingent": entry.indicator.contingent,
                "target": entry.indicator.target,
                "gap": entry.indicator.gap,
                "delta_pp": entry.indicator.delta_pp,
            })
        })
        .collect();
    let mut out = json!({
        "as_of": report.as_of.to_string(),
        "lagging": list,
    });
    if let Cutoff::Below(cut) = cutoff {
        out["below"] = json!(cut);
    }
    pretty(&out)
}

/// The findings of a date, each with its schools named from `names` (id → name) where the
/// registry has them.
pub fn quality_json(as_of: Date, findings: &[Finding], names: &HashMap<String, String>) -> String {
    let findings: Vec<Value> = findings
        .iter()
        .map(|finding| {
            json!({
                "kind": finding.kind.code(),
                "title": finding.kind.title_ru(),
                "platform": finding.platform,
                "role": finding.role,
                "count": finding.count,
                "schools": finding.orgs.iter().map(|id| json!({
                    "id": id,
                    "name": names.get(id),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    pretty(&json!({
        "as_of": as_of.to_string(),
        "findings": findings,
    }))
}

/// The registered letter a follow-up is of.
pub struct FollowupLetter<'a> {
    pub id: i64,
    pub number: &'a str,
    pub date: Date,
    pub as_of: Date,
    pub deadline: Date,
}

pub fn followup_json(letter: &FollowupLetter<'_>, lines: &[FollowupLine]) -> String {
    let lines: Vec<Value> = lines
        .iter()
        .map(|line| {
            json!({
                "id": line.item.org_id,
                "name": line.item.name,
                "indicator": format!("{}.{}", line.item.platform, line.item.role.code()),
                "target": line.item.target,
                "share_then": line.item.share,
                "after_as_of": line.after.map(|(d, _)| d.to_string()),
                "share_after": line.after.and_then(|(_, s)| s),
                "outcome": line.outcome.code(),
                "delivery": line.delivery.map(|d| d.code()),
                "reply": line.reply.code(),
                "expected_by": line.expected_by.map(|d| d.to_string()),
            })
        })
        .collect();
    pretty(&json!({
        "letter": {
            "id": letter.id,
            "number": letter.number,
            "date": letter.date.to_string(),
            "as_of": letter.as_of.to_string(),
            "deadline": letter.deadline.to_string(),
        },
        "lines": lines,
    }))
}

/// One event of `tsos events list`, as the store keeps it.
pub struct EventLine<'a> {
    pub id: i64,
    pub event: &'a tsos_domain::Event,
    pub added_at: &'a str,
    /// The dashboard's login; `None` from the command line.
    pub added_by: Option<&'a str>,
}

/// The events as JSON: each the report's object ([`crate::json::event_value`]) with its
/// number and who added it when.
pub fn events_json(events: &[EventLine<'_>]) -> String {
    let values = events
        .iter()
        .map(|line| {
            let mut value = crate::json::event_value(line.event);
            if let Value::Object(map) = &mut value {
                map.insert("id".into(), line.id.into());
                map.insert("added_at".into(), line.added_at.into());
                map.insert("added_by".into(), line.added_by.into());
            }
            value
        })
        .collect();
    pretty(&Value::Array(values))
}
