//! The official chats registry: importing a school's or authority's filled template as a
//! dated snapshot, and the chat indicators of a date (SPEC §10).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use jiff::civil::Date;
use sha2::{Digest, Sha256};
use tsos_domain::chats::{
    CHAT_PLATFORMS, ChatEdit, ChatRow, ChatState, ClassList, ClosingError, PlatformClosing,
    SFERUM_IN_MAX_SINCE, SchoolClass, apply_edit, chat_key, chat_platform_by_code, chat_rows,
    chats_at, class_lists_at,
};
use tsos_domain::{Level, OrgId, SchoolInfo, SnapshotKind, format_date_ru};
use tsos_ingest::chats::ChatsImport;
use tsos_store::{NewSnapshot, SaveOutcome, Store};

use crate::AppError;

/// The dataset, and the kind, of every chats snapshot.
pub const DATASET: &str = "chats";

/// The dataset of a file that gives lists of classes and no chats (`classes:ИНН` or
/// `classes`), of kind `chats`. It is a dataset of its own so that a list of classes never
/// supersedes the chats of the same schools and date, nor they it.
pub const CLASSES_DATASET: &str = "classes";

/// The dataset of a snapshot of `base` ([`DATASET`] or [`CLASSES_DATASET`]) about `orgs`:
/// one school's own (`chats:ИНН`), or an authority's file of several schools (`chats`). A
/// snapshot replaces only one of its own dataset and date, so that one school's file or edit
/// never hides another school's chats.
fn dataset_of<'a>(base: &str, mut orgs: impl Iterator<Item = &'a OrgId>) -> String {
    match orgs.next() {
        Some(first) if orgs.all(|org| org == first) => format!("{base}:{first}"),
        _ => base.to_string(),
    }
}

#[derive(Debug)]
pub struct ChatsOutcome {
    pub import: ChatsImport,
    pub saved: SaveOutcome,
    /// Organisations of the file the registry does not know.
    pub unknown: Vec<String>,
    /// What else the user should know, stored with the snapshot too: a bare «Сферум» read
    /// as the one in VK Мессенджер in a file dated after Сферум moved into MAX.
    pub notes: Vec<String>,
}

/// Reads the chats registry at `path` and stores it as one snapshot, or nothing on error.
pub fn import_chats(
    store: &mut Store,
    path: &Path,
    as_of: Option<Date>,
    sheet: Option<&str>,
) -> Result<ChatsOutcome, AppError> {
    let import = tsos_ingest::chats::read_chats(path, as_of, sheet)?;
    save_import(store, import)
}

/// Reads the filled template of the one school `org`, as a school uploads it in the
/// dashboard, and stores it; a row of another school is an error that names it, and then
/// nothing is stored.
pub fn import_school_chats(
    store: &mut Store,
    path: &Path,
    as_of: Option<Date>,
    org: &OrgId,
) -> Result<ChatsOutcome, AppError> {
    let import = tsos_ingest::chats::read_chats(path, as_of, None)?;
    let others: BTreeSet<String> = import
        .orgs()
        .filter(|other| *other != org)
        .map(OrgId::to_string)
        .collect();
    if !others.is_empty() {
        return Err(AppError::OtherSchools {
            file: import.file_name,
            school: org.to_string(),
            others: others.into_iter().collect(),
        });
    }
    save_import(store, import)
}

/// Stores what was read as one snapshot of the chats' schools.
fn save_import(store: &mut Store, import: ChatsImport) -> Result<ChatsOutcome, AppError> {
    let known = store.known_orgs()?;
    let mut listed = HashSet::new();
    let unknown: Vec<String> = import
        .orgs()
        .filter(|org| !known.contains(*org) && listed.insert(*org))
        .map(|org| org.to_string())
        .collect();
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
    // One list per school, in the order the schools first appear.
    let mut classes: Vec<ClassList> = Vec::new();
    let mut index: HashMap<&OrgId, usize> = HashMap::new();
    for class in &import.classes {
        let idx = *index.entry(&class.org).or_insert_with(|| {
            classes.push(ClassList {
                org: class.org.clone(),
                classes: Vec::new(),
                as_of: import.as_of,
            });
            classes.len() - 1
        });
        classes[idx].classes.push(SchoolClass {
            label: class.label.clone(),
            students: class.students,
        });
    }
    let mut notes = Vec::new();
    let bare_sferum = import.rows.iter().filter(|row| row.bare_sferum).count();
    if bare_sferum > 0 && import.as_of >= SFERUM_IN_MAX_SINCE {
        notes.push(format!(
            "платформа «Сферум» без уточнения в {bare_sferum} стр. прочитана как «{}»: с {} Сферум \
             работает и в MAX; для чатов в MAX укажите «MAX» («Сферум в MAX»)",
            CHAT_PLATFORMS[0].name,
            format_date_ru(SFERUM_IN_MAX_SINCE)
        ));
    }
    let mut warnings = notes.clone();
    if !unknown.is_empty() {
        warnings.push(format!(
            "организации, которых нет в реестре: {}",
            unknown.join(", ")
        ));
    }
    let base = if import.rows.is_empty() {
        CLASSES_DATASET
    } else {
        DATASET
    };
    let dataset = dataset_of(base, import.orgs());
    let saved = store.save_snapshot(&NewSnapshot {
        dataset,
        as_of: import.as_of,
        kind: SnapshotKind::Chats,
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
        without_org: Default::default(),
        usage: Vec::new(),
        usage_counts: Vec::new(),
        schools: Vec::new(),
        chats,
        classes,
        user_sets: None,
    })?;
    Ok(ChatsOutcome {
        import,
        saved,
        unknown,
        notes,
    })
}

/// The chat indicators at `as_of` for every registry school, rolled up to `level`, with the
/// classes without an official chat where schools gave their lists of classes.
pub fn chat_report(
    store: &Store,
    as_of: Date,
    deadline: Option<Date>,
    level: Level,
) -> Result<Vec<ChatRow>, AppError> {
    let [rows] = chat_reports(store, as_of, deadline, [level])?;
    Ok(rows)
}

/// [`chat_report`] at several levels, from one reading of the registry and the chats.
pub fn chat_reports<const N: usize>(
    store: &Store,
    as_of: Date,
    deadline: Option<Date>,
    levels: [Level; N],
) -> Result<[Vec<ChatRow>; N], AppError> {
    let schools = store.schools_at(as_of)?;
    if schools.is_empty() {
        return Err(AppError::NoRegistry);
    }
    let chats = chats_at(&store.chat_states()?, as_of);
    let classes = class_lists_at(&store.class_lists()?, as_of);
    let closings = store.chat_closings()?;
    Ok(levels.map(|level| {
        chat_rows(
            level, &schools, &chats, &classes, as_of, deadline, &closings,
        )
    }))
}

/// Sets that the domestic platform `code` closes: its chats count as «на закрываемой
/// платформе» from `from`, to be moved by `deadline`. Returns what was set.
pub fn set_closing(
    store: &mut Store,
    code: &str,
    from: Date,
    deadline: Date,
) -> Result<PlatformClosing, AppError> {
    let closing = PlatformClosing::new(code, from, deadline)?;
    store.set_chat_closing(&closing)?;
    Ok(closing)
}

/// The platforms being closed, as `tsos chats closing` set them.
pub fn closings(store: &Store) -> Result<Vec<PlatformClosing>, AppError> {
    Ok(store.chat_closings()?)
}

/// Removes the closing of the platform `code`.
pub fn remove_closing(store: &mut Store, code: &str) -> Result<(), AppError> {
    let platform = chat_platform_by_code(code)
        .ok_or_else(|| ClosingError::UnknownPlatform(code.to_string()))?;
    Ok(store.remove_chat_closing(platform)?)
}

/// Makes `edit` to a chat of the school `org` on the day `on`, on behalf of `by`, and stores
/// the new state; returns it. The day's edits of a school form one snapshot, rewritten with
/// each edit (the previous one is kept as superseded), so `tsos snapshots` shows who changed
/// what and any edit can be undone with `tsos snapshots restore`.
pub fn edit_chat(
    store: &mut Store,
    org: &OrgId,
    edit: &ChatEdit,
    on: Date,
    by: &str,
) -> Result<ChatState, AppError> {
    if !store.known_orgs()?.contains(org) {
        return Err(AppError::NoSchool(org.to_string()));
    }
    let state = apply_edit(&store.chat_states()?, org, edit, on)?;
    let dataset = dataset_of(DATASET, std::iter::once(org));
    // The edit rewrites the day's snapshot of the school, so its list of classes goes on too.
    let (mut states, classes) = match store.current_at(&dataset, on)? {
        Some(snapshot) => (
            store.chat_states_of(snapshot.id)?,
            store.class_lists_of(snapshot.id)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let key = chat_key(org, &state.name);
    match states.iter_mut().find(|s| chat_key(&s.org, &s.name) == key) {
        Some(known) => *known = state.clone(),
        None => states.push(state.clone()),
    }
    store.save_snapshot(&NewSnapshot {
        dataset,
        as_of: on,
        kind: SnapshotKind::Chats,
        file_name: format!("правка в панели ({by})"),
        sha256: content_hash(&states),
        has_confirmed: false,
        rows_read: states.len() as u64,
        skipped: Default::default(),
        rejected: Default::default(),
        warnings: Vec::new(),
        findings: Vec::new(),
        without_org: Default::default(),
        usage: Vec::new(),
        usage_counts: Vec::new(),
        schools: Vec::new(),
        chats: states,
        classes,
        user_sets: None,
    })?;
    Ok(state)
}

/// The SHA-256 of what a snapshot of chat states says, in place of a file's.
fn content_hash(states: &[ChatState]) -> String {
    let mut hasher = Sha256::new();
    for state in states {
        hasher.update(format!("{state:?}\n").as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One school's chats: every state ever said, and at `as_of` each chat's latest state and
/// the school's indicators.
#[derive(Debug)]
pub struct SchoolChats {
    pub history: Vec<ChatState>,
    pub current: Vec<ChatState>,
    pub row: ChatRow,
    /// The platforms being closed, which the row's figures took into account.
    pub closings: Vec<PlatformClosing>,
}

/// The chats of the registry school `school` at `as_of`, read once.
pub fn school_chats(
    store: &Store,
    school: &SchoolInfo,
    as_of: Date,
    deadline: Option<Date>,
) -> Result<SchoolChats, AppError> {
    let history: Vec<ChatState> = store
        .chat_states()?
        .into_iter()
        .filter(|s| s.org == school.id)
        .collect();
    let current = chats_at(&history, as_of);
    let lists: Vec<ClassList> = store
        .class_lists()?
        .into_iter()
        .filter(|l| l.org == school.id)
        .collect();
    let classes = class_lists_at(&lists, as_of);
    let closings = store.chat_closings()?;
    let row = chat_rows(
        Level::School,
        std::slice::from_ref(school),
        &current,
        &classes,
        as_of,
        deadline,
        &closings,
    )
    .into_iter()
    .next()
    .unwrap_or_default();
    Ok(SchoolChats {
        history,
        current,
        row,
        closings,
    })
}
