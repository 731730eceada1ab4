//! Ingestion: from a file someone sent to the values of the domain.
//!
//! The principal function is [`read_export`]: it opens a CSV or a workbook ([`source`]),
//! finds the header row among title lines and recognises the columns by their words
//! ([`header`]), takes the as-of date from `--as-of` or a title line ([`title`]), then reads
//! every data row ([`values`]) into either per-user counts (through the domain's
//! [`tsos_domain::UserAggregate`]) or per-school rows.
//!
//! Architecture invariant: ingestion never panics on input and never touches storage. Every
//! problem with a row is a [`RowError`] that names the file, line (or sheet and cell), column
//! and reason; title lines, blank lines and totals rows are skipped and counted.

pub mod chats;
pub mod error;
mod fast;
pub mod flow_key;
pub mod header;
mod partition;
mod rejections;
pub mod row;
mod scan;
pub mod search;
pub mod source;
pub mod title;
pub mod values;

use rejections::Rejections;
use values::Spellings;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use jiff::civil::Date;
use sha2::{Digest, Sha256};
use tsos_domain::reconcile::FileFigures;
use tsos_domain::{OrgId, PerUserCounts, Platform, Role, RoleMap, SchoolCount};

pub use error::{IngestError, RowError, RowErrorKind, RowLoc};
pub use flow_key::FlowKey;
pub use header::{Column, Header, SchoolFigure};
pub use source::{Cell, Format, Next, Row, Source};

/// What a file is imported as.
#[derive(Clone, Copy, Debug)]
pub enum Dataset<'a> {
    Registry,
    Platform(&'a Platform),
}

#[derive(Clone, Copy)]
pub struct ReadOptions<'a> {
    pub dataset: Dataset<'a>,
    /// `--as-of`; wins over a title line.
    pub as_of: Option<Date>,
    /// Store the valid rows and count the rejected ones instead of failing.
    pub skip_invalid: bool,
    /// The sheet of a workbook; the first one by default.
    pub sheet: Option<&'a str>,
    /// Let large per-user CSV files take the fast path (`fast`); the tests turn it off to
    /// compare both paths.
    pub fast: bool,
    /// Called now and then with the bytes and rows read so far.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Meanings a person gave to columns (`--map`); they win over the words tsos knows.
    pub mapping: Option<&'a header::Mapping>,
    /// Saved mappings by [`header::header_key`], for a header no `mapping` is given for.
    pub profiles: Option<&'a SavedProfiles<'a>>,
    /// Keep the texts of this many first data rows in [`Import::sample`] (0: none), for a
    /// preview that shows the file as it was read without reading it twice.
    pub sample: usize,
    /// Where flows are kept (SPEC §7): hash the ids of a per-user file's active users with
    /// this key into [`PerUserCounts::active_hashes`](tsos_domain::PerUserCounts).
    pub flow_key: Option<&'a FlowKey>,
}

/// The first data rows of a file as read, for a preview: each row's location and its cells'
/// texts, the ФИО column blanked out (personal data is not shown).
pub type Sample = Vec<(RowLoc, Vec<String>)>;

/// A row's texts for a [`Sample`].
fn sample_texts(cells: &[Cell], header: &Header) -> Vec<String> {
    let full_name = header.find(Column::FullName).map(|(idx, _)| idx);
    cells
        .iter()
        .enumerate()
        .map(|(idx, cell)| {
            if Some(idx) == full_name && !cell.is_empty() {
                "—".to_string()
            } else {
                cell.to_text()
            }
        })
        .collect()
}

/// Looks up the layout profile saved for a header key ([`header::header_key`]).
pub type SavedProfiles<'a> = dyn Fn(&str) -> Option<header::Mapping> + 'a;

/// Counts of what was read, for the lineage of a snapshot (SPEC §5.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowStats {
    /// Every row of the file, header and title lines included.
    pub read: u64,
    pub title: u64,
    pub blank: u64,
    pub totals: u64,
    /// Data rows taken into the snapshot.
    pub accepted: u64,
    /// Rejected rows by kind (only with `skip_invalid`; otherwise the import fails).
    pub rejected: BTreeMap<RowErrorKind, u64>,
}

impl RowStats {
    /// Rejected rows by the title of their kind, as a snapshot's lineage keeps them.
    pub fn rejected_by_title(&self) -> BTreeMap<String, u64> {
        self.rejected
            .iter()
            .map(|(kind, n)| (kind.title_ru().to_string(), *n))
            .collect()
    }

    pub fn skipped(&self) -> u64 {
        self.title + self.blank + self.totals
    }

    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// A per-user export, reduced to counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PerUserData {
    pub counts: PerUserCounts,
    /// Rows of roles tsos does not count (administrators…).
    pub other_roles: u64,
    /// Rows whose confirmation cell was empty (counted as not confirmed).
    pub empty_confirmed: u64,
    /// Rows without a user id (each counted as its own user).
    pub missing_ids: u64,
}

/// One row of a per-school export or of a registry.
#[derive(Clone, Debug, PartialEq)]
pub struct SchoolRow {
    /// `None` where the file names its schools without ИНН: the name (and municipality) is
    /// then matched to the registry by the importer.
    pub org: Option<OrgId>,
    pub name: Option<String>,
    pub municipality: Option<String>,
    pub region: Option<String>,
    /// The school's e-mail addresses, `, `-separated, where the file has a column of them and
    /// the cell holds good ones; a malformed cell is a warning, not an invalid row.
    pub email: Option<String>,
    pub measures: RoleMap<FileFigures>,
    /// Counts of use (lessons, marks…), in the file's column order; an empty cell gives none.
    pub counts: Vec<SchoolCount>,
    /// Where the row is, for findings: `file.csv:12`.
    pub loc: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    PerUser(PerUserData),
    PerSchool(Vec<SchoolRow>),
}

/// A file read in full.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub file_name: String,
    pub sha256: String,
    pub format: Format,
    pub as_of: Date,
    /// The date a title line gave, if any.
    pub title_date: Option<Date>,
    /// Recognised columns: (header text, meaning in Russian).
    pub columns: Vec<(String, String)>,
    pub content: Content,
    pub stats: RowStats,
    pub warnings: Vec<String>,
    /// With `skip_invalid`: the first rejected rows, for the summary.
    pub rejected_examples: Vec<RowError>,
    /// Whether the fast path for large per-user CSV files read it.
    pub fast_path: bool,
    /// The header's key for saved layout profiles ([`header::header_key`]).
    pub header_key: String,
    /// The meanings a person gave to columns that the reading applied (`--map` or a saved
    /// profile).
    pub mapping: Option<header::Mapping>,
    /// The first data rows, as [`ReadOptions::sample`] asked.
    pub sample: Sample,
    /// How every column of the header was read, and why.
    pub readings: Vec<header::Reading>,
}

/// One good row of a per-user export, as handed to [`visit_users`].
#[derive(Debug)]
pub struct UserRow<'r> {
    /// `None` where the row names no organisation, and for a row of another role
    /// (administrator…), whose cells are not checked (`role` is then `None`).
    pub org: Option<OrgId>,
    pub role: Option<Role>,
    pub user_id: Option<String>,
    /// `None` where the cell was empty or the file has no such column.
    pub confirmed: Option<bool>,
    pub last: Option<Date>,
    /// The ФИО cell, where the file has one.
    pub full_name: Option<&'r Cell>,
    pub loc: &'r RowLoc,
}

/// Malformed e-mail addresses named one by one in the warnings, as invalid rows are.
const MAX_EMAIL_WARNINGS: usize = 20;

/// Rows between two calls of the progress callback on the general path.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Reads `path` whole, as `options` says. Either the whole file is good (or, with
/// `skip_invalid`, its good rows are kept), or an error says what is wrong and where.
pub fn read_export(path: &Path, options: &ReadOptions<'_>) -> Result<Import, IngestError> {
    let Opened {
        mut source,
        header,
        header_line,
        mut stats,
        title_date,
        as_of,
        mut warnings,
    } = open_export(path, options)?;
    let file = source.file.clone();
    let fast = try_fast(
        path,
        options,
        &source,
        &header,
        header_line,
        as_of,
        &mut stats,
    )?;
    let fast_path = fast.is_some();
    let (content, sha256, stats, rejected_examples, sample) = match fast {
        Some(Fast {
            content,
            sha256,
            rejected_examples,
            sample,
        }) => {
            if let Content::PerUser(data) = &content {
                per_user_warnings(data, header.has(Column::UserId), as_of, &mut warnings);
            }
            (content, sha256, stats, rejected_examples, sample)
        }
        None => {
            let sha256 = file_sha256(path)?;
            let mut reader = RowReader::new(&file, &header, stats, options);
            let content = match options.dataset {
                Dataset::Platform(platform) if header.has(Column::Role) => Content::PerUser(
                    reader.per_user(&mut source, platform, as_of, &mut warnings)?,
                ),
                // Active users or their share, or (a confirmation export) registered and
                // confirmed accounts, or counts of use: a contingent alone is a registry, not
                // usage.
                Dataset::Platform(_)
                    if header
                        .measures()
                        .any(|(_, _, _, m)| m != SchoolFigure::Contingent)
                        || header.counts().next().is_some() =>
                {
                    Content::PerSchool(reader.per_school(&mut source, &mut warnings)?)
                }
                Dataset::Registry
                    if header.has(Column::Name) || header.measures().next().is_some() =>
                {
                    Content::PerSchool(reader.per_school(&mut source, &mut warnings)?)
                }
                dataset => return Err(missing_columns(&file, &header, dataset, None)),
            };
            let settled = reader.rejections.settle(&file, options.skip_invalid)?;
            let mut stats = reader.stats;
            stats.rejected = settled.by_kind;
            (content, sha256, stats, settled.examples, reader.sample)
        }
    };
    // Whichever path read the file: a header and nothing under it is no export.
    if stats.accepted == 0 && stats.rejected_total() == 0 {
        return Err(IngestError::NoRows { file });
    }
    Ok(Import {
        file_name: file,
        sha256,
        format: source.format.clone(),
        as_of,
        title_date,
        columns: describe_columns(&header),
        content,
        stats,
        warnings,
        rejected_examples,
        fast_path,
        header_key: header.key.clone(),
        mapping: header.mapping.clone(),
        sample,
        readings: header.readings.clone(),
    })
}

fn describe_columns(header: &Header) -> Vec<(String, String)> {
    header
        .columns
        .iter()
        .map(|(_, text, column)| (text.clone(), column.describe_ru()))
        .collect()
}

/// The fast path for a per-user CSV (see [`fast`]), or `None` where it does not apply or
/// declines; `stats` is completed only when it reads the file.
fn try_fast(
    path: &Path,
    options: &ReadOptions<'_>,
    source: &Source,
    header: &Header,
    header_line: u64,
    as_of: Date,
    stats: &mut RowStats,
) -> Result<Option<Fast>, IngestError> {
    let Dataset::Platform(platform) = options.dataset else {
        return Ok(None);
    };
    let Format::Csv {
        encoding,
        delimiter,
        bom,
    } = source.format
    else {
        return Ok(None);
    };
    // Without its columns the general path says what is missing.
    let Ok(columns) = header.user_columns(&platform.rule) else {
        return Ok(None);
    };
    if !options.fast || !source.is_plain_csv() {
        return Ok(None);
    }
    let input = fast::FastInput {
        path,
        file: &source.file,
        encoding: encoding_rs::Encoding::for_label(encoding.as_bytes())
            .unwrap_or(encoding_rs::UTF_8),
        delimiter,
        bom,
        header_line,
        header,
        columns,
        tally: tsos_domain::Tally::new(&platform.rule, as_of, columns.confirmed.is_some()),
        progress: options.progress,
        sample: options.sample,
        flow_key: options.flow_key,
    };
    let Some(output) = fast::per_user(&input).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?
    else {
        return Ok(None);
    };
    let settled = output
        .rejections
        .settle(&source.file, options.skip_invalid)?;
    stats.read += output.stats.read;
    stats.blank += output.stats.blank;
    stats.totals += output.stats.totals;
    stats.accepted += output.stats.accepted;
    stats.rejected = settled.by_kind;
    Ok(Some(Fast {
        content: Content::PerUser(output.data),
        sha256: output.sha256,
        rejected_examples: settled.examples,
        sample: output.sample,
    }))
}

/// What the fast path read.
struct Fast {
    content: Content,
    sha256: String,
    rejected_examples: Vec<RowError>,
    sample: Sample,
}

/// Reads a per-user export row by row without keeping anything: every good row goes to
/// `visit`. Invalid rows fail the whole read unless `options.skip_invalid`. Returns the
/// as-of date (from the options or the title line).
pub fn visit_users(
    path: &Path,
    options: &ReadOptions<'_>,
    visit: &mut dyn FnMut(UserRow<'_>),
) -> Result<Date, IngestError> {
    let Dataset::Platform(platform) = options.dataset else {
        return Err(IngestError::NotPerUser {
            file: source::display_name(path),
        });
    };
    let Opened {
        mut source,
        header,
        stats,
        as_of,
        ..
    } = open_export(path, options)?;
    if !header.has(Column::Role) {
        return Err(IngestError::NotPerUser { file: source.file });
    }
    let file = source.file.clone();
    let options = ReadOptions {
        sample: 0,
        ..*options
    };
    let mut reader = RowReader::new(&file, &header, stats, &options);
    reader.user_rows(&mut source, platform, visit)?;
    reader.rejections.settle(&file, options.skip_invalid)?;
    Ok(as_of)
}

/// A file with its header found and its date known, ready for its data rows.
struct Opened {
    source: Source,
    header: Header,
    /// The physical line (CSV) or row (sheet) of the header.
    header_line: u64,
    stats: RowStats,
    title_date: Option<Date>,
    as_of: Date,
    warnings: Vec<String>,
}

fn open_export(path: &Path, options: &ReadOptions<'_>) -> Result<Opened, IngestError> {
    let mut source = Source::open(path, options.sheet)?;
    let file = source.file.clone();
    let mut stats = RowStats::default();

    let given = options.mapping.filter(|m| !m.is_empty());
    let (header, header_line, title_date) =
        match search::find_header(&mut source, &mut stats, |row| {
            let saved = match given {
                Some(_) => None,
                None => options
                    .profiles
                    .and_then(|profiles| profiles(&header::header_key(row))),
            };
            Some(Header::read(row, given.or(saved.as_ref()))).filter(Header::is_plausible)
        })? {
            search::Search::Found {
                header,
                line,
                title_date,
            } => (header, line, title_date),
            search::Search::Empty => return Err(IngestError::Empty { file }),
            search::Search::NotFound(rows) => return Err(no_header(&file, &rows, options.dataset)),
        };
    check_layout(&file, &header)?;
    let as_of = options
        .as_of
        .or(title_date)
        .ok_or_else(|| IngestError::NoDate { file: file.clone() })?;
    let mut warnings = Vec::new();
    if let (Some(given), Some(titled)) = (options.as_of, title_date)
        && given != titled
    {
        warnings.push(format!(
            "дата в заголовке файла {} отличается от указанной --as-of {}; использована {}",
            tsos_domain::format_date_ru(titled),
            tsos_domain::format_date_ru(given),
            tsos_domain::format_date_ru(given)
        ));
    }
    Ok(Opened {
        source,
        header,
        header_line,
        stats,
        title_date,
        as_of,
        warnings,
    })
}

pub fn file_sha256(path: &Path) -> Result<String, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The general path: reads the data rows under a header one by one, from any source.
struct RowReader<'h> {
    file: String,
    progress: Option<&'h (dyn Fn(u64, u64) + Sync)>,
    header: &'h Header,
    stats: RowStats,
    rejections: Rejections,
    /// How many first data rows to keep in `sample`.
    wanted_sample: usize,
    sample: Sample,
    flow_key: Option<&'h FlowKey>,
}

/// The outcome of one data row.
enum RowKind {
    Blank,
    Totals,
    /// Unreadable (a quote left open, a line too long): rejected.
    Defective,
    Data,
}

impl<'h> RowReader<'h> {
    fn new(
        file: &str,
        header: &'h Header,
        stats: RowStats,
        options: &ReadOptions<'h>,
    ) -> RowReader<'h> {
        RowReader {
            file: file.to_string(),
            progress: options.progress,
            header,
            stats,
            rejections: Rejections::default(),
            wanted_sample: options.sample,
            sample: Vec::new(),
            flow_key: options.flow_key,
        }
    }

    fn classify(&mut self, row: &Row, org_idx: usize) -> RowKind {
        if let Some(defect) = &row.defect {
            let idx = defect.column_idx.unwrap_or(0);
            let header = defect_header(self.header, defect);
            let invalid = values::Invalid {
                kind: defect.kind,
                reason: defect.reason.clone(),
            };
            self.reject(row, idx, &header, invalid);
            return RowKind::Defective;
        }
        if row.is_blank() {
            self.stats.blank += 1;
            return RowKind::Blank;
        }
        if is_totals(row, org_idx) {
            self.stats.totals += 1;
            return RowKind::Totals;
        }
        RowKind::Data
    }

    fn reject(&mut self, row: &Row, column_idx: usize, header: &str, invalid: values::Invalid) {
        self.rejections.add(invalid.kind, || RowError {
            file: self.file.clone(),
            loc: row.loc.clone(),
            column_idx,
            header: header.to_string(),
            reason: invalid.reason,
            kind: invalid.kind,
        });
    }

    fn next_data_row(
        &mut self,
        source: &mut Source,
        org_idx: usize,
    ) -> Result<Option<Row>, IngestError> {
        while let Some(next) = source.next_rows()? {
            let (n, row) = match next {
                Next::Row(row) => (1, Some(row)),
                Next::Blank(n) => (n, None),
            };
            let before = self.stats.read;
            self.stats.read += n;
            if before / PROGRESS_EVERY != self.stats.read / PROGRESS_EVERY
                && let Some(progress) = self.progress
            {
                progress(source.bytes_read(), self.stats.read);
            }
            let Some(row) = row else {
                self.stats.blank += n;
                continue;
            };
            match self.classify(&row, org_idx) {
                RowKind::Blank | RowKind::Totals | RowKind::Defective => continue,
                RowKind::Data => {
                    if self.sample.len() < self.wanted_sample {
                        self.sample
                            .push((row.loc.clone(), sample_texts(&row.cells, self.header)));
                    }
                    return Ok(Some(row));
                }
            }
        }
        Ok(None)
    }

    /// Reads every per-user row, validating it, and hands the good ones to `visit`.
    fn user_rows(
        &mut self,
        source: &mut Source,
        platform: &Platform,
        visit: &mut dyn FnMut(UserRow<'_>),
    ) -> Result<(), IngestError> {
        let header = self.header;
        let columns = header.user_columns(&platform.rule).map_err(|missing| {
            missing_columns(
                &self.file,
                header,
                Dataset::Platform(platform),
                Some(&missing),
            )
        })?;
        let (org_idx, role_idx, date_idx) = (columns.org, columns.role, columns.last);
        let org_header = header.title_of(org_idx);
        let date_header = date_idx.map(|idx| header.title_of(idx));
        let confirmed_col = columns.confirmed.map(|idx| (idx, header.title_of(idx)));
        let name_idx = header.find(Column::FullName).map(|(idx, _)| idx);
        // A file spells its roles a handful of ways: each is recognised once, not per row.
        let mut roles: Spellings<Option<Role>> = Spellings::default();
        let mut confirmations: Spellings<Option<bool>> = Spellings::default();
        while let Some(row) = self.next_data_row(source, org_idx)? {
            let role = match row.cell(role_idx) {
                Cell::Text(text) => {
                    let text = text.trim();
                    roles.find(text.as_bytes()).unwrap_or_else(|| {
                        let role = Role::from_label(text);
                        roles.remember(text.as_bytes(), role);
                        role
                    })
                }
                other => Role::from_label(&other.to_text()),
            };
            if role.is_none() {
                // Other roles are counted, not checked: their rows do not enter any figure.
                visit(UserRow {
                    org: None,
                    role,
                    user_id: None,
                    confirmed: None,
                    last: None,
                    full_name: None,
                    loc: &row.loc,
                });
                self.stats.accepted += 1;
                continue;
            }
            let org = values::org_or_none(row.cell(org_idx));
            let confirmed = confirmed_col.as_ref().map(|(idx, text)| {
                let cell = row.cell(*idx);
                let value = match cell {
                    // Only a valid spelling is kept: an invalid one is reported on every row.
                    Cell::Text(spelling) => match confirmations.find(spelling.as_bytes()) {
                        Some(known) => Ok(known),
                        None => values::confirmed(cell).inspect(|value| {
                            confirmations.remember(spelling.as_bytes(), *value);
                        }),
                    },
                    _ => values::confirmed(cell),
                };
                (*idx, text, value)
            });
            let last = date_idx.map_or(Ok(None), |idx| values::last_date(row.cell(idx)));
            let mut ok = true;
            if let Err(invalid) = &org {
                self.reject(&row, org_idx, &org_header, invalid.clone());
                ok = false;
            }
            if let Some((idx, text, Err(invalid))) = &confirmed {
                self.reject(&row, *idx, text, invalid.clone());
                ok = false;
            }
            if let (Err(invalid), Some(idx), Some(text)) = (&last, date_idx, &date_header) {
                self.reject(&row, idx, text, invalid.clone());
                ok = false;
            }
            let (Ok(org), Ok(last), true) = (org, last, ok) else {
                continue;
            };
            visit(UserRow {
                org,
                role,
                user_id: columns
                    .id
                    .map(|idx| row.cell(idx).to_text())
                    .filter(|id| !id.is_empty()),
                confirmed: match confirmed {
                    Some((_, _, Ok(value))) => value,
                    _ => None,
                },
                last,
                full_name: name_idx.map(|idx| row.cell(idx)),
                loc: &row.loc,
            });
            self.stats.accepted += 1;
        }
        Ok(())
    }

    fn per_user(
        &mut self,
        source: &mut Source,
        platform: &Platform,
        as_of: Date,
        warnings: &mut Vec<String>,
    ) -> Result<PerUserData, IngestError> {
        let has_confirmed = self.header.has(Column::Confirmed);
        let has_id = self.header.has(Column::UserId);
        // Users are grouped by organisation through partitions that spill to disk, as on the
        // fast path: memory does not grow with the file, whatever its order.
        let partitions = partition::Partitions::new();
        let mut local = partitions.local();
        let mut data = PerUserData::default();
        let mut failed: Option<std::io::Error> = None;
        self.user_rows(source, platform, &mut |row| {
            let Some(role) = row.role else {
                data.other_roles += 1;
                return;
            };
            if has_confirmed && row.confirmed.is_none() {
                data.empty_confirmed += 1;
            }
            if has_id && row.user_id.is_none() {
                data.missing_ids += 1;
            }
            let org = row
                .org
                .as_ref()
                .map_or(partition::OrgKey::NONE, |org| partitions.orgs.key(org));
            let id = match &row.user_id {
                Some(id) => partition::UserId::of(id.as_bytes()),
                None => partition::UserId::None,
            };
            let state = tsos_domain::UserState {
                confirmed: row.confirmed.unwrap_or(false),
                last: row.last,
            };
            if failed.is_none()
                && let Err(err) = local.add(org, role, id, state)
            {
                failed = Some(err);
            }
        })?;
        let io = |source| IngestError::Io {
            path: self.file.clone().into(),
            source,
        };
        if let Some(err) = failed {
            return Err(io(err));
        }
        local.flush().map_err(io)?;
        drop(local);
        let tally = tsos_domain::Tally::new(&platform.rule, as_of, has_confirmed);
        data.counts = partitions
            .finish(&tally, self.flow_key, workers())
            .map_err(io)?;
        per_user_warnings(&data, has_id, as_of, warnings);
        Ok(data)
    }

    fn per_school(
        &mut self,
        source: &mut Source,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<SchoolRow>, IngestError> {
        let header = self.header;
        // A file without ИНН names its schools: the name column then keys the rows.
        let org_col = header.find(Column::Org);
        let (key_idx, _) = org_col
            .or_else(|| header.find(Column::Name))
            .expect("a plausible header has an organisation or a name");
        let text_col = |column| header.find(column).map(|(idx, _)| idx);
        let (name_idx, municipality_idx, region_idx) = (
            text_col(Column::Name),
            text_col(Column::Municipality),
            text_col(Column::Region),
        );
        let email_col = header.find(Column::Email);
        let measures: Vec<(usize, String, Role, SchoolFigure)> = header
            .measures()
            .map(|(idx, text, role, measure)| (idx, text.to_string(), role, measure))
            .collect();
        let counts: Vec<(usize, String, String)> = header
            .counts()
            .map(|(idx, text, name)| (idx, text.to_string(), name))
            .collect();
        let mut bad_emails = 0;
        let mut rows: Vec<SchoolRow> = Vec::new();
        let mut seen: HashMap<OrgId, String> = HashMap::new();
        while let Some(row) = self.next_data_row(source, key_idx)? {
            let loc = row.loc.describe(&self.file, key_idx);
            let org = match org_col {
                None => None,
                Some((org_idx, org_header)) => {
                    let org = match values::org_id(row.cell(org_idx)) {
                        Ok(org) => org,
                        Err(invalid) => {
                            self.reject(&row, org_idx, org_header, invalid);
                            continue;
                        }
                    };
                    if let Some(first) = seen.get(&org) {
                        let invalid = values::Invalid::new(
                            RowErrorKind::RepeatedInn,
                            format!("ИНН {org} уже был в {first}"),
                        );
                        self.reject(&row, org_idx, org_header, invalid);
                        continue;
                    }
                    Some(org)
                }
            };
            let mut school = SchoolRow {
                org: org.clone(),
                name: name_idx
                    .map(|idx| row.cell(idx).to_text())
                    .filter(|t| !t.is_empty()),
                municipality: municipality_idx
                    .map(|idx| row.cell(idx).to_text())
                    .filter(|t| !t.is_empty()),
                region: region_idx
                    .map(|idx| row.cell(idx).to_text())
                    .filter(|t| !t.is_empty()),
                email: None,
                measures: RoleMap::default(),
                counts: Vec::new(),
                loc: loc.clone(),
            };
            let mut ok = true;
            for (idx, text, role, measure) in &measures {
                let slot = school.measures.get_mut(*role);
                let cell = row.cell(*idx);
                let parsed = match measure {
                    SchoolFigure::Share => {
                        values::share(cell, text.contains('%')).map(|v| slot.share = v)
                    }
                    SchoolFigure::Active => values::count(cell).map(|v| slot.active = v),
                    SchoolFigure::Confirmed => values::count(cell).map(|v| slot.confirmed = v),
                    SchoolFigure::Registered => values::count(cell).map(|v| slot.registered = v),
                    SchoolFigure::Contingent => values::count(cell).map(|v| slot.contingent = v),
                };
                if let Err(invalid) = parsed {
                    self.reject(&row, *idx, text, invalid);
                    ok = false;
                }
            }
            for (idx, text, name) in &counts {
                match values::count(row.cell(*idx)) {
                    Ok(Some(value)) => school.counts.push(SchoolCount {
                        name: name.clone(),
                        header: text.clone(),
                        value,
                    }),
                    Ok(None) => {}
                    Err(invalid) => {
                        self.reject(&row, *idx, text, invalid);
                        ok = false;
                    }
                }
            }
            if ok && let Some((idx, email_header)) = email_col {
                // An address is no figure: a typo in one must not cost the school its
                // contingent, so the school is kept without it and the warning says where.
                match tsos_domain::email::parse_addresses(&row.cell(idx).to_text()) {
                    Ok(addresses) if addresses.is_empty() => {}
                    Ok(addresses) => school.email = Some(addresses.join(", ")),
                    Err(reason) => {
                        bad_emails += 1;
                        if bad_emails <= MAX_EMAIL_WARNINGS {
                            warnings.push(format!(
                                "{}: column «{email_header}»: не адрес электронной почты: {reason}; школа сохранена без адреса",
                                row.loc.describe(&self.file, idx)
                            ));
                        }
                    }
                }
            }
            if ok {
                if let Some(org) = org {
                    seen.insert(org, loc);
                }
                rows.push(school);
                self.stats.accepted += 1;
            }
        }
        let shares_only = Role::ALL.iter().any(|&role| {
            measures
                .iter()
                .any(|(_, _, r, m)| *r == role && *m == SchoolFigure::Share)
                && !measures
                    .iter()
                    .any(|(_, _, r, m)| *r == role && *m == SchoolFigure::Active)
        });
        if bad_emails > MAX_EMAIL_WARNINGS {
            warnings.push(format!(
                "…и еще строк с неверным адресом электронной почты: {}",
                bad_emails - MAX_EMAIL_WARNINGS
            ));
        }
        if shares_only {
            warnings.push(
                "в файле есть доли без количества активных: количество активных рассчитано как доля × контингент".into(),
            );
        }
        Ok(rows)
    }
}

/// A totals row («Итого», «Всего») rather than an organisation's: a text cell says so, and
/// the organisation cell holds no id with a digit.
fn is_totals(row: &Row, org_idx: usize) -> bool {
    // The organisation first: a row with an id is no totals row, and most rows have one.
    let org_has_digit = match row.cell(org_idx) {
        Cell::Number(n) => n.fract() == 0.0 && *n >= 0.0,
        Cell::Text(text) => text.bytes().any(|b| b.is_ascii_digit()),
        _ => false,
    };
    !org_has_digit
        && row.cells.iter().any(|cell| match cell {
            // Only a text whose first letter could begin «итого» or «всего» is normalised.
            Cell::Text(text)
                if matches!(
                    text.chars().find(|c| c.is_alphanumeric()),
                    Some('и' | 'И' | 'в' | 'В')
                ) =>
            {
                let norm = header::normalize(text);
                norm.starts_with("итого") || norm.starts_with("всего") || norm == "итог"
            }
            _ => false,
        })
}

/// How a row error names the column of a defect: its header, or the whole line.
fn defect_header(header: &Header, defect: &source::Defect) -> String {
    match defect.column_idx {
        Some(idx) => header.text_of(idx),
        None => "(вся строка)".to_string(),
    }
}

/// Threads for the work that runs on every core.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// What an import of per-user rows says about them, whichever path read them.
fn per_user_warnings(data: &PerUserData, has_id: bool, as_of: Date, warnings: &mut Vec<String>) {
    if !has_id {
        warnings.push(
            "нет столбца с идентификатором пользователя: каждая строка считается отдельным пользователем, повторы не объединяются".into(),
        );
    }
    let notes = [
        (
            data.other_roles,
            "строк с другими ролями (администраторы и т. п.), не учитываются".to_string(),
        ),
        (
            data.empty_confirmed,
            "строк с пустым признаком подтверждения УЗ (считаются неподтвержденными)".to_string(),
        ),
        (
            data.missing_ids,
            "строк без идентификатора пользователя (каждая считается отдельным пользователем)"
                .to_string(),
        ),
        (
            data.counts.duplicates_merged,
            "повторяющихся строк одного пользователя объединено".to_string(),
        ),
        (
            data.counts.dates_after_as_of,
            format!(
                "пользователей с датой активности позже отчетной даты {} (учтены как активные)",
                tsos_domain::format_date_ru(as_of)
            ),
        ),
    ];
    for (n, text) in notes {
        if n > 0 {
            warnings.push(format!("{text}: {n}"));
        }
    }
}

fn expected_columns(dataset: Dataset<'_>) -> String {
    match dataset {
        Dataset::Registry => "«ИНН», «Полное наименование ОО», «Муниципальное образование», «Субъект РФ», «Численность педагогических работников», «Численность обучающихся»".into(),
        Dataset::Platform(platform) => {
            let confirmed = if platform.rule.requires_confirmed { ", «Подтвержденная УЗ»" } else { "" };
            format!(
                "по пользователям — «ID пользователя», «Роль», «ИНН ОО»{confirmed}, «Дата последней авторизации»; \
                 или по школам — «ИНН», «Количество активных педагогов», «Численность педагогов» и т. п."
            )
        }
    }
}

fn missing_columns(
    file: &str,
    header: &Header,
    dataset: Dataset<'_>,
    missing: Option<&[Column]>,
) -> IngestError {
    let (missing, code) = match missing {
        Some(columns) => (
            columns.iter().map(|c| c.describe_ru()).collect(),
            columns
                .first()
                .map_or("organisation".to_string(), |c| header::Meaning::Column(*c).code()),
        ),
        None => match dataset {
            Dataset::Registry => (
                vec!["наименование ОО или контингент".to_string()],
                "name".to_string(),
            ),
            Dataset::Platform(_) => (
                vec!["роль (для выгрузки по пользователям) или количество/доля активных (для выгрузки по школам)".to_string()],
                "active:teachers".to_string(),
            ),
        },
    };
    IngestError::MissingColumns {
        file: file.to_string(),
        missing,
        readings: header.readings.clone(),
        expected: expected_columns(dataset),
        fix: map_example(header, &code),
    }
}

/// `--map "ЗАГОЛОВОК=code"` with a header of the file that tsos did not use, if any.
fn map_example(header: &Header, code: &str) -> String {
    let unused = header
        .readings
        .iter()
        .find(|r| r.column.is_none())
        .map_or("ЗАГОЛОВОК", |r| r.text.as_str());
    format!("--map \"{unused}={code}\"")
}

/// Stops an import whose header a person must read first: columns read alike where one is
/// expected, or a `--map` that names no column of the file.
fn check_layout(file: &str, header: &Header) -> Result<(), IngestError> {
    if let Some(mapping) = &header.mapping {
        let texts: Vec<String> = header
            .readings
            .iter()
            .map(|r| header::normalize(&r.text))
            .collect();
        if let Some((given, _)) = mapping
            .entries
            .iter()
            .find(|(given, _)| !texts.contains(&header::normalize(given)))
        {
            return Err(IngestError::Layout {
                file: file.to_string(),
                problem: format!("в заголовке нет столбца «{given}», названного в разметке"),
                readings: header.readings.clone(),
                fix: "--map \"ЗАГОЛОВОК=СМЫСЛ\" с заголовком, как он написан в файле".to_string(),
            });
        }
    }
    if let Some((column, readings)) = header.repeats().into_iter().next() {
        let names: Vec<String> = readings.iter().map(|r| format!("«{}»", r.text)).collect();
        let others: Vec<String> = readings[1..]
            .iter()
            .map(|r| format!("--map \"{}=ignore\"", r.text))
            .collect();
        return Err(IngestError::Layout {
            file: file.to_string(),
            problem: format!(
                "столбцы {} прочитаны одинаково — {}: какой из них верный, неизвестно",
                names.join(" и "),
                column.describe_ru()
            ),
            readings: header.readings.clone(),
            fix: format!(
                "{} (оставить первый) или --map \"ЗАГОЛОВОК=СМЫСЛ\" для каждого",
                others.join(" ")
            ),
        });
    }
    Ok(())
}

fn no_header(file: &str, rows: &[Row], dataset: Dataset<'_>) -> IngestError {
    let best = rows
        .iter()
        .map(|row| (Header::from_row(row), row))
        .filter(|(header, _)| !header.all.is_empty())
        .max_by_key(|(header, row)| (header.columns.len(), std::cmp::Reverse(row.loc.number())));
    // What the best row lacks to be a header: an organisation first, then what it counts.
    let fix = best.as_ref().map(|(header, _)| {
        let code = if !header.has(Column::Org) && !header.has(Column::Name) {
            "organisation"
        } else {
            match dataset {
                Dataset::Registry => "contingent:teachers",
                Dataset::Platform(_) => "role",
            }
        };
        map_example(header, code)
    });
    IngestError::NoHeader {
        file: file.to_string(),
        expected: expected_columns(dataset),
        best: best.map(|(header, row)| {
            Box::new(error::BestRow {
                line: Some(row.loc.number()),
                readings: header.readings,
                found: header.all,
                fix,
            })
        }),
    }
}

#[cfg(test)]
mod count_tests {
    //! Counts of use in a per-school export (issue 15, item 4).
    use super::*;
    use header::{Mapping, Meaning};
    use tsos_domain::Catalogue;

    fn read(text: &str, mapping: Option<&Mapping>) -> Result<Import, IngestError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counts.csv");
        std::fs::write(&path, text).unwrap();
        let catalogue = Catalogue::builtin();
        read_export(
            &path,
            &ReadOptions {
                dataset: Dataset::Platform(catalogue.get("myschool").unwrap()),
                as_of: Some(Date::constant(2026, 10, 1)),
                skip_invalid: false,
                sheet: None,
                fast: true,
                progress: None,
                mapping,
                profiles: None,
                sample: 0,
                flow_key: None,
            },
        )
    }

    fn rows(import: &Import) -> &[SchoolRow] {
        match &import.content {
            Content::PerSchool(rows) => rows,
            other => panic!("a per-school export: {other:?}"),
        }
    }

    fn count(name: &str, header: &str, value: u64) -> SchoolCount {
        SchoolCount {
            name: name.into(),
            header: header.into(),
            value,
        }
    }

    #[test]
    fn a_file_of_counts_alone_is_read_per_school() {
        let import = read(
            "ИНН;Уроков проведено;Выставлено оценок;Домашних заданий;Вебинаров\n\
             0512345678;1 234;5678;;7\n\
             0512345679;0;12;3;1\n",
            None,
        )
        .unwrap();
        let rows = rows(&import);
        assert_eq!(rows.len(), 2);
        // An empty cell gives no count; «Вебинаров» is no word tsos knows: not read.
        assert_eq!(
            rows[0].counts,
            [
                count("lessons", "Уроков проведено", 1234),
                count("marks", "Выставлено оценок", 5678),
            ]
        );
        assert_eq!(rows[1].counts.len(), 3);
        assert_eq!(rows[0].measures, RoleMap::default());
    }

    #[test]
    fn counts_beside_role_figures_and_mapped_ones() {
        let mapping = Mapping {
            entries: vec![
                ("Вебинаров".into(), Meaning::parse("count").unwrap()),
                (
                    "Проведено уроков, всего".into(),
                    Meaning::parse("count").unwrap(),
                ),
            ],
            source: header::MappingSource::Given,
        };
        let import = read(
            "ИНН;Количество активных педагогов;Вебинаров;Проведено уроков, всего\n\
             0512345678;40;7;90\n",
            Some(&mapping),
        )
        .unwrap();
        let row = &rows(&import)[0];
        assert_eq!(row.measures.get(Role::Teachers).active, Some(40));
        // A mapped header that names a known kind is that kind, so months compare.
        assert_eq!(
            row.counts,
            [
                count("вебинаров", "Вебинаров", 7),
                count("lessons", "Проведено уроков, всего", 90),
            ]
        );
    }

    #[test]
    fn a_bad_count_names_file_line_column_and_reason() {
        let err = read(
            "ИНН;Уроков проведено;Выставлено оценок\n\
             0512345678;10;20\n\
             0512345679;-3;20\n\
             0512345670;10;2,5\n",
            None,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(
                "counts.csv:3: column «Уроков проведено»: не целое неотрицательное число: «-3»"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "counts.csv:4: column «Выставлено оценок»: не целое неотрицательное число"
            ),
            "{text}"
        );
    }

    #[test]
    fn two_columns_of_one_count_stop_the_import() {
        let err = read("ИНН;Уроков проведено;Уроков всего\n0512345678;1;2\n", None).unwrap_err();
        assert!(matches!(err, IngestError::Layout { .. }), "{err}");
    }
}
