//! Dated events (table `event`): added and removed by a person, each change written to the
//! audit log in the same transaction, so that no event changes without its line.

use jiff::civil::Date;
use tsos_domain::events::{Event, EventScope, EventText};
use tsos_domain::{Level, OrgId, format_date_ru};

use crate::engine::{Begin, Column, Param, Row, Sql, args};
use crate::{Store, StoreError, now};

/// The columns of `event` in the order [`Store::add_event`] writes them (after `id`) and
/// `db copy` copies them: one list, so that a column added to the table is added to both.
pub(crate) const EVENT_COLUMNS: &[(&str, Column)] = &[
    ("id", Column::Int),
    ("on_date", Column::Text),
    ("level", Column::Text),
    ("region", Column::Text),
    ("municipality", Column::Text),
    ("school", Column::Text),
    ("platform", Column::Text),
    ("text", Column::Text),
    ("added_at", Column::Text),
    ("added_by", Column::Text),
];

/// A stored event with its number, when and by whom it was added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub event: Event,
    pub added_at: String,
    /// The dashboard's login; `None` from the command line.
    pub added_by: Option<String>,
}

impl StoredEvent {
    /// How the audit log names the event.
    fn audit_detail(&self) -> String {
        let event = &self.event;
        format!(
            "событие №{} от {}, {}{}: {}",
            self.id,
            format_date_ru(event.date),
            event.scope.title_ru(),
            event
                .platform
                .as_deref()
                .map(|code| format!(", платформа {code}"))
                .unwrap_or_default(),
            event.text.as_str()
        )
    }
}

fn names() -> String {
    EVENT_COLUMNS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn event_from_row(row: &Row) -> Result<StoredEvent, StoreError> {
    let level = row.code(2, Level::from_code)?;
    let region: String = row.get(3)?;
    let municipality: Option<String> = row.get(4)?;
    let school: Option<String> = row.get(5)?;
    let missing = |column: usize| StoreError::Column {
        column,
        detail: format!("у события уровня {} пусто", level.code()),
    };
    let scope = match level {
        Level::Region => EventScope::Region { region },
        Level::Municipality => EventScope::Municipality {
            region,
            municipality: municipality.ok_or_else(|| missing(4))?,
        },
        Level::School => EventScope::School {
            region,
            municipality: municipality.ok_or_else(|| missing(4))?,
            school: OrgId::from_normalized(school.ok_or_else(|| missing(5))?),
        },
    };
    Ok(StoredEvent {
        id: row.get(0)?,
        event: Event {
            date: row.parse(1, |text| text.parse::<Date>())?,
            scope,
            platform: row.get(6)?,
            text: row.parse(7, EventText::new)?,
        },
        added_at: row.get(8)?,
        added_by: row.get(9)?,
    })
}

impl Store {
    /// Stores `event` and writes the line `action` of the audit log for it, in one
    /// transaction; returns the stored event.
    pub fn add_event(
        &mut self,
        event: &Event,
        login: Option<&str>,
        action: &str,
    ) -> Result<StoredEvent, StoreError> {
        let date = event.date.to_string();
        let added_at = now();
        let insert = format!(
            "INSERT INTO event ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            EVENT_COLUMNS[1..]
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let params: [Param<'_>; 9] = [
            Param::Text(&date),
            Param::Text(event.scope.level().code()),
            Param::Text(event.scope.region()),
            event.scope.municipality().map_or(Param::Null, Param::Text),
            match &event.scope {
                EventScope::School { school, .. } => Param::Text(school.as_str()),
                _ => Param::Null,
            },
            event.platform.as_deref().map_or(Param::Null, Param::Text),
            Param::Text(event.text.as_str()),
            Param::Text(&added_at),
            login.map_or(Param::Null, Param::Text),
        ];
        self.db.transaction(Begin::Deferred, |tx| {
            let id: i64 = tx.row(&insert, &params)?.get(0)?;
            let stored = StoredEvent {
                id,
                event: event.clone(),
                added_at: added_at.clone(),
                added_by: login.map(str::to_string),
            };
            tx.execute(
                "INSERT INTO web_audit (at, login, action, detail) VALUES (?1, ?2, ?3, ?4)",
                args![added_at, login, action, stored.audit_detail()],
            )?;
            Ok(stored)
        })
    }

    /// Every event, oldest first (of one date, in the order they were added).
    pub fn events(&self) -> Result<Vec<StoredEvent>, StoreError> {
        self.db.map(
            &format!("SELECT {} FROM event ORDER BY on_date, id", names()),
            args![],
            event_from_row,
        )
    }

    /// The event `id`.
    pub fn event(&self, id: i64) -> Result<Option<StoredEvent>, StoreError> {
        self.db
            .opt_row(
                &format!("SELECT {} FROM event WHERE id = ?1", names()),
                args![id],
            )?
            .as_ref()
            .map(event_from_row)
            .transpose()
    }

    /// Removes the event `id` and writes the line `action` of the audit log for it, in one
    /// transaction; returns what was removed.
    pub fn remove_event(
        &mut self,
        id: i64,
        login: Option<&str>,
        action: &str,
    ) -> Result<StoredEvent, StoreError> {
        let select = format!("SELECT {} FROM event WHERE id = ?1", names());
        self.db.transaction(Begin::Immediate, |tx| {
            let stored = tx
                .opt_row(&select, args![id])?
                .as_ref()
                .map(event_from_row)
                .transpose()?
                .ok_or(StoreError::NoEvent(id))?;
            tx.execute("DELETE FROM event WHERE id = ?1", args![id])?;
            tx.execute(
                "INSERT INTO web_audit (at, login, action, detail) VALUES (?1, ?2, ?3, ?4)",
                args![now(), login, action, stored.audit_detail()],
            )?;
            Ok(stored)
        })
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::testing::each_engine;

    fn event(day: Date, scope: EventScope, platform: Option<&str>) -> Event {
        Event {
            date: day,
            scope,
            platform: platform.map(str::to_string),
            text: EventText::new("Переход на региональный узел «Моя школа»").unwrap(),
        }
    }

    fn scopes() -> [EventScope; 3] {
        [
            EventScope::School {
                region: "Республика Дагестан".into(),
                municipality: "Буйнакский район".into(),
                school: OrgId::normalize("512345678").unwrap(),
            },
            EventScope::Region {
                region: "Республика Дагестан".into(),
            },
            EventScope::Municipality {
                region: "Республика Дагестан".into(),
                municipality: "Буйнакский район".into(),
            },
        ]
    }

    #[test]
    fn events_read_back_as_added_oldest_first_and_audited() {
        each_engine(|mut store| {
            let [school, region, municipality] = scopes();
            let late = store
                .add_event(
                    &event(date(2024, 4, 1), school, None),
                    Some("admin"),
                    "event_add",
                )
                .unwrap();
            let early = store
                .add_event(
                    &event(date(2023, 9, 1), region, Some("myschool")),
                    None,
                    "event_add",
                )
                .unwrap();
            // The same date as `late`, added after it: after it in the list.
            let same_day = store
                .add_event(
                    &event(date(2024, 4, 1), municipality, Some("sferum")),
                    None,
                    "event_add",
                )
                .unwrap();
            assert_eq!(
                store.events().unwrap(),
                [early.clone(), late.clone(), same_day]
            );
            assert_eq!(store.event(late.id).unwrap(), Some(late.clone()));
            assert_eq!(late.added_by.as_deref(), Some("admin"));

            let log = store.audit_log(10, 0).unwrap();
            assert_eq!(log.len(), 3);
            assert!(log.iter().all(|line| line.action == "event_add"));
            assert!(
                log.iter().any(|line| line.login.as_deref() == Some("admin")
                    && line
                        .detail
                        .contains(&format!("событие №{} от 01.04.2024", late.id))
                    && line.detail.contains("школа (ИНН 0512345678)")),
                "{log:?}"
            );
        });
    }

    #[test]
    fn a_removed_event_is_gone_audited_and_cannot_be_removed_again() {
        each_engine(|mut store| {
            let [_, region, _] = scopes();
            let added = store
                .add_event(
                    &event(date(2025, 6, 24), region, Some("sferum")),
                    None,
                    "event_add",
                )
                .unwrap();
            let removed = store
                .remove_event(added.id, Some("admin"), "event_remove")
                .unwrap();
            assert_eq!(removed, added);
            assert_eq!(store.events().unwrap(), []);
            assert!(matches!(
                store.remove_event(added.id, None, "event_remove"),
                Err(StoreError::NoEvent(id)) if id == added.id
            ));
            let log = store.audit_log(10, 0).unwrap();
            assert_eq!(log[0].action, "event_remove");
            assert!(log[0].detail.contains("платформа sferum"), "{:?}", log[0]);
            // The failed removal wrote nothing.
            assert_eq!(store.audit_count().unwrap(), 2);
        });
    }
}
