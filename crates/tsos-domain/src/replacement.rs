//! When a new file may replace the snapshot of its dataset and date without the user's word.
//!
//! A file that reads strangely (a stray quote once made a 58,000-row export read as 101 rows)
//! must never silently replace good figures. So before a replacement, the two snapshots are
//! compared; a new one far smaller than the old one, or one that would drop a share of the
//! whole area by more than [`SHARE_DROP_PP`] points, is held until the user confirms it.

use crate::indicators::RoleCounts;
use crate::org::OrgId;
use crate::registry::SchoolInfo;
use crate::role::{Role, RoleMap};

/// A replacement keeping less than this fraction of the rows, schools or users it replaces is
/// suspect: a real month does not lose half its schools.
pub const KEPT_AT_LEAST: f64 = 0.5;

/// A drop of a share of the whole area by more than this many percentage points is suspect:
/// the same as the data-quality finding for one school (SPEC §6), applied to all of them.
pub const SHARE_DROP_PP: f64 = 20.0;

/// How much a snapshot holds, as far as a replacement is judged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extent {
    /// Rows of the file, header and title lines included.
    pub rows: u64,
    /// Organisations with figures.
    pub schools: u64,
    /// Users after merging repeated rows (per-user exports).
    pub users: Option<u64>,
    /// Each role's share over every school of the registry (see [`area_shares`]).
    pub shares: RoleMap<Option<f64>>,
}

/// What makes a replacement suspect.
#[derive(Clone, Debug, PartialEq)]
pub enum Shrink {
    Rows {
        old: u64,
        new: u64,
    },
    Schools {
        old: u64,
        new: u64,
    },
    Users {
        old: u64,
        new: u64,
    },
    /// Shares as fractions.
    Share {
        role: Role,
        old: f64,
        new: f64,
    },
}

/// The reasons to hold `new` back from replacing `old`; none for an ordinary month.
pub fn shrinks(old: &Extent, new: &Extent) -> Vec<Shrink> {
    let shrunk = |old: u64, new: u64| (new as f64) < old as f64 * KEPT_AT_LEAST;
    let mut found = Vec::new();
    if shrunk(old.rows, new.rows) {
        found.push(Shrink::Rows {
            old: old.rows,
            new: new.rows,
        });
    }
    if shrunk(old.schools, new.schools) {
        found.push(Shrink::Schools {
            old: old.schools,
            new: new.schools,
        });
    }
    if let (Some(old), Some(new)) = (old.users, new.users)
        && shrunk(old, new)
    {
        found.push(Shrink::Users { old, new });
    }
    for role in Role::ALL {
        if let (Some(old), Some(new)) = (*old.shares.get(role), *new.shares.get(role))
            // A hair's tolerance, so that exactly 20 points is not over 20.
            && (old - new) * 100.0 > SHARE_DROP_PP + 1e-9
        {
            found.push(Shrink::Share { role, old, new });
        }
    }
    found
}

/// Each role's share over `schools`: the sum of their active users divided by the sum of
/// their contingents, as a region's share is (never an average of shares). `None` where no
/// school has a contingent of the role.
pub fn area_shares<'a>(
    schools: &[SchoolInfo],
    counts: impl Fn(&OrgId) -> Option<&'a RoleMap<RoleCounts>>,
) -> RoleMap<Option<f64>> {
    let mut shares = RoleMap::default();
    for role in Role::ALL {
        let (mut active, mut contingent) = (None::<u64>, 0u64);
        for school in schools {
            let Some(c) = *school.contingent.get(role) else {
                continue;
            };
            contingent += c;
            if let Some(a) = counts(&school.id).and_then(|roles| roles.get(role).active) {
                active = Some(active.unwrap_or(0) + a);
            }
        }
        // A file that gives no active counts of the role has no share to compare.
        *shares.get_mut(role) = active
            .filter(|_| contingent > 0)
            .map(|active| active as f64 / contingent as f64);
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(rows: u64, schools: u64, users: Option<u64>, teachers: Option<f64>) -> Extent {
        let mut shares = RoleMap::default();
        *shares.get_mut(Role::Teachers) = teachers;
        Extent {
            rows,
            schools,
            users,
            shares,
        }
    }

    #[test]
    fn an_ordinary_month_is_not_held() {
        let old = extent(57_904, 301, Some(58_000), Some(0.792));
        let new = extent(58_100, 301, Some(58_300), Some(0.80));
        assert!(shrinks(&old, &new).is_empty());
        // Half is still kept; a drop of exactly 20 points is not over 20.
        let new = extent(28_952, 151, Some(29_000), Some(0.592));
        assert!(shrinks(&old, &new).is_empty(), "{:?}", shrinks(&old, &new));
    }

    #[test]
    fn a_file_that_read_as_a_sliver_is_held_for_every_reason() {
        let old = extent(57_904, 301, Some(58_000), Some(0.792));
        let new = extent(101, 1, Some(99), Some(0.003));
        let found = shrinks(&old, &new);
        assert_eq!(
            found,
            [
                Shrink::Rows {
                    old: 57_904,
                    new: 101
                },
                Shrink::Schools { old: 301, new: 1 },
                Shrink::Users {
                    old: 58_000,
                    new: 99
                },
                Shrink::Share {
                    role: Role::Teachers,
                    old: 0.792,
                    new: 0.003
                },
            ]
        );
    }

    #[test]
    fn a_share_drop_alone_is_enough() {
        let old = extent(1000, 10, None, Some(0.9));
        let new = extent(1000, 10, None, Some(0.69));
        assert!(matches!(shrinks(&old, &new)[..], [Shrink::Share { .. }]));
        // A rise is never suspect, nor a share that was unknown.
        assert!(shrinks(&new, &old).is_empty());
        assert!(shrinks(&extent(1000, 10, None, None), &new).is_empty());
    }

    #[test]
    fn area_shares_sum_before_dividing() {
        let school = |id: &str, teachers: Option<u64>| {
            let contingent: Vec<(Role, u64)> =
                teachers.map(|n| (Role::Teachers, n)).into_iter().collect();
            crate::fixtures::school(id, id, "М", &contingent)
        };
        let schools = [
            school("0500000001", Some(10)),
            school("0500000002", Some(90)),
            school("0500000003", None),
        ];
        let mut counts = std::collections::BTreeMap::new();
        let mut roles = RoleMap::<RoleCounts>::default();
        roles.get_mut(Role::Teachers).active = Some(10);
        counts.insert(schools[0].id.clone(), roles);
        roles.get_mut(Role::Teachers).active = Some(45);
        counts.insert(schools[1].id.clone(), roles);
        roles.get_mut(Role::Teachers).active = Some(1000);
        counts.insert(schools[2].id.clone(), roles);
        let shares = area_shares(&schools, |id| counts.get(id));
        // (10 + 45) / (10 + 90), not the mean of 100 % and 50 %; no contingent, no share.
        assert_eq!(*shares.get(Role::Teachers), Some(0.55));
        assert_eq!(*shares.get(Role::Students), None);
    }
}
