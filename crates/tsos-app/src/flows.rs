//! The user flows of a platform at a date (SPEC §7), from the keyed hash sets its per-user
//! snapshots keep: the chain is the run of consecutive monthly snapshots with sets made under
//! the current one's key, back from the date; a snapshot without sets, a missed month or
//! another key ends it.

use std::collections::BTreeMap;

use jiff::civil::Date;
use tsos_domain::flows::{FlowsAbsence, consecutive_months, union};
use tsos_domain::{Flows, OrgId, Role, RoleMap, SnapshotKind};
use tsos_store::{SnapshotInfo, Store};

use crate::AppError;

/// Per school and role, the flows into the platform's `current` snapshot; or why there are
/// none.
pub type PlatformFlows = Result<BTreeMap<OrgId, RoleMap<Flows>>, FlowsAbsence>;

/// The flows into `current`, a platform's current snapshot at its date.
pub fn platform_flows(store: &Store, current: &SnapshotInfo) -> Result<PlatformFlows, AppError> {
    if current.kind != SnapshotKind::PerUser {
        return Ok(Err(FlowsAbsence::PerSchool));
    }
    let candidates = store.user_set_keys(&current.dataset, current.as_of)?;
    let chain = match chain(current, &candidates) {
        Ok(chain) => chain,
        Err(absence) => return Ok(Err(absence)),
    };
    // `chain` gives two snapshots or more.
    if chain.len() < 2 {
        return Ok(Err(FlowsAbsence::NoPreviousMonth));
    }
    // The chain's sets walked side by side in the order of the schools' ids, a school at a
    // time: the current month, the one before, and whoever was active at any earlier date.
    let mut readers: Vec<_> = chain.iter().map(|&id| store.school_sets(id)).collect();
    let mut heads = readers
        .iter_mut()
        .map(|reader| reader.next_school())
        .collect::<Result<Vec<_>, _>>()?;
    let mut flows = BTreeMap::new();
    while let Some(org) = heads.iter().flatten().map(|(org, _)| org).min().cloned() {
        // The school's sets in each snapshot of the chain, where it has them.
        let mut sets = Vec::with_capacity(heads.len());
        for (head, reader) in heads.iter_mut().zip(&mut readers) {
            sets.push(match head {
                Some((at, _)) if *at == org => std::mem::replace(head, reader.next_school()?),
                _ => None,
            });
        }
        let mut sets = sets.into_iter();
        let (now, before) = (sets.next().flatten(), sets.next().flatten());
        // Only schools with someone active this month or the last have flows.
        if now.is_none() && before.is_none() {
            continue;
        }
        let mut seen: RoleMap<Vec<u64>> = RoleMap::default();
        for (_, roles) in sets.flatten() {
            for role in Role::ALL {
                *seen.get_mut(role) = union(seen.get(role), roles.get(role));
            }
        }
        let roles_of = |school: Option<(OrgId, RoleMap<Vec<u64>>)>| {
            school.map(|(_, roles)| roles).unwrap_or_default()
        };
        let (now, before) = (roles_of(now), roles_of(before));
        let mut by_role: RoleMap<Flows> = RoleMap::default();
        for role in Role::ALL {
            *by_role.get_mut(role) =
                Flows::compute(now.get(role), before.get(role), seen.get(role));
        }
        flows.insert(org, by_role);
    }
    Ok(Ok(flows))
}

/// The ids of the chain's snapshots, `current` first, two or more; or why there is no chain:
/// `current` has no sets, or no previous month has sets under its key. `candidates` are the
/// platform's snapshots up to `current`'s date, latest first ([`Store::user_set_keys`]).
fn chain(
    current: &SnapshotInfo,
    candidates: &[(i64, Date, Option<String>)],
) -> Result<Vec<i64>, FlowsAbsence> {
    let Some((_, _, Some(key))) = candidates.iter().find(|(id, ..)| *id == current.id) else {
        return Err(FlowsAbsence::NoKey);
    };
    let mut ids = vec![current.id];
    let mut date: Date = current.as_of;
    for (id, as_of, their_key) in candidates.iter().filter(|(_, d, _)| *d < current.as_of) {
        if !consecutive_months(*as_of, date) || their_key.as_ref() != Some(key) {
            // Where the very month before has sets under another key, the key changed.
            if ids.len() == 1 && consecutive_months(*as_of, date) && their_key.is_some() {
                return Err(FlowsAbsence::KeyChanged);
            }
            break;
        }
        ids.push(*id);
        date = *as_of;
    }
    if ids.len() < 2 {
        return Err(FlowsAbsence::NoPreviousMonth);
    }
    Ok(ids)
}
