//! The levels of the hierarchy a report is made at (SPEC §3): school, municipality, region.

use crate::registry::SchoolInfo;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    School,
    Municipality,
    Region,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::School, Level::Municipality, Level::Region];

    pub fn from_code(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.code() == code)
    }

    /// «общеобразовательные организации», «муниципальные образования», «регион».
    pub fn title_ru(self) -> &'static str {
        match self {
            Level::School => "общеобразовательные организации",
            Level::Municipality => "муниципальные образования",
            Level::Region => "регион",
        }
    }

    /// The group a school belongs to at this level: itself, its municipality or its region.
    pub fn group_of(self, school: &SchoolInfo) -> (&str, &str) {
        match self {
            Level::School => (school.id.as_str(), ""),
            Level::Municipality => (school.region.as_str(), school.municipality.as_str()),
            Level::Region => (school.region.as_str(), ""),
        }
    }

    /// The id, name and municipality of the row a school's group makes at this level.
    pub fn row_identity(self, school: &SchoolInfo) -> (String, String, String) {
        match self {
            Level::School => (
                school.id.to_string(),
                school.name.clone(),
                school.municipality.clone(),
            ),
            Level::Municipality => (
                school.municipality.clone(),
                school.municipality.clone(),
                school.municipality.clone(),
            ),
            Level::Region => (school.region.clone(), school.region.clone(), String::new()),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Level::School => "school",
            Level::Municipality => "municipality",
            Level::Region => "region",
        }
    }
}
