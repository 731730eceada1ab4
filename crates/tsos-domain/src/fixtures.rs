//! Hand-made schools, counts and reports for tests: one builder instead of one per crate.
//!
//! Compiled for this crate's own tests and, with the `fixtures` feature, for the tests of
//! the crates that format reports (`tsos-report`, `tsos-letter`). Never in a release build.

use jiff::civil::{Date, date};

use crate::counts::count_columns;
use crate::events::{Event, EventScope, EventText};
use crate::indicators::{apply_ranks, apply_targets, compute};
use crate::{
    Catalogue, IndicatorId, Level, OrgId, PlatformCounts, Report, ReportPlatform, Role, RoleCounts,
    RoleMap, SchoolInfo, Target, TargetBook,
};

/// The region every fixture school lies in: the seed letter's.
pub const REGION: &str = "Республика Дагестан";

/// A school of [`REGION`] with the given official headcounts (roles not named: unknown).
pub fn school(id: &str, name: &str, municipality: &str, contingent: &[(Role, u64)]) -> SchoolInfo {
    let mut map = RoleMap::default();
    for &(role, count) in contingent {
        *map.get_mut(role) = Some(count);
    }
    SchoolInfo {
        id: OrgId::normalize(id).expect("a fixture's ИНН is valid"),
        name: name.into(),
        municipality: municipality.into(),
        region: REGION.into(),
        contingent: map,
    }
}

/// The counts of a per-user export: a school or role it does not name has nobody active.
pub fn per_user_counts() -> PlatformCounts {
    let zero = RoleCounts {
        active: Some(0),
        ..RoleCounts::default()
    };
    PlatformCounts {
        absent_school: zero,
        ..PlatformCounts::default()
    }
}

/// Sets one school's figures for one role in `counts`.
pub fn put(counts: &mut PlatformCounts, id: &str, role: Role, figures: RoleCounts) {
    let absent = counts.absent_school;
    *counts
        .by_org
        .entry(OrgId::normalize(id).expect("a fixture's ИНН is valid"))
        .or_insert(RoleMap::splat(absent))
        .get_mut(role) = figures;
}

/// A report made the way the application makes one: compute, targets, ranks.
#[derive(Clone, Debug)]
pub struct ReportFixture {
    as_of: Date,
    schools: Vec<SchoolInfo>,
    /// Per platform of the built-in catalogue, in its order: `None` has no snapshot at the
    /// date (but one at another date); one not given was never imported.
    counts: Vec<Option<PlatformCounts>>,
    targets: Vec<Target>,
    previous: Option<Date>,
    note_unknown: bool,
    events: Vec<Event>,
}

impl ReportFixture {
    /// A report for `as_of` over `schools`, with no snapshot, no target, no previous date.
    pub fn new(as_of: Date, schools: Vec<SchoolInfo>) -> ReportFixture {
        ReportFixture {
            as_of,
            schools,
            counts: Vec::new(),
            targets: Vec::new(),
            previous: None,
            note_unknown: false,
            events: Vec::new(),
        }
    }

    /// The next platform of the catalogue: its counts, or `None` for no snapshot at the date.
    pub fn platform(mut self, counts: Option<PlatformCounts>) -> ReportFixture {
        self.counts.push(counts);
        self
    }

    /// A target for every level, valid from 01.09.2023.
    pub fn target(mut self, indicator: &str, value: f64) -> ReportFixture {
        self.targets.push(Target {
            indicator: IndicatorId::parse(indicator).expect("a fixture's indicator exists"),
            level: None,
            from: date(2023, 9, 1),
            value,
        });
        self
    }

    /// A dated event of every platform, with its scope and text.
    pub fn event(mut self, date: Date, scope: EventScope, text: &str) -> ReportFixture {
        self.events.push(Event {
            date,
            scope,
            platform: None,
            text: EventText::new(text).expect("a fixture's text is valid"),
        });
        self
    }

    /// The date the changes are measured against, for every platform.
    pub fn previous(mut self, previous: Date) -> ReportFixture {
        self.previous = Some(previous);
        self
    }

    /// Notes, for each platform with a snapshot, the organisations the registry lacks.
    pub fn note_unknown(mut self) -> ReportFixture {
        self.note_unknown = true;
        self
    }

    /// The report at `level`; a platform is present when it has counts.
    pub fn build(&self, level: Level) -> Report {
        let catalogue = Catalogue::builtin();
        let platforms: Vec<_> = catalogue.iter().collect();
        let counts: Vec<Option<&PlatformCounts>> = (0..platforms.len())
            .map(|idx| self.counts.get(idx).and_then(Option::as_ref))
            .collect();
        let mut rows = compute(level, &self.schools, &counts);
        let book = TargetBook {
            targets: self.targets.clone(),
            ..TargetBook::default()
        };
        apply_targets(&mut rows, level, self.as_of, &platforms, &book);
        apply_ranks(&mut rows, level);
        Report {
            as_of: self.as_of,
            level,
            platforms: platforms
                .iter()
                .zip(&counts)
                .enumerate()
                .map(|(idx, (&platform, counts))| ReportPlatform {
                    platform: platform.clone(),
                    present: counts.is_some(),
                    imported: idx < self.counts.len(),
                    previous: self.previous,
                    unknown: counts
                        .filter(|_| self.note_unknown)
                        .map(|counts| counts.unknown(&self.schools)),
                    counts: counts.map_or_else(Vec::new, |counts| {
                        count_columns(counts.uses.values().flatten())
                    }),
                    flows_absent: None,
                })
                .collect(),
            rows,
            events: self.events.clone(),
        }
    }
}
