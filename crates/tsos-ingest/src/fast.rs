//! The fast path for large per-user CSV exports: the national files of 20 million rows.
//!
//! The general path (`read_export` through [`crate::source::Source`]) decodes every field
//! into a `String` and merges users in one hash map of every id in the file, so its memory
//! grows with the file. This path instead
//! - splits raw bytes into lines and fields itself and decodes nothing but the few distinct
//!   role and confirmation spellings, which it caches;
//! - relies on what real exports do: the rows of one organisation come together. Duplicates of
//!   a user can only be among the rows of its organisation, so users are merged one
//!   organisation at a time and only that organisation's ids are ever held;
//! - parses blocks of lines on every core, merging the organisations cut by a block edge.
//!
//! Architecture invariant: the fast path gives exactly the general path's result or declines.
//! At the first thing it is not sure of (a quote, an invalid value, a lone `\r`, an id or ИНН
//! that is not plain ASCII, an organisation whose rows are not together) it returns `None` and
//! the general path reads the file from the start, with its errors and line numbers. Values
//! are counted through the domain's `Tally`, the same as on the general path; the tests run
//! both paths on the same files.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel};

use encoding_rs::Encoding;
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use tsos_domain::{OrgId, OrgTally, PerUserCounts, Role, Tally, UserState};

use crate::PerUserData;
use crate::source::{Cell, decode_field};
use crate::values::{self, Spellings};

/// Bytes per block handed to a worker: big enough to amortise the hand-off, small enough that
/// the blocks in flight stay a few tens of MB whatever the file's size.
const BLOCK: usize = 4 << 20;

/// Where the columns a per-user export needs are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UserColumns {
    pub org: usize,
    pub role: usize,
    pub last: usize,
    pub confirmed: Option<usize>,
    pub id: Option<usize>,
}

impl UserColumns {
    fn n_needed(&self) -> usize {
        [
            Some(self.org),
            Some(self.role),
            Some(self.last),
            self.confirmed,
            self.id,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0)
            + 1
    }
}

pub(crate) struct FastInput<'a> {
    pub path: &'a Path,
    pub encoding: &'static Encoding,
    pub delimiter: u8,
    pub bom: bool,
    /// The physical line of the header; data starts on the next one.
    pub header_line: u64,
    pub columns: UserColumns,
    pub tally: Tally,
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
}

/// What the fast path read after the header.
pub(crate) struct FastOutput {
    /// Of the whole file, read in the same pass.
    pub sha256: String,
    pub data: PerUserData,
    /// Rows as the general path counts them: records, and empty lines between records.
    pub rows: u64,
    pub blank: u64,
    pub accepted: u64,
}

/// Reads the data rows, or `None` where the general path must read the file instead.
pub(crate) fn per_user(input: &FastInput<'_>) -> std::io::Result<Option<FastOutput>> {
    let mut file = File::open(input.path)?;
    let mut hasher = Sha256::new();
    let mut carry: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    let mut bytes_done = 0u64;
    // Skip the BOM and the lines up to and including the header.
    let mut to_skip = input.header_line;
    let mut skipped_bom = !input.bom;
    while to_skip > 0 {
        if !fill(&mut file, &mut carry, &mut hasher, &mut bytes_done)? {
            return Ok(None);
        }
        if !skipped_bom {
            carry.drain(..3);
            skipped_bom = true;
        }
        while to_skip > 0 {
            let Some(pos) = memchr::memchr(b'\n', &carry) else {
                break;
            };
            if carry[..pos].contains(&b'"') {
                // A quoted title or header might span lines; the general path knows.
                return Ok(None);
            }
            carry.drain(..=pos);
            to_skip -= 1;
        }
        if carry.len() > 64 << 20 {
            return Ok(None);
        }
    }

    let n_workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let abort = AtomicBool::new(false);
    let rows_done = AtomicU64::new(0);
    let ctx = ChunkContext {
        input,
        n_needed: input.columns.n_needed(),
        abort: &abort,
        rows_done: &rows_done,
    };
    let results = std::thread::scope(|scope| -> std::io::Result<Vec<(usize, ChunkResult)>> {
        let mut senders = Vec::with_capacity(n_workers);
        let mut handles = Vec::with_capacity(n_workers);
        // Blocks come back to the reader once parsed, so a handful of buffers serve the file.
        let (free_tx, free_rx) = channel::<Vec<u8>>();
        for _ in 0..n_workers {
            let (tx, rx) = sync_channel::<(usize, Vec<u8>)>(2);
            senders.push(tx);
            let ctx = &ctx;
            let free_tx = free_tx.clone();
            handles.push(scope.spawn(move || {
                let mut out = Vec::new();
                let mut caches = Caches::default();
                for (idx, mut chunk) in rx {
                    if !ctx.abort.load(Ordering::Relaxed) {
                        match read_chunk(&chunk, ctx, &mut caches) {
                            Some(result) => {
                                ctx.rows_done.fetch_add(result.records, Ordering::Relaxed);
                                out.push((idx, result));
                            }
                            None => ctx.abort.store(true, Ordering::Relaxed),
                        }
                    }
                    chunk.clear();
                    // The reader may be gone already; the buffer is then simply dropped.
                    let _ = free_tx.send(chunk);
                }
                out
            }));
        }
        drop(free_tx);
        let mut chunk_idx = 0usize;
        let mut eof = false;
        while !eof && !abort.load(Ordering::Relaxed) {
            // Fill the carry up to a block, then cut after its last newline.
            while carry.len() < BLOCK {
                if !fill(&mut file, &mut carry, &mut hasher, &mut bytes_done)? {
                    eof = true;
                    break;
                }
            }
            if let Some(progress) = input.progress {
                progress(bytes_done, rows_done.load(Ordering::Relaxed));
            }
            let cut = if eof {
                carry.len()
            } else {
                match memchr::memrchr(b'\n', &carry) {
                    Some(pos) => pos + 1,
                    // A line longer than a block is no per-user export.
                    None => {
                        abort.store(true, Ordering::Relaxed);
                        break;
                    }
                }
            };
            let mut next = free_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(2 * BLOCK));
            next.extend_from_slice(&carry[cut..]);
            carry.truncate(cut);
            let chunk = std::mem::replace(&mut carry, next);
            if !chunk.is_empty() {
                // A worker that has stopped (abort) drops its receiver; nothing to do then.
                let _ = senders[chunk_idx % n_workers].send((chunk_idx, chunk));
                chunk_idx += 1;
            }
        }
        drop(senders);
        let mut all = Vec::new();
        for handle in handles {
            all.extend(handle.join().expect("a fast-path worker panicked"));
        }
        Ok(all)
    })?;
    if abort.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let mut results = results;
    results.sort_by_key(|(idx, _)| *idx);
    let sha256 = crate::hex(&hasher.finalize());
    Ok(merge(results.into_iter().map(|(_, r)| r), &input.tally)
        .map(|output| FastOutput { sha256, ..output }))
}

/// Appends up to a block of the file to `carry` and hashes it; `false` at the end of the file.
/// The file is read once: the SHA-256 of the lineage comes from the same bytes the workers parse.
fn fill(
    file: &mut File,
    carry: &mut Vec<u8>,
    hasher: &mut Sha256,
    bytes_done: &mut u64,
) -> std::io::Result<bool> {
    let start = carry.len();
    let n = file.take(BLOCK as u64).read_to_end(carry)?;
    hasher.update(&carry[start..]);
    *bytes_done += n as u64;
    Ok(n > 0)
}

struct ChunkContext<'a> {
    input: &'a FastInput<'a>,
    n_needed: usize,
    abort: &'a AtomicBool,
    /// Records parsed so far, for the progress bar.
    rows_done: &'a AtomicU64,
}

/// The few distinct spellings of roles and confirmations, decoded once each.
#[derive(Default)]
struct Caches {
    roles: Spellings<Option<Role>>,
    confirmations: Spellings<Option<bool>>,
    /// Reused by `Group::finish` to look for repeated ids.
    scratch: Scratch,
}

/// The users of one organisation read so far: ids in an arena, one entry per row.
struct Group {
    org: OrgId,
    /// The organisation's ИНН as written, to recognise its next rows without normalising.
    raw_org: Vec<u8>,
    ids: Vec<u8>,
    entries: Vec<UserRow>,
}

/// `len` of a row without an id.
const NO_ID: u32 = u32::MAX;
/// `len` of a row merged into an earlier row of the same user.
const MERGED: u32 = u32::MAX - 1;

/// The byte range of a row's id in its group's arena.
fn span(row: &UserRow) -> std::ops::Range<usize> {
    row.off as usize..(row.off + row.len) as usize
}

#[derive(Clone, Copy)]
struct UserRow {
    hash: u64,
    /// Offset and length of the id in the arena; `len` is [`NO_ID`] for a row without an id.
    off: u32,
    len: u32,
    role: Role,
    state: UserState,
}

impl Group {
    fn absorb(&mut self, other: Group) {
        let base = self.ids.len() as u32;
        self.ids.extend_from_slice(&other.ids);
        self.entries.extend(other.entries.into_iter().map(|mut e| {
            if e.len != NO_ID {
                e.off += base;
            }
            e
        }));
    }

    /// Merges the duplicates and counts the users.
    fn finish(mut self, tally: &Tally, scratch: &mut Scratch) -> (OrgId, OrgTally) {
        // One pass over a map from (id hash, role) to the first row of that user: a repeated
        // row merges into it and is marked. Ids are compared whole; two different ids with one
        // hash (rare with foldhash) send the group to the sorting merge below.
        scratch.clear();
        let mut repeats: Vec<(usize, usize)> = Vec::new();
        for (idx, entry) in self.entries.iter().enumerate() {
            if entry.len == NO_ID {
                continue;
            }
            match scratch.entry((entry.hash, entry.role)) {
                Entry::Vacant(slot) => {
                    slot.insert(idx as u32);
                }
                Entry::Occupied(slot) => {
                    let first = *slot.get() as usize;
                    if self.ids[span(&self.entries[first])] != self.ids[span(entry)] {
                        return self.sorted_finish(tally);
                    }
                    repeats.push((first, idx));
                }
            }
        }
        let mut org_tally = tally.empty();
        for &(first, idx) in &repeats {
            let state = self.entries[idx].state;
            self.entries[first].state.merge(state);
            self.entries[idx].len = MERGED;
            org_tally.duplicates += 1;
        }
        for entry in self.entries.iter().filter(|e| e.len != MERGED) {
            tally.add(&mut org_tally, entry.role, entry.state);
        }
        (self.org, org_tally)
    }

    /// The merge by sorting, for a group where two ids share a hash.
    fn sorted_finish(mut self, tally: &Tally) -> (OrgId, OrgTally) {
        let ids = std::mem::take(&mut self.ids);
        let id = |e: &UserRow| -> &[u8] {
            if e.len == NO_ID {
                &[]
            } else {
                &ids[e.off as usize..(e.off + e.len) as usize]
            }
        };
        self.entries.sort_unstable_by(|a, b| {
            (a.len == NO_ID, a.hash, a.role)
                .cmp(&(b.len == NO_ID, b.hash, b.role))
                .then_with(|| id(a).cmp(id(b)))
        });
        let mut org_tally = tally.empty();
        let mut idx = 0;
        while idx < self.entries.len() {
            let first = self.entries[idx];
            let mut state = first.state;
            let mut next = idx + 1;
            if first.len != NO_ID {
                while next < self.entries.len() {
                    let other = &self.entries[next];
                    if other.len == NO_ID
                        || other.hash != first.hash
                        || other.role != first.role
                        || id(other) != id(&first)
                    {
                        break;
                    }
                    state.merge(other.state);
                    org_tally.duplicates += 1;
                    next += 1;
                }
            }
            tally.add(&mut org_tally, first.role, state);
            idx = next;
        }
        (self.org, org_tally)
    }
}

/// What a block of lines gave: its first and last organisations still open (a block edge
/// may cut them), the ones in between counted.
struct ChunkResult {
    items: Vec<Item>,
    records: u64,
    /// Blank records: lines of only delimiters and spaces.
    blank_records: u64,
    empty_lines: u64,
    other_roles: u64,
    empty_confirmed: u64,
    missing_ids: u64,
}

enum Item {
    Open(Group),
    Counted(OrgId, OrgTally),
}

fn read_chunk(chunk: &[u8], ctx: &ChunkContext<'_>, caches: &mut Caches) -> Option<ChunkResult> {
    let input = ctx.input;
    if memchr::memchr(b'"', chunk).is_some() {
        return None;
    }
    if input.encoding == encoding_rs::UTF_8 && simdutf8::basic::from_utf8(chunk).is_err() {
        return None;
    }
    // A carriage return ends a line only before its newline (CRLF). Checked once for the
    // chunk, so that a line need only drop its last byte.
    if memchr::memchr_iter(b'\r', chunk).any(|pos| chunk.get(pos + 1) != Some(&b'\n')) {
        return None;
    }
    let columns = input.columns;
    let delimiter = input.delimiter;
    let mut out = ChunkResult {
        items: Vec::new(),
        records: 0,
        blank_records: 0,
        empty_lines: 0,
        other_roles: 0,
        empty_confirmed: 0,
        missing_ids: 0,
    };
    let mut current: Option<Group> = None;
    let mut n_groups = 0usize;
    let mut fields: Vec<&[u8]> = Vec::with_capacity(ctx.n_needed);
    let mut start = 0;
    while start < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |p| start + p);
        let mut line = &chunk[start..end];
        start = end + 1;
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        if line.is_empty() {
            out.empty_lines += 1;
            continue;
        }
        out.records += 1;
        if line
            .iter()
            .all(|&b| b == delimiter || b == b' ' || b == b'\t')
        {
            out.blank_records += 1;
            continue;
        }
        fields.clear();
        fields.extend(line.split(|&b| b == delimiter).take(ctx.n_needed));
        let field = |idx: usize| fields.get(idx).copied().unwrap_or(&[]);
        let role = cached(&mut caches.roles, field(columns.role), |bytes| {
            Ok(Role::from_label(&decode(bytes, input.encoding)?.to_text()))
        })?;
        let raw_org = field(columns.org);
        let Some(role) = role else {
            // A row without a plain ИНН may be a totals row («Итого»): the general path decides.
            if !raw_org.iter().all(u8::is_ascii_digit) || raw_org.is_empty() {
                return None;
            }
            out.other_roles += 1;
            continue;
        };
        let same_group = current
            .as_ref()
            .is_some_and(|g| values::same(&g.raw_org, raw_org));
        if !same_group {
            let org = plain_org(raw_org)?;
            if let Some(group) = current.take() {
                out.items.push(if n_groups == 0 {
                    Item::Open(group)
                } else {
                    let (org, tally) = group.finish(&input.tally, &mut caches.scratch);
                    Item::Counted(org, tally)
                });
                n_groups += 1;
            }
            current = Some(Group {
                org,
                raw_org: raw_org.to_vec(),
                ids: Vec::new(),
                entries: Vec::new(),
            });
        }
        let group = current.as_mut().expect("opened above");
        let confirmed = match columns.confirmed {
            Some(idx) => {
                let value = cached(&mut caches.confirmations, field(idx), |bytes| {
                    values::confirmed(&decode(bytes, input.encoding)?).map_err(|_| ())
                })?;
                if value.is_none() {
                    out.empty_confirmed += 1;
                }
                value.unwrap_or(false)
            }
            None => false,
        };
        let last = last_date(field(columns.last), input.encoding)?;
        let state = UserState { confirmed, last };
        let id = columns.id.map(|idx| field(idx).trim_ascii());
        match id {
            Some(id) if !id.is_empty() => {
                if !id.is_ascii() {
                    return None;
                }
                let off = group.ids.len() as u32;
                group.ids.extend_from_slice(id);
                group.entries.push(UserRow {
                    hash: hash(id),
                    off,
                    len: id.len() as u32,
                    role,
                    state,
                });
            }
            _ => {
                if columns.id.is_some() {
                    out.missing_ids += 1;
                }
                group.entries.push(UserRow {
                    hash: 0,
                    off: 0,
                    len: NO_ID,
                    role,
                    state,
                });
            }
        }
    }
    if let Some(group) = current {
        out.items.push(Item::Open(group));
    }
    Some(out)
}

/// Joins the blocks in file order: an organisation cut by a block edge is merged whole; one
/// that comes back after another organisation means the rows are not grouped, and the general
/// path has to merge users across the whole file.
fn merge(chunks: impl Iterator<Item = ChunkResult>, tally: &Tally) -> Option<FastOutput> {
    let mut counts = PerUserCounts::default();
    let mut seen: HashSet<OrgId> = HashSet::new();
    let mut push = |counts: &mut PerUserCounts, org: OrgId, org_tally: OrgTally| -> Option<()> {
        if !seen.insert(org.clone()) {
            return None;
        }
        counts.push_org(org, org_tally);
        Some(())
    };
    let mut data = PerUserData::default();
    let mut scratch = Scratch::default();
    let (mut records, mut blank_records, mut empty_lines) = (0, 0, 0);
    let mut open: Option<Group> = None;
    for chunk in chunks {
        records += chunk.records;
        blank_records += chunk.blank_records;
        empty_lines += chunk.empty_lines;
        data.other_roles += chunk.other_roles;
        data.empty_confirmed += chunk.empty_confirmed;
        data.missing_ids += chunk.missing_ids;
        for item in chunk.items {
            match item {
                Item::Open(group) => match &mut open {
                    Some(current) if current.org == group.org => current.absorb(group),
                    _ => {
                        if let Some(done) = open.replace(group) {
                            let (org, org_tally) = done.finish(tally, &mut scratch);
                            push(&mut counts, org, org_tally)?;
                        }
                    }
                },
                Item::Counted(org, org_tally) => {
                    if let Some(done) = open.take() {
                        let (org, org_tally) = done.finish(tally, &mut scratch);
                        push(&mut counts, org, org_tally)?;
                    }
                    push(&mut counts, org, org_tally)?;
                }
            }
        }
    }
    if let Some(done) = open.take() {
        let (org, org_tally) = done.finish(tally, &mut scratch);
        push(&mut counts, org, org_tally)?;
    }
    data.counts = counts;
    // Every physical line is a row, empty ones blank, as the general path reads them.
    Some(FastOutput {
        sha256: String::new(),
        data,
        rows: records + empty_lines,
        blank: blank_records + empty_lines,
        accepted: records - blank_records,
    })
}

/// Looks `bytes` up among the spellings seen, decoding a new one once.
/// The value of a field from `cache`, decoded the first time its spelling is seen; `None`,
/// declining the file, where it does not decode or the column has too many spellings to be a
/// role or flag column as expected.
fn cached<T: Copy>(
    cache: &mut Spellings<T>,
    bytes: &[u8],
    decode: impl FnOnce(&[u8]) -> Result<T, ()>,
) -> Option<T> {
    if let Some(value) = cache.find(bytes) {
        return Some(value);
    }
    let value = decode(bytes).ok()?;
    cache.remember(bytes, value).then_some(value)
}

fn decode(bytes: &[u8], encoding: &'static Encoding) -> Result<Cell, ()> {
    decode_field(bytes, encoding).ok_or(())
}

/// An ИНН of ASCII digits, normalised as `OrgId::normalize` would; anything else declines.
fn plain_org(bytes: &[u8]) -> Option<OrgId> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    OrgId::normalize(std::str::from_utf8(bytes).ok()?)
}

/// `DD.MM.YYYY` and `YYYY-MM-DD` by hand; every other form through the general parser.
fn last_date(bytes: &[u8], encoding: &'static Encoding) -> Option<Option<Date>> {
    let digit = |b: u8| b.wrapping_sub(b'0');
    let two = |a: u8, b: u8| u32::from(digit(a)) * 10 + u32::from(digit(b));
    let all_digits = |idx: &[usize]| idx.iter().all(|&i| bytes[i].is_ascii_digit());
    let fast = match bytes.len() {
        10 if bytes[2] == b'.' && bytes[5] == b'.' && all_digits(&[0, 1, 3, 4, 6, 7, 8, 9]) => {
            Some((
                two(bytes[6], bytes[7]) * 100 + two(bytes[8], bytes[9]),
                two(bytes[3], bytes[4]),
                two(bytes[0], bytes[1]),
            ))
        }
        10 if bytes[4] == b'-' && bytes[7] == b'-' && all_digits(&[0, 1, 2, 3, 5, 6, 8, 9]) => {
            Some((
                two(bytes[0], bytes[1]) * 100 + two(bytes[2], bytes[3]),
                two(bytes[5], bytes[6]),
                two(bytes[8], bytes[9]),
            ))
        }
        _ => None,
    };
    match fast {
        Some((year, month, day)) => {
            let date = Date::new(year as i16, month as i8, day as i8).ok()?;
            Some(Some(date))
        }
        None => values::last_date(&decode(bytes, encoding).ok()?).ok(),
    }
}

/// The id's hash, to find a user's repeated rows; equal hashes are then compared whole.
/// foldhash mixes every byte into every bit: a hash that only multiplies (FxHash) lets the
/// digits of sequential ids cancel out, and most organisations then had colliding ids, which
/// sent them to the slow sorting merge.
fn hash(bytes: &[u8]) -> u64 {
    std::hash::BuildHasher::hash_one(&ID_HASH, bytes)
}

/// Fixed, so that a file is read the same way every time.
const ID_HASH: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x7505);

/// The map of one organisation's users, keyed by an id's hash that is already well mixed.
type Scratch = HashMap<(u64, Role), u32, foldhash::fast::FixedState>;

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_by_hand_agree_with_the_general_parser() {
        let utf8 = encoding_rs::UTF_8;
        for text in [
            "01.10.2023",
            "2023-10-01",
            "29.02.2024",
            "",
            "-",
            "01.10.2023 10:00",
            "2023-10-01T10:00:00Z",
        ] {
            let general = values::last_date(&decode_field(text.as_bytes(), utf8).unwrap()).ok();
            assert_eq!(last_date(text.as_bytes(), utf8), general, "{text}");
        }
        assert_eq!(
            last_date(b"01.10.2023", utf8),
            Some(Some(date(2023, 10, 1)))
        );
        // Invalid dates decline: the general path reports them with their line.
        for text in ["31.02.2023", "2023-13-01", "abc", "1x.10.2023"] {
            assert_eq!(last_date(text.as_bytes(), utf8), None, "{text}");
        }
    }

    #[test]
    fn merging_by_map_and_by_sorting_agree() {
        let catalogue = tsos_domain::Catalogue::builtin();
        let tally = Tally::new(
            &catalogue.get("myschool").unwrap().rule,
            date(2023, 10, 1),
            true,
        );
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..50 {
            let mut group = Group {
                org: OrgId::normalize("0512345678").unwrap(),
                raw_org: b"0512345678".to_vec(),
                ids: Vec::new(),
                entries: Vec::new(),
            };
            for _ in 0..rng.usize(1..80) {
                let state = UserState {
                    confirmed: rng.bool(),
                    last: rng
                        .bool()
                        .then(|| date(2022, 9, 1) + jiff::Span::new().days(rng.i64(0..420))),
                };
                let role = [Role::Teachers, Role::Students, Role::Parents][rng.usize(..3)];
                if rng.u8(..10) == 0 {
                    group.entries.push(UserRow {
                        hash: 0,
                        off: 0,
                        len: NO_ID,
                        role,
                        state,
                    });
                    continue;
                }
                let id = format!("u{}", rng.u8(..30));
                let off = group.ids.len() as u32;
                group.ids.extend_from_slice(id.as_bytes());
                group.entries.push(UserRow {
                    hash: hash(id.as_bytes()),
                    off,
                    len: id.len() as u32,
                    role,
                    state,
                });
            }
            let copy = Group {
                org: group.org.clone(),
                raw_org: group.raw_org.clone(),
                ids: group.ids.clone(),
                entries: group.entries.clone(),
            };
            let by_map = group.finish(&tally, &mut Scratch::default());
            let by_sort = copy.sorted_finish(&tally);
            assert_eq!(by_map, by_sort);
        }
    }

    #[test]
    fn only_plain_inn_is_fast() {
        assert_eq!(plain_org(b"512345678").unwrap().as_str(), "0512345678");
        assert_eq!(plain_org(b"0512345678").unwrap().as_str(), "0512345678");
        assert!(plain_org(b"05 1234 5678").is_none());
        assert!(plain_org(b"").is_none());
    }
}
