//! The embedded store: one SQLite file (`--db`), created and migrated on first use.
//!
//! The principal type is [`Store`]. A snapshot is one imported file; saving one is a single
//! transaction, so an import stores the whole snapshot or nothing. A different file for the
//! same dataset and date supersedes the current snapshot, which stays listed and can be
//! restored; the same file again changes nothing (SPEC §5.3).
//!
//! Architecture invariant: only this crate writes SQL, and it stores aggregates only — no
//! names, no user ids, no per-user rows (SPEC §7).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use thiserror::Error;
use tsos_domain::chats::{ChatState, ClassList, Purpose, SchoolClass, chat_platform};
use tsos_domain::targets::{DEFAULT_YELLOW_BAND_PP, parse_level};
use tsos_domain::{
    Finding, IndicatorId, OrgId, PlatformCounts, Role, RoleCounts, RoleMap, SchoolInfo, Shortfall,
    SnapshotKind, Target, TargetBook,
};

/// Migrations in order; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_targets_forecast_findings.sql"),
    include_str!("migrations/003_letters.sql"),
    include_str!("migrations/004_web.sql"),
    include_str!("migrations/005_chats.sql"),
    include_str!("migrations/006_classes.sql"),
    include_str!("migrations/007_without_org_and_unknown_active.sql"),
    include_str!("migrations/008_layouts_and_names.sql"),
    include_str!("migrations/009_emails_and_deliveries.sql"),
];

mod layouts;
mod notices;
mod web;
pub use layouts::LayoutProfile;
pub use notices::Delivery;
pub use web::{AuditEntry, AuditLine, UserSaved, WebSession, WebUser};

const YELLOW_BAND_KEY: &str = "yellow_band_pp";

pub const REGISTRY: &str = "registry";

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("база данных {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("база данных: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "база данных создана более новой версией tsos (схема {found}, эта версия знает {known})"
    )]
    TooNew { found: i64, known: i64 },
    #[error("снимок №{0} не найден")]
    NoSnapshot(i64),
    #[error("снимок №{0} уже действующий")]
    AlreadyCurrent(i64),
    #[error("цель №{0} не найдена")]
    NoTarget(i64),
    #[error("профиля разметки №{0} нет (список: tsos profiles)")]
    NoProfile(i64),
    #[error("повреждена запись снимка №{id}: {detail}")]
    Corrupt { id: i64, detail: String },
}

/// What a snapshot says about a school for the registry.
#[derive(Clone, Debug, PartialEq)]
pub struct SchoolRecord {
    pub org: OrgId,
    pub name: String,
    pub municipality: String,
    pub region: String,
    pub contingent: RoleMap<Option<u64>>,
    /// E-mail addresses, `, `-separated (`tsos_domain::email::parse_addresses`).
    pub email: Option<String>,
}

/// One row of usage: a school and role of a platform snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct UsageRecord {
    pub org: OrgId,
    pub role: Role,
    pub counts: RoleCounts,
    /// The contingent the export itself gave (per-school exports), for cross-checks.
    pub file_contingent: Option<u64>,
}

/// A snapshot to save.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSnapshot {
    pub dataset: String,
    pub as_of: Date,
    pub kind: SnapshotKind,
    pub file_name: String,
    pub sha256: String,
    pub has_confirmed: bool,
    pub rows_read: u64,
    pub skipped: BTreeMap<String, u64>,
    pub rejected: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
    pub findings: Vec<Finding>,
    /// Users of rows that name no organisation, by role (per-user exports).
    pub without_org: RoleMap<u64>,
    pub usage: Vec<UsageRecord>,
    pub schools: Vec<SchoolRecord>,
    /// States of official chats (dataset `chats`); their date is the snapshot's.
    pub chats: Vec<ChatState>,
    /// Lists of classes of schools (kind `chats`), one per school; their date is the
    /// snapshot's.
    pub classes: Vec<ClassList>,
}

/// A stored snapshot and its lineage.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotInfo {
    pub id: i64,
    pub dataset: String,
    pub as_of: Date,
    pub kind: SnapshotKind,
    pub file_name: String,
    pub sha256: String,
    pub imported_at: String,
    pub superseded_by: Option<i64>,
    pub superseded_at: Option<String>,
    pub has_confirmed: bool,
    pub rows_read: u64,
    pub rows_skipped: u64,
    pub rows_rejected: u64,
    pub skipped: BTreeMap<String, u64>,
    pub rejected: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
    pub findings: Vec<Finding>,
    /// Users of rows that name no organisation, by role (per-user exports).
    pub without_org: RoleMap<u64>,
}

/// A letter to register.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLetter {
    pub number: String,
    pub date: Date,
    pub as_of: Date,
    pub deadline: Date,
    /// `schools` or `municipalities`.
    pub addressees: String,
    pub files: Vec<String>,
    pub items: Vec<Shortfall>,
}

/// A registered letter.
#[derive(Clone, Debug, PartialEq)]
pub struct LetterInfo {
    pub id: i64,
    pub number: String,
    pub date: Date,
    pub as_of: Date,
    pub deadline: Date,
    pub addressees: String,
    pub created_at: String,
    pub files: Vec<String>,
}

/// A stored target with its id, for listing and removal.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTarget {
    pub id: i64,
    pub target: Target,
    pub set_at: String,
}

impl SnapshotInfo {
    pub fn is_current(&self) -> bool {
        self.superseded_by.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SaveOutcome {
    Saved {
        id: i64,
        superseded: Option<i64>,
    },
    /// The same file is already the current snapshot for its dataset and date.
    Unchanged {
        id: i64,
    },
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Store::init(conn)
    }

    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_handler(Some(wait_for_lock))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
        for (idx, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", idx as i64 + 1)?;
            tx.commit()?;
        }
        Ok(Store { conn })
    }

    /// Saves a snapshot in one transaction, superseding the current one for the same dataset
    /// and date unless it is the same file.
    pub fn save_snapshot(&mut self, new: &NewSnapshot) -> Result<SaveOutcome, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, sha256 FROM snapshot
                 WHERE dataset = ?1 AND as_of = ?2 AND superseded_by IS NULL",
                params![new.dataset, new.as_of.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        if let Some((id, sha)) = &current
            && *sha == new.sha256
        {
            return Ok(SaveOutcome::Unchanged { id: *id });
        }
        let skipped_total: u64 = new.skipped.values().sum();
        let rejected_total: u64 = new.rejected.values().sum();
        tx.execute(
            "INSERT INTO snapshot (dataset, as_of, kind, file_name, sha256, imported_at,
                has_confirmed, rows_read, rows_skipped, rows_rejected,
                skipped_json, rejected_json, warnings_json, findings_json, without_org_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                new.dataset,
                new.as_of.to_string(),
                new.kind.code(),
                new.file_name,
                new.sha256,
                now(),
                new.has_confirmed,
                new.rows_read as i64,
                skipped_total as i64,
                rejected_total as i64,
                to_json(&new.skipped),
                to_json(&new.rejected),
                to_json(&new.warnings),
                to_json(&new.findings),
                to_json(&role_counts_json(&new.without_org)),
            ],
        )?;
        let id = tx.last_insert_rowid();
        if let Some((old, _)) = current {
            tx.execute(
                "UPDATE snapshot SET superseded_by = ?1, superseded_at = ?2 WHERE id = ?3",
                params![id, now(), old],
            )?;
        }
        insert_rows(&tx, id, new)?;
        tx.commit()?;
        Ok(SaveOutcome::Saved {
            id,
            superseded: current.map(|(old, _)| old),
        })
    }

    /// Makes a superseded snapshot current again; the one it replaced becomes superseded.
    pub fn restore(&mut self, id: i64) -> Result<SnapshotInfo, StoreError> {
        let snapshot = self.snapshot(id)?.ok_or(StoreError::NoSnapshot(id))?;
        if snapshot.is_current() {
            return Err(StoreError::AlreadyCurrent(id));
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE snapshot SET superseded_by = ?1, superseded_at = ?2
             WHERE dataset = ?3 AND as_of = ?4 AND superseded_by IS NULL",
            params![id, now(), snapshot.dataset, snapshot.as_of.to_string()],
        )?;
        tx.execute(
            "UPDATE snapshot SET superseded_by = NULL, superseded_at = NULL WHERE id = ?1",
            params![id],
        )?;
        tx.commit()?;
        self.snapshot(id)?.ok_or(StoreError::NoSnapshot(id))
    }

    pub fn snapshot(&self, id: i64) -> Result<Option<SnapshotInfo>, StoreError> {
        Ok(self
            .query_snapshots("WHERE id = ?1", params![id])?
            .into_iter()
            .next())
    }

    /// Every snapshot, current and superseded, by dataset and date.
    pub fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        self.query_snapshots(
            "ORDER BY dataset = 'registry' DESC, dataset, as_of, id",
            params![],
        )
    }

    /// The current snapshot of `dataset` at exactly `as_of`.
    pub fn current_at(
        &self,
        dataset: &str,
        as_of: Date,
    ) -> Result<Option<SnapshotInfo>, StoreError> {
        Ok(self
            .query_snapshots(
                "WHERE dataset = ?1 AND as_of = ?2 AND superseded_by IS NULL",
                params![dataset, as_of.to_string()],
            )?
            .into_iter()
            .next())
    }

    /// The current snapshot of `dataset` with the latest date before `as_of`.
    pub fn previous(&self, dataset: &str, as_of: Date) -> Result<Option<SnapshotInfo>, StoreError> {
        Ok(self
            .query_snapshots(
                "WHERE dataset = ?1 AND as_of < ?2 AND superseded_by IS NULL
                 ORDER BY as_of DESC LIMIT 1",
                params![dataset, as_of.to_string()],
            )?
            .into_iter()
            .next())
    }

    /// Dates that have a current snapshot of any platform (not the registry, not chats),
    /// ascending.
    pub fn platform_dates(&self) -> Result<Vec<Date>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT as_of FROM snapshot
             WHERE kind NOT IN ('registry', 'chats') AND superseded_by IS NULL ORDER BY as_of",
        )?;
        let dates = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(dates.iter().filter_map(|d| d.parse().ok()).collect())
    }

    /// Every organisation any current snapshot put into the registry.
    pub fn known_orgs(&self) -> Result<HashSet<OrgId>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT v.org_id FROM school_version v
             JOIN snapshot s ON s.id = v.snapshot_id WHERE s.superseded_by IS NULL",
        )?;
        let ids = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids.into_iter().map(OrgId::from_normalized).collect())
    }

    /// How many schools snapshot `id` describes in the registry.
    pub fn schools_in(&self, id: i64) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM school_version WHERE snapshot_id = ?1",
            params![id],
            |row| row.get(0),
        )?;
        Ok(n as u64)
    }

    /// The registry as it stood at `as_of`: per school, the latest version dated on or
    /// before it, else the earliest one (SPEC §3). A registry import wins over a school that
    /// a per-school export added on the same date.
    pub fn schools_at(&self, as_of: Date) -> Result<Vec<SchoolInfo>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT v.org_id, s.as_of, s.kind = 'registry', s.id, v.name, v.municipality,
                    v.region, v.contingent_teachers, v.contingent_students, v.contingent_parents
             FROM school_version v JOIN snapshot s ON s.id = v.snapshot_id
             WHERE s.superseded_by IS NULL",
        )?;
        let as_of = as_of.to_string();
        let mut chosen: HashMap<String, (VersionRank, SchoolInfo)> = HashMap::new();
        let rows = stmt.query_map([], |row| {
            let org: String = row.get(0)?;
            let date: String = row.get(1)?;
            let is_registry: bool = row.get(2)?;
            let id: i64 = row.get(3)?;
            let mut contingent = RoleMap::default();
            *contingent.get_mut(Role::Teachers) = get_u64(row, 7)?;
            *contingent.get_mut(Role::Students) = get_u64(row, 8)?;
            *contingent.get_mut(Role::Parents) = get_u64(row, 9)?;
            let info = SchoolInfo {
                id: OrgId::from_normalized(org.clone()),
                name: row.get(4)?,
                municipality: row.get(5)?,
                region: row.get(6)?,
                contingent,
            };
            Ok((org, date, is_registry, id, info))
        })?;
        for row in rows {
            let (org, date, is_registry, id, info) = row?;
            // Rank: any version on or before the date beats any after it; among those on or
            // before, the latest; among those after, the earliest.
            let on_or_before = date <= as_of;
            let date_key = if on_or_before {
                date
            } else {
                invert_date(&date)
            };
            let key = (on_or_before, date_key, is_registry, id);
            match chosen.get(&org) {
                Some((best, _)) if *best >= key => {}
                _ => {
                    chosen.insert(org, (key, info));
                }
            }
        }
        let mut schools: Vec<SchoolInfo> = chosen.into_values().map(|(_, info)| info).collect();
        schools.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(schools)
    }

    /// The usage of a platform snapshot.
    pub fn platform_counts(&self, snapshot: &SnapshotInfo) -> Result<PlatformCounts, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT org_id, role, registered, confirmed, active, leaving
             FROM usage WHERE snapshot_id = ?1",
        )?;
        let rows = stmt
            .query_map(params![snapshot.id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    RoleCounts {
                        registered: get_u64(row, 2)?,
                        confirmed: get_u64(row, 3)?,
                        active: get_u64(row, 4)?,
                        leaving: get_u64(row, 5)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        // An export that gave active users gave zero for the schools it does not name.
        let gave_active = rows.iter().any(|(_, _, counts)| counts.active.is_some());
        let mut counts = PlatformCounts {
            absent_school: absent_school(snapshot, gave_active),
            without_org: snapshot.without_org,
            ..PlatformCounts::default()
        };
        for (org, role, role_counts) in rows {
            let role = Role::from_code(&role).ok_or_else(|| StoreError::Corrupt {
                id: snapshot.id,
                detail: format!("неизвестная роль «{role}»"),
            })?;
            let entry = counts
                .by_org
                .entry(OrgId::from_normalized(org))
                .or_insert(RoleMap::splat(counts.absent_school));
            *entry.get_mut(role) = role_counts;
        }
        Ok(counts)
    }

    /// Sets a target; one already set for the same indicator, level and date is replaced.
    pub fn set_target(&mut self, target: &Target) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM target WHERE indicator = ?1 AND IFNULL(level, '') = ?2 AND from_date = ?3",
            params![
                target.indicator.to_string(),
                target.level.map(|l| l.code()).unwrap_or(""),
                target.from.to_string()
            ],
        )?;
        tx.execute(
            "INSERT INTO target (indicator, level, from_date, value, set_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                target.indicator.to_string(),
                target.level.map(|l| l.code()),
                target.from.to_string(),
                target.value,
                now()
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    pub fn remove_target(&mut self, id: i64) -> Result<(), StoreError> {
        match self
            .conn
            .execute("DELETE FROM target WHERE id = ?1", params![id])?
        {
            0 => Err(StoreError::NoTarget(id)),
            _ => Ok(()),
        }
    }

    pub fn targets(&self) -> Result<Vec<StoredTarget>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, indicator, level, from_date, value, set_at FROM target
             ORDER BY indicator, IFNULL(level, ''), from_date",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(StoredTarget {
                id: row.get(0)?,
                target: Target {
                    indicator: parsed_column(row, 1, IndicatorId::parse)?,
                    level: match row.get::<_, Option<String>>(2)? {
                        Some(_) => Some(parsed_column(row, 2, parse_level)?),
                        None => None,
                    },
                    from: parsed_column(row, 3, |text| text.parse::<Date>())?,
                    value: row.get(4)?,
                },
                set_at: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn set_yellow_band(&mut self, pp: f64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![YELLOW_BAND_KEY, pp.to_string()],
        )?;
        Ok(())
    }

    /// Every target and the yellow band, as the domain uses them.
    pub fn target_book(&self) -> Result<TargetBook, StoreError> {
        let band: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM setting WHERE key = ?1",
                params![YELLOW_BAND_KEY],
                |row| row.get(0),
            )
            .optional()?;
        Ok(TargetBook {
            targets: self.targets()?.into_iter().map(|t| t.target).collect(),
            yellow_band_pp: band
                .and_then(|text| text.parse().ok())
                .unwrap_or(DEFAULT_YELLOW_BAND_PP),
        })
    }

    /// Every state of every official chat from the current chats snapshots, in the order
    /// they were said: by date, then by import, so that of two states of a chat on one date
    /// the later import wins.
    pub fn chat_states(&self) -> Result<Vec<ChatState>, StoreError> {
        self.query_chat_states(
            "WHERE s.superseded_by IS NULL ORDER BY s.as_of, s.id, c.rowid",
            params![],
        )
    }

    /// The chat states of one snapshot, in the order of its file.
    pub fn chat_states_of(&self, snapshot: i64) -> Result<Vec<ChatState>, StoreError> {
        self.query_chat_states("WHERE s.id = ?1 ORDER BY c.rowid", params![snapshot])
    }

    fn query_chat_states(
        &self,
        filter: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<ChatState>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT c.org_id, c.name, c.purpose, c.class_label, c.platform, c.domestic, c.members,
                    c.active, c.confirmed_on, c.created_on, c.moved_on, c.replaces, s.as_of, s.id
             FROM chat_state c JOIN snapshot s ON s.id = c.snapshot_id {filter}"
        ))?;
        let rows = stmt.query_map(params, |row| {
            let id: i64 = row.get(13)?;
            let corrupt = |detail: String| StoreError::Corrupt { id, detail };
            let date = |idx: usize| -> rusqlite::Result<Option<Date>> {
                match row.get::<_, Option<String>>(idx)? {
                    None => Ok(None),
                    Some(_) => parsed_column(row, idx, |t| t.parse::<Date>()).map(Some),
                }
            };
            Ok(ChatState {
                org: OrgId::from_normalized(row.get(0)?),
                name: row.get(1)?,
                purpose: parsed_column(row, 2, |t| {
                    Purpose::from_code(t).ok_or_else(|| corrupt(format!("назначение «{t}»")))
                })?,
                class_label: row.get(3)?,
                platform: parsed_column(row, 4, |t| {
                    chat_platform(t)
                        .map(|p| p.name)
                        .ok_or_else(|| corrupt(format!("платформа «{t}»")))
                })?,
                domestic: row.get(5)?,
                members: get_u64(row, 6)?,
                active: row.get(7)?,
                confirmed_on: date(8)?,
                created_on: date(9)?,
                moved_on: date(10)?,
                replaces: row.get(11)?,
                as_of: parsed_column(row, 12, |t| t.parse::<Date>())?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every school's list of classes from the current snapshots, in the order they were
    /// said: by date, then by import, so that of two lists of a school on one date the later
    /// import's comes last. Each list is one snapshot's classes of one school, in file order.
    pub fn class_lists(&self) -> Result<Vec<ClassList>, StoreError> {
        self.query_class_lists(
            "WHERE s.superseded_by IS NULL ORDER BY s.as_of, s.id, c.rowid",
            params![],
        )
    }

    /// The lists of classes of one snapshot.
    pub fn class_lists_of(&self, snapshot: i64) -> Result<Vec<ClassList>, StoreError> {
        self.query_class_lists("WHERE s.id = ?1 ORDER BY c.rowid", params![snapshot])
    }

    fn query_class_lists(
        &self,
        filter: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<ClassList>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT s.id, c.org_id, c.class_label, c.students, s.as_of
             FROM school_class c JOIN snapshot s ON s.id = c.snapshot_id {filter}"
        ))?;
        let rows = stmt.query_map(params, |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                SchoolClass {
                    label: row.get(2)?,
                    students: get_u64(row, 3)?,
                },
                parsed_column(row, 4, |t| t.parse::<Date>())?,
            ))
        })?;
        // A school's classes need not be together in its file: group by snapshot and school,
        // keeping the order in which each list first appears.
        let mut lists: Vec<ClassList> = Vec::new();
        let mut index: HashMap<(i64, String), usize> = HashMap::new();
        for row in rows {
            let (id, org, class, as_of) = row?;
            let idx = *index.entry((id, org.clone())).or_insert_with(|| {
                lists.push(ClassList {
                    org: OrgId::from_normalized(org),
                    classes: Vec::new(),
                    as_of,
                });
                lists.len() - 1
            });
            lists[idx].classes.push(class);
        }
        Ok(lists)
    }

    /// How many letters are registered: the next letter's sequence number is one more.
    pub fn letter_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM letter", [], |row| row.get(0))?)
    }

    /// Registers a letter with what it said, in one transaction.
    pub fn save_letter(&mut self, letter: &NewLetter) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO letter (number, letter_date, as_of, deadline, addressees, created_at, files_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                letter.number,
                letter.date.to_string(),
                letter.as_of.to_string(),
                letter.deadline.to_string(),
                letter.addressees,
                now(),
                to_json(&letter.files),
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO letter_item (letter_id, org_id, name, platform, role, share, target, active, contingent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for item in &letter.items {
                insert.execute(params![
                    id,
                    item.org_id,
                    item.name,
                    item.platform,
                    item.role.code(),
                    item.share,
                    item.target,
                    item.active as i64,
                    item.contingent.map(|c| c as i64),
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Every registered letter, oldest first.
    pub fn letters(&self) -> Result<Vec<LetterInfo>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, number, letter_date, as_of, deadline, addressees, created_at, files_json
             FROM letter ORDER BY id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(LetterInfo {
                id: row.get(0)?,
                number: row.get(1)?,
                date: parsed_column(row, 2, |text| text.parse::<Date>())?,
                as_of: parsed_column(row, 3, |text| text.parse::<Date>())?,
                deadline: parsed_column(row, 4, |text| text.parse::<Date>())?,
                addressees: row.get(5)?,
                created_at: row.get(6)?,
                files: parsed_column(row, 7, |text| serde_json::from_str(text))?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn letter_items(&self, letter_id: i64) -> Result<Vec<Shortfall>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT org_id, name, platform, role, share, target, active, contingent
             FROM letter_item WHERE letter_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map(params![letter_id], |row| {
            Ok(Shortfall {
                org_id: row.get(0)?,
                name: row.get(1)?,
                platform: row.get(2)?,
                role: parsed_column(row, 3, |text| {
                    Role::from_code(text).ok_or_else(|| StoreError::Corrupt {
                        id: letter_id,
                        detail: format!("неизвестная роль «{text}» в письме"),
                    })
                })?,
                share: row.get(4)?,
                target: row.get(5)?,
                active: get_u64(row, 6)?.unwrap_or(0),
                contingent: get_u64(row, 7)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn query_snapshots(
        &self,
        tail: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<SnapshotInfo>, StoreError> {
        let sql = format!(
            "SELECT id, dataset, as_of, kind, file_name, sha256, imported_at, superseded_by,
                    superseded_at, has_confirmed, rows_read, rows_skipped, rows_rejected,
                    skipped_json, rejected_json, warnings_json, findings_json, without_org_json
             FROM snapshot {tail}"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params, snapshot_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

fn snapshot_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SnapshotInfo> {
    Ok(SnapshotInfo {
        id: row.get(0)?,
        dataset: row.get(1)?,
        as_of: parsed_column(row, 2, |text| text.parse::<Date>())?,
        kind: parsed_column(row, 3, |code| {
            SnapshotKind::from_code(code).ok_or(UnknownKind(code.to_string()))
        })?,
        file_name: row.get(4)?,
        sha256: row.get(5)?,
        imported_at: row.get(6)?,
        superseded_by: row.get(7)?,
        superseded_at: row.get(8)?,
        has_confirmed: row.get(9)?,
        rows_read: get_u64(row, 10)?.unwrap_or(0),
        rows_skipped: get_u64(row, 11)?.unwrap_or(0),
        rows_rejected: get_u64(row, 12)?.unwrap_or(0),
        skipped: parsed_column(row, 13, |text| serde_json::from_str(text))?,
        rejected: parsed_column(row, 14, |text| serde_json::from_str(text))?,
        warnings: parsed_column(row, 15, |text| serde_json::from_str(text))?,
        findings: parsed_column(row, 16, |text| serde_json::from_str(text))?,
        without_org: parsed_column(row, 17, |text| {
            serde_json::from_str::<BTreeMap<String, u64>>(text).map(|by_code| {
                let mut counts = RoleMap::default();
                for (code, n) in by_code {
                    if let Some(role) = Role::from_code(&code) {
                        *counts.get_mut(role) = n;
                    }
                }
                counts
            })
        })?,
    })
}

/// Counts by role as stored: `{"teachers": 3}`, roles with none left out.
fn role_counts_json(counts: &RoleMap<u64>) -> BTreeMap<&'static str, u64> {
    counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(role, n)| (role.code(), *n))
        .collect()
}

/// A kind of snapshot this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("неизвестный вид снимка «{0}»")]
struct UnknownKind(String);

/// A text column parsed into a value; a malformed one is a conversion error of that column.
pub(crate) fn parsed_column<T, E>(
    row: &rusqlite::Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> rusqlite::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(idx)?;
    parse(&text).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(err))
    })
}

/// How a school version ranks for a date: (dated on or before it, date key, from a registry
/// import, snapshot id); the greatest wins.
type VersionRank = (bool, String, bool, i64);

/// What a school absent from a snapshot counts as: a per-user export would have listed its
/// users, so it has zero registered (and confirmed, where the export gave confirmation); a
/// per-school export says nothing about them.
fn absent_school(snapshot: &SnapshotInfo, gave_active: bool) -> RoleCounts {
    let per_user = snapshot.kind == SnapshotKind::PerUser;
    RoleCounts {
        registered: per_user.then_some(0),
        confirmed: (per_user && snapshot.has_confirmed).then_some(0),
        active: (per_user || gave_active).then_some(0),
        leaving: per_user.then_some(0),
    }
}

fn insert_rows(tx: &Transaction<'_>, id: i64, new: &NewSnapshot) -> Result<(), StoreError> {
    let mut usage = tx.prepare(
        "INSERT INTO usage (snapshot_id, org_id, role, registered, confirmed, active,
            file_contingent, leaving)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for record in &new.usage {
        usage.execute(params![
            id,
            record.org.as_str(),
            record.role.code(),
            record.counts.registered.map(|v| v as i64),
            record.counts.confirmed.map(|v| v as i64),
            record.counts.active.map(|n| n as i64),
            record.file_contingent.map(|v| v as i64),
            record.counts.leaving.map(|v| v as i64),
        ])?;
    }
    let mut chats = tx.prepare(
        "INSERT INTO chat_state (snapshot_id, org_id, name, purpose, class_label, platform,
            domestic, members, active, confirmed_on, created_on, moved_on, replaces)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for chat in &new.chats {
        chats.execute(params![
            id,
            chat.org.as_str(),
            chat.name,
            chat.purpose.code(),
            chat.class_label,
            chat.platform,
            chat.domestic,
            chat.members.map(|m| m as i64),
            chat.active,
            chat.confirmed_on.map(|d| d.to_string()),
            chat.created_on.map(|d| d.to_string()),
            chat.moved_on.map(|d| d.to_string()),
            chat.replaces,
        ])?;
    }
    let mut classes = tx.prepare(
        "INSERT INTO school_class (snapshot_id, org_id, class_label, students)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for list in &new.classes {
        for class in &list.classes {
            classes.execute(params![
                id,
                list.org.as_str(),
                class.label,
                class.students.map(|s| s as i64),
            ])?;
        }
    }
    let mut schools = tx.prepare(
        "INSERT INTO school_version (snapshot_id, org_id, name, municipality, region,
            contingent_teachers, contingent_students, contingent_parents, email)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for school in &new.schools {
        let contingent = |role| school.contingent.get(role).map(|v| v as i64);
        schools.execute(params![
            id,
            school.org.as_str(),
            school.name,
            school.municipality,
            school.region,
            contingent(Role::Teachers),
            contingent(Role::Students),
            contingent(Role::Parents),
            school.email,
        ])?;
    }
    Ok(())
}

fn get_u64(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<u64>> {
    Ok(row.get::<_, Option<i64>>(idx)?.map(|v| v.max(0) as u64))
}

/// Maps a `YYYY-MM-DD` date to a string that sorts in reverse order, so that "the earliest
/// date after" can be ranked with the same `max` as "the latest date before".
fn invert_date(date: &str) -> String {
    date.bytes()
        .map(|b| {
            if b.is_ascii_digit() {
                (b'9' - b + b'0') as char
            } else {
                b as char
            }
        })
        .collect()
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("maps, lists and strings always serialise")
}

/// Waits for another connection's lock, up to some 10 s, retrying every millisecond.
/// SQLite's own wait sleeps longer the longer it waits (up to 100 ms a try): with the
/// dashboard's readers and its audit writer taking turns, a reader that met the lock a few
/// times in a row slept on for tens of milliseconds after the lock was gone.
fn wait_for_lock(attempts: i32) -> bool {
    std::thread::sleep(std::time::Duration::from_millis(1));
    attempts < 10_000
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

#[cfg(test)]
mod tests;
