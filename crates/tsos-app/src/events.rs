//! Dated events (issue 15, item 5): what a person asks for (`tsos events add`, the dashboard's
//! «События») checked against the registry and the platform catalogue, stored with its line
//! in the audit log, listed and removed; and the built-in federal suggestions, which are only
//! ever added on a person's word.

use jiff::civil::Date;
use tsos_domain::events::{Event, EventError, EventScope, EventText, SUGGESTIONS, suggestion};
use tsos_domain::names::{NameMatch, match_school};
use tsos_domain::{Catalogue, Level, OrgId, SchoolInfo, format_date_ru};
use tsos_store::{Store, StoreError, StoredEvent};

/// The audit log's action for an added event (the dashboard's audit page titles it).
pub const AUDIT_ADD: &str = "event_add";
/// The audit log's action for a removed event.
pub const AUDIT_REMOVE: &str = "event_remove";

/// An event as a person gives it: the scope as a level and a name (a region's name may be
/// left out where the registry has one region), the platform's code, the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRequest {
    pub date: Date,
    pub level: Level,
    pub name: Option<String>,
    pub platform: Option<String>,
    pub text: String,
}

impl EventRequest {
    /// The built-in suggestion `n` (from 1) as a region's event: of `region` where given.
    pub fn suggested(n: usize, region: Option<String>) -> Result<EventRequest, EventsError> {
        let found = suggestion(n).ok_or(EventsError::NoSuggestion {
            n,
            count: SUGGESTIONS.len(),
        })?;
        Ok(EventRequest {
            date: found.date,
            level: Level::Region,
            name: region,
            platform: Some(found.platform.to_string()),
            text: found.text.to_string(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Text(#[from] EventError),
    #[error("платформы «{given}» нет; есть: {}", known.join(", "))]
    UnknownPlatform { given: String, known: Vec<String> },
    #[error("в реестре на {date} нет ни одной школы: сначала tsos import registry …")]
    NoRegistry { date: String },
    #[error("региона «{given}» нет в реестре на {date}; есть: {}", known.join(", "))]
    UnknownRegion {
        given: String,
        date: String,
        known: Vec<String>,
    },
    #[error("в реестре несколько регионов ({}): назовите регион события", regions.join(", "))]
    RegionNeeded { regions: Vec<String> },
    #[error("назовите {what} события")]
    NameNeeded { what: &'static str },
    #[error("муниципалитета «{given}» нет в реестре на {date}")]
    UnknownMunicipality { given: String, date: String },
    #[error(
        "муниципалитет «{given}» есть в нескольких регионах ({}): событие региона или школы",
        regions.join(", ")
    )]
    MunicipalityInRegions { given: String, regions: Vec<String> },
    #[error("школы «{given}» нет в реестре на {date}{}", if nearest.is_empty() { String::new() } else { format!("; похожие: {}", nearest.join(", ")) })]
    UnknownSchool {
        given: String,
        date: String,
        nearest: Vec<String>,
    },
    #[error("школ с названием «{given}» несколько (ИНН {}): укажите ИНН", ids.join(", "))]
    SeveralSchools { given: String, ids: Vec<String> },
    #[error("предложения №{n} нет; их {count} (список: tsos events suggest)")]
    NoSuggestion { n: usize, count: usize },
}

/// Checks `request` against the registry of its date and the catalogue, and makes the event.
pub fn resolve(
    store: &Store,
    catalogue: &Catalogue,
    request: &EventRequest,
) -> Result<Event, EventsError> {
    let text = EventText::new(&request.text)?;
    if let Some(code) = &request.platform
        && catalogue.get(code).is_none()
    {
        return Err(EventsError::UnknownPlatform {
            given: code.clone(),
            known: catalogue.iter().map(|p| p.code.clone()).collect(),
        });
    }
    let date = format_date_ru(request.date);
    let schools = store.schools_at(request.date)?;
    if schools.is_empty() {
        return Err(EventsError::NoRegistry { date });
    }
    let name = request
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let scope = match request.level {
        Level::Region => EventScope::Region {
            region: region_of(&schools, name, &date)?,
        },
        Level::Municipality => {
            let given = name.ok_or(EventsError::NameNeeded {
                what: "муниципалитет",
            })?;
            municipality_of(&schools, given, &date)?
        }
        Level::School => {
            let given = name.ok_or(EventsError::NameNeeded { what: "школу" })?;
            let school = school_of(&schools, given, &date)?;
            EventScope::School {
                region: school.region.clone(),
                municipality: school.municipality.clone(),
                school: school.id.clone(),
            }
        }
    };
    Ok(Event {
        date: request.date,
        scope,
        platform: request.platform.clone(),
        text,
    })
}

/// Checks and stores `request`, with its line in the audit log by `login` (`None` from the
/// command line).
pub fn add_event(
    store: &mut Store,
    catalogue: &Catalogue,
    request: &EventRequest,
    login: Option<&str>,
) -> Result<StoredEvent, EventsError> {
    let event = resolve(store, catalogue, request)?;
    Ok(store.add_event(&event, login, AUDIT_ADD)?)
}

/// Removes the event `id`, with its line in the audit log.
pub fn remove_event(
    store: &mut Store,
    id: i64,
    login: Option<&str>,
) -> Result<StoredEvent, EventsError> {
    Ok(store.remove_event(id, login, AUDIT_REMOVE)?)
}

fn distinct<'s>(values: impl Iterator<Item = &'s str>) -> Vec<String> {
    let mut out: Vec<String> = values.map(str::to_string).collect();
    out.sort();
    out.dedup();
    out
}

fn region_of(
    schools: &[SchoolInfo],
    name: Option<&str>,
    date: &str,
) -> Result<String, EventsError> {
    let regions = distinct(schools.iter().map(|s| s.region.as_str()));
    match name {
        Some(given) => regions
            .iter()
            .find(|region| region.as_str() == given)
            .cloned()
            .ok_or_else(|| EventsError::UnknownRegion {
                given: given.to_string(),
                date: date.to_string(),
                known: regions.clone(),
            }),
        None if regions.len() == 1 => Ok(regions[0].clone()),
        None => Err(EventsError::RegionNeeded { regions }),
    }
}

fn municipality_of(
    schools: &[SchoolInfo],
    given: &str,
    date: &str,
) -> Result<EventScope, EventsError> {
    let regions = distinct(
        schools
            .iter()
            .filter(|s| s.municipality == given)
            .map(|s| s.region.as_str()),
    );
    match regions.as_slice() {
        [] => Err(EventsError::UnknownMunicipality {
            given: given.to_string(),
            date: date.to_string(),
        }),
        [region] => Ok(EventScope::Municipality {
            region: region.clone(),
            municipality: given.to_string(),
        }),
        _ => Err(EventsError::MunicipalityInRegions {
            given: given.to_string(),
            regions,
        }),
    }
}

/// The school of ИНН `given`, else the one school of that name.
fn school_of<'s>(
    schools: &'s [SchoolInfo],
    given: &str,
    date: &str,
) -> Result<&'s SchoolInfo, EventsError> {
    let by_id = |id: &OrgId| schools.iter().find(|s| &s.id == id);
    if let Some(school) = OrgId::normalize(given).as_ref().and_then(by_id) {
        return Ok(school);
    }
    let unknown = |nearest: &[OrgId]| EventsError::UnknownSchool {
        given: given.to_string(),
        date: date.to_string(),
        nearest: nearest
            .iter()
            .filter_map(by_id)
            .map(|s| format!("«{}» (ИНН {})", s.name, s.id))
            .collect(),
    };
    match match_school(given, None, schools) {
        NameMatch::One(id) => by_id(&id).ok_or_else(|| unknown(&[])),
        NameMatch::Several(ids) => Err(EventsError::SeveralSchools {
            given: given.to_string(),
            ids: ids.iter().map(ToString::to_string).collect(),
        }),
        NameMatch::None { nearest } => Err(unknown(&nearest)),
    }
}
