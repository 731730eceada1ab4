//! The official chats registry: importing a school's or authority's filled template as a
//! dated snapshot, and the chat indicators of a date (SPEC §10).

use std::path::Path;

use jiff::civil::Date;
use tsos_domain::Level;
use tsos_domain::chats::{ChatRow, ChatState, chat_rows, chats_at};
use tsos_ingest::chats::ChatsImport;
use tsos_store::{NewSnapshot, SaveOutcome, Store};

use crate::AppError;

pub const DATASET: &str = "chats";

#[derive(Debug)]
pub struct ChatsOutcome {
    pub import: ChatsImport,
    pub saved: SaveOutcome,
    /// Organisations of the file the registry does not know.
    pub unknown: Vec<String>,
}

/// Reads the chats registry at `path` and stores it as one snapshot, or nothing on error.
pub fn import_chats(
    store: &mut Store,
    path: &Path,
    as_of: Option<Date>,
    sheet: Option<&str>,
) -> Result<ChatsOutcome, AppError> {
    let import = tsos_ingest::chats::read_chats(path, as_of, sheet)?;
    let known = store.known_orgs()?;
    let mut unknown: Vec<String> = import
        .rows
        .iter()
        .filter(|row| !known.contains(&row.org))
        .map(|row| row.org.to_string())
        .collect();
    unknown.dedup();
    let chats = import
        .rows
        .iter()
        .map(|row| ChatState {
            org: row.org.clone(),
            name: row.name.clone(),
            purpose: row.purpose,
            class_label: row.class_label.clone(),
            platform: row.platform.name,
            domestic: row.platform.domestic,
            members: row.members,
            active: row.active,
            confirmed_on: row.confirmed_on,
            created_on: row.created_on,
            moved_on: row.moved_on,
            replaces: row.replaces.clone(),
            as_of: import.as_of,
        })
        .collect();
    let mut warnings = Vec::new();
    if !unknown.is_empty() {
        warnings.push(format!(
            "организации, которых нет в реестре: {}",
            unknown.join(", ")
        ));
    }
    let saved = store.save_snapshot(&NewSnapshot {
        dataset: DATASET.into(),
        as_of: import.as_of,
        kind: DATASET.into(),
        file_name: import.file_name.clone(),
        sha256: import.sha256.clone(),
        has_confirmed: false,
        rows_read: import.stats.read,
        skipped: [("title", import.stats.title), ("blank", import.stats.blank)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        rejected: Default::default(),
        warnings,
        findings: Vec::new(),
        usage: Vec::new(),
        schools: Vec::new(),
        chats,
    })?;
    Ok(ChatsOutcome {
        import,
        saved,
        unknown,
    })
}

/// The chat indicators at `as_of` for every registry school, rolled up to `level`.
pub fn chat_report(
    store: &Store,
    as_of: Date,
    deadline: Option<Date>,
    level: Level,
) -> Result<Vec<ChatRow>, AppError> {
    let schools = store.schools_at(as_of)?;
    if schools.is_empty() {
        return Err(AppError::NoRegistry);
    }
    let chats = chats_at(&store.chat_states()?, as_of);
    Ok(chat_rows(level, &schools, &chats, as_of, deadline))
}
