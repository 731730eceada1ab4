//! `tsos report --format json`: one object, exactly as SPEC §8 shows. Tests and outside
//! scripts parse it; keys are only ever added.
//!
//! The object is serialised straight from the report, without building a `serde_json::Value`
//! tree first: at 40,000 schools the tree alone would cost more than the rest of the report.
//! The smaller JSON outputs (the lists of [`crate::lists`], the chats) are values, written by
//! [`pretty`].

use std::io::Write;

use jiff::civil::Date;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use tsos_domain::indicators::Forecast;
use tsos_domain::{
    CountRate, Event, Indicator, IndicatorRow, Level, Report, ReportPlatform, Role, RoleMap,
    UseCounts,
};

/// How the JSON is laid out: the same object either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonStyle {
    /// Indented, for a person at a terminal.
    Pretty,
    /// One line, for files, pipes and the API: at 40,000 schools it is half the size and
    /// written in four fifths of the time.
    Compact,
}

/// Writes the report as JSON with a final newline.
pub fn write(report: &Report, writer: impl Write, style: JsonStyle) -> std::io::Result<()> {
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, writer);
    match style {
        JsonStyle::Pretty => serde_json::to_writer_pretty(&mut writer, &JsonReport::new(report))?,
        JsonStyle::Compact => serde_json::to_writer(
            &mut writer,
            &JsonReport {
                rows_on: crate::cores(),
                ..JsonReport::new(report)
            },
        )?,
    }
    writer.write_all(b"\n")?;
    writer.flush()
}

/// The same object as a value, for tests and callers that edit it.
pub fn to_value(report: &Report) -> Value {
    serde_json::to_value(JsonReport::new(report)).expect("a report always serialises")
}

/// A JSON value indented, with a final newline: every JSON output but the report's, which
/// [`write`] streams. They are small enough to build in memory, and a person reads them as
/// often as a script does.
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value always serialises");
    text.push('\n');
    text
}

/// An event as JSON: `{"date", "scope": {"level", "name"}, "platform", "text"}`, where the
/// scope's name is a region's or municipality's name or a school's ИНН, and `platform` is
/// null for an event of every platform. The report's rows and `tsos events list --json` both
/// write it.
pub fn event_value(event: &Event) -> Value {
    serde_json::json!({
        "date": event.date.to_string(),
        "scope": {"level": event.scope.level().code(), "name": event.scope.name()},
        "platform": event.platform,
        "text": event.text.as_str(),
    })
}

struct JsonReport<'a> {
    report: &'a Report,
    /// How many threads write the rows, each its share of a batch, as compact text: at
    /// 40,000 schools the rows were a fifth of `tsos report`'s time on one core. Compact
    /// only, as a row written apart is not indented to its place.
    rows_on: usize,
}

impl<'a> JsonReport<'a> {
    fn new(report: &'a Report) -> JsonReport<'a> {
        JsonReport { report, rows_on: 1 }
    }
}

impl Serialize for JsonReport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let mut map = serializer.serialize_map(Some(6))?;
        map.serialize_entry("as_of", &report.as_of.to_string())?;
        map.serialize_entry("level", report.level.code())?;
        map.serialize_entry(
            "rows",
            &Rows {
                report,
                threads: self.rows_on,
            },
        )?;
        map.serialize_entry("unknown_organisations", &UnknownUsers(&report.platforms))?;
        map.serialize_entry("unknown", &UnknownDetail(&report.platforms))?;
        map.serialize_entry("platforms", &Platforms(&report.platforms))?;
        map.end()
    }
}

struct Rows<'a> {
    report: &'a Report,
    /// Above 1, the rows are written as compact text on this many threads.
    threads: usize,
}

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let mut seq = serializer.serialize_seq(Some(report.rows.len()))?;
        if self.threads <= 1 || report.rows.len() < ROWS_PER_BATCH {
            for row in &report.rows {
                seq.serialize_element(&JsonRow { report, row })?;
            }
            return seq.end();
        }
        // A batch at a time, so that the text held is a few MB whatever the report's size.
        for batch in report.rows.chunks(ROWS_PER_BATCH) {
            let share = batch.len().div_ceil(self.threads);
            let texts = std::thread::scope(|scope| {
                let mut parts = batch.chunks(share);
                let own = parts.next().unwrap_or_default();
                let others: Vec<_> = parts
                    .map(|part| scope.spawn(move || compact_rows(report, part)))
                    .collect();
                let mut texts = vec![compact_rows(report, own)];
                texts.extend(others.into_iter().map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                }));
                texts
            });
            for text in texts {
                for row in text.map_err(serde::ser::Error::custom)? {
                    seq.serialize_element(&row)?;
                }
            }
        }
        seq.end()
    }
}

/// Rows written apart in a batch of [`Rows`]: enough for every thread to have a long share.
const ROWS_PER_BATCH: usize = 4096;

/// Each row as compact JSON text, ready to be copied into the report.
fn compact_rows(
    report: &Report,
    rows: &[IndicatorRow],
) -> serde_json::Result<Vec<Box<serde_json::value::RawValue>>> {
    rows.iter()
        .map(|row| serde_json::value::to_raw_value(&JsonRow { report, row }))
        .collect()
}

struct JsonRow<'a> {
    report: &'a Report,
    row: &'a IndicatorRow,
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (report, row) = (self.report, self.row);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &row.id)?;
        map.serialize_entry("name", &row.name)?;
        match report.level {
            Level::Region => map.serialize_entry("municipality", &())?,
            _ => map.serialize_entry("municipality", &row.municipality)?,
        }
        map.serialize_entry("region", &row.region)?;
        if report.level != Level::School {
            map.serialize_entry("schools", &row.schools)?;
        }
        map.serialize_entry("contingent", &Contingent(&row.contingent))?;
        // A platform never imported is left out (`ReportPlatform::imported`).
        for ((platform, indicators), uses) in report
            .platforms
            .iter()
            .zip(&row.platforms)
            .zip(&row.uses)
            .filter(|((p, _), _)| p.imported)
        {
            let value = indicators.as_ref().map(|indicators| Roles {
                indicators,
                uses,
                with_confirmed: platform.platform.rule.requires_confirmed,
                level: report.level,
                as_of: report.as_of,
            });
            map.serialize_entry(&platform.platform.code, &value)?;
        }
        // Only where an event touches the row, so that a report without events is the
        // object it always was.
        let events = report.row_events(row);
        if !events.is_empty() {
            let values: Vec<Value> = events.into_iter().map(event_value).collect();
            map.serialize_entry("events", &values)?;
        }
        map.end()
    }
}

struct Contingent<'a>(&'a RoleMap<Option<u64>>);

impl Serialize for Contingent<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Role::ALL.len()))?;
        for (role, value) in self.0.iter() {
            map.serialize_entry(role.code(), value)?;
        }
        map.end()
    }
}

struct Roles<'a> {
    indicators: &'a RoleMap<Indicator>,
    uses: &'a UseCounts,
    with_confirmed: bool,
    level: Level,
    as_of: Date,
}

impl Serialize for Roles<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Role::ALL.len()))?;
        for role in Role::ALL {
            map.serialize_entry(
                role.code(),
                &JsonIndicator {
                    indicator: self.indicators.get(role),
                    with_confirmed: self.with_confirmed,
                    level: self.level,
                    as_of: self.as_of,
                },
            )?;
        }
        // `"counts": {"lessons": {"value", "per_100_students", "per_teacher", "delta",
        // "delta_pct"}}`, only where the platform's snapshot gives counts for the row.
        if !self.uses.is_empty() {
            map.serialize_entry("counts", &Counts(self.uses))?;
        }
        map.end()
    }
}

struct JsonIndicator<'a> {
    indicator: &'a Indicator,
    with_confirmed: bool,
    level: Level,
    as_of: Date,
}

impl Serialize for JsonIndicator<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let indicator = self.indicator;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("registered", &indicator.registered)?;
        if self.with_confirmed || indicator.confirmed.is_some() {
            map.serialize_entry("confirmed", &indicator.confirmed)?;
        }
        map.serialize_entry("active", &indicator.active)?;
        map.serialize_entry("share", &indicator.share)?;
        map.serialize_entry("delta_pp", &indicator.delta_pp)?;
        map.serialize_entry("target", &indicator.target)?;
        map.serialize_entry("status", indicator.status.code())?;
        map.serialize_entry("gap", &indicator.gap)?;
        // `{"municipality": 3, "region": 41}` for a school; only `"region"` for a
        // municipality; null without a share or at region level.
        let places = [
            ("municipality", indicator.rank.municipality),
            ("region", indicator.rank.region),
        ];
        let ranked = self.level != Level::Region && places.iter().any(|(_, p)| p.is_some());
        let rank = ranked.then_some(Places(places, Place::Rank));
        let of = ranked.then_some(Places(places, Place::Of));
        map.serialize_entry("rank", &rank)?;
        map.serialize_entry("of", &of)?;
        map.serialize_entry("leaving", &indicator.leaving)?;
        let forecast = indicator.forecast_next(self.as_of).map(JsonForecast);
        map.serialize_entry("forecast_next", &forecast)?;
        // Only where computed (SPEC §7): `{"new", "returned", "retained", "lost"}`.
        if let Some(flows) = &indicator.flows {
            map.serialize_entry("flows", flows)?;
        }
        map.end()
    }
}

struct Counts<'a>(&'a UseCounts);

impl Serialize for Counts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, count) in self.0 {
            let mut value = serde_json::json!({
                "value": count.value,
                "per_100_students": count.per_100_students,
                "per_teacher": count.per_teacher,
                "delta": count.delta,
                "delta_pct": count.delta_pct,
            });
            // `"targets": {"per_teacher": {"target": 20.0, "status": "red"}}`, only the rates
            // a target is set on: without any, the count is as it was before targets.
            if !count.targets.is_empty() {
                let targets: serde_json::Map<String, serde_json::Value> = CountRate::ALL
                    .into_iter()
                    .filter_map(|rate| {
                        let target = count.targets.get(rate)?;
                        Some((
                            rate.code().to_string(),
                            serde_json::json!({
                                "target": target.target,
                                "status": target.status.code(),
                            }),
                        ))
                    })
                    .collect();
                value["targets"] = serde_json::Value::Object(targets);
            }
            map.serialize_entry(name, &value)?;
        }
        map.end()
    }
}

#[derive(Clone, Copy)]
enum Place {
    Rank,
    Of,
}

struct Places([(&'static str, Option<(u32, u32)>); 2], Place);

impl Serialize for Places {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (name, place) in self.0 {
            if let Some((rank, of)) = place {
                match self.1 {
                    Place::Rank => map.serialize_entry(name, &rank)?,
                    Place::Of => map.serialize_entry(name, &of)?,
                }
            }
        }
        map.end()
    }
}

struct JsonForecast(Forecast);

impl Serialize for JsonForecast {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("as_of", &self.0.as_of.to_string())?;
        map.serialize_entry("active", &self.0.active)?;
        map.serialize_entry("share", &self.0.share)?;
        map.end()
    }
}

/// `"unknown_organisations": {"myschool": 25}`: users of organisations the registry lacks.
struct UnknownUsers<'a>(&'a [ReportPlatform]);

impl Serialize for UnknownUsers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for platform in self.0.iter().filter(|p| p.imported) {
            map.serialize_entry(
                &platform.platform.code,
                &platform.unknown.as_ref().map(|u| u.users),
            )?;
        }
        map.end()
    }
}

/// `"unknown": {"myschool": {"organisations": 1, "users": 25, "ids": […],
/// "without_organisation": {"teachers": 2, …}}}`: organisations the registry lacks, and the
/// users of rows that name no organisation, by role.
struct UnknownDetail<'a>(&'a [ReportPlatform]);

impl Serialize for UnknownDetail<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for platform in self.0.iter().filter(|p| p.imported) {
            let detail = platform.unknown.as_ref().map(|unknown| {
                serde_json::json!({
                    "organisations": unknown.ids.len(),
                    "users": unknown.users,
                    "ids": unknown.ids.iter().map(|id| id.as_str()).collect::<Vec<_>>(),
                    "without_organisation": unknown
                        .without_org
                        .iter()
                        .map(|(role, n)| (role.code().to_string(), serde_json::Value::from(*n)))
                        .collect::<serde_json::Map<_, _>>(),
                })
            });
            map.serialize_entry(&platform.platform.code, &detail)?;
        }
        map.end()
    }
}

struct Platforms<'a>(&'a [ReportPlatform]);

impl Serialize for Platforms<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for platform in self.0.iter().filter(|p| p.imported) {
            let mut entry = serde_json::json!({
                "code": platform.platform.code,
                "name": platform.platform.name,
                "present": platform.present,
                "previous_as_of": platform.previous.map(|d| d.to_string()),
                "flows_absent": platform.flows_absent.map(|a| a.code()),
            });
            // Only where the platform has counts of use, so that a report without them is
            // the object it always was.
            if !platform.counts.is_empty() {
                entry["counts"] = platform
                    .counts
                    .iter()
                    .map(|c| serde_json::json!({"name": c.name, "title": c.title}))
                    .collect();
            }
            seq.serialize_element(&entry)?;
        }
        seq.end()
    }
}
