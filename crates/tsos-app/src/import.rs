//! Importing one file as a snapshot (SPEC §3, §5).

use std::path::Path;

use jiff::civil::Date;
use std::collections::BTreeMap;

use tsos_domain::names::{NameMatch, match_school, place_key, school_key};
use tsos_domain::quality::{Finding, FindingKind, push};
use tsos_domain::reconcile::{CONTINGENT_TOLERANCE, reconcile};
use tsos_domain::replacement::{Extent, Shrink, area_shares, shrinks};
use tsos_domain::{
    Catalogue, OrgId, Role, RoleCounts, RoleMap, SchoolInfo, SnapshotKind, UnknownOrgs,
    format_date_ru,
};
use tsos_ingest::header::{Mapping, MappingSource, Meaning};
use tsos_ingest::{Content, Dataset, FlowKey, Import, ReadOptions, SchoolRow};
use tsos_report::ru;
use tsos_store::{
    KeyedUserSets, NewSnapshot, REGISTRY, SaveOutcome, SchoolRecord, Store, UsageCountRecord,
    UsageRecord,
};

use crate::AppError;

pub struct ImportRequest<'a> {
    /// `registry` or a platform code.
    pub dataset: &'a str,
    pub path: &'a Path,
    pub as_of: Option<Date>,
    pub skip_invalid: bool,
    pub sheet: Option<&'a str>,
    /// Called now and then with the bytes and rows read so far, for a progress bar.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Replace the current snapshot even where the new file holds far less
    /// ([`tsos_domain::replacement`]); without it such an import stops and says why.
    pub replace: bool,
    /// Meanings a person gave to columns (`--map`); kept as the layout profile of the file's
    /// header once the import succeeds. Without it a saved profile of the header applies.
    pub mapping: Option<&'a Mapping>,
    /// Registry schools a person chose for names of a file without ИНН (`--match`), by the
    /// name as written; remembered for later files once the import succeeds.
    pub name_matches: &'a [(String, OrgId)],
    /// Keep the first data rows as read ([`ReadOptions::sample`]), for a preview.
    pub sample: usize,
    /// The key of the user flows ([`crate::flow_key`]): with it, a per-user file's snapshot
    /// keeps the keyed hash sets of its active users; without it, no flows.
    pub flow_key: Option<&'a FlowKey>,
}

/// A name of a file without ИНН that matches no registry school, or several.
#[derive(Clone, Debug, PartialEq)]
pub struct UnmatchedName {
    /// `file.csv:12`.
    pub loc: String,
    pub name: String,
    pub municipality: Option<String>,
    /// Several schools have the name (`true`), or none (`false`, with the nearest names).
    pub several: bool,
    /// (ИНН, name, municipality) of the schools the name could be.
    pub candidates: Vec<(OrgId, String, String)>,
}

impl std::fmt::Display for UnmatchedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = self
            .municipality
            .as_deref()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        let what = if self.several {
            "в реестре несколько ОО с таким названием"
        } else {
            "в реестре нет ОО с таким названием; ближайшие"
        };
        let candidates: Vec<String> = self
            .candidates
            .iter()
            .map(|(id, name, municipality)| format!("{name}, {municipality} ({id})"))
            .collect();
        write!(
            f,
            "{}: «{}»{place}: {what}: {}",
            self.loc,
            self.name,
            candidates.join("; ")
        )
    }
}

/// What an import did with a layout profile (SPEC §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileUse {
    /// The header was read with saved profile `id`.
    Applied(i64),
    /// The meanings given with the import were saved as profile `id`.
    Saved(i64),
}

/// What an import did, for the summary shown to the user.
#[derive(Debug)]
pub struct ImportOutcome {
    pub dataset: String,
    /// What the snapshot is of: the registry, a per-user or a per-school export.
    pub kind: SnapshotKind,
    /// The platform's or the registry's name in Russian.
    pub dataset_name: String,
    pub import: Import,
    pub saved: SaveOutcome,
    /// Schools of the file that the registry lacked and that were added from it.
    pub schools_added: Vec<SchoolRecord>,
    /// Organisations of the file unknown to the registry (per-user exports).
    pub unknown: UnknownOrgs,
    /// Schools the file gives figures for.
    pub n_schools: usize,
    /// Users (per-user exports): distinct accounts after merging.
    pub n_users: Option<u64>,
    /// Every warning, also stored with the snapshot.
    pub warnings: Vec<String>,
    /// Data-quality findings of the file, stored with the snapshot.
    pub findings: Vec<Finding>,
    /// The snapshot this import replaced (or, with `Unchanged`, would have), compared with it.
    pub replaced: Option<Replacement>,
    /// The layout profile this import applied or saved.
    pub profile: Option<ProfileUse>,
}

/// A new snapshot beside the current one of its dataset and date that it replaces.
#[derive(Clone, Debug)]
pub struct Replacement {
    pub current: tsos_store::SnapshotInfo,
    pub old: Extent,
    pub new: Extent,
    /// Why the replacement is suspect; empty for an ordinary one.
    pub shrinks: Vec<Shrink>,
}

impl Replacement {
    /// Russian, for messages: «строк 101 вместо 57 904; ОО 1 вместо 301; …».
    pub fn describe_shrinks(&self) -> String {
        self.shrinks
            .iter()
            .map(|shrink| match shrink {
                Shrink::Rows { old, new } => {
                    format!("строк {} вместо {}", ru::integer(*new), ru::integer(*old))
                }
                Shrink::Schools { old, new } => {
                    format!("ОО {} вместо {}", ru::integer(*new), ru::integer(*old))
                }
                Shrink::Users { old, new } => format!(
                    "пользователей {} вместо {}",
                    ru::integer(*new),
                    ru::integer(*old)
                ),
                Shrink::Share { role, old, new } => format!(
                    "доля активных ({}) по всем ОО {} вместо {}",
                    role.title_ru(),
                    ru::percent(Some(*new)),
                    ru::percent(Some(*old))
                ),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A file read and reconciled with the registry, not saved yet: what a preview shows, and what
/// [`commit_import`] saves.
#[derive(Debug)]
pub struct PreparedImport {
    pub dataset: String,
    /// The platform's or the registry's name in Russian.
    pub dataset_name: String,
    pub import: Import,
    /// Schools of the file that the registry lacks and that it would add.
    pub schools_added: Vec<SchoolRecord>,
    /// Organisations of the file unknown to the registry (per-user exports).
    pub unknown: UnknownOrgs,
    pub n_schools: usize,
    pub n_users: Option<u64>,
    pub warnings: Vec<String>,
    pub findings: Vec<Finding>,
    /// The snapshot it would replace, compared with it.
    pub replaced: Option<Replacement>,
    /// Names of a file without ИНН that match no registry school, or several: saved only
    /// left out (`skip_invalid`), or once a person chooses (`name_matches`).
    pub unmatched: Vec<UnmatchedName>,
    new: NewSnapshot,
    /// Names a person matched, to remember once saved: (name key, place key, school).
    to_remember: Vec<(String, String, OrgId)>,
}

/// Reads `request.path` and stores it as one snapshot (or nothing, on error).
pub fn import_file(
    store: &mut Store,
    catalogue: &Catalogue,
    request: &ImportRequest<'_>,
) -> Result<ImportOutcome, AppError> {
    let started = std::time::Instant::now();
    let prepared = prepare_import(store, catalogue, request)?;
    let outcome = commit_import(store, prepared, request)?;
    let import = &outcome.import;
    tracing::info!(
        file = %import.file_name,
        sha256 = %import.sha256,
        dataset = %outcome.dataset,
        as_of = %import.as_of,
        rows = import.stats.accepted,
        snapshot = match outcome.saved {
            SaveOutcome::Saved { id, .. } | SaveOutcome::Unchanged { id } => id,
        },
        unchanged = matches!(outcome.saved, SaveOutcome::Unchanged { .. }),
        ms = started.elapsed().as_millis() as u64,
        "импорт"
    );
    Ok(outcome)
}

/// Where the sets of an earlier date were made under another key: the flows of the platform
/// start again from this date, which nobody should learn only from next month's report. A
/// mistyped `--key-file`, a key lost with a machine, or instances behind a balancer that each
/// made their own key all look like this.
fn key_change_warning(
    store: &Store,
    dataset: &str,
    import: &Import,
    keyed: &KeyedUserSets,
) -> Result<Option<String>, AppError> {
    let earlier = store
        .user_set_keys(dataset, import.as_of)?
        .into_iter()
        .filter(|(_, as_of, _)| *as_of < import.as_of)
        .find_map(|(_, as_of, key)| Some((as_of, key?)));
    Ok(match earlier {
        Some((as_of, key)) if key != keyed.key_fingerprint => Some(format!(
            "ключ потоков пользователей не тот, под которым сохранена выгрузка на {}: потоки \
             начнутся заново с этой даты; если ключ сменился не намеренно, верните файл \
             прежнего ключа (--key-file или TSOS_KEY_FILE)",
            format_date_ru(as_of)
        )),
        _ => None,
    })
}

/// Reads `request.path` and reconciles it with the registry, writing nothing.
pub fn prepare_import(
    store: &Store,
    catalogue: &Catalogue,
    request: &ImportRequest<'_>,
) -> Result<PreparedImport, AppError> {
    let (dataset, dataset_name) = read_as(catalogue, request.dataset)?;
    let mut import = read(store, dataset, request)?;
    // Moved out of the import, which a preview keeps: the sets are held once, until saved.
    let user_sets = match (&mut import.content, request.flow_key) {
        (Content::PerUser(data), Some(key)) => {
            data.counts.active_hashes.take().map(|sets| KeyedUserSets {
                key_fingerprint: key.fingerprint(),
                sets,
            })
        }
        _ => None,
    };
    let platform = match dataset {
        Dataset::Platform(platform) => Some(platform.code.as_str()),
        Dataset::Registry => None,
    };
    let connected = matches!(dataset, Dataset::Platform(p) if p.rule.is_connected());
    let mut part = match &import.content {
        Content::PerSchool(rows) if platform.is_none() => registry_part(&import, rows)?,
        Content::PerSchool(rows) => {
            per_school_part(store, &import, rows, request, platform, connected)?
        }
        Content::PerUser(data) => per_user_part(store, data, platform)?,
    };
    // Schools a usage file brings that the registry lacks are added to it, and said so.
    let schools_added = if platform.is_some() {
        part.schools.clone()
    } else {
        Vec::new()
    };
    if !schools_added.is_empty() {
        part.warnings.push(format!(
            "в реестр добавлены ОО из файла: {}: {}",
            schools_added.len(),
            list_some(
                schools_added
                    .iter()
                    .map(|s| format!("{} {}", s.org, s.name))
            )
        ));
    }
    let mut warnings = import.warnings.clone();
    warnings.append(&mut part.warnings);
    if let Some(keyed) = &user_sets {
        warnings.extend(key_change_warning(store, request.dataset, &import, keyed)?);
    }
    let mut new = new_snapshot(request.dataset, &import, &mut part, &warnings);
    new.user_sets = user_sets;
    let replaced = compare_with_current(store, &new, part.n_users)?;
    Ok(PreparedImport {
        dataset: request.dataset.to_string(),
        dataset_name,
        import,
        schools_added,
        unknown: part.unknown,
        n_schools: part.n_schools,
        n_users: part.n_users,
        warnings,
        findings: part.findings,
        replaced,
        unmatched: part.unmatched,
        new,
        to_remember: part.to_remember,
    })
}

/// Reads the file as `dataset`, with the layout profiles saved in `store`.
fn read(
    store: &Store,
    dataset: Dataset<'_>,
    request: &ImportRequest<'_>,
) -> Result<Import, AppError> {
    let profile_of = |key: &str| saved_profile(store, key);
    Ok(tsos_ingest::read_export(
        request.path,
        &ReadOptions {
            dataset,
            as_of: request.as_of,
            skip_invalid: request.skip_invalid,
            sheet: request.sheet,
            fast: true,
            progress: request.progress,
            mapping: request.mapping,
            profiles: Some(&profile_of),
            sample: request.sample,
            flow_key: request.flow_key,
        },
    )?)
}

/// The snapshot a read file makes, with its lineage; takes the part's schools and usage.
fn new_snapshot(
    dataset: &str,
    import: &Import,
    part: &mut Part,
    warnings: &[String],
) -> NewSnapshot {
    NewSnapshot {
        dataset: dataset.to_string(),
        as_of: import.as_of,
        kind: part.kind,
        file_name: import.file_name.clone(),
        sha256: import.sha256.clone(),
        has_confirmed: part.has_confirmed,
        rows_read: import.stats.read,
        skipped: [
            ("title", import.stats.title),
            ("blank", import.stats.blank),
            ("totals", import.stats.totals),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        rejected: import.stats.rejected_by_title(),
        warnings: warnings.to_vec(),
        findings: part.findings.clone(),
        without_org: part.unknown.without_org,
        usage: std::mem::take(&mut part.usage),
        usage_counts: std::mem::take(&mut part.usage_counts),
        schools: std::mem::take(&mut part.schools),
        chats: Vec::new(),
        classes: Vec::new(),
        user_sets: None,
    }
}

/// What a file is read as, and its name in Russian: the registry or a platform of the
/// catalogue.
fn read_as<'c>(catalogue: &'c Catalogue, dataset: &str) -> Result<(Dataset<'c>, String), AppError> {
    if dataset == REGISTRY {
        return Ok((Dataset::Registry, tsos_report::labels::REGISTRY.to_string()));
    }
    let platform = catalogue
        .get(dataset)
        .ok_or_else(|| AppError::UnknownDataset {
            given: dataset.to_string(),
            known: std::iter::once(REGISTRY)
                .chain(catalogue.codes())
                .map(str::to_string)
                .collect(),
        })?;
    Ok((Dataset::Platform(platform), platform.name.clone()))
}

/// What a file gives a snapshot, whatever its kind.
struct Part {
    kind: SnapshotKind,
    has_confirmed: bool,
    usage: Vec<UsageRecord>,
    /// Counts of use per school (lessons, marks…) of a per-school export.
    usage_counts: Vec<UsageCountRecord>,
    /// Schools for the registry (a registry's all; a per-school export's the registry lacks).
    schools: Vec<SchoolRecord>,
    findings: Vec<Finding>,
    warnings: Vec<String>,
    unknown: UnknownOrgs,
    n_schools: usize,
    n_users: Option<u64>,
    to_remember: Vec<(String, String, OrgId)>,
    unmatched: Vec<UnmatchedName>,
}

impl Part {
    fn of(kind: SnapshotKind) -> Part {
        Part {
            kind,
            has_confirmed: false,
            usage: Vec::new(),
            usage_counts: Vec::new(),
            schools: Vec::new(),
            findings: Vec::new(),
            warnings: Vec::new(),
            unknown: UnknownOrgs::default(),
            n_schools: 0,
            n_users: None,
            to_remember: Vec::new(),
            unmatched: Vec::new(),
        }
    }
}

/// A registry: every school with its ИНН, name, municipality, region and contingent.
fn registry_part(import: &Import, rows: &[SchoolRow]) -> Result<Part, AppError> {
    if rows.iter().any(|row| row.org.is_none()) {
        return Err(AppError::RegistryWithoutInn {
            file: import.file_name.clone(),
        });
    }
    let mut part = Part {
        n_schools: rows.len(),
        ..Part::of(SnapshotKind::Registry)
    };
    part.schools = rows
        .iter()
        .map(|row| school_record(row, &mut part.warnings))
        .collect();
    Ok(part)
}

/// A per-school export: its schools found in the registry (by name where it gives no ИНН),
/// each role reconciled with the registry's contingent (`domain::reconcile`).
fn per_school_part(
    store: &Store,
    import: &Import,
    rows: &[SchoolRow],
    request: &ImportRequest<'_>,
    platform: Option<&str>,
    connected: bool,
) -> Result<Part, AppError> {
    let known = store.known_orgs()?;
    let schools = store.schools_at(import.as_of)?;
    let named = resolve_names(store, &schools, rows, request, &import.file_name)?;
    let mut part = Part {
        n_schools: rows.len(),
        to_remember: named.to_remember,
        ..Part::of(SnapshotKind::PerSchool)
    };
    if !named.unmatched.is_empty() {
        part.warnings.push(format!(
            "ОО без ИНН, не сопоставленные с реестром, не вошли в снимок: {}",
            list_some(named.unmatched.iter().map(ToString::to_string))
        ));
    }
    part.unmatched = named.unmatched;
    if named.by_name > 0 {
        part.warnings.push(format!(
            "ОО названы без ИНН: сопоставлено с реестром по названию {}",
            named.by_name
        ));
    }
    let registry: std::collections::HashMap<&OrgId, &SchoolInfo> =
        schools.iter().map(|s| (&s.id, s)).collect();
    let mut n_from_shares = 0;
    let mut disagreeing: Vec<String> = Vec::new();
    let mut contingent_differs: Vec<String> = Vec::new();
    for (org, row) in named.rows {
        let registry_school = registry.get(&org).copied();
        if !known.contains(&org) {
            let row = SchoolRow {
                org: Some(org.clone()),
                ..row.clone()
            };
            part.schools.push(school_record(&row, &mut part.warnings));
        }
        part.usage_counts
            .extend(row.counts.iter().map(|count| UsageCountRecord {
                org: org.clone(),
                count: count.clone(),
            }));
        for (role, file) in row.measures.iter() {
            let file = if connected { file.connected() } else { *file };
            let registry_contingent = registry_school.and_then(|s| *s.contingent.get(role));
            let Some(reconciled) = reconcile(file, registry_contingent) else {
                continue;
            };
            n_from_shares += usize::from(reconciled.from_share);
            if reconciled.share_disagrees {
                disagreeing.push(org.to_string());
            }
            if reconciled.contingent_differs {
                contingent_differs.push(org.to_string());
            }
            part.usage.push(UsageRecord {
                org: org.clone(),
                role,
                counts: reconciled.counts,
                file_contingent: file.contingent,
            });
        }
    }
    if n_from_shares > 0 {
        part.warnings.push(format!(
            "количество активных рассчитано как доля × контингент: {n_from_shares} значений"
        ));
    }
    if !disagreeing.is_empty() {
        part.warnings.push(format!(
            "доли в файле не совпадают с его количествами: {} значений",
            disagreeing.len()
        ));
    }
    if !contingent_differs.is_empty() {
        part.warnings.push(format!(
            "контингент в файле отличается от реестра более чем на {} %: {} значений (использован реестр)",
            CONTINGENT_TOLERANCE * 100.0,
            contingent_differs.len()
        ));
    }
    part.findings.extend(values_finding(
        FindingKind::SharesDisagree,
        platform,
        disagreeing,
    ));
    part.findings.extend(values_finding(
        FindingKind::ContingentDiffers,
        platform,
        contingent_differs,
    ));
    Ok(part)
}

/// A per-user export's counts: every school and role with accounts, the organisations the
/// registry lacks, the users with none, and the findings of the merge.
fn per_user_part(
    store: &Store,
    data: &tsos_ingest::PerUserData,
    platform: Option<&str>,
) -> Result<Part, AppError> {
    let known = store.known_orgs()?;
    let counts = &data.counts;
    let mut part = Part {
        has_confirmed: counts
            .by_org
            .values()
            .any(|roles| roles.iter().any(|(_, c)| c.confirmed.is_some())),
        n_schools: counts.by_org.len(),
        n_users: Some(counts.users),
        unknown: UnknownOrgs {
            without_org: counts.without_org,
            ..UnknownOrgs::of(&counts.by_org, |org| known.contains(org))
        },
        ..Part::of(SnapshotKind::PerUser)
    };
    for (org, roles) in &counts.by_org {
        for (role, role_counts) in roles.iter() {
            if role_counts.registered.unwrap_or(0) > 0 {
                part.usage.push(UsageRecord {
                    org: org.clone(),
                    role,
                    counts: *role_counts,
                    file_contingent: None,
                });
            }
        }
    }
    let unknown = &part.unknown;
    let without_org = unknown.users_without_org();
    if without_org > 0 {
        part.warnings.push(format!(
            "пользователи без организации (ИНН не указан): {} ({}); в показатели ОО не вошли",
            ru::integer(without_org),
            by_role(&unknown.without_org)
        ));
        part.findings.push(Finding {
            kind: FindingKind::WithoutOrganisation,
            platform: platform.map(str::to_string),
            role: None,
            count: without_org,
            orgs: Vec::new(),
        });
    }
    if !unknown.ids.is_empty() {
        part.warnings.push(format!(
            "организации, которых нет в реестре (пользователи учтены как неизвестные): {} ({} польз.): {}",
            unknown.ids.len(),
            unknown.users,
            list_some(unknown.ids.iter().map(ToString::to_string))
        ));
    }
    let ids = |orgs: &std::collections::BTreeMap<OrgId, u64>| {
        orgs.keys().map(ToString::to_string).collect::<Vec<_>>()
    };
    for (kind, count, orgs) in [
        (
            FindingKind::DatesAfterAsOf,
            counts.dates_after_as_of,
            ids(&counts.dates_after_by_org),
        ),
        (
            FindingKind::DuplicatesMerged,
            counts.duplicates_merged,
            ids(&counts.duplicates_by_org),
        ),
    ] {
        if count > 0 {
            part.findings.push(Finding {
                kind,
                platform: platform.map(str::to_string),
                role: None,
                count,
                orgs,
            });
        }
    }
    push(
        &mut part.findings,
        FindingKind::UnknownOrganisations,
        platform,
        None,
        unknown.ids.iter().map(ToString::to_string).collect(),
    );
    Ok(part)
}

/// Saves a prepared import as one snapshot, unless it would replace the current one with far
/// less without `request.replace`, or leave out names that match no school without
/// `request.skip_invalid`. Remembers the matches and the layout a person gave.
pub fn commit_import(
    store: &mut Store,
    prepared: PreparedImport,
    request: &ImportRequest<'_>,
) -> Result<ImportOutcome, AppError> {
    let PreparedImport {
        dataset,
        dataset_name,
        import,
        schools_added,
        unknown,
        n_schools,
        n_users,
        warnings,
        findings,
        replaced,
        unmatched,
        new,
        to_remember,
    } = prepared;
    if !unmatched.is_empty() && !request.skip_invalid {
        return Err(AppError::UnmatchedNames {
            file: import.file_name.clone(),
            names: unmatched,
        });
    }
    if let Some(replacement) = &replaced
        && !replacement.shrinks.is_empty()
        && !request.replace
    {
        return Err(AppError::SuspectReplacement {
            file: import.file_name.clone(),
            replacement: Box::new(replacement.clone()),
        });
    }
    let saved = store.save_snapshot(&new)?;
    for (name_key, place_key, org) in &to_remember {
        store.save_name_match(name_key, place_key, org.as_str())?;
    }
    let kind = new.kind;
    crate::drop_aside(new);
    let profile = remember_layout(store, &import, &dataset)?;
    Ok(ImportOutcome {
        kind,
        dataset,
        dataset_name,
        import,
        saved,
        schools_added,
        unknown,
        n_schools,
        n_users,
        warnings,
        findings,
        replaced,
        profile,
    })
}

/// Marks the saved layout profile a file was read with as used, or saves the mapping a
/// person gave as the profile of its header.
fn remember_layout(
    store: &mut Store,
    import: &Import,
    dataset: &str,
) -> Result<Option<ProfileUse>, AppError> {
    Ok(match &import.mapping {
        Some(Mapping {
            source: MappingSource::Profile(id),
            ..
        }) => {
            store.mark_profile_used(*id)?;
            Some(ProfileUse::Applied(*id))
        }
        Some(mapping) => {
            let codes: Vec<(String, String)> = mapping
                .entries
                .iter()
                .map(|(header, meaning)| (header.clone(), meaning.code()))
                .collect();
            Some(ProfileUse::Saved(store.save_profile(
                &import.header_key,
                dataset,
                &codes,
                &import.file_name,
            )?))
        }
        None => None,
    })
}

/// The saved layout profile of a header, as a mapping to read it with. A profile that cannot
/// be read back (a meaning this version does not know) is not applied: the header is then read
/// by its words, and the import says what it found.
pub fn saved_profile(store: &Store, header_key: &str) -> Option<Mapping> {
    let profile = store.profile_for(header_key).ok().flatten()?;
    let entries = profile
        .mapping
        .iter()
        .map(|(header, code)| Some((header.clone(), Meaning::parse(code).ok()?)))
        .collect::<Option<Vec<_>>>()?;
    Some(Mapping {
        entries,
        source: MappingSource::Profile(profile.id),
    })
}

/// The current snapshot of `new`'s dataset and date, if `new` would replace it, with both
/// measured for [`shrinks`].
fn compare_with_current(
    store: &Store,
    new: &NewSnapshot,
    new_users: Option<u64>,
) -> Result<Option<Replacement>, AppError> {
    let Some(current) = store.current_at(&new.dataset, new.as_of)? else {
        return Ok(None);
    };
    if current.sha256 == new.sha256 {
        return Ok(None);
    }
    let (old, new_extent) = if new.dataset == REGISTRY {
        let extent = |rows, schools| Extent {
            rows,
            schools,
            ..Extent::default()
        };
        (
            extent(current.rows_read, store.schools_in(current.id)?),
            extent(new.rows_read, new.schools.len() as u64),
        )
    } else {
        let registry = store.schools_at(new.as_of)?;
        let old_counts = store.platform_counts(&current)?.by_org;
        let mut new_counts: BTreeMap<OrgId, RoleMap<RoleCounts>> = BTreeMap::new();
        for usage in &new.usage {
            *new_counts
                .entry(usage.org.clone())
                .or_default()
                .get_mut(usage.role) = usage.counts;
        }
        let users = |counts: &BTreeMap<OrgId, RoleMap<RoleCounts>>| -> u64 {
            counts
                .values()
                .flat_map(|roles| roles.iter().filter_map(|(_, c)| c.registered))
                .sum()
        };
        (
            Extent {
                rows: current.rows_read,
                schools: old_counts.len() as u64,
                users: (current.kind == SnapshotKind::PerUser).then(|| users(&old_counts)),
                shares: area_shares(&registry, |id| old_counts.get(id)),
            },
            Extent {
                rows: new.rows_read,
                schools: new_counts.len() as u64,
                users: new_users,
                shares: area_shares(&registry, |id| new_counts.get(id)),
            },
        )
    };
    Ok(Some(Replacement {
        shrinks: shrinks(&old, &new_extent),
        current,
        old,
        new: new_extent,
    }))
}

/// A finding over values (one per school and role), counting values and listing each school
/// once.
fn values_finding(
    kind: FindingKind,
    platform: Option<&str>,
    mut orgs: Vec<String>,
) -> Option<Finding> {
    let count = orgs.len() as u64;
    orgs.dedup();
    (count > 0).then(|| Finding {
        kind,
        platform: platform.map(str::to_string),
        role: None,
        count,
        orgs,
    })
}

/// The rows of a per-school file with their registry schools: by ИНН where the file gives it,
/// else by name (SPEC §5.2).
struct Named<'r> {
    rows: Vec<(OrgId, &'r SchoolRow)>,
    /// Names matched by their words alone, not by a person.
    by_name: usize,
    /// Names a person matched (`--match`), to remember: (name key, place key, school).
    to_remember: Vec<(String, String, OrgId)>,
    /// Left out with `skip_invalid`.
    unmatched: Vec<UnmatchedName>,
}

/// Finds the registry school of each row named without ИНН: the choice a person gives now,
/// else one remembered from an earlier file, else the one school of the registry with that
/// name (in its municipality, where the file gives one). Never a guess: a name that matches
/// none or several stops the import, unless `skip_invalid` leaves it out.
fn resolve_names<'r>(
    store: &Store,
    registry: &[SchoolInfo],
    rows: &'r [SchoolRow],
    request: &ImportRequest<'_>,
    file: &str,
) -> Result<Named<'r>, AppError> {
    let mut named = Named {
        rows: Vec::new(),
        by_name: 0,
        to_remember: Vec::new(),
        unmatched: Vec::new(),
    };
    let schools: std::collections::HashMap<&OrgId, &SchoolInfo> =
        registry.iter().map(|s| (&s.id, s)).collect();
    let mut first_loc: std::collections::HashMap<OrgId, &str> = std::collections::HashMap::new();
    let mut repeated: Vec<String> = Vec::new();
    for row in rows {
        let org = match &row.org {
            Some(org) => org.clone(),
            None => {
                let name = row.name.as_deref().unwrap_or_default();
                let name_key = school_key(name);
                let place = row
                    .municipality
                    .as_deref()
                    .map(place_key)
                    .unwrap_or_default();
                let given = request
                    .name_matches
                    .iter()
                    .find(|(given, _)| school_key(given) == name_key)
                    .map(|(_, org)| org.clone());
                if let Some(org) = given {
                    if !schools.contains_key(&org) {
                        return Err(AppError::MatchNotInRegistry {
                            name: name.to_string(),
                            org: org.to_string(),
                        });
                    }
                    named.to_remember.push((name_key, place, org.clone()));
                    org
                } else if let Some(org) = store.name_match(&name_key, &place)? {
                    OrgId::from_normalized(org)
                } else {
                    match match_school(name, row.municipality.as_deref(), registry) {
                        NameMatch::One(org) => {
                            named.by_name += 1;
                            org
                        }
                        found => {
                            let (several, ids) = match found {
                                NameMatch::Several(ids) => (true, ids),
                                NameMatch::None { nearest } => (false, nearest),
                                NameMatch::One(_) => unreachable!("handled above"),
                            };
                            named.unmatched.push(UnmatchedName {
                                loc: row.loc.clone(),
                                name: name.to_string(),
                                municipality: row.municipality.clone(),
                                several,
                                candidates: ids
                                    .into_iter()
                                    .filter_map(|id| schools.get(&id).copied())
                                    .map(|s| (s.id.clone(), s.name.clone(), s.municipality.clone()))
                                    .collect(),
                            });
                            continue;
                        }
                    }
                }
            }
        };
        if let Some(first) = first_loc.get(&org) {
            repeated.push(format!("{}: ОО {org} уже была в {first}", row.loc));
            continue;
        }
        first_loc.insert(org.clone(), &row.loc);
        named.rows.push((org, row));
    }
    if !repeated.is_empty() && !request.skip_invalid {
        return Err(AppError::RepeatedSchools {
            file: file.to_string(),
            repeats: repeated,
        });
    }
    Ok(named)
}

fn school_record(row: &SchoolRow, warnings: &mut Vec<String>) -> SchoolRecord {
    let org = row.org.clone().expect("a school record has its ИНН");
    let mut contingent = RoleMap::default();
    for role in Role::ALL {
        *contingent.get_mut(role) = row.measures.get(role).contingent;
    }
    let name = row.name.clone().unwrap_or_else(|| {
        warnings.push(format!("{}: нет наименования ОО", row.loc));
        format!("ОО {org}")
    });
    SchoolRecord {
        org,
        name,
        municipality: row
            .municipality
            .clone()
            .unwrap_or_else(|| "(муниципалитет не указан)".to_string()),
        region: row
            .region
            .clone()
            .unwrap_or_else(|| "(регион не указан)".to_string()),
        contingent,
        email: row.email.clone(),
    }
}

/// «педагоги 2, обучающиеся 5»: the roles that have any.
pub fn by_role(counts: &RoleMap<u64>) -> String {
    counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(role, n)| format!("{} {}", role.title_ru(), ru::integer(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_some(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    let shown: Vec<&str> = items.iter().take(10).map(String::as_str).collect();
    let more = items.len().saturating_sub(shown.len());
    let mut text = shown.join(", ");
    if more > 0 {
        text.push_str(&format!(" и еще {more}"));
    }
    text
}
