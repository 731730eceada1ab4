//! Merging per-user rows into per-school counts (SPEC §5.1, §6).
//!
//! A user is (user id, organisation, role). Repeated rows merge: confirmed if any row is, the
//! latest last date wins. A person in two schools counts in both. Only counts leave this
//! module: no ids are kept once [`UserAggregate::finish`] has run (SPEC §7).

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;

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

#[derive(Clone, Copy, Debug, Default)]
struct UserState {
    confirmed: bool,
    last: Option<Date>,
}

/// Accumulates per-user rows of one export.
#[derive(Debug)]
pub struct UserAggregate {
    org_index: HashMap<OrgId, u32>,
    orgs: Vec<OrgId>,
    users: HashMap<(u32, Role, Box<str>), UserState>,
    /// Rows without a user id: each is one user, nothing to merge.
    anonymous: Vec<(u32, Role, UserState)>,
    duplicates_merged: u64,
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
}

impl UserAggregate {
    /// `has_confirmed`: whether the export has a confirmation column; without it the
    /// confirmed count is unknown rather than zero.
    pub fn new(has_confirmed: bool) -> UserAggregate {
        UserAggregate {
            org_index: HashMap::new(),
            orgs: Vec::new(),
            users: HashMap::new(),
            anonymous: Vec::new(),
            duplicates_merged: 0,
            has_confirmed,
        }
    }

    pub fn add(&mut self, key: UserKey, confirmed: bool, last: Option<Date>) {
        let org_idx = match self.org_index.get(&key.org) {
            Some(&idx) => idx,
            None => {
                let idx = self.orgs.len() as u32;
                self.orgs.push(key.org.clone());
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
                state.confirmed |= row.confirmed;
                state.last = state.last.max(row.last);
                if self.users.len() == n_before {
                    self.duplicates_merged += 1;
                }
            }
        }
    }

    /// Classifies every user with the platform's rule at `as_of` and counts per school.
    pub fn finish(self, rule: &ActiveRule, as_of: Date) -> PerUserCounts {
        let mut out = PerUserCounts {
            duplicates_merged: self.duplicates_merged,
            ..PerUserCounts::default()
        };
        let mut by_idx: Vec<RoleMap<RoleCounts>> = vec![RoleMap::default(); self.orgs.len()];
        let states = self
            .users
            .iter()
            .map(|((org_idx, role, _), state)| (*org_idx, *role, *state))
            .chain(self.anonymous.iter().copied());
        for (org_idx, role, state) in states {
            let counts = by_idx[org_idx as usize].get_mut(role);
            counts.registered = Some(counts.registered.unwrap_or(0) + 1);
            if self.has_confirmed {
                counts.confirmed = Some(counts.confirmed.unwrap_or(0) + u64::from(state.confirmed));
            }
            if rule.is_active(state.confirmed, state.last, as_of) {
                counts.active += 1;
            }
            out.users += 1;
            match state.last {
                None => out.never_active += 1,
                Some(last) if last > as_of => out.dates_after_as_of += 1,
                Some(_) => {}
            }
        }
        out.by_org = self.orgs.into_iter().zip(by_idx).collect();
        out
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
        assert_eq!(teachers.active, 1);
        assert_eq!(counts.duplicates_merged, 2);
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
        assert_eq!(students.active, 3);
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
        assert_eq!(counts.never_active, 1);
        let teachers = counts.by_org[&OrgId::normalize("0500000001").unwrap()].get(Role::Teachers);
        assert_eq!(teachers.active, 1);
    }
}
