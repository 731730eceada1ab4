//! Merging per-user rows into per-school counts (SPEC §5.1, §6).
//!
//! A user is (user id, organisation, role). Repeated rows merge: confirmed if any row is, the
//! latest last date wins. A person in two schools counts in both. Only counts leave this
//! module: no ids are kept once [`UserAggregate::finish`] has run (SPEC §7).

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;

use crate::dates::next_monthly;
use crate::indicators::RoleCounts;
use crate::org::OrgId;
use crate::platform::ActiveRule;
use crate::role::{Role, RoleMap};

/// Who a row is about. Without a user id column every row is its own user.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserKey {
    pub org: OrgId,
    pub role: Role,
    pub user_id: Option<String>,
}

/// What is known of one user: from one row, or from all of its rows merged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserState {
    pub confirmed: bool,
    pub last: Option<Date>,
}

impl UserState {
    /// The duplicate rule: confirmed if any row is, the latest last date wins.
    pub fn merge(&mut self, row: UserState) {
        self.confirmed |= row.confirmed;
        self.last = self.last.max(row.last);
    }
}

/// Counts merged users with a platform's rule at a date. Every path that reads per-user
/// rows (the general one here and ingestion's fast one) counts through it, so the rules are
/// applied in one place.
#[derive(Clone, Copy, Debug)]
pub struct Tally {
    rule: ActiveRule,
    as_of: Date,
    /// The window's first day at `as_of`, computed once rather than per user; `None` for a
    /// `connected` rule, which has no window.
    first_day: Option<Date>,
    /// Who is active now but would not be at the next monthly date unless they return;
    /// `None` where nobody leaves by date, so that `leaving` stays unknown and no forecast
    /// is made.
    next_first_day: Option<Date>,
    has_confirmed: bool,
}

/// One organisation's counts, and what is worth a finding.
#[derive(Clone, Debug, PartialEq)]
pub struct OrgTally {
    pub roles: RoleMap<RoleCounts>,
    pub users: u64,
    pub never_active: u64,
    pub dates_after: u64,
    pub duplicates: u64,
    /// Keyed hashes of the active users by role, where the reader hashes them (SPEC §7): the
    /// sets the flows are computed from, sorted and without repeats ([`crate::flows::into_set`])
    /// by the reader, which makes them on every core.
    pub active_hashes: RoleMap<Vec<u64>>,
}

impl Tally {
    /// `has_confirmed`: whether the export has a confirmation column; without it the
    /// confirmed count is unknown rather than zero.
    pub fn new(rule: &ActiveRule, as_of: Date, has_confirmed: bool) -> Tally {
        Tally {
            rule: *rule,
            as_of,
            first_day: rule.first_active_day(as_of),
            next_first_day: rule.first_active_day(next_monthly(as_of)),
            has_confirmed,
        }
    }

    /// An organisation with nobody yet: every role known to have zero active and leaving.
    pub fn empty(&self) -> OrgTally {
        let mut roles: RoleMap<RoleCounts> = RoleMap::default();
        for role in Role::ALL {
            let counts = roles.get_mut(role);
            counts.active = Some(0);
            counts.leaving = self.next_first_day.map(|_| 0);
        }
        OrgTally {
            roles,
            users: 0,
            never_active: 0,
            dates_after: 0,
            duplicates: 0,
            active_hashes: RoleMap::default(),
        }
    }

    /// Counts one merged user; whether it is active, for a caller that also keeps who.
    pub fn add(&self, tally: &mut OrgTally, role: Role, state: UserState) -> bool {
        let counts = tally.roles.get_mut(role);
        counts.registered = Some(counts.registered.unwrap_or(0) + 1);
        if self.has_confirmed {
            counts.confirmed = Some(counts.confirmed.unwrap_or(0) + u64::from(state.confirmed));
        }
        let active = self
            .rule
            .is_active_from(state.confirmed, state.last, self.first_day);
        if active {
            counts.active = Some(counts.active.unwrap_or(0) + 1);
            if let Some(next_first_day) = self.next_first_day
                && state.last.is_some_and(|last| last < next_first_day)
            {
                *counts.leaving.get_or_insert(0) += 1;
            }
        }
        tally.users += 1;
        match state.last {
            None => tally.never_active += 1,
            Some(last) if last > self.as_of => tally.dates_after += 1,
            Some(_) => {}
        }
        active
    }
}

impl PerUserCounts {
    /// The counts of organisations, each given once, in any order and in any number of parts
    /// (those of the threads that counted them); with `keyed`, their sets of active users'
    /// hashes too.
    ///
    /// The order is found on indices, and each map is built from its values in that order at
    /// once: a national file's 40,000 tallies (~0.4 KB each) inserted one at a time into the
    /// maps took 64–99 ms of the import's one-threaded end, built so 42–47 ms, most of it the
    /// fresh memory of the maps' nodes. Moving the tallies into a list of their own first cost
    /// as much as it saved.
    pub fn of_orgs(mut parts: Vec<Vec<(OrgId, OrgTally)>>, keyed: bool) -> PerUserCounts {
        let mut order: Vec<(u32, u32)> = parts
            .iter()
            .enumerate()
            .flat_map(|(part, orgs)| (0..orgs.len() as u32).map(move |idx| (part as u32, idx)))
            .collect();
        let at = |(part, idx): (u32, u32)| (part as usize, idx as usize);
        order.sort_unstable_by(|&a, &b| {
            let ((pa, ia), (pb, ib)) = (at(a), at(b));
            parts[pa][ia].0.cmp(&parts[pb][ib].0)
        });
        debug_assert!(
            order.windows(2).all(|w| {
                let ((pa, ia), (pb, ib)) = (at(w[0]), at(w[1]));
                parts[pa][ia].0 < parts[pb][ib].0
            }),
            "an organisation is given once"
        );
        let mut out = PerUserCounts::default();
        for &place in &order {
            let (part, idx) = at(place);
            let (org, tally) = &parts[part][idx];
            out.users += tally.users;
            out.never_active += tally.never_active;
            out.dates_after_as_of += tally.dates_after;
            out.duplicates_merged += tally.duplicates;
            if tally.dates_after > 0 {
                out.dates_after_by_org
                    .insert(org.clone(), tally.dates_after);
            }
            if tally.duplicates > 0 {
                out.duplicates_by_org.insert(org.clone(), tally.duplicates);
            }
        }
        // In order: `collect` only checks it and builds each map's nodes full.
        if keyed {
            out.active_hashes = Some(
                order
                    .iter()
                    .map(|&place| {
                        let (part, idx) = at(place);
                        let (org, tally) = &mut parts[part][idx];
                        let by_role = std::mem::take(&mut tally.active_hashes);
                        debug_assert!(
                            by_role
                                .iter()
                                .all(|(_, hashes)| hashes.windows(2).all(|w| w[0] < w[1])),
                            "the reader gives sets"
                        );
                        (org.clone(), by_role)
                    })
                    .collect(),
            );
        }
        out.by_org = order
            .iter()
            .map(|&place| {
                let (part, idx) = at(place);
                let (org, tally) = &mut parts[part][idx];
                let org = std::mem::replace(org, OrgId::from_normalized(String::new()));
                (org, tally.roles)
            })
            .collect();
        out
    }

    /// Adds the users of rows that name no organisation (SPEC §5.1): counted by role, in no
    /// school's figures.
    pub fn push_without_org(&mut self, tally: OrgTally) {
        self.users += tally.users;
        self.duplicates_merged += tally.duplicates;
        for (role, counts) in tally.roles.iter() {
            *self.without_org.get_mut(role) += counts.registered.unwrap_or(0);
        }
    }
}

/// Accumulates per-user rows of one export.
#[derive(Debug)]
pub struct UserAggregate {
    org_index: HashMap<OrgId, u32>,
    orgs: Vec<OrgId>,
    users: HashMap<(u32, Role, Box<str>), UserState>,
    /// Rows without a user id: each is one user, nothing to merge.
    anonymous: Vec<(u32, Role, UserState)>,
    /// Repeated rows merged, per organisation index.
    duplicates: Vec<u64>,
    has_confirmed: bool,
}

/// What an export says, per organisation and role, at its date.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PerUserCounts {
    pub by_org: BTreeMap<OrgId, RoleMap<RoleCounts>>,
    pub users: u64,
    /// Rows that repeated a user already seen and were merged into it.
    pub duplicates_merged: u64,
    /// Users whose last date is after the as-of date (counted as active).
    pub dates_after_as_of: u64,
    /// Users with no last date at all.
    pub never_active: u64,
    /// The organisations with merged duplicates, and how many rows each.
    pub duplicates_by_org: BTreeMap<OrgId, u64>,
    /// The organisations with last dates after the as-of date, and how many users each.
    pub dates_after_by_org: BTreeMap<OrgId, u64>,
    /// Users of rows that name no organisation (an empty cell, «-», «нет»), by role.
    pub without_org: RoleMap<u64>,
    /// Where the reader had a key: per organisation and role, the sorted keyed hashes of
    /// the active users (SPEC §7), never their ids. `None` without a key.
    pub active_hashes: Option<UserSets>,
}

/// Sorted sets of keyed user hashes per organisation and role.
pub type UserSets = BTreeMap<OrgId, RoleMap<Vec<u64>>>;

impl UserAggregate {
    /// `has_confirmed`: whether the export has a confirmation column; without it the
    /// confirmed count is unknown rather than zero.
    pub fn new(has_confirmed: bool) -> UserAggregate {
        UserAggregate {
            org_index: HashMap::new(),
            orgs: Vec::new(),
            users: HashMap::new(),
            anonymous: Vec::new(),
            duplicates: Vec::new(),
            has_confirmed,
        }
    }

    pub fn add(&mut self, key: UserKey, confirmed: bool, last: Option<Date>) {
        let org_idx = match self.org_index.get(&key.org) {
            Some(&idx) => idx,
            None => {
                let idx = self.orgs.len() as u32;
                self.orgs.push(key.org.clone());
                self.duplicates.push(0);
                self.org_index.insert(key.org, idx);
                idx
            }
        };
        let row = UserState { confirmed, last };
        match key.user_id {
            None => self.anonymous.push((org_idx, key.role, row)),
            Some(user_id) => {
                let n_before = self.users.len();
                let state = self
                    .users
                    .entry((org_idx, key.role, user_id.into_boxed_str()))
                    .or_default();
                state.merge(row);
                if self.users.len() == n_before {
                    self.duplicates[org_idx as usize] += 1;
                }
            }
        }
    }

    /// Classifies every user with the platform's rule at `as_of` and counts per school.
    pub fn finish(self, rule: &ActiveRule, as_of: Date) -> PerUserCounts {
        let tally = Tally::new(rule, as_of, self.has_confirmed);
        let mut by_idx: Vec<OrgTally> = self
            .duplicates
            .iter()
            .map(|&duplicates| OrgTally {
                duplicates,
                ..tally.empty()
            })
            .collect();
        let states = self
            .users
            .iter()
            .map(|((org_idx, role, _), state)| (*org_idx, *role, *state))
            .chain(self.anonymous.iter().copied());
        for (org_idx, role, state) in states {
            tally.add(&mut by_idx[org_idx as usize], role, state);
        }
        PerUserCounts::of_orgs(vec![self.orgs.into_iter().zip(by_idx).collect()], false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Catalogue;
    use jiff::civil::date;

    fn key(org: &str, role: Role, user: Option<&str>) -> UserKey {
        UserKey {
            org: OrgId::normalize(org).unwrap(),
            role,
            user_id: user.map(str::to_string),
        }
    }

    fn myschool() -> ActiveRule {
        Catalogue::builtin().get("myschool").unwrap().rule
    }

    #[test]
    fn duplicates_merge_confirmed_and_latest_date() {
        let d = date(2023, 10, 1);
        let mut agg = UserAggregate::new(true);
        // Confirmed in one row, recent login in another: one active user.
        agg.add(
            key("0500000001", Role::Teachers, Some("u1")),
            true,
            Some(date(2021, 1, 1)),
        );
        agg.add(
            key("0500000001", Role::Teachers, Some("u1")),
            false,
            Some(date(2023, 9, 1)),
        );
        agg.add(key("0500000001", Role::Teachers, Some("u1")), false, None);
        let counts = agg.finish(&myschool(), d);
        let teachers = counts.by_org[&OrgId::normalize("0500000001").unwrap()].get(Role::Teachers);
        assert_eq!(teachers.registered, Some(1));
        assert_eq!(teachers.confirmed, Some(1));
        assert_eq!(teachers.active, Some(1));
        assert_eq!(counts.duplicates_merged, 2);
        assert_eq!(
            counts
                .duplicates_by_org
                .values()
                .copied()
                .collect::<Vec<_>>(),
            [2]
        );
        assert_eq!(counts.users, 1);
    }

    #[test]
    fn same_person_in_two_schools_counts_in_both() {
        let d = date(2023, 10, 1);
        let mut agg = UserAggregate::new(true);
        agg.add(key("0500000001", Role::Teachers, Some("u1")), true, Some(d));
        agg.add(key("0500000002", Role::Teachers, Some("u1")), true, Some(d));
        // And in two roles of one school.
        agg.add(key("0500000001", Role::Parents, Some("u1")), true, Some(d));
        let counts = agg.finish(&myschool(), d);
        assert_eq!(counts.users, 3);
        assert_eq!(counts.duplicates_merged, 0);
        assert_eq!(counts.by_org.len(), 2);
    }

    #[test]
    fn without_ids_every_row_is_a_user() {
        let d = date(2023, 10, 1);
        let mut agg = UserAggregate::new(false);
        for _ in 0..3 {
            agg.add(key("0500000001", Role::Students, None), false, Some(d));
        }
        let counts = agg.finish(&Catalogue::builtin().get("sferum").unwrap().rule, d);
        let students = counts.by_org[&OrgId::normalize("0500000001").unwrap()].get(Role::Students);
        assert_eq!(students.registered, Some(3));
        assert_eq!(students.confirmed, None, "no confirmation column");
        assert_eq!(students.active, Some(3));
    }

    #[test]
    fn leaving_before_the_next_monthly_date() {
        // At 01.10.2023 the window starts 02.10.2022; at 01.11.2023 it starts 02.11.2022.
        let d = date(2023, 10, 1);
        let mut agg = UserAggregate::new(true);
        for (user, last) in [
            ("a", date(2022, 10, 2)), // active now, gone on 01.11
            ("b", date(2022, 11, 1)), // the last day that leaves
            ("c", date(2022, 11, 2)), // stays
            ("d", date(2023, 10, 5)), // after the as-of date: stays
            ("e", date(2022, 10, 1)), // not active now: not "leaving"
        ] {
            agg.add(
                key("0500000001", Role::Teachers, Some(user)),
                true,
                Some(last),
            );
        }
        let counts = agg.finish(&myschool(), d);
        let teachers = counts.by_org[&OrgId::normalize("0500000001").unwrap()].get(Role::Teachers);
        assert_eq!(teachers.active, Some(4));
        assert_eq!(teachers.leaving, Some(2));
        let students = counts.by_org[&OrgId::normalize("0500000001").unwrap()].get(Role::Students);
        assert_eq!(
            students.leaving,
            Some(0),
            "known to be zero in a per-user export"
        );
    }

    #[test]
    fn leaving_on_29_february_for_sferum() {
        // Sferum at 29.01.2024: window after 29.01.2023; next date 29.02.2024, window after
        // 28.02.2023 (clamped). Last dates 30.01–28.02.2023 leave.
        let d = date(2024, 1, 29);
        let mut agg = UserAggregate::new(false);
        for (user, last) in [
            ("a", date(2023, 1, 30)),
            ("b", date(2023, 2, 28)),
            ("c", date(2023, 3, 1)),
        ] {
            agg.add(
                key("0500000001", Role::Students, Some(user)),
                false,
                Some(last),
            );
        }
        let counts = agg.finish(&Catalogue::builtin().get("sferum").unwrap().rule, d);
        let students = counts.by_org[&OrgId::normalize("0500000001").unwrap()].get(Role::Students);
        assert_eq!((students.active, students.leaving), (Some(3), Some(2)));
    }

    #[test]
    fn dates_after_as_of_and_never_are_counted() {
        let d = date(2023, 10, 1);
        let mut agg = UserAggregate::new(true);
        agg.add(
            key("0500000001", Role::Teachers, Some("a")),
            true,
            Some(date(2023, 10, 3)),
        );
        agg.add(key("0500000001", Role::Teachers, Some("b")), true, None);
        let counts = agg.finish(&myschool(), d);
        assert_eq!(counts.dates_after_as_of, 1);
        assert_eq!(counts.dates_after_by_org.len(), 1);
        assert_eq!(counts.never_active, 1);
        let teachers = counts.by_org[&OrgId::normalize("0500000001").unwrap()].get(Role::Teachers);
        assert_eq!(teachers.active, Some(1));
    }

    #[test]
    fn organisations_in_parts_and_any_order_count_as_one_sorted_list() {
        let tally = Tally::new(&myschool(), date(2023, 10, 1), true);
        let org = |n: u32| OrgId::normalize(&format!("05{n:08}")).unwrap();
        let tally_of = |n: u32| {
            let mut t = tally.empty();
            let state = UserState {
                confirmed: true,
                last: Some(date(2023, 9, 1)),
            };
            for _ in 0..n % 4 {
                tally.add(&mut t, Role::Students, state);
            }
            tally.add(&mut t, Role::Teachers, UserState::default());
            t.dates_after = u64::from(n % 3);
            t.duplicates = u64::from(n % 5);
            *t.active_hashes.get_mut(Role::Students) = (0..u64::from(n % 4)).collect();
            t
        };
        // 30 schools dealt out of order into three parts, one of them empty.
        let mut parts: Vec<Vec<(OrgId, OrgTally)>> = vec![Vec::new(), Vec::new(), Vec::new()];
        for n in (0..30).rev() {
            parts[if n % 3 == 0 { 0 } else { 2 }].push((org(n * 7 % 30), tally_of(n * 7 % 30)));
        }
        let got = PerUserCounts::of_orgs(parts, true);
        let mut expected = PerUserCounts {
            active_hashes: Some(BTreeMap::new()),
            ..PerUserCounts::default()
        };
        for n in 0..30 {
            let t = tally_of(n);
            expected.users += t.users;
            expected.never_active += t.never_active;
            expected.dates_after_as_of += t.dates_after;
            expected.duplicates_merged += t.duplicates;
            if t.dates_after > 0 {
                expected.dates_after_by_org.insert(org(n), t.dates_after);
            }
            if t.duplicates > 0 {
                expected.duplicates_by_org.insert(org(n), t.duplicates);
            }
            let sets = expected.active_hashes.as_mut().unwrap();
            sets.insert(org(n), t.active_hashes.clone());
            expected.by_org.insert(org(n), t.roles);
        }
        assert_eq!(got, expected);
        assert_eq!(got.by_org.len(), 30);
        // Without a key, no sets at all.
        let unkeyed = PerUserCounts::of_orgs(vec![vec![(org(1), tally_of(1))]], false);
        assert_eq!(unkeyed.active_hashes, None);
        assert_eq!(unkeyed.users, 2);
    }
}
