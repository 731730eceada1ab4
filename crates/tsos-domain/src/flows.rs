//! User flows from one monthly per-user snapshot to the next (SPEC §7): how many of the users
//! active now are new, returned or retained, and how many of last month's were lost.
//!
//! Users are known here only by keyed 64-bit hashes of their ids (never the ids); a set is a
//! sorted slice without repeats, so every count is one linear merge.

use serde::Serialize;

/// The four flows of one (school, role, platform) between the previous monthly date and the
/// current one. `new + returned + retained` is the number active now; `retained + lost` the
/// number active last month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Flows {
    /// Active now and never active at an earlier date of the chain.
    pub new: u64,
    /// Active now, not active last month, active at some earlier date of the chain.
    pub returned: u64,
    /// Active now and last month.
    pub retained: u64,
    /// Active last month, not now.
    pub lost: u64,
}

impl Flows {
    /// Flows from sorted, repeat-free hash sets: `current` (active at the current date),
    /// `previous` (active at the previous monthly date) and `earlier` (active at any date of
    /// the chain before the previous one; it may overlap `previous`).
    pub fn compute(current: &[u64], previous: &[u64], earlier: &[u64]) -> Flows {
        debug_assert!(is_set(current) && is_set(previous) && is_set(earlier));
        let mut flows = Flows::default();
        let (mut p, mut e) = (0, 0);
        for &user in current {
            while p < previous.len() && previous[p] < user {
                p += 1;
            }
            if p < previous.len() && previous[p] == user {
                flows.retained += 1;
                continue;
            }
            while e < earlier.len() && earlier[e] < user {
                e += 1;
            }
            if e < earlier.len() && earlier[e] == user {
                flows.returned += 1;
            } else {
                flows.new += 1;
            }
        }
        flows.lost = previous.len() as u64 - flows.retained;
        flows
    }

    /// Adds another group's flows (a school's roles into the school, schools into a
    /// municipality): flows are counts of users, so they sum.
    pub fn add(&mut self, other: Flows) {
        self.new += other.new;
        self.returned += other.returned;
        self.retained += other.retained;
        self.lost += other.lost;
    }

    /// Users active now: `new + returned + retained`.
    pub fn active_now(&self) -> u64 {
        self.new + self.returned + self.retained
    }

    /// Users active last month: `retained + lost`.
    pub fn active_before(&self) -> u64 {
        self.retained + self.lost
    }
}

/// The union of two sorted, repeat-free sets, itself sorted and repeat-free: the "active at
/// any earlier date" set grows by one snapshot at a time along the chain.
pub fn union(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Sorts hashes and drops repeats, making them a set the functions above accept.
pub fn into_set(mut hashes: Vec<u64>) -> Vec<u64> {
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// Whether two snapshot dates are consecutive monthly dates of a chain: `previous` falls in
/// the calendar month before `current`'s (01.10 and 01.11, 31.10 and 30.11, 30.11 and 31.12).
pub fn consecutive_months(previous: jiff::civil::Date, current: jiff::civil::Date) -> bool {
    let index = |d: jiff::civil::Date| i32::from(d.year()) * 12 + i32::from(d.month());
    index(current) - index(previous) == 1
}

/// Why a platform present at a date has no flows there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowsAbsence {
    /// The file of the date is per school: it names no users.
    PerSchool,
    /// The file of the date was imported without the key.
    NoKey,
    /// No per-user file with sets a month before: the first month of a chain.
    NoPreviousMonth,
    /// The previous month's sets were made under another key: a new chain starts.
    KeyChanged,
}

impl FlowsAbsence {
    pub fn code(self) -> &'static str {
        match self {
            FlowsAbsence::PerSchool => "per_school",
            FlowsAbsence::NoKey => "no_key",
            FlowsAbsence::NoPreviousMonth => "no_previous_month",
            FlowsAbsence::KeyChanged => "key_changed",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            FlowsAbsence::PerSchool => "выгрузка по школам, а не по пользователям",
            FlowsAbsence::NoKey => {
                "выгрузка загружена без ключа потоков (tsos.key рядом с базой или --key-file)"
            }
            FlowsAbsence::NoPreviousMonth => {
                "нет выгрузки по пользователям за предыдущий месяц, загруженной с ключом"
            }
            FlowsAbsence::KeyChanged => {
                "предыдущий месяц загружен с другим ключом: цепочка месяцев начата заново"
            }
        }
    }
}

fn is_set(hashes: &[u64]) -> bool {
    hashes.windows(2).all(|w| w[0] < w[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn each_path_counted_once() {
        // 1 retained, 2 returned (active two months ago), 3 new, 4 lost, 5 lost and
        // also active earlier (still lost, once).
        let current = [1, 2, 3];
        let previous = [1, 4, 5];
        let earlier = [2, 5, 9];
        let flows = Flows::compute(&current, &previous, &earlier);
        assert_eq!(
            flows,
            Flows {
                new: 1,
                returned: 1,
                retained: 1,
                lost: 2
            }
        );
        assert_eq!(flows.active_now(), 3);
        assert_eq!(flows.active_before(), 3);
    }

    #[test]
    fn empty_sets() {
        assert_eq!(Flows::compute(&[], &[], &[]), Flows::default());
        let only_lost = Flows::compute(&[], &[7, 8], &[7]);
        assert_eq!(only_lost.lost, 2);
        assert_eq!(only_lost.active_now(), 0);
        // The first month of a chain: everyone is new.
        assert_eq!(Flows::compute(&[1, 2], &[], &[]).new, 2);
    }

    #[test]
    fn months_of_a_chain() {
        use jiff::civil::date;
        assert!(consecutive_months(date(2025, 10, 1), date(2025, 11, 1)));
        assert!(consecutive_months(date(2025, 11, 30), date(2025, 12, 31)));
        assert!(consecutive_months(date(2025, 12, 1), date(2026, 1, 1)));
        assert!(!consecutive_months(date(2025, 9, 1), date(2025, 11, 1)));
        assert!(!consecutive_months(date(2025, 11, 1), date(2025, 11, 15)));
    }

    #[test]
    fn union_keeps_a_set() {
        assert_eq!(union(&[1, 3, 5], &[2, 3, 6, 7]), vec![1, 2, 3, 5, 6, 7]);
        assert_eq!(union(&[], &[4]), vec![4]);
        assert_eq!(into_set(vec![5, 1, 5, 3, 1]), vec![1, 3, 5]);
    }

    /// The merge against the definitions of SPEC §7 written with sets, on random months
    /// drawn from a small universe so that every overlap occurs.
    #[test]
    fn agrees_with_set_definitions_on_random_sets() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            // xorshift64: a fixed seed keeps a failure reproducible.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..500 {
            let universe = 1 + next() % 40;
            let mut draw = || -> BTreeSet<u64> {
                let density = next() % 100;
                (0..universe)
                    .filter(|_| next() % 100 < density)
                    .map(|u| u.wrapping_mul(0x9e37_79b9_7f4a_7c15))
                    .collect()
            };
            let (current, previous, earlier) = (draw(), draw(), draw());
            let vec = |s: &BTreeSet<u64>| s.iter().copied().collect::<Vec<_>>();
            let flows = Flows::compute(&vec(&current), &vec(&previous), &vec(&earlier));
            let expected = Flows {
                new: current
                    .iter()
                    .filter(|u| !previous.contains(u) && !earlier.contains(u))
                    .count() as u64,
                returned: current
                    .iter()
                    .filter(|u| !previous.contains(u) && earlier.contains(u))
                    .count() as u64,
                retained: current.intersection(&previous).count() as u64,
                lost: previous.difference(&current).count() as u64,
            };
            assert_eq!(flows, expected);
            assert_eq!(flows.active_now(), current.len() as u64);
            assert_eq!(flows.active_before(), previous.len() as u64);
            let merged: BTreeSet<u64> = previous.union(&earlier).copied().collect();
            assert_eq!(union(&vec(&previous), &vec(&earlier)), vec(&merged));
        }
    }
}
