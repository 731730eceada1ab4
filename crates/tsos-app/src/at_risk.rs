//! `tsos at-risk`: the users of one school who leave the active window soon unless they come
//! back — read from the file itself; nothing is stored (SPEC §6 "Forecast", §7).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use jiff::ToSpan;
use jiff::civil::Date;
use tsos_domain::{Catalogue, OrgId, Role, UserState};
use tsos_ingest::{Dataset, ReadOptions};

use crate::AppError;

pub struct AtRiskRequest<'a> {
    pub platform: &'a str,
    pub path: &'a Path,
    pub school: &'a str,
    pub as_of: Option<Date>,
    /// How many days ahead to look: users whose last active day falls before
    /// `as_of + horizon_days`.
    pub horizon_days: u32,
    pub sheet: Option<&'a str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AtRiskUser {
    pub full_name: Option<String>,
    pub user_id: Option<String>,
    pub role: Role,
    pub last: Date,
    /// The last day they still count as active if they do not come back.
    pub active_until: Date,
}

/// One user's rows merged so far.
struct Seen {
    state: UserState,
    full_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AtRiskList {
    pub platform_name: String,
    pub school: OrgId,
    pub as_of: Date,
    pub horizon_end: Date,
    /// Soonest to leave first.
    pub users: Vec<AtRiskUser>,
}

pub fn at_risk(catalogue: &Catalogue, request: &AtRiskRequest<'_>) -> Result<AtRiskList, AppError> {
    let platform = catalogue
        .get(request.platform)
        .ok_or_else(|| AppError::UnknownDataset {
            given: request.platform.to_string(),
            known: catalogue.codes().into_iter().map(str::to_string).collect(),
        })?;
    let school = OrgId::normalize(request.school)
        .ok_or_else(|| AppError::NoSchool(request.school.to_string()))?;
    let options = ReadOptions {
        dataset: Dataset::Platform(platform),
        as_of: request.as_of,
        skip_invalid: true,
        sheet: request.sheet,
        fast: false,
        progress: None,
        mapping: None,
        profiles: None,
        sample: 0,
        flow_key: None,
    };
    // Rows of the one school are merged per user with the import's own rule
    // (`UserState::merge`); the horizon is known only after the read, since the as-of date
    // may come from the file's title line.
    let mut users_by_id: HashMap<(String, Role), Seen> = HashMap::new();
    let mut anonymous: Vec<(Role, Seen)> = Vec::new();
    let as_of = tsos_ingest::visit_users(request.path, &options, &mut |row| {
        let (Some(org), Some(role)) = (&row.org, row.role) else {
            return;
        };
        if *org != school {
            return;
        }
        let seen = Seen {
            state: UserState {
                confirmed: row.confirmed.unwrap_or(false),
                last: row.last,
            },
            full_name: row
                .full_name
                .map(|cell| cell.to_text())
                .filter(|n| !n.is_empty()),
        };
        match row.user_id {
            None => anonymous.push((role, seen)),
            Some(id) => match users_by_id.entry((id, role)) {
                Entry::Vacant(slot) => {
                    slot.insert(seen);
                }
                Entry::Occupied(mut slot) => {
                    let known = slot.get_mut();
                    // The name of the row with the latest date, else the one known.
                    if seen.state.last > known.state.last {
                        known.full_name = seen.full_name.or(known.full_name.take());
                    }
                    known.state.merge(seen.state);
                }
            },
        }
    })?;
    let horizon_end = as_of + i64::from(request.horizon_days).days();
    let mut users: Vec<AtRiskUser> = users_by_id
        .into_iter()
        .map(|((id, role), seen)| (Some(id), role, seen))
        .chain(anonymous.into_iter().map(|(role, seen)| (None, role, seen)))
        .filter_map(|(user_id, role, seen)| {
            let last = seen.state.last?;
            // A `connected` rule has no window to drop out of: nobody is at risk.
            let active_until = platform.rule.last_active_day(last)?;
            (platform
                .rule
                .is_active(seen.state.confirmed, Some(last), as_of)
                && active_until < horizon_end)
                .then_some(AtRiskUser {
                    full_name: seen.full_name,
                    user_id,
                    role,
                    last,
                    active_until,
                })
        })
        .collect();
    users.sort_by(|a, b| {
        (a.active_until, &a.full_name, &a.user_id).cmp(&(b.active_until, &b.full_name, &b.user_id))
    });
    Ok(AtRiskList {
        platform_name: platform.name.clone(),
        school,
        as_of,
        horizon_end,
        users,
    })
}
