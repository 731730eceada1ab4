//! Indicators of SPEC §6: counts and shares per school, rolled up to municipality and region,
//! and their change since the previous snapshot.
//!
//! Architecture invariant: a municipality's or region's share is the sum of its schools'
//! active users divided by the sum of their contingents — never an average of shares.

use std::collections::BTreeMap;

// The report hashes every school's id and names several times over: std's SipHash, made to
// resist crafted keys from a network, was 7 % of the national report's time. These keys
// come from our own database.
use foldhash::{HashMap, HashMapExt, HashSet};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::counts::{CountColumn, SchoolCount, UseCounts, add_counts, set_deltas, set_rates};
use crate::dates::next_monthly;
use crate::events::{Event, RowPlace, touching};
use crate::flows::{Flows, FlowsAbsence};
use crate::level::Level;
use crate::org::OrgId;
use crate::platform::Platform;
use crate::registry::SchoolInfo;
use crate::role::{Role, RoleMap};
use crate::targets::{
    CountRate, IndicatorId, RateTarget, Status, TargetBook, gap, rate_status, status,
};

/// What one snapshot says about one role in one school.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoleCounts {
    /// Distinct users of the role (per-user exports; a per-school export may give it).
    pub registered: Option<u64>,
    /// Of those, with a confirmed account.
    pub confirmed: Option<u64>,
    /// `None` where the export does not give it: a per-school file of registered and
    /// confirmed accounts only.
    pub active: Option<u64>,
    /// Of the active, those whose last date leaves the window before the next monthly date
    /// (per-user exports only).
    pub leaving: Option<u64>,
}

/// One platform's snapshot at a date, per organisation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlatformCounts {
    pub by_org: BTreeMap<OrgId, RoleMap<RoleCounts>>,
    /// What a registry school absent from the export counts as: zeros, with registered and
    /// confirmed known to be zero only where the export could have given them.
    pub absent_school: RoleCounts,
    /// Users of rows that name no organisation, by role: in no school's figures.
    pub without_org: RoleMap<u64>,
    /// Counts of use per school (lessons, marks…), where the export gave them.
    pub uses: BTreeMap<OrgId, Vec<SchoolCount>>,
    /// Per school and role, the flows since the previous monthly snapshot, where they are
    /// computed; a school without an entry had nobody active in either month.
    pub flows: Option<BTreeMap<OrgId, RoleMap<Flows>>>,
}

impl PlatformCounts {
    fn for_school(&self, id: &OrgId) -> RoleMap<RoleCounts> {
        self.by_org
            .get(id)
            .copied()
            .unwrap_or(RoleMap::splat(self.absent_school))
    }

    /// Organisations of the export that the registry does not know, and their users.
    pub fn unknown(&self, schools: &[SchoolInfo]) -> UnknownOrgs {
        let known: HashSet<&OrgId> = schools.iter().map(|s| &s.id).collect();
        UnknownOrgs {
            without_org: self.without_org,
            ..UnknownOrgs::of(&self.by_org, |org| known.contains(org))
        }
    }
}

impl UnknownOrgs {
    /// The organisations of `by_org` that are not `known`, and their users: registered where
    /// the export counts accounts, else active. The one rule for the import's warning and the
    /// report's note.
    pub fn of(
        by_org: &BTreeMap<OrgId, RoleMap<RoleCounts>>,
        known: impl Fn(&OrgId) -> bool,
    ) -> UnknownOrgs {
        let mut out = UnknownOrgs::default();
        for (org, counts) in by_org {
            if known(org) {
                continue;
            }
            out.ids.push(org.clone());
            out.users += counts
                .iter()
                .map(|(_, c)| c.registered.or(c.active).unwrap_or(0))
                .sum::<u64>();
        }
        out
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnknownOrgs {
    pub ids: Vec<OrgId>,
    pub users: u64,
    /// Users of rows that name no organisation at all, by role.
    pub without_org: RoleMap<u64>,
}

impl UnknownOrgs {
    /// Users without an organisation, all roles together.
    pub fn users_without_org(&self) -> u64 {
        self.without_org.iter().map(|(_, n)| n).sum()
    }
}

/// One indicator: a platform and a role at one row of a report.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Indicator {
    pub registered: Option<u64>,
    pub confirmed: Option<u64>,
    /// `None` where the export does not give it.
    pub active: Option<u64>,
    pub contingent: Option<u64>,
    /// active / contingent; not capped at 1; `None` where either is unknown or the contingent
    /// is 0.
    pub share: Option<f64>,
    /// Change of the share since the previous snapshot, in percentage points.
    pub delta_pp: Option<f64>,
    pub target: Option<f64>,
    pub status: Status,
    /// More active users needed to reach the target.
    pub gap: Option<u64>,
    pub rank: Rank,
    /// Active users whose last date leaves the window before the next monthly date, if they
    /// do not come back (per-user snapshots only).
    pub leaving: Option<u64>,
    /// New, returned, retained and lost users since the previous monthly snapshot, where
    /// both have keyed hash sets (SPEC §7).
    pub flows: Option<Flows>,
}

impl Indicator {
    /// What remains at the next monthly date after `as_of` if nobody who leaves the window
    /// comes back (SPEC §6): per-user snapshots only.
    pub fn forecast_next(&self, as_of: Date) -> Option<Forecast> {
        let active = self.active?.saturating_sub(self.leaving?);
        Some(Forecast {
            as_of: next_monthly(as_of),
            active,
            share: share(Some(active), self.contingent),
        })
    }
}

/// An indicator at the next monthly date if nobody who leaves the window comes back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forecast {
    pub as_of: Date,
    pub active: u64,
    pub share: Option<f64>,
}

/// Place among peers by share (1 = highest), and how many peers have a share. In `u32`s:
/// every school carries eight per platform, and `usize` pairs made a national report's
/// indicators 8 MB larger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rank {
    /// Among the schools of the same municipality (school rows).
    pub municipality: Option<(u32, u32)>,
    /// Among the schools (or municipalities) of the same region.
    pub region: Option<(u32, u32)>,
}

/// A row of a report: a school, a municipality or a region.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorRow {
    /// ИНН for a school; the name for a municipality or region.
    pub id: String,
    pub name: String,
    pub municipality: String,
    pub region: String,
    pub schools: usize,
    pub contingent: RoleMap<Option<u64>>,
    /// One entry per platform passed to [`compute`], `None` where it has no snapshot. Boxed:
    /// a role map of indicators is ~0.8 KB, and inline every platform of the catalogue
    /// without a snapshot (MAX, regional e-journals) cost that much in each of 40,000 rows.
    pub platforms: Vec<Option<Box<RoleMap<Indicator>>>>,
    /// One entry per platform, as `platforms`: the row's counts of use, empty where the
    /// platform's snapshot gives none (or there is none).
    pub uses: Vec<UseCounts>,
}

/// A platform as it appears in a report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportPlatform {
    pub platform: Platform,
    /// Whether the platform has a snapshot at the report's date.
    pub present: bool,
    /// Whether it has a snapshot at some date. Outputs name a platform without data at the
    /// date only if so: a catalogue platform never imported (the built-in MAX where nobody
    /// sends its files) is left out rather than reported as «нет данных».
    pub imported: bool,
    /// The date of the previous snapshot the changes are measured against.
    pub previous: Option<Date>,
    /// Organisations of the snapshot missing from the registry.
    pub unknown: Option<UnknownOrgs>,
    /// The counts of use the snapshot gives (lessons, marks…), in the order outputs show them.
    pub counts: Vec<CountColumn>,
    /// Why the platform, present at the date, has no flows; `None` where it has them or is
    /// absent.
    pub flows_absent: Option<FlowsAbsence>,
}

/// Everything a report shows, whatever its format.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub as_of: Date,
    pub level: Level,
    pub platforms: Vec<ReportPlatform>,
    /// `rows[i].platforms[j]` is `platforms[j]`.
    pub rows: Vec<IndicatorRow>,
    /// Dated events, oldest first: a row's own are those [`Report::delta_events`] picks.
    pub events: Vec<Event>,
}

impl IndicatorRow {
    /// Where the row sits, for the events that touch it.
    pub fn place(&self, level: Level) -> RowPlace<'_> {
        RowPlace {
            level,
            region: &self.region,
            municipality: &self.municipality,
            id: &self.id,
        }
    }
}

impl Report {
    /// The events that touch `row` and that the Δ of platform `idx` spans: none where the
    /// platform has no snapshot or no previous one, since there is then no Δ.
    pub fn delta_events<'r>(&'r self, row: &IndicatorRow, idx: usize) -> Vec<&'r Event> {
        let platform = &self.platforms[idx];
        let (true, Some(previous)) = (platform.present, platform.previous) else {
            return Vec::new();
        };
        touching(
            &self.events,
            &row.place(self.level),
            &platform.platform.code,
            previous,
            self.as_of,
        )
        .collect()
    }

    /// The events that touch `row` and that any platform's Δ spans, each once, oldest first.
    pub fn row_events<'r>(&'r self, row: &IndicatorRow) -> Vec<&'r Event> {
        let mut found: Vec<&Event> = Vec::new();
        for idx in 0..self.platforms.len() {
            for event in self.delta_events(row, idx) {
                if !found.iter().any(|seen| std::ptr::eq(*seen, event)) {
                    found.push(event);
                }
            }
        }
        // Kept in the report's order, which is by date.
        found.sort_by_key(|event| {
            self.events
                .iter()
                .position(|e| std::ptr::eq(e, *event))
                .unwrap_or(usize::MAX)
        });
        found
    }
}

/// Computes the rows of `level` for every school of the registry (zeros where an export has
/// no users for it), with `platforms[i]` the snapshot of platform `i` or `None`.
pub fn compute(
    level: Level,
    schools: &[SchoolInfo],
    platforms: &[Option<&PlatformCounts>],
) -> Vec<IndicatorRow> {
    // Rows by their group: a school is its own row (keyed by id), a municipality or region
    // gathers its schools. Sorted for reading at the end.
    let mut rows: Vec<IndicatorRow> =
        if level == Level::School && schools.windows(2).all(|pair| pair[0].id < pair[1].id) {
            // Schools of distinct ids (the store gives them in the order of ids) are each a row
            // of their own, made on every core: 40,000 rows were 75 ms of a national report on one.
            schools
                .par_iter()
                .map(|school| {
                    let mut row = new_row(level, school, platforms);
                    add_school(&mut row, school, platforms);
                    row
                })
                .collect()
        } else {
            let mut index: HashMap<(&str, &str), usize> = HashMap::new();
            let mut rows = Vec::new();
            for school in schools {
                let row_idx = *index.entry(level.group_of(school)).or_insert_with(|| {
                    rows.push(new_row(level, school, platforms));
                    rows.len() - 1
                });
                add_school(&mut rows[row_idx], school, platforms);
            }
            rows
        };
    sort_for_reading(&mut rows, |row| {
        [&row.region, &row.municipality, &row.name, &row.id]
    });
    for row in &mut rows {
        let contingent = row.contingent;
        for uses in &mut row.uses {
            set_rates(
                uses,
                *contingent.get(Role::Teachers),
                *contingent.get(Role::Students),
            );
        }
        for indicators in row.platforms.iter_mut().flatten() {
            for role in Role::ALL {
                let indicator = indicators.get_mut(role);
                indicator.contingent = *contingent.get(role);
                indicator.share = share(indicator.active, indicator.contingent);
            }
        }
    }
    rows
}

/// The row of `school`'s group at `level`, with no school in it yet.
fn new_row(
    level: Level,
    school: &SchoolInfo,
    platforms: &[Option<&PlatformCounts>],
) -> IndicatorRow {
    let (id, name, municipality) = level.row_identity(school);
    IndicatorRow {
        id,
        name,
        municipality,
        region: school.region.clone(),
        schools: 0,
        contingent: RoleMap::default(),
        platforms: platforms
            .iter()
            .map(|p| p.map(|_| Box::default()))
            .collect(),
        uses: vec![UseCounts::new(); platforms.len()],
    }
}

/// Adds a school's headcounts and counts to the row of its group.
fn add_school(row: &mut IndicatorRow, school: &SchoolInfo, platforms: &[Option<&PlatformCounts>]) {
    row.schools += 1;
    for role in Role::ALL {
        add_option(row.contingent.get_mut(role), *school.contingent.get(role));
    }
    for (uses, counts) in row.uses.iter_mut().zip(platforms) {
        if let Some(school_uses) = counts.and_then(|c| c.uses.get(&school.id)) {
            add_counts(uses, school_uses);
        }
    }
    for (slot, counts) in row.platforms.iter_mut().zip(platforms) {
        let (Some(indicators), Some(counts)) = (slot.as_mut(), counts) else {
            continue;
        };
        let school_counts = counts.for_school(&school.id);
        let school_flows = counts
            .flows
            .as_ref()
            .map(|flows| flows.get(&school.id).copied().unwrap_or_default());
        for role in Role::ALL {
            let indicator = indicators.get_mut(role);
            let c = school_counts.get(role);
            add_option(&mut indicator.registered, c.registered);
            add_option(&mut indicator.confirmed, c.confirmed);
            add_option(&mut indicator.leaving, c.leaving);
            add_option(&mut indicator.active, c.active);
            if let Some(flows) = &school_flows {
                add_flows(&mut indicator.flows, Some(*flows.get(role)));
            }
        }
    }
}

/// Sorts rows by region, municipality, name and id, each alphabetical as a reader expects
/// («городской округ …» among «Ахтынский район» and «Дербентский район», not after every
/// capitalised name). `fields` gives a row's [region, municipality, name, id].
///
/// A region's or municipality's name is lowercased once, not once per school: with 40,000
/// schools, lowercasing every row's three names was 12 % of the national report's time. Names
/// are compared by their places in the alphabet ([`alphabet_places`]), found on every core.
pub fn sort_for_reading<T: Send + Sync>(rows: &mut [T], fields: impl Fn(&T) -> [&str; 4] + Sync) {
    let places: Vec<&str> = rows
        .iter()
        .flat_map(|row| {
            let [region, municipality, ..] = fields(row);
            [region, municipality]
        })
        .collect::<HashSet<&str>>()
        .into_iter()
        .collect();
    let place_at: HashMap<&str, u32> = places
        .iter()
        .copied()
        .zip(alphabet_places(&places))
        .collect();
    let names: Vec<&str> = rows.iter().map(|row| fields(row)[2]).collect();
    let name_at = alphabet_places(&names);
    // Each row's key made on every core, then the places in order; the row's place last, so
    // that equal keys keep theirs.
    let order: Vec<usize> = {
        let mut keys: Vec<(u32, u32, u32, &str, usize)> = rows
            .par_iter()
            .enumerate()
            .map(|(at, row)| {
                let [region, municipality, _, id] = fields(row);
                (
                    place_at[region],
                    place_at[municipality],
                    name_at[at],
                    id,
                    at,
                )
            })
            .collect();
        keys.par_sort_unstable();
        keys.into_iter().map(|key| key.4).collect()
    };
    // Row `at` takes the row from `order[at]`: each cycle of the permutation followed once.
    let mut placed = vec![false; rows.len()];
    for start in 0..rows.len() {
        let mut at = start;
        while !placed[at] {
            placed[at] = true;
            let from = order[at];
            if from == start {
                break;
            }
            rows.swap(at, from);
            at = from;
        }
    }
}

/// `str::to_lowercase`, with ASCII and Cyrillic letters lowered on their UTF-8 bytes: the names
/// the report orders and ranks by are Cyrillic, and decoding each letter to look it up in the
/// general table, then encoding it again, was a tenth of the national report's time (80,000
/// names a report).
///
/// Every letter lowered here keeps its length in bytes, so the text is copied once and lowered
/// in place; a letter of another alphabet whose lowercase is longer or shorter sends the text
/// to the general rule.
fn lowercase(text: &str) -> String {
    let mut lower = text.as_bytes().to_vec();
    let mut at = 0;
    while let Some(&first) = lower.get(at) {
        let second = lower.get(at + 1).copied().unwrap_or(0);
        match (first, second) {
            (0..=0x7F, _) => {
                lower[at] = first.to_ascii_lowercase();
                at += 1;
                continue;
            }
            // U+0400–U+040F (Ѐ Ё Ђ … Џ) lower to U+0450–U+045F.
            (0xD0, 0x80..=0x8F) => [lower[at], lower[at + 1]] = [0xD1, second + 0x10],
            // А–П to а–п.
            (0xD0, 0x90..=0x9F) => lower[at + 1] = second + 0x20,
            // Р–Я to р–я.
            (0xD0, 0xA0..=0xAF) => [lower[at], lower[at + 1]] = [0xD1, second - 0x20],
            // Lower already: а–п, then р–я and ѐ ё ђ … џ; and U+0080–U+00BF («, », °, the
            // no-break space), which have no case.
            (0xD0, 0xB0..=0xBF) | (0xD1, 0x80..=0x9F) | (0xC2, 0x80..=0xBF) => {}
            // U+2000–U+203F (dashes, “ ”, „) and №: no case either; a name's dozen of
            // them through the general table below cost as much as all its letters.
            (0xE2, 0x80) | (0xE2, 0x84)
                if matches!(
                    (second, lower.get(at + 2)),
                    (0x80, Some(0x80..=0xBF)) | (0x84, Some(0x96))
                ) =>
            {
                at += 3;
                continue;
            }
            _ => {
                let Some(c) = text[at..].chars().next() else {
                    break;
                };
                let mut lowered = c.to_lowercase();
                match (lowered.next(), lowered.next()) {
                    // Not a capital («, №): as it is.
                    (Some(l), None) if l == c => {}
                    // A capital sigma lowers by its place in the word: the general rule decides.
                    (Some(l), None) if c != 'Σ' && l.len_utf8() == c.len_utf8() => {
                        l.encode_utf8(&mut lower[at..at + c.len_utf8()]);
                    }
                    _ => return text.to_lowercase(),
                }
                at += c.len_utf8();
                continue;
            }
        }
        at += 2;
    }
    // Whole characters were lowered in their places: the bytes are UTF-8.
    String::from_utf8(lower).unwrap_or_else(|_| text.to_lowercase())
}

/// What the change since a previous snapshot needs of its rows at one level, by row id: each
/// platform slot's shares by role, and the counts of use. Kept instead of the rows, which
/// are made before the current ones and dropped: at 40,000 schools a previous month's rows
/// held beside the current ones were ~60 MB of the report's peak.
#[derive(Clone, Debug, Default)]
pub struct PreviousRows {
    by_id: HashMap<String, PreviousRow>,
}

#[derive(Clone, Debug)]
struct PreviousRow {
    shares: Vec<Option<RoleMap<Option<f64>>>>,
    uses: Vec<UseCounts>,
}

impl PreviousRows {
    /// The previous snapshot's rows, as [`compute`] gives them.
    pub fn of(rows: Vec<IndicatorRow>) -> PreviousRows {
        let by_id = rows
            .into_iter()
            .map(|row| {
                let shares = row
                    .platforms
                    .iter()
                    .map(|indicators| {
                        indicators.as_ref().map(|indicators| {
                            let mut shares = RoleMap::default();
                            for (role, indicator) in indicators.iter() {
                                *shares.get_mut(role) = indicator.share;
                            }
                            shares
                        })
                    })
                    .collect();
                let previous = PreviousRow {
                    shares,
                    uses: row.uses,
                };
                (row.id, previous)
            })
            .collect();
        PreviousRows { by_id }
    }
}

/// Fills `delta_pp` of `current` from the rows of the previous snapshot at the same level.
/// Platforms are matched by position, so both must come from the same platform list.
pub fn apply_delta(current: &mut [IndicatorRow], previous: &PreviousRows) {
    for row in current {
        let Some(before) = previous.by_id.get(row.id.as_str()) else {
            continue;
        };
        // Counts of use: the change only where the previous snapshot gave some, so that
        // another platform's slot, empty in `previous`, is left as it is.
        for (now, then) in row.uses.iter_mut().zip(&before.uses) {
            if !then.is_empty() {
                set_deltas(now, then);
            }
        }
        for (now, then) in row.platforms.iter_mut().zip(&before.shares) {
            let (Some(now), Some(then)) = (now.as_mut(), then.as_ref()) else {
                continue;
            };
            for role in Role::ALL {
                let indicator = now.get_mut(role);
                indicator.delta_pp = match (indicator.share, *then.get(role)) {
                    (Some(a), Some(b)) => Some((a - b) * 100.0),
                    _ => None,
                };
            }
        }
    }
}

/// Sets target, status and gap of every indicator from `book` (platforms in the order of the
/// rows' platform slots), and the targets on the rates of the counts of use.
pub fn apply_targets(
    rows: &mut [IndicatorRow],
    level: Level,
    as_of: Date,
    platforms: &[&Platform],
    book: &TargetBook,
) {
    // A target depends on the indicator, level and date only: found once, set on every row.
    let targets: Vec<RoleMap<Option<f64>>> = platforms
        .iter()
        .map(|platform| {
            let mut targets = RoleMap::default();
            for role in Role::ALL {
                let id = IndicatorId::Share {
                    platform: platform.code.clone(),
                    role,
                };
                *targets.get_mut(role) = book.target_for(&id, level, as_of).map(|(value, _)| value);
            }
            targets
        })
        .collect();
    let rate_targets: Vec<Vec<(String, CountRate, f64)>> = platforms
        .iter()
        .map(|platform| rate_targets(book, &platform.code, level, as_of))
        .collect();
    for row in rows {
        for (slot, targets) in row.platforms.iter_mut().zip(&targets) {
            let Some(indicators) = slot.as_mut() else {
                continue;
            };
            for role in Role::ALL {
                let indicator = indicators.get_mut(role);
                indicator.target = *targets.get(role);
                indicator.status = status(indicator.share, indicator.target, book.yellow_band_pp);
                indicator.gap = gap(indicator.target, indicator.contingent, indicator.active);
            }
        }
        for (uses, targets) in row.uses.iter_mut().zip(&rate_targets) {
            for count in uses.values_mut() {
                count.targets = Default::default();
            }
            for (name, rate, target) in targets {
                let Some(count) = uses.get_mut(name) else {
                    continue;
                };
                *count.targets.get_mut(*rate) = Some(RateTarget {
                    target: *target,
                    status: rate_status(count.rate(*rate), Some(*target), book.yellow_band_pp),
                });
            }
        }
    }
}

/// The targets in force on the counts' rates of `platform` at `level` on `date`: each count
/// and rate the book names, once, with its target where one is in force.
fn rate_targets(
    book: &TargetBook,
    platform: &str,
    level: Level,
    date: Date,
) -> Vec<(String, CountRate, f64)> {
    let mut out: Vec<(String, CountRate, f64)> = Vec::new();
    for target in &book.targets {
        let IndicatorId::Rate {
            platform: of,
            count,
            rate,
        } = &target.indicator
        else {
            continue;
        };
        if of != platform || out.iter().any(|(c, r, _)| c == count && r == rate) {
            continue;
        }
        if let Some((value, _)) = book.target_for(&target.indicator, level, date) {
            out.push((count.clone(), *rate, value));
        }
    }
    out
}

/// The peers a row is ranked among.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PeerGroup {
    Municipality,
    Region,
}

impl PeerGroup {
    fn key(self, row: &IndicatorRow) -> (&str, &str) {
        match self {
            PeerGroup::Municipality => (&row.region, &row.municipality),
            PeerGroup::Region => (&row.region, ""),
        }
    }
}

/// A row with a share, waiting for its place.
struct Candidate {
    share: f64,
    row_idx: usize,
}

/// Ranks every indicator among peers: schools within their municipality and their region,
/// municipalities within their region. Highest share first, ties by name; a row without a
/// share has no rank.
///
/// The shares are read from the rows once, into one table by indicator and row, and each peer
/// group's places written back once, rather than each row's box of indicators looked up in
/// each of the 16 rankings (two peer groups, two platforms, four roles): 90 → 66–77 ms in
/// the national report. The tables hold plain numbers (NaN for no share, place 0 for none):
/// with `Option`s they made the report's peak 20 MB higher. Then each indicator ranked on a
/// core of its own, ties broken by each name's place in the alphabet (its lowered form found
/// once, on every core), and a row's peers found by hashing its places only where they are not
/// those of the row before: 75–91 → 52–63 ms.
pub fn apply_ranks(rows: &mut [IndicatorRow], level: Level) {
    let groups: &[PeerGroup] = match level {
        Level::School => &[PeerGroup::Municipality, PeerGroup::Region],
        Level::Municipality => &[PeerGroup::Region],
        Level::Region => &[],
    };
    let n_platforms = rows.first().map_or(0, |row| row.platforms.len());
    // One slot per platform and role, in this order.
    let n_slots = n_platforms * Role::ALL.len();
    let n_rows = rows.len();
    let slot_of = |platform_idx: usize, role_idx: usize| platform_idx * Role::ALL.len() + role_idx;
    // By slot, then row: the peers of a row are mostly its neighbours (the rows are in the
    // reading order), so a ranking reads and writes along the table. A share is never NaN:
    // its contingent is above 0.
    let mut shares = vec![f64::NAN; n_slots * n_rows];
    for (row_idx, row) in rows.iter().enumerate() {
        for (platform_idx, indicators) in row.platforms.iter().enumerate() {
            let Some(indicators) = indicators else {
                continue;
            };
            for (role_idx, role) in Role::ALL.into_iter().enumerate() {
                if let Some(share) = indicators.get(role).share {
                    shares[slot_of(platform_idx, role_idx) * n_rows + row_idx] = share;
                }
            }
        }
    }
    let names = alphabet_places(&rows.iter().map(|row| row.name.as_str()).collect::<Vec<_>>());
    // The place of each row in each slot, and how many peers; (0, 0) where it has none.
    let mut places = vec![(0u32, 0u32); n_slots * n_rows];
    for &group in groups {
        let peers = peers_of(rows, group);
        places
            .par_chunks_mut(n_rows.max(1))
            .zip(shares.par_chunks(n_rows.max(1)))
            .for_each_init(Vec::new, |ranked: &mut Vec<Candidate>, (places, shares)| {
                places.fill((0, 0));
                for members in &peers {
                    ranked.clear();
                    ranked.extend(members.iter().filter_map(|&row_idx| {
                        let share = shares[row_idx];
                        (!share.is_nan()).then_some(Candidate { share, row_idx })
                    }));
                    // Ties by name, then in the rows' order, as a stable sort would keep them.
                    ranked.sort_unstable_by(|a, b| {
                        b.share
                            .total_cmp(&a.share)
                            .then(names[a.row_idx].cmp(&names[b.row_idx]))
                            .then(a.row_idx.cmp(&b.row_idx))
                    });
                    // Peers are schools: far fewer than 2³² (saturated all the same).
                    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                    let of = count(ranked.len());
                    for (position, member) in ranked.iter().enumerate() {
                        places[member.row_idx] = (count(position + 1), of);
                    }
                }
            });
        for (row_idx, row) in rows.iter_mut().enumerate() {
            for (platform_idx, indicators) in row.platforms.iter_mut().enumerate() {
                let Some(indicators) = indicators else {
                    continue;
                };
                for (role_idx, role) in Role::ALL.into_iter().enumerate() {
                    let place = places[slot_of(platform_idx, role_idx) * n_rows + row_idx];
                    // Only a row with a share has a place.
                    if place.0 == 0 {
                        continue;
                    }
                    let rank = &mut indicators.get_mut(role).rank;
                    match group {
                        PeerGroup::Municipality => rank.municipality = Some(place),
                        PeerGroup::Region => rank.region = Some(place),
                    }
                }
            }
        }
    }
}

/// Each text's place in the alphabetical order of the lowered texts, texts equal once
/// lowered sharing one: an order by name then compares two numbers, not two names lowered
/// again. Lowered and sorted on every core.
fn alphabet_places(texts: &[&str]) -> Vec<u32> {
    let lowered: Vec<String> = texts.par_iter().map(|text| lowercase(text)).collect();
    let mut by_text: Vec<u32> = (0..texts.len() as u32).collect();
    by_text.par_sort_unstable_by(|&a, &b| lowered[a as usize].cmp(&lowered[b as usize]));
    let mut places = vec![0u32; texts.len()];
    for (position, &idx) in by_text.iter().enumerate() {
        let idx = idx as usize;
        let before = position.checked_sub(1).map(|p| by_text[p] as usize);
        places[idx] = match before {
            Some(before) if lowered[before] == lowered[idx] => places[before],
            _ => position as u32,
        };
    }
    places
}

/// The rows of each peer group, in the rows' order. A row's places are hashed only where they
/// differ from the row before's: the rows come grouped, and a region's and municipality's
/// names are some 60 bytes to hash.
fn peers_of(rows: &[IndicatorRow], group: PeerGroup) -> Vec<Vec<usize>> {
    let mut peer_index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut peers: Vec<Vec<usize>> = Vec::new();
    let mut last: Option<((&str, &str), usize)> = None;
    for (row_idx, row) in rows.iter().enumerate() {
        let key = group.key(row);
        let idx = match last {
            Some((before, idx)) if before == key => idx,
            _ => {
                let next = peers.len();
                let idx = *peer_index.entry(key).or_insert(next);
                if idx == next {
                    peers.push(Vec::new());
                }
                idx
            }
        };
        last = Some((key, idx));
        peers[idx].push(row_idx);
    }
    peers
}

/// A school on a lagging list: one line of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lagging<'r> {
    pub platform: &'r Platform,
    pub role: Role,
    pub row: &'r IndicatorRow,
    pub indicator: Indicator,
}

impl Lagging<'_> {
    /// The line as a letter names it and the registry of letters keeps it.
    pub fn to_shortfall(&self) -> Shortfall {
        Shortfall {
            org_id: self.row.id.clone(),
            name: self.row.name.clone(),
            platform: self.platform.code.clone(),
            role: self.role,
            share: self.indicator.share,
            target: self.indicator.target,
            // Red needs a share, and a share needs the active count.
            active: self.indicator.active.unwrap_or_default(),
            contingent: self.indicator.contingent,
        }
    }
}

/// One indicator of one organisation below its target, as a letter named it: what the letter
/// says, and what the follow-up after the deadline compares with.
#[derive(Clone, Debug, PartialEq)]
pub struct Shortfall {
    pub org_id: String,
    pub name: String,
    /// The platform's code.
    pub platform: String,
    pub role: Role,
    pub share: Option<f64>,
    pub target: Option<f64>,
    pub active: u64,
    pub contingent: Option<u64>,
}

/// What puts a school on a lagging list.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cutoff {
    /// Red: below its target by more than the band (SPEC §6).
    Target,
    /// A share below this fraction, whatever the target: the fixed cut-off of the «топ
    /// худших» lists (below 20 % connected). A school without a share is not judged.
    Below(f64),
}

impl Cutoff {
    fn lags(self, indicator: &Indicator) -> bool {
        match self {
            Cutoff::Target => indicator.status == Status::Red,
            Cutoff::Below(cut) => indicator.share.is_some_and(|share| share < cut),
        }
    }
}

/// The schools of a school-level report that the cut-off puts on the list, lowest share first
/// (ties by name), per indicator; optionally for one indicator and one municipality.
pub fn lagging<'r>(
    report: &'r Report,
    indicator: Option<&IndicatorId>,
    municipality: Option<&str>,
    cutoff: Cutoff,
) -> Vec<Lagging<'r>> {
    let mut out = Vec::new();
    for (idx, platform) in report.platforms.iter().enumerate() {
        for role in Role::ALL {
            // A count's rate is never a share: nothing of it lags here.
            let this = |i: &IndicatorId| {
                matches!(i, IndicatorId::Share { platform: p, role: r }
                    if *p == platform.platform.code && *r == role)
            };
            if indicator.is_some_and(|i| !this(i)) {
                continue;
            }
            let mut red: Vec<Lagging<'r>> = report
                .rows
                .iter()
                .filter(|row| municipality.is_none_or(|m| row.municipality == m))
                .filter_map(|row| {
                    let indicator = *row.platforms[idx].as_ref()?.get(role);
                    cutoff.lags(&indicator).then_some(Lagging {
                        platform: &platform.platform,
                        role,
                        row,
                        indicator,
                    })
                })
                .collect();
            red.sort_by(|a, b| {
                let share = |l: &Lagging<'_>| l.indicator.share.unwrap_or(0.0);
                share(a)
                    .total_cmp(&share(b))
                    .then_with(|| lowercase(&a.row.name).cmp(&lowercase(&b.row.name)))
            });
            out.extend(red);
        }
    }
    out
}

/// active / contingent, `None` where either is unknown or the contingent is 0.
pub fn share(active: Option<u64>, contingent: Option<u64>) -> Option<f64> {
    let active = active?;
    contingent
        .filter(|&c| c > 0)
        .map(|c| active as f64 / c as f64)
}

/// The total of `rows` (of a report with `n_platforms` platforms), as a roll-up computes it:
/// counts summed, shares divided from the sums; unnamed. An appendix's «Итого» line over the
/// rows an account may see.
pub fn total_row(rows: &[IndicatorRow], n_platforms: usize) -> IndicatorRow {
    let mut total = IndicatorRow {
        id: String::new(),
        name: String::new(),
        municipality: String::new(),
        region: String::new(),
        schools: 0,
        contingent: RoleMap::default(),
        platforms: vec![None; n_platforms],
        uses: vec![UseCounts::new(); n_platforms],
    };
    for row in rows {
        total.schools += row.schools;
        for role in Role::ALL {
            add_option(total.contingent.get_mut(role), *row.contingent.get(role));
        }
        for (sum, uses) in total.uses.iter_mut().zip(&row.uses) {
            for (name, count) in uses {
                sum.entry(name.clone()).or_default().value += count.value;
            }
        }
        for (sum, indicators) in total.platforms.iter_mut().zip(&row.platforms) {
            let Some(indicators) = indicators else {
                continue;
            };
            let sum = sum.get_or_insert_with(Box::default);
            for role in Role::ALL {
                let (sum, indicator) = (sum.get_mut(role), indicators.get(role));
                add_option(&mut sum.registered, indicator.registered);
                add_option(&mut sum.confirmed, indicator.confirmed);
                add_option(&mut sum.contingent, indicator.contingent);
                add_option(&mut sum.leaving, indicator.leaving);
                add_option(&mut sum.active, indicator.active);
                add_flows(&mut sum.flows, indicator.flows);
            }
        }
    }
    for uses in &mut total.uses {
        set_rates(
            uses,
            *total.contingent.get(Role::Teachers),
            *total.contingent.get(Role::Students),
        );
    }
    for indicators in total.platforms.iter_mut().flatten() {
        for role in Role::ALL {
            let indicator = indicators.get_mut(role);
            indicator.share = share(indicator.active, indicator.contingent);
        }
    }
    total
}

/// Flows sum up the hierarchy as counts do: a user is in one school's role.
fn add_flows(total: &mut Option<Flows>, value: Option<Flows>) {
    if let Some(value) = value {
        total.get_or_insert_default().add(value);
    }
}

fn add_option(total: &mut Option<u64>, value: Option<u64>) {
    if let Some(value) = value {
        *total = Some(total.unwrap_or(0) + value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_is_str_to_lowercase() {
        // Without the capital sigma, which sends the whole text to the general rule.
        let every_char: String = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| c != 'Σ')
            .collect();
        assert_eq!(lowercase(&every_char), every_char.to_lowercase());
        for name in [
            "МБОУ «СОШ № 5 им. А. С. Пушкина»",
            "ЁЛКИНСКАЯ ООШ",
            "ΣΟΦΙΑ ΣΧΟΛΗ Σ",
            "Школа İstanbul",
            "",
        ] {
            assert_eq!(lowercase(name), name.to_lowercase(), "{name}");
        }
    }

    fn school(
        id: &str,
        municipality: &str,
        teachers: Option<u64>,
        students: Option<u64>,
    ) -> SchoolInfo {
        let contingent: Vec<(Role, u64)> = [(Role::Teachers, teachers), (Role::Students, students)]
            .into_iter()
            .filter_map(|(role, count)| Some((role, count?)))
            .collect();
        crate::fixtures::school(id, &format!("Школа {id}"), municipality, &contingent)
    }

    fn counts<S: AsRef<str>>(entries: &[(S, Role, u64)]) -> PlatformCounts {
        let mut out = PlatformCounts {
            absent_school: RoleCounts {
                registered: Some(0),
                confirmed: None,
                active: Some(0),
                leaving: None,
            },
            ..PlatformCounts::default()
        };
        for (id, role, active) in entries {
            let (role, active) = (*role, *active);
            let entry = out
                .by_org
                .entry(OrgId::normalize(id.as_ref()).unwrap())
                .or_default();
            *entry.get_mut(role) = RoleCounts {
                registered: Some(active),
                confirmed: None,
                active: Some(active),
                leaving: None,
            };
        }
        out
    }

    #[test]
    fn a_fixed_cutoff_lists_shares_strictly_below_it_worst_first() {
        // Teachers' shares: 19 %, exactly 20 %, 5 %, 50 % and no contingent; the target of
        // 80 % makes every one with a share red.
        let schools = vec![
            school("0500000001", "А", Some(100), None),
            school("0500000002", "А", Some(100), None),
            school("0500000003", "Б", Some(100), None),
            school("0500000004", "Б", Some(100), None),
            school("0500000005", "Б", None, None),
        ];
        let data = counts(&[
            ("0500000001", Role::Teachers, 19),
            ("0500000002", Role::Teachers, 20),
            ("0500000003", Role::Teachers, 5),
            ("0500000004", Role::Teachers, 50),
            ("0500000005", Role::Teachers, 3),
        ]);
        let report = crate::fixtures::ReportFixture::new(jiff::civil::date(2023, 10, 1), schools)
            .platform(Some(data))
            .target("myschool.teachers", 0.8)
            .build(Level::School);
        let ids = |list: Vec<Lagging<'_>>| -> Vec<String> {
            list.iter().map(|l| l.row.id.clone()).collect()
        };
        let teachers = IndicatorId::parse("myschool.teachers").unwrap();
        // 20 % is not below 20 %; a school without a share is not judged.
        assert_eq!(
            ids(lagging(&report, Some(&teachers), None, Cutoff::Below(0.2))),
            ["0500000003", "0500000001"]
        );
        assert_eq!(
            ids(lagging(
                &report,
                Some(&teachers),
                Some("А"),
                Cutoff::Below(0.2)
            )),
            ["0500000001"]
        );
        // By target: every red school, whatever its share.
        assert_eq!(
            ids(lagging(&report, Some(&teachers), None, Cutoff::Target)),
            ["0500000003", "0500000001", "0500000002", "0500000004"]
        );
    }

    /// School rows of schools in the order of ids are made on every core, others on one
    /// thread: both give the same rows, a school given twice merged into one row.
    #[test]
    fn school_rows_are_the_same_on_every_core_and_on_one() {
        let municipalities = ["Ахтынский район", "город Дербент", "Ахтынский район"];
        let schools: Vec<SchoolInfo> = (0..300)
            .map(|n| {
                let id = format!("05{n:08}");
                school(
                    &id,
                    municipalities[n % 3],
                    Some(n as u64 % 40),
                    Some(n as u64),
                )
            })
            .collect();
        let active: Vec<(String, Role, u64)> = schools
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 7 != 0)
            .flat_map(|(n, s)| {
                [
                    (s.id.to_string(), Role::Teachers, n as u64 % 17),
                    (s.id.to_string(), Role::Students, n as u64 % 101),
                ]
            })
            .collect();
        let platform = counts(&active);
        let platforms = [Some(&platform)];
        let in_order = compute(Level::School, &schools, &platforms);
        let mut shuffled = schools.clone();
        fastrand::Rng::with_seed(5).shuffle(&mut shuffled);
        assert_eq!(in_order, compute(Level::School, &shuffled, &platforms));
        // A school given twice, in the order of ids: one thread, and one row for it.
        let mut twice = schools.clone();
        twice.insert(1, schools[0].clone());
        let rows = compute(Level::School, &twice, &platforms);
        assert_eq!(rows.len(), schools.len());
        assert_eq!(
            rows.iter().map(|row| row.schools).sum::<usize>(),
            twice.len()
        );
    }

    /// Against a stable sort by the lowered names and the id: many rows, in no order, with
    /// places and names that differ only in case and rows whose keys are equal.
    #[test]
    fn sort_for_reading_is_a_stable_sort_by_lowered_names() {
        let mut rng = fastrand::Rng::with_seed(11);
        let words = [
            "Альфа",
            "альфа",
            "Бета",
            "БЕТА",
            "гамма",
            "Ёлка",
            "ёлка",
            "Zeta",
        ];
        let mut rows: Vec<([&str; 4], usize)> = (0..3000)
            .map(|tag| {
                let mut pick = || words[rng.usize(..words.len())];
                let ids = ["1", "2", "10"];
                ([pick(), pick(), pick(), ids[tag % 3]], tag)
            })
            .collect();
        let mut expected = rows.clone();
        expected.sort_by_key(|([region, municipality, name, id], _)| {
            (
                region.to_lowercase(),
                municipality.to_lowercase(),
                name.to_lowercase(),
                id.to_string(),
            )
        });
        sort_for_reading(&mut rows, |(fields, _)| *fields);
        assert_eq!(rows, expected);
    }

    #[test]
    fn rows_sort_for_reading_whatever_the_case() {
        // [region, municipality, name, id]
        let mut rows = vec![
            ["Республика Дагестан", "Дербентский район", "Школа", "3"],
            [
                "Республика Дагестан",
                "городской округ «город Махачкала»",
                "школа №2",
                "2",
            ],
            ["Республика Дагестан", "Ахтынский район", "Школа", "1"],
            [
                "республика дагестан",
                "ГОРОДСКОЙ ОКРУГ «ГОРОД МАХАЧКАЛА»",
                "Школа №1",
                "5",
            ],
            ["Республика Дагестан", "Дербентский район", "Школа", "0"],
            ["Амурская область", "Я", "Я", "9"],
        ];
        sort_for_reading(&mut rows, |row| *row);
        let ids: Vec<&str> = rows.iter().map(|row| row[3]).collect();
        // The region and municipality of «5» differ from «2»'s only in case: its name decides.
        // Equal names are ordered by id.
        assert_eq!(ids, ["9", "1", "5", "2", "0", "3"]);
    }

    #[test]
    fn roll_up_divides_sums_not_averages_shares() {
        let schools = [
            school("0500000001", "А", Some(10), Some(100)),
            school("0500000002", "А", Some(90), Some(100)),
        ];
        let data = counts(&[
            ("0500000001", Role::Teachers, 10),
            ("0500000002", Role::Teachers, 0),
        ]);
        let rows = compute(Level::Municipality, &schools, &[Some(&data)]);
        assert_eq!(rows.len(), 1);
        let teachers = rows[0].platforms[0]
            .as_ref()
            .unwrap()
            .get(Role::Teachers)
            .to_owned();
        // Average of shares would be 50 %; the sums give 10 / 100.
        assert_eq!(teachers.share, Some(0.1));
        assert_eq!(rows[0].schools, 2);
    }

    #[test]
    fn every_registry_school_appears_with_zeros() {
        let schools = [
            school("0500000001", "А", Some(10), Some(100)),
            school("0500000002", "Б", Some(20), Some(100)),
        ];
        let data = counts(&[("0500000001", Role::Teachers, 5)]);
        let rows = compute(Level::School, &schools, &[Some(&data), None]);
        assert_eq!(rows.len(), 2);
        let absent = rows[1].platforms[0].as_ref().unwrap();
        assert_eq!(absent.get(Role::Teachers).active, Some(0));
        assert_eq!(absent.get(Role::Teachers).registered, Some(0));
        assert_eq!(absent.get(Role::Teachers).share, Some(0.0));
        assert!(
            rows[0].platforms[1].is_none(),
            "no snapshot for the platform"
        );
    }

    #[test]
    fn share_is_null_without_contingent_and_not_capped() {
        let schools = [school("0500000001", "А", Some(0), None)];
        let data = counts(&[
            ("0500000001", Role::Teachers, 5),
            ("0500000001", Role::Students, 5),
        ]);
        let rows = compute(Level::School, &schools, &[Some(&data)]);
        let p = rows[0].platforms[0].as_ref().unwrap();
        assert_eq!(p.get(Role::Teachers).share, None, "contingent 0");
        assert_eq!(p.get(Role::Students).share, None, "contingent unknown");
        assert_eq!(p.get(Role::Parents).share, None, "no parents contingent");

        let schools = [school("0500000001", "А", Some(4), Some(1))];
        let rows = compute(Level::School, &schools, &[Some(&data)]);
        assert_eq!(
            rows[0].platforms[0]
                .as_ref()
                .unwrap()
                .get(Role::Teachers)
                .share,
            Some(1.25)
        );
    }

    #[test]
    fn delta_in_percentage_points() {
        let schools = [school("0500000001", "А", Some(10), Some(100))];
        let before = compute(
            Level::Region,
            &schools,
            &[Some(&counts(&[("0500000001", Role::Teachers, 5)]))],
        );
        let mut now = compute(
            Level::Region,
            &schools,
            &[Some(&counts(&[("0500000001", Role::Teachers, 8)]))],
        );
        apply_delta(&mut now, &PreviousRows::of(before));
        let teachers = *now[0].platforms[0].as_ref().unwrap().get(Role::Teachers);
        assert!((teachers.delta_pp.unwrap() - 30.0).abs() < 1e-9);
        // Parents have no share either time: no delta.
        assert_eq!(
            now[0].platforms[0]
                .as_ref()
                .unwrap()
                .get(Role::Parents)
                .delta_pp,
            None
        );
    }

    #[test]
    fn ranks_among_peers_with_ties_by_name() {
        let schools = [
            school("0500000001", "А", Some(10), Some(100)),
            school("0500000002", "А", Some(10), Some(100)),
            school("0500000003", "Б", Some(10), Some(100)),
            school("0500000004", "Б", Some(0), Some(100)),
        ];
        let data = counts(&[
            ("0500000001", Role::Teachers, 5),
            ("0500000002", Role::Teachers, 5),
            ("0500000003", Role::Teachers, 9),
        ]);
        let mut rows = compute(Level::School, &schools, &[Some(&data)]);
        apply_ranks(&mut rows, Level::School);
        let rank = |idx: usize| {
            rows[idx].platforms[0]
                .as_ref()
                .unwrap()
                .get(Role::Teachers)
                .rank
        };
        // Equal shares: «Школа 0500000001» before «Школа 0500000002» by name.
        assert_eq!(rank(0).municipality, Some((1, 2)));
        assert_eq!(rank(1).municipality, Some((2, 2)));
        assert_eq!(rank(0).region, Some((2, 3)));
        assert_eq!(rank(2).region, Some((1, 3)));
        assert_eq!(rank(2).municipality, Some((1, 1)));
        assert_eq!(rank(3), Rank::default(), "no share, no rank");

        let mut rows = compute(Level::Municipality, &schools, &[Some(&data)]);
        apply_ranks(&mut rows, Level::Municipality);
        let teachers = rows[1].platforms[0]
            .as_ref()
            .unwrap()
            .get(Role::Teachers)
            .rank;
        assert_eq!(teachers.region, Some((1, 2)));
        assert_eq!(teachers.municipality, None);
    }

    #[test]
    fn ranks_equal_a_plain_count_of_who_comes_first() {
        // 240 schools in three municipalities, few distinct shares and names that differ
        // only in case: ties everywhere, broken by the lowered name, then the rows' order.
        let names = [
            "Школа А",
            "ШКОЛА а",
            "Лицей",
            "лицей",
            "Гимназия №1",
            "Ёлочка",
        ];
        let schools: Vec<SchoolInfo> = (0..240u64)
            .map(|n| {
                let id = format!("05{:08}", n * 7919 % 240);
                let municipality = ["Б", "А", "В"][(n % 3) as usize];
                crate::fixtures::school(
                    &id,
                    names[(n * 5 % 6) as usize],
                    municipality,
                    &[(Role::Teachers, 10)],
                )
            })
            .collect();
        let entries: Vec<(String, Role, u64)> = (0..240u64)
            .filter(|n| n % 11 != 0)
            .map(|n| (format!("05{n:08}"), Role::Teachers, n * 13 % 4 * 5))
            .collect();
        let data = counts(&entries);
        let mut rows = compute(Level::School, &schools, &[Some(&data)]);
        apply_ranks(&mut rows, Level::School);
        let share = |idx: usize| {
            rows[idx].platforms[0]
                .as_ref()
                .and_then(|p| p.get(Role::Teachers).share)
        };
        let before = |a: usize, b: usize| {
            let (sa, sb) = (share(a).unwrap(), share(b).unwrap());
            sa > sb
                || (sa == sb && (rows[a].name.to_lowercase(), a) < (rows[b].name.to_lowercase(), b))
        };
        for idx in 0..rows.len() {
            let rank = rows[idx].platforms[0]
                .as_ref()
                .unwrap()
                .get(Role::Teachers)
                .rank;
            if share(idx).is_none() {
                assert_eq!(rank, Rank::default());
                continue;
            }
            let place = |same_group: &dyn Fn(usize) -> bool| {
                let peers: Vec<usize> = (0..rows.len())
                    .filter(|&other| same_group(other) && share(other).is_some())
                    .collect();
                let ahead = peers.iter().filter(|&&other| before(other, idx)).count();
                Some((ahead as u32 + 1, peers.len() as u32))
            };
            let municipality = place(&|other| rows[other].municipality == rows[idx].municipality);
            assert_eq!(rank.municipality, municipality, "row {idx}");
            assert_eq!(rank.region, place(&|_| true), "row {idx}");
        }
    }

    #[test]
    fn targets_on_the_rates_of_counts_per_row_and_level() {
        // Lessons per teacher: 200/10 = 20 (at the target), 180/10 = 18 (the yellow edge of
        // 20 with a band of 10 %), 100/10 = 10 (red); a school without teachers has no rate.
        let schools = [
            school("0500000001", "А", Some(10), Some(100)),
            school("0500000002", "А", Some(10), Some(100)),
            school("0500000003", "Б", Some(10), Some(100)),
            school("0500000004", "Б", None, Some(100)),
        ];
        let mut data = counts(&[("0500000001", Role::Teachers, 5)]);
        for (id, lessons) in [
            ("0500000001", 200),
            ("0500000002", 180),
            ("0500000003", 100),
            ("0500000004", 50),
        ] {
            data.uses.insert(
                OrgId::normalize(id).unwrap(),
                vec![SchoolCount {
                    name: "lessons".into(),
                    header: "Уроков проведено".into(),
                    value: lessons,
                }],
            );
        }
        let catalogue = crate::Catalogue::builtin();
        let platforms: Vec<&Platform> = catalogue.iter().take(1).collect();
        let target = |text: &str, level, value| crate::targets::Target {
            indicator: IndicatorId::parse(text).unwrap(),
            level,
            from: jiff::civil::date(2023, 9, 1),
            value,
        };
        let book = TargetBook {
            targets: vec![
                target("myschool.count.lessons.per_teacher", None, 20.0),
                target(
                    "myschool.count.lessons.per_teacher",
                    Some(Level::Municipality),
                    19.0,
                ),
                target("myschool.count.marks.per_teacher", None, 1.0),
            ],
            ..TargetBook::default()
        };
        let as_of = jiff::civil::date(2023, 10, 1);
        let targets_of = |level| {
            let mut rows = compute(level, &schools, &[Some(&data)]);
            apply_targets(&mut rows, level, as_of, &platforms, &book);
            rows.iter()
                .map(|row| row.uses[0]["lessons"].targets)
                .collect::<Vec<_>>()
        };
        let mark = |target: f64, status| Some(RateTarget { target, status });
        let schools_ = targets_of(Level::School);
        let per_teacher: Vec<_> = schools_.iter().map(|t| t.per_teacher).collect();
        assert_eq!(
            per_teacher,
            [
                mark(20.0, Status::Green),
                mark(20.0, Status::Yellow),
                mark(20.0, Status::Red),
                mark(20.0, Status::None),
            ]
        );
        assert!(
            schools_.iter().all(|t| t.per_100_students.is_none()),
            "no target on the other rate"
        );
        // The municipalities' own target of 19, on rates from sums: А 380/20 = 19, Б 150/10.
        let municipalities = targets_of(Level::Municipality);
        assert_eq!(
            municipalities
                .iter()
                .map(|t| t.per_teacher)
                .collect::<Vec<_>>(),
            [mark(19.0, Status::Green), mark(19.0, Status::Red)]
        );
        // The region: 530 lessons of 30 teachers = 17,7 against 20, yellow down to 18: red.
        assert_eq!(
            targets_of(Level::Region)[0].per_teacher,
            mark(20.0, Status::Red)
        );
    }

    #[test]
    fn targets_status_and_gap_per_indicator() {
        let schools = [school("0500000001", "А", Some(57), Some(100))];
        let data = counts(&[("0500000001", Role::Teachers, 46)]);
        let mut rows = compute(Level::School, &schools, &[Some(&data)]);
        let catalogue = crate::Catalogue::builtin();
        let platforms: Vec<&Platform> = catalogue.iter().take(1).collect();
        let book = TargetBook {
            targets: vec![crate::targets::Target {
                indicator: IndicatorId::parse("myschool.teachers").unwrap(),
                level: None,
                from: jiff::civil::date(2023, 9, 1),
                value: 0.9,
            }],
            ..TargetBook::default()
        };
        apply_targets(
            &mut rows,
            Level::School,
            jiff::civil::date(2023, 10, 1),
            &platforms,
            &book,
        );
        let teachers = *rows[0].platforms[0].as_ref().unwrap().get(Role::Teachers);
        assert_eq!(teachers.target, Some(0.9));
        assert_eq!(teachers.status, Status::Yellow); // 80.7 % is within 10 p.p. of 90 %
        assert_eq!(teachers.gap, Some(6));
        let students = *rows[0].platforms[0].as_ref().unwrap().get(Role::Students);
        assert_eq!(
            (students.target, students.status, students.gap),
            (None, Status::None, None)
        );
    }

    #[test]
    fn unknown_organisations_are_counted() {
        let schools = [school("0500000001", "А", Some(10), Some(100))];
        let data = counts(&[
            ("0500000001", Role::Teachers, 5),
            ("0599999999", Role::Students, 7),
        ]);
        let unknown = data.unknown(&schools);
        assert_eq!(unknown.ids.len(), 1);
        assert_eq!(unknown.users, 7);
    }
}
