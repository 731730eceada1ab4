//! The user flows of a platform at a date (SPEC §7), from the keyed hash sets its per-user
//! snapshots keep: the chain is the run of consecutive monthly snapshots with sets made under
//! the current one's key, back from the date; a snapshot without sets, a missed month or
//! another key ends it.

use std::collections::BTreeMap;

use jiff::civil::Date;
use tsos_domain::flows::{FlowsAbsence, consecutive_months, union};
use tsos_domain::users::UserSets;
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
    let [now, before, earlier @ ..] = chain.as_slice() else {
        return Ok(Err(FlowsAbsence::NoPreviousMonth));
    };
    let load = |id: i64| -> Result<UserSets, AppError> {
        Ok(store
            .user_sets(id)?
            .map(|keyed| keyed.sets)
            .unwrap_or_default())
    };
    let (now, before) = (load(*now)?, load(*before)?);
    // Whoever was active at any earlier date of the chain, per school and role.
    let mut seen: UserSets = UserSets::new();
    for &id in earlier {
        for (org, roles) in load(id)? {
            let into = seen.entry(org).or_default();
            for role in Role::ALL {
                *into.get_mut(role) = union(into.get(role), roles.get(role));
            }
        }
    }
    let empty = RoleMap::default();
    let mut flows = BTreeMap::new();
    for org in now.keys().chain(before.keys()) {
        if flows.contains_key(org) {
            continue;
        }
        let (a, b, c) = (
            now.get(org).unwrap_or(&empty),
            before.get(org).unwrap_or(&empty),
            seen.get(org).unwrap_or(&empty),
        );
        let mut by_role: RoleMap<Flows> = RoleMap::default();
        for role in Role::ALL {
            *by_role.get_mut(role) = Flows::compute(a.get(role), b.get(role), c.get(role));
        }
        flows.insert(org.clone(), by_role);
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
