//! Dated events that explain a jump (issue 15, item 5): a platform switch, a law, a move of
//! the chats. A reader of a Δ that spans one should not take the jump for the school's own
//! effort or failure.
//!
//! An event has a date, a scope (a region, one of its municipalities or one school), an
//! optional platform and a text. It touches a row of a report at or below its scope — a
//! region's event every row of the region, a municipality's its own row and its schools, a
//! school's only that school — and a platform-less event touches every platform. A Δ spans
//! an event when the event's date is after the previous snapshot's date and on or before the
//! current one: (previous, current].

use jiff::civil::Date;

use crate::level::Level;
use crate::org::OrgId;

/// The longest text of an event, in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// Where an event happened. Each scope names its region, and a school its municipality too,
/// so that a scope is checked against an account's without the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventScope {
    Region {
        region: String,
    },
    Municipality {
        region: String,
        municipality: String,
    },
    School {
        region: String,
        municipality: String,
        school: OrgId,
    },
}

impl EventScope {
    /// The level of the scope: its `code()` is what is stored and what JSON carries.
    pub fn level(&self) -> Level {
        match self {
            EventScope::Region { .. } => Level::Region,
            EventScope::Municipality { .. } => Level::Municipality,
            EventScope::School { .. } => Level::School,
        }
    }

    /// The name of the scope: the region's, the municipality's, or the school's ИНН.
    pub fn name(&self) -> &str {
        match self {
            EventScope::Region { region } => region,
            EventScope::Municipality { municipality, .. } => municipality,
            EventScope::School { school, .. } => school.as_str(),
        }
    }

    pub fn region(&self) -> &str {
        match self {
            EventScope::Region { region }
            | EventScope::Municipality { region, .. }
            | EventScope::School { region, .. } => region,
        }
    }

    /// The municipality of a municipality's or a school's event.
    pub fn municipality(&self) -> Option<&str> {
        match self {
            EventScope::Region { .. } => None,
            EventScope::Municipality { municipality, .. }
            | EventScope::School { municipality, .. } => Some(municipality),
        }
    }

    /// «регион «…»», «муниципалитет «…»», «школа (ИНН …)»: how every output names a scope.
    pub fn title_ru(&self) -> String {
        match self {
            EventScope::Region { region } => format!("регион «{region}»"),
            EventScope::Municipality { municipality, .. } => {
                format!("муниципалитет «{municipality}»")
            }
            EventScope::School { school, .. } => format!("школа (ИНН {school})"),
        }
    }

    /// Whether a row of a report is at or below this scope.
    pub fn touches(&self, row: &RowPlace<'_>) -> bool {
        match self {
            EventScope::Region { region } => row.region == region,
            EventScope::Municipality {
                region,
                municipality,
            } => {
                row.level != Level::Region
                    && row.region == region
                    && row.municipality == municipality
            }
            EventScope::School { school, .. } => {
                row.level == Level::School && row.id == school.as_str()
            }
        }
    }
}

/// Where a row of a report sits: its level, its region, its municipality (empty for a
/// region's row) and its id (a school's ИНН, else the name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowPlace<'a> {
    pub level: Level,
    pub region: &'a str,
    pub municipality: &'a str,
    pub id: &'a str,
}

/// An event's text: trimmed, not empty, at most [`MAX_TEXT_CHARS`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventText(String);

impl EventText {
    pub fn new(raw: &str) -> Result<EventText, EventError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(EventError::EmptyText);
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(EventError::LongText { chars });
        }
        Ok(EventText(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    #[error("текст события пуст: напишите, что произошло")]
    EmptyText,
    #[error("текст события — {chars} знаков, а можно не больше {MAX_TEXT_CHARS}")]
    LongText { chars: usize },
}

/// A dated event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub date: Date,
    pub scope: EventScope,
    /// The platform's code; `None` for an event of every platform.
    pub platform: Option<String>,
    pub text: EventText,
}

impl Event {
    /// Whether a Δ from `previous` to `current` spans the event: (previous, current].
    pub fn within(&self, previous: Date, current: Date) -> bool {
        previous < self.date && self.date <= current
    }

    /// Whether the event concerns the platform `code`.
    pub fn concerns(&self, code: &str) -> bool {
        self.platform.as_deref().is_none_or(|own| own == code)
    }
}

/// The events that touch `row` and that the Δ of platform `platform` from `previous` to
/// `current` spans, in the order given.
pub fn touching<'e>(
    events: &'e [Event],
    row: &RowPlace<'_>,
    platform: &str,
    previous: Date,
    current: Date,
) -> impl Iterator<Item = &'e Event> {
    events.iter().filter(move |event| {
        event.concerns(platform) && event.within(previous, current) && event.scope.touches(row)
    })
}

/// A federal event tsos knows of and offers, never adds by itself (`tsos events suggest`).
/// Each is a region's event: the authority says which region, if any, it concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub date: Date,
    pub platform: &'static str,
    pub text: &'static str,
    /// Where the date comes from.
    pub source: &'static str,
}

/// The built-in suggestions, oldest first; `tsos events add --suggested N` takes the N-th,
/// counted from 1.
pub const SUGGESTIONS: [Suggestion; 4] = [
    Suggestion {
        date: jiff::civil::date(2024, 4, 1),
        platform: "myschool",
        text: "Переход на региональный узел «Моя школа» (сервисы МЭШ во всех школах Республики Дагестан)",
        source: "https://msknovosti.ru/society/moskva-obespechit-podderzhku-vo-vnedrenii-servisov-mesh-v-shkolah-dagestana-i-tyumenskoy-oblasti/",
    },
    Suggestion {
        date: jiff::civil::date(2025, 6, 24),
        platform: "sferum",
        text: "Федеральный закон от 24.06.2025 № 156-ФЗ: «Сферум» переходит в национальный мессенджер MAX",
        source: "https://ouzs.ru/news/chto-takoe-messendzher-max-maks-i-mozhno-li-ot-nego-otkazatsya",
    },
    Suggestion {
        date: jiff::civil::date(2025, 8, 19),
        platform: "sferum",
        text: "Школьные чаты «Сферума» переносятся из VK Мессенджера в MAX (август — декабрь 2025 года)",
        source: "https://news.mail.ru/society/67501038/",
    },
    Suggestion {
        date: jiff::civil::date(2026, 9, 1),
        platform: "myschool",
        text: "Электронный журнал и дневник переходят на федеральную платформу «Моя школа» (20 регионов)",
        source: "https://myschool.edu.ru/",
    },
];

/// The suggestion numbered `n` (from 1), as [`SUGGESTIONS`] lists them.
pub fn suggestion(n: usize) -> Option<&'static Suggestion> {
    n.checked_sub(1).and_then(|idx| SUGGESTIONS.get(idx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn region() -> EventScope {
        EventScope::Region {
            region: "Республика Дагестан".into(),
        }
    }

    fn municipality() -> EventScope {
        EventScope::Municipality {
            region: "Республика Дагестан".into(),
            municipality: "Буйнакский район".into(),
        }
    }

    fn school() -> EventScope {
        EventScope::School {
            region: "Республика Дагестан".into(),
            municipality: "Буйнакский район".into(),
            school: OrgId::normalize("0512345678").unwrap(),
        }
    }

    fn event(day: Date, scope: EventScope, platform: Option<&str>) -> Event {
        Event {
            date: day,
            scope,
            platform: platform.map(str::to_string),
            text: EventText::new("Переход на региональный узел").unwrap(),
        }
    }

    const SCHOOL_ROW: RowPlace<'static> = RowPlace {
        level: Level::School,
        region: "Республика Дагестан",
        municipality: "Буйнакский район",
        id: "0512345678",
    };
    const OTHER_SCHOOL: RowPlace<'static> = RowPlace {
        level: Level::School,
        region: "Республика Дагестан",
        municipality: "Буйнакский район",
        id: "0500000001",
    };
    const OTHER_MUNICIPALITY_SCHOOL: RowPlace<'static> = RowPlace {
        level: Level::School,
        region: "Республика Дагестан",
        municipality: "г. Махачкала",
        id: "0500000002",
    };
    const MUNICIPALITY_ROW: RowPlace<'static> = RowPlace {
        level: Level::Municipality,
        region: "Республика Дагестан",
        municipality: "Буйнакский район",
        id: "Буйнакский район",
    };
    const REGION_ROW: RowPlace<'static> = RowPlace {
        level: Level::Region,
        region: "Республика Дагестан",
        municipality: "",
        id: "Республика Дагестан",
    };
    const OTHER_REGION_SCHOOL: RowPlace<'static> = RowPlace {
        level: Level::School,
        region: "Тульская область",
        municipality: "Буйнакский район",
        id: "7100000001",
    };

    #[test]
    fn the_previous_date_is_outside_and_the_current_date_inside() {
        let previous = date(2024, 3, 1);
        let current = date(2024, 4, 1);
        let on_previous = [event(previous, region(), None)];
        assert_eq!(
            touching(&on_previous, &SCHOOL_ROW, "myschool", previous, current).count(),
            0
        );
        let on_current = [event(current, region(), None)];
        assert_eq!(
            touching(&on_current, &SCHOOL_ROW, "myschool", previous, current).count(),
            1
        );
        let day_after = [event(date(2024, 4, 2), region(), None)];
        assert_eq!(
            touching(&day_after, &SCHOOL_ROW, "myschool", previous, current).count(),
            0
        );
        let day_after_previous = [event(date(2024, 3, 2), region(), None)];
        assert_eq!(
            touching(
                &day_after_previous,
                &SCHOOL_ROW,
                "myschool",
                previous,
                current
            )
            .count(),
            1
        );
    }

    #[test]
    fn a_region_touches_every_row_of_the_region_and_no_other() {
        for row in [
            SCHOOL_ROW,
            OTHER_MUNICIPALITY_SCHOOL,
            MUNICIPALITY_ROW,
            REGION_ROW,
        ] {
            assert!(region().touches(&row), "{row:?}");
        }
        assert!(!region().touches(&OTHER_REGION_SCHOOL));
    }

    #[test]
    fn a_municipality_touches_itself_and_its_schools_not_the_region() {
        assert!(municipality().touches(&MUNICIPALITY_ROW));
        assert!(municipality().touches(&SCHOOL_ROW));
        assert!(municipality().touches(&OTHER_SCHOOL));
        assert!(!municipality().touches(&OTHER_MUNICIPALITY_SCHOOL));
        assert!(!municipality().touches(&REGION_ROW));
        // The same name in another region is another municipality.
        assert!(!municipality().touches(&OTHER_REGION_SCHOOL));
    }

    #[test]
    fn a_school_touches_only_its_own_row() {
        assert!(school().touches(&SCHOOL_ROW));
        for row in [OTHER_SCHOOL, MUNICIPALITY_ROW, REGION_ROW] {
            assert!(!school().touches(&row), "{row:?}");
        }
    }

    #[test]
    fn a_platform_less_event_touches_every_platform() {
        let (previous, current) = (date(2025, 8, 1), date(2025, 9, 1));
        let events = [
            event(date(2025, 8, 19), municipality(), Some("sferum")),
            event(date(2025, 8, 20), school(), None),
        ];
        let on = |platform| {
            touching(&events, &SCHOOL_ROW, platform, previous, current)
                .map(|e| e.date.day())
                .collect::<Vec<_>>()
        };
        assert_eq!(on("sferum"), [19, 20]);
        assert_eq!(on("myschool"), [20]);
    }

    #[test]
    fn a_text_is_trimmed_not_empty_and_at_most_500_characters() {
        assert_eq!(EventText::new("  Переход  ").unwrap().as_str(), "Переход");
        assert_eq!(EventText::new(" \n "), Err(EventError::EmptyText));
        // Characters, not bytes: 500 Cyrillic letters are 1,000 bytes and still fit.
        assert!(EventText::new(&"я".repeat(500)).is_ok());
        assert_eq!(
            EventText::new(&"я".repeat(501)),
            Err(EventError::LongText { chars: 501 })
        );
    }

    #[test]
    fn suggestions_are_numbered_from_one_and_their_texts_fit() {
        assert_eq!(suggestion(0), None);
        assert_eq!(suggestion(1).unwrap().date, date(2024, 4, 1));
        assert_eq!(suggestion(SUGGESTIONS.len() + 1), None);
        for s in &SUGGESTIONS {
            assert!(EventText::new(s.text).is_ok(), "{}", s.text);
        }
        assert!(SUGGESTIONS.windows(2).all(|w| w[0].date <= w[1].date));
    }
}
