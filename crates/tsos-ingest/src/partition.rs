//! Users of a per-user export grouped by organisation, whatever the order of the rows.
//!
//! Nothing says how a platform sorts its export: by school, by user id, by name, or not at
//! all; a user's repeated rows may be anywhere. So the rows are hash-partitioned by
//! organisation, as engines do for a large group-by with distinct: each row becomes a compact
//! record in the partition of its organisation, and every organisation's rows, wherever they
//! were in the file, end up in one partition. Each partition keeps its share of a memory
//! budget; past it, its records are spilled to an anonymous temporary file (deleted by the
//! system when closed), so memory does not grow with the file. At the end each partition is
//! merged on its own — repeated rows of a user by the domain's rule, then counted by the
//! domain's `Tally` — on every core.
//!
//! The records hold user ids as they are (numbers as numbers, other ids as their bytes), so
//! repeated rows are recognised exactly, never by a hash alone. They exist only while the
//! file is read: only counts leave this module (SPEC §7).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::FlowKey;
use hashbrown::HashTable;
use jiff::civil::Date;
use tsos_domain::{OrgId, OrgTally, PerUserCounts, Role, Tally, UserState};

/// Partitions: enough that one partition of a national file (some 140,000 users) merges in a
/// table that fits a core's cache, few enough that a worker's buffers for all of them stay
/// small. 64 partitions made the merge a fifth of an import's time, most of it cache misses.
const PARTITION_BITS: u32 = 8;
const PARTITIONS: usize = 1 << PARTITION_BITS;

/// Records kept in memory, all partitions together: each partition keeps its share of it.
const MEMORY_BUDGET: usize = 64 << 20;

/// A worker hands its records over once its buffers hold this much.
const LOCAL_FLUSH: usize = 2 << 20;

/// An organisation as a number: a normalised id of digits is its value with its length (so
/// that leading zeros count); any other id is its index among the spelled ones; and a row
/// with no organisation has a key of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct OrgKey(u64);

/// Bits of the key below the length.
const LENGTH_SHIFT: u32 = 58;
/// The "length" of an id that is not all digits: the rest of the key is its index.
const SPELLED: u64 = 63;

impl OrgKey {
    pub const NONE: OrgKey = OrgKey(u64::MAX);

    /// The key of a normalised id, if it is digits only and short enough to be a number.
    pub fn numeric(id: &str) -> Option<OrgKey> {
        let len = id.len() as u64;
        if len == 0 || len > 17 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: u64 = id.parse().ok()?;
        Some(OrgKey((len << LENGTH_SHIFT) | value))
    }

    /// The key of a raw ИНН of ASCII digits, normalised as [`OrgId::normalize`] does (a 9-
    /// or 11-digit one gets its leading zero back), without building the id.
    pub fn from_digits(digits: &[u8]) -> Option<OrgKey> {
        if digits.is_empty() || digits.len() > 17 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = digits
            .iter()
            .fold(0u64, |value, b| value * 10 + u64::from(b - b'0'));
        let len = match digits.len() {
            9 | 11 => digits.len() + 1,
            len => len,
        } as u64;
        Some(OrgKey((len << LENGTH_SHIFT) | value))
    }

    fn spelled(index: u64) -> OrgKey {
        OrgKey((SPELLED << LENGTH_SHIFT) | index)
    }

    fn partition(self) -> usize {
        // The low bits of an ИНН are its check digit and neighbours: mixed first.
        let mixed = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> (64 - PARTITION_BITS)) as usize
    }
}

/// Ids of organisations that are not plain digits, shared by every worker of one file.
#[derive(Default)]
pub(crate) struct OrgNames {
    names: Mutex<(Vec<OrgId>, std::collections::HashMap<OrgId, u64>)>,
}

impl OrgNames {
    pub fn key(&self, org: &OrgId) -> OrgKey {
        if let Some(key) = OrgKey::numeric(org.as_str()) {
            return key;
        }
        let mut names = self
            .names
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (list, index) = &mut *names;
        let idx = *index.entry(org.clone()).or_insert_with(|| {
            list.push(org.clone());
            list.len() as u64 - 1
        });
        OrgKey::spelled(idx)
    }

    fn id(&self, key: OrgKey) -> OrgId {
        let len = key.0 >> LENGTH_SHIFT;
        let rest = key.0 & ((1 << LENGTH_SHIFT) - 1);
        if len == SPELLED {
            let names = self
                .names
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            names.0[rest as usize].clone()
        } else {
            OrgId::from_normalized(format!("{rest:0width$}", width = len as usize))
        }
    }
}

/// A user id as a record holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserId<'a> {
    /// No id: the row is a user of its own.
    None,
    /// Digits without a leading zero, as a number.
    Number(u64),
    Bytes(&'a [u8]),
}

impl<'a> UserId<'a> {
    /// The id of trimmed, non-empty id bytes (UTF-8 for text that was decoded). Up to 19
    /// digits always fit in a `u64`; a leading zero would be lost, so such an id keeps its
    /// bytes.
    pub fn of(bytes: &'a [u8]) -> UserId<'a> {
        let numeric = !bytes.is_empty()
            && bytes.len() <= 19
            && bytes.iter().all(u8::is_ascii_digit)
            && (bytes[0] != b'0' || bytes.len() == 1);
        if numeric {
            UserId::Number(
                bytes
                    .iter()
                    .fold(0u64, |value, b| value * 10 + u64::from(b - b'0')),
            )
        } else {
            UserId::Bytes(bytes)
        }
    }
}

/// One row as a record: organisation, role and confirmation, last date, then the id.
/// `[org u64][flags u8][last u32][id: u64 | u16 length + bytes | nothing]`, little-endian.
const HEAD: usize = 13;
const ID_NONE: u8 = 0;
const ID_NUMBER: u8 = 1;
const ID_BYTES: u8 = 2;

fn pack_date(date: Option<Date>) -> u32 {
    // Ordered as the dates are; 0 is "never".
    date.map_or(0, |d| {
        ((i32::from(d.year()) + 10_000) as u32) << 9 | (d.month() as u32) << 5 | d.day() as u32
    })
}

fn unpack_date(packed: u32) -> Option<Date> {
    (packed != 0).then(|| {
        let year = (packed >> 9) as i32 - 10_000;
        let month = ((packed >> 5) & 0xF) as i8;
        let day = (packed & 0x1F) as i8;
        Date::new(year as i16, month, day).expect("packed from a date")
    })
}

fn role_index(role: Role) -> u8 {
    Role::ALL
        .iter()
        .position(|r| *r == role)
        .expect("a role is one of all") as u8
}

/// Appends a record to `out`.
pub(crate) fn encode(out: &mut Vec<u8>, org: OrgKey, role: Role, id: UserId<'_>, state: UserState) {
    let kind = match id {
        UserId::None => ID_NONE,
        UserId::Number(_) => ID_NUMBER,
        UserId::Bytes(_) => ID_BYTES,
    };
    let flags = role_index(role) | u8::from(state.confirmed) << 4 | kind << 5;
    // The head and a number's id made whole and appended at once: one check of the room
    // instead of four, on every row of a file.
    let mut record = [0u8; HEAD + 8];
    record[..8].copy_from_slice(&org.0.to_le_bytes());
    record[8] = flags;
    record[9..HEAD].copy_from_slice(&pack_date(state.last).to_le_bytes());
    match id {
        UserId::None => out.extend_from_slice(&record[..HEAD]),
        UserId::Number(value) => {
            record[HEAD..].copy_from_slice(&value.to_le_bytes());
            out.extend_from_slice(&record);
        }
        UserId::Bytes(bytes) => {
            out.extend_from_slice(&record[..HEAD]);
            // Longer ids are cut at 64 KB: the readers refuse longer values anyway.
            let len = bytes.len().min(u16::MAX as usize);
            out.extend_from_slice(&(len as u16).to_le_bytes());
            out.extend_from_slice(&bytes[..len]);
        }
    }
}

/// A record read back, its id borrowing from the buffer.
struct Decoded<'a> {
    org: OrgKey,
    role: Role,
    state: UserState,
    id: UserId<'a>,
}

fn decode(buf: &[u8], at: usize) -> (Decoded<'_>, usize) {
    let u64_at = |at: usize| u64::from_le_bytes(buf[at..at + 8].try_into().expect("8 bytes"));
    let org = OrgKey(u64_at(at));
    let flags = buf[at + 8];
    let last = u32::from_le_bytes(buf[at + 9..at + 13].try_into().expect("4 bytes"));
    let role = Role::ALL[usize::from(flags & 0xF)];
    let state = UserState {
        confirmed: flags & 0x10 != 0,
        last: unpack_date(last),
    };
    let (id, end) = match flags >> 5 {
        ID_NONE => (UserId::None, at + HEAD),
        ID_NUMBER => (UserId::Number(u64_at(at + HEAD)), at + HEAD + 8),
        _ => {
            let len = usize::from(u16::from_le_bytes([buf[at + HEAD], buf[at + HEAD + 1]]));
            let start = at + HEAD + 2;
            (UserId::Bytes(&buf[start..start + len]), start + len)
        }
    };
    (
        Decoded {
            org,
            role,
            state,
            id,
        },
        end,
    )
}

/// One partition: records in memory, and where those spilled before them are.
#[derive(Default)]
struct Part {
    memory: Vec<u8>,
    /// Offset and length of each run of its records in the spill file, in order.
    spilled: Vec<(u64, usize)>,
}

/// The temporary file every partition spills to, one run after another: one file, not one per
/// partition, so that an import holds one descriptor whatever the number of partitions.
struct Spill {
    file: File,
    len: u64,
}

/// The partitions of one file, shared by the workers that read it.
pub(crate) struct Partitions {
    parts: Vec<Mutex<Part>>,
    /// Created at the first spill: a file that fits in memory never touches the disk.
    spill: Mutex<Option<Spill>>,
    /// The most bytes one partition keeps in memory: the budget shared out. A fixed share,
    /// not a total checked against the budget, bounds the memory whatever the rows' order;
    /// with a shared total, partitions that filled while others were spilled kept their
    /// room, and memory reached three times the budget.
    part_budget: usize,
    pub orgs: OrgNames,
}

impl Partitions {
    pub fn new() -> Partitions {
        Partitions::with_budget(MEMORY_BUDGET)
    }

    fn with_budget(budget: usize) -> Partitions {
        Partitions {
            parts: (0..PARTITIONS).map(|_| Mutex::default()).collect(),
            spill: Mutex::new(None),
            part_budget: (budget / PARTITIONS).max(1),
            orgs: OrgNames::default(),
        }
    }

    /// A worker's buffers for these partitions.
    pub fn local(&self) -> Local<'_> {
        Local {
            shared: self,
            buffers: vec![Vec::new(); PARTITIONS],
            held: 0,
        }
    }

    /// Adds a worker's records of one partition. Where they do not fit in its share of the
    /// budget, what the partition held is spilled first, and records that do not fit alone go
    /// straight to the file.
    fn append(&self, partition: usize, records: &[u8]) -> std::io::Result<()> {
        let mut part = self.parts[partition]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Part { memory, spilled } = &mut *part;
        if memory.len() + records.len() > self.part_budget {
            if !memory.is_empty() {
                spilled.push(self.write_spill(memory)?);
                // The room stays for the next records: fresh pages would cost a fault each.
                memory.clear();
            }
            if records.len() > self.part_budget {
                spilled.push(self.write_spill(records)?);
                return Ok(());
            }
        }
        if memory.capacity() == 0 {
            // Exactly the share: growth by doubling would leave up to twice as much.
            memory.reserve_exact(self.part_budget);
        }
        memory.extend_from_slice(records);
        Ok(())
    }

    /// Appends a run of records to the spill file; where it went.
    fn write_spill(&self, records: &[u8]) -> std::io::Result<(u64, usize)> {
        let mut spill = self
            .spill
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let spill = match &mut *spill {
            Some(spill) => spill,
            none => none.insert(Spill {
                file: tempfile::tempfile()?,
                len: 0,
            }),
        };
        let at = spill.len;
        spill.file.write_all(records)?;
        spill.len += records.len() as u64;
        Ok((at, records.len()))
    }

    /// Merges every partition into counts, on up to `workers` threads; with a key, also the
    /// keyed hashes of the active users.
    pub fn finish(
        self,
        tally: &Tally,
        key: Option<&FlowKey>,
        workers: usize,
    ) -> std::io::Result<PerUserCounts> {
        let next = AtomicUsize::new(0);
        let merged = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers.max(1))
                .map(|_| {
                    scope.spawn(|| -> std::io::Result<Merged> {
                        let mut out = Merged::default();
                        let mut scratch = Scratch::default();
                        let mut buffer = Vec::new();
                        loop {
                            let idx = next.fetch_add(1, Ordering::Relaxed);
                            let Some(part) = self.parts.get(idx) else {
                                return Ok(out);
                            };
                            let part = std::mem::take(
                                &mut *part
                                    .lock()
                                    .unwrap_or_else(std::sync::PoisonError::into_inner),
                            );
                            let records = part.records(&self.spill, &mut buffer)?;
                            merge(&records, tally, key, &mut scratch, &self.orgs, &mut out);
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p))
                })
                .collect::<std::io::Result<Vec<_>>>()
        })?;
        // Closing the spill file gives its pages back to the system, 28 ms for a national
        // file's 350 MB: on a thread of its own, while the import goes on one core.
        let spill = self
            .spill
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(spill) = spill {
            // Where no thread can be made, the file is closed here, with the closure.
            let _ = std::thread::Builder::new()
                .name("spill".to_string())
                .spawn(move || drop(spill));
        }
        let (orgs, without_org): (Vec<_>, Vec<_>) = merged
            .into_iter()
            .map(|merged| (merged.orgs, merged.without_org))
            .unzip();
        let mut counts = PerUserCounts::of_orgs(orgs, key.is_some());
        for org_tally in without_org.into_iter().flatten() {
            counts.push_without_org(org_tally);
        }
        Ok(counts)
    }
}

impl Part {
    /// The spilled records, then those in memory, as one buffer: `buffer`, reused from one
    /// partition to the next, where there were spilled ones.
    fn records<'b>(
        self,
        spill: &Mutex<Option<Spill>>,
        buffer: &'b mut Vec<u8>,
    ) -> std::io::Result<std::borrow::Cow<'b, [u8]>> {
        if self.spilled.is_empty() {
            return Ok(std::borrow::Cow::Owned(self.memory));
        }
        let total: usize = self.spilled.iter().map(|(_, len)| len).sum();
        buffer.clear();
        buffer.reserve(total + self.memory.len());
        let mut spill = spill
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(Spill { file, .. }) = spill.as_mut() else {
            return Err(std::io::Error::other("файл сброса разделов не найден"));
        };
        for &(at, len) in &self.spilled {
            file.seek(SeekFrom::Start(at))?;
            (&mut *file).take(len as u64).read_to_end(buffer)?;
        }
        drop(spill);
        buffer.extend_from_slice(&self.memory);
        Ok(std::borrow::Cow::Borrowed(buffer))
    }
}

/// A worker's records, by partition, until they are handed over.
pub(crate) struct Local<'a> {
    shared: &'a Partitions,
    buffers: Vec<Vec<u8>>,
    held: usize,
}

impl Local<'_> {
    pub fn add(
        &mut self,
        org: OrgKey,
        role: Role,
        id: UserId<'_>,
        state: UserState,
    ) -> std::io::Result<()> {
        let buffer = &mut self.buffers[org.partition()];
        let before = buffer.len();
        encode(buffer, org, role, id, state);
        self.held += buffer.len() - before;
        if self.held >= LOCAL_FLUSH {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        for (partition, buffer) in self.buffers.iter_mut().enumerate() {
            if !buffer.is_empty() {
                self.shared.append(partition, buffer)?;
                buffer.clear();
            }
        }
        self.held = 0;
        Ok(())
    }
}

/// A user found in a partition, and its state merged so far.
struct Entry {
    /// Its organisation's index in [`Scratch::orgs`].
    org: u32,
    role: Role,
    id: EntryId,
    state: UserState,
}

/// A user id as an entry keeps it: a number, or where its bytes are in the partition.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryId {
    Number(u64),
    Bytes { at: u32, len: u32 },
}

/// What one thread merged: the organisations' tallies, and those of rows without one.
#[derive(Default)]
struct Merged {
    orgs: Vec<(OrgId, OrgTally)>,
    without_org: Vec<OrgTally>,
}

/// Reused between partitions.
#[derive(Default)]
struct Scratch {
    table: HashTable<u32>,
    entries: Vec<Entry>,
    orgs: Vec<(OrgKey, OrgTally)>,
    org_index: std::collections::HashMap<OrgKey, u32, foldhash::fast::FixedState>,
}

/// Mixes two words into a hash whose every bit depends on both (foldhash's folded multiply).
fn fold(a: u64, b: u64) -> u64 {
    let product =
        u128::from(a ^ 0x243F_6A88_85A3_08D3).wrapping_mul(u128::from(b ^ 0x1319_8A2E_0370_7344));
    (product as u64) ^ ((product >> 64) as u64)
}

fn hash_user(org: OrgKey, role: Role, id: UserId<'_>) -> u64 {
    let who = org.0 ^ u64::from(role_index(role)) << 60;
    match id {
        UserId::Number(value) => fold(who, value),
        UserId::Bytes(bytes) => {
            use std::hash::BuildHasher;
            fold(
                who,
                foldhash::fast::FixedState::with_seed(0x7505).hash_one(bytes),
            )
        }
        UserId::None => 0,
    }
}

/// Merges the records of one partition and counts each organisation's users. With a key, an
/// active user's id is hashed here, once per merged user: only active users, 8 bytes each,
/// and no second pass over the file.
fn merge(
    records: &[u8],
    tally: &Tally,
    key: Option<&FlowKey>,
    scratch: &mut Scratch,
    names: &OrgNames,
    out: &mut Merged,
) {
    let Scratch {
        table,
        entries,
        orgs,
        org_index,
    } = scratch;
    table.clear();
    entries.clear();
    orgs.clear();
    org_index.clear();
    // A numeric record is 21 bytes: room for every user, so the table never grows.
    table.reserve(records.len() / 21, |_| 0);
    let mut last: Option<(OrgKey, u32)> = None;
    let mut at = 0;
    while at < records.len() {
        let (record, end) = decode(records, at);
        // The rows of one organisation often come together: its index is looked up once.
        let org = match last {
            Some((key, idx)) if key == record.org => idx,
            _ => {
                let idx = *org_index.entry(record.org).or_insert_with(|| {
                    orgs.push((record.org, tally.empty()));
                    orgs.len() as u32 - 1
                });
                last = Some((record.org, idx));
                idx
            }
        };
        let id = match record.id {
            UserId::None => {
                tally.add(&mut orgs[org as usize].1, record.role, record.state);
                at = end;
                continue;
            }
            UserId::Number(value) => EntryId::Number(value),
            UserId::Bytes(bytes) => EntryId::Bytes {
                at: (end - bytes.len()) as u32,
                len: bytes.len() as u32,
            },
        };
        let bytes_of = |id: EntryId| match id {
            EntryId::Bytes { at, len } => &records[at as usize..(at + len) as usize],
            EntryId::Number(_) => &[][..],
        };
        let same_id = |other: EntryId| match (id, other) {
            (EntryId::Number(a), EntryId::Number(b)) => a == b,
            (EntryId::Bytes { .. }, EntryId::Bytes { .. }) => bytes_of(id) == bytes_of(other),
            _ => false,
        };
        let h = hash_user(record.org, record.role, record.id);
        let found = table
            .find(h, |&idx| {
                let entry = &entries[idx as usize];
                entry.org == org && entry.role == record.role && same_id(entry.id)
            })
            .copied();
        match found {
            Some(idx) => {
                entries[idx as usize].state.merge(record.state);
                orgs[org as usize].1.duplicates += 1;
            }
            None => {
                let idx = entries.len() as u32;
                entries.push(Entry {
                    org,
                    role: record.role,
                    id,
                    state: record.state,
                });
                table.insert_unique(h, idx, |&idx| {
                    let entry = &entries[idx as usize];
                    let id = match entry.id {
                        EntryId::Number(value) => UserId::Number(value),
                        EntryId::Bytes { .. } => UserId::Bytes(bytes_of(entry.id)),
                    };
                    hash_user(orgs[entry.org as usize].0, entry.role, id)
                });
            }
        }
        at = end;
    }
    for entry in entries.iter() {
        let org = &mut orgs[entry.org as usize].1;
        let active = tally.add(org, entry.role, entry.state);
        if active && let Some(key) = key {
            // A number's decimal digits are the id as written: [`UserId::of`] keeps as numbers
            // only ids whose digits come back so, and a user hashes alike in every file.
            let mut digits = itoa::Buffer::new();
            let id = match entry.id {
                EntryId::Number(value) => digits.format(value).as_bytes(),
                EntryId::Bytes { at, len } => &records[at as usize..(at + len) as usize],
            };
            org.active_hashes.get_mut(entry.role).push(key.hash(id));
        }
    }
    if key.is_some() {
        // Sorted here, on every worker, rather than where the sets are gathered on one thread.
        for (_, org) in orgs.iter_mut() {
            for role in Role::ALL {
                let hashes = org.active_hashes.get_mut(role);
                *hashes = tsos_domain::flows::into_set(std::mem::take(hashes));
            }
        }
    }
    // Named here, on every core, rather than where the threads' counts are gathered.
    for (org, tally) in orgs.drain(..) {
        if org == OrgKey::NONE {
            out.without_org.push(tally);
        } else {
            out.orgs.push((names.id(org), tally));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn records_come_back_as_they_went() {
        let mut buf = Vec::new();
        let rows = [
            (
                OrgKey::from_digits(b"512345678").unwrap(),
                Role::Teachers,
                UserId::of(b"123"),
                UserState {
                    confirmed: true,
                    last: Some(date(2023, 10, 1)),
                },
            ),
            (
                OrgKey::NONE,
                Role::Parents,
                UserId::of("Иванова-01".as_bytes()),
                UserState {
                    confirmed: false,
                    last: None,
                },
            ),
            (
                OrgKey::numeric("0512345678").unwrap(),
                Role::Students,
                UserId::None,
                UserState {
                    confirmed: false,
                    last: Some(date(1999, 12, 31)),
                },
            ),
        ];
        for (org, role, id, state) in rows {
            encode(&mut buf, org, role, id, state);
        }
        let mut at = 0;
        for (org, role, id, state) in rows {
            let (record, end) = decode(&buf, at);
            assert_eq!(
                (record.org, record.role, record.id, record.state),
                (org, role, id, state)
            );
            at = end;
        }
        assert_eq!(at, buf.len());
        // Nine digits get their zero back, as OrgId::normalize gives it.
        assert_eq!(rows[0].0, rows[2].0);
        assert_eq!(OrgNames::default().id(rows[0].0).as_str(), "0512345678");
    }

    #[test]
    fn ids_are_numbers_only_where_nothing_is_lost() {
        assert_eq!(UserId::of(b"0"), UserId::Number(0));
        assert_eq!(UserId::of(b"42"), UserId::Number(42));
        assert_eq!(UserId::of(b"042"), UserId::Bytes(b"042"));
        assert_eq!(
            UserId::of(b"9999999999999999999"),
            UserId::Number(9_999_999_999_999_999_999)
        );
        assert_eq!(
            UserId::of(b"99999999999999999999"),
            UserId::Bytes(b"99999999999999999999")
        );
        assert_eq!(UserId::of(b"u1"), UserId::Bytes(b"u1"));
        // Packed dates keep their order.
        let early = pack_date(Some(date(2022, 12, 31)));
        let late = pack_date(Some(date(2023, 1, 1)));
        assert!(0 < early && early < late);
    }

    /// Random rows of a few schools, with repeated users, rows without an id or organisation.
    fn random_rows(seed: u64, n: usize) -> Vec<(Option<OrgId>, Role, Option<String>, UserState)> {
        let mut rng = fastrand::Rng::with_seed(seed);
        (0..n)
            .map(|_| {
                let org = match rng.u8(..20) {
                    0 => None,
                    1 => Some(OrgId::normalize("ШК-7").unwrap()),
                    n => Some(OrgId::normalize(&format!("5120000{:02}", n % 13)).unwrap()),
                };
                let role = Role::ALL[rng.usize(..Role::ALL.len())];
                let id = match rng.u8(..10) {
                    0 => None,
                    1 => Some(format!("0{}", rng.u16(..300))),
                    2 => Some(format!("u{}", rng.u16(..300))),
                    _ => Some(rng.u16(..300).to_string()),
                };
                let state = UserState {
                    confirmed: rng.bool(),
                    last: rng
                        .bool()
                        .then(|| date(2022, 9, 1) + jiff::Span::new().days(rng.i64(0..420))),
                };
                (org, role, id, state)
            })
            .collect()
    }

    #[test]
    fn partitions_count_as_the_domain_does_spilled_or_not() {
        let catalogue = tsos_domain::Catalogue::builtin();
        let rule = catalogue.get("myschool").unwrap().rule;
        let as_of = date(2023, 10, 1);
        for seed in 0..6 {
            let rows = random_rows(seed, 5_000);
            // The domain's reference merge, of the rows that name an organisation.
            let mut reference = tsos_domain::UserAggregate::new(true);
            for (org, role, id, state) in &rows {
                if let Some(org) = org {
                    let key = tsos_domain::UserKey {
                        org: org.clone(),
                        role: *role,
                        user_id: id.clone(),
                    };
                    reference.add(key, state.confirmed, state.last);
                }
            }
            let expected = reference.finish(&rule, as_of);
            // A budget of a few KB spills every partition many times.
            for budget in [MEMORY_BUDGET, 4 << 10] {
                let partitions = Partitions::with_budget(budget);
                std::thread::scope(|scope| {
                    for half in rows.chunks(rows.len() / 2 + 1) {
                        let partitions = &partitions;
                        scope.spawn(move || {
                            let mut local = partitions.local();
                            for (org, role, id, state) in half {
                                let org = org
                                    .as_ref()
                                    .map_or(OrgKey::NONE, |o| partitions.orgs.key(o));
                                let id = id
                                    .as_deref()
                                    .map_or(UserId::None, |id| UserId::of(id.as_bytes()));
                                local.add(org, *role, id, *state).unwrap();
                            }
                            local.flush().unwrap();
                        });
                    }
                });
                let spilled = partitions
                    .parts
                    .iter()
                    .filter(|p| !p.lock().unwrap().spilled.is_empty())
                    .count();
                assert_eq!(spilled > 0, budget < MEMORY_BUDGET, "seed {seed}");
                let tally = Tally::new(&rule, as_of, true);
                let key = FlowKey::new(&[9; crate::flow_key::KEY_BYTES]);
                let got = partitions.finish(&tally, Some(&key), 2).unwrap();
                assert_eq!(
                    got.active_hashes.as_ref(),
                    Some(&active_sets(&rows, &tally, &key)),
                    "seed {seed}, budget {budget}"
                );
                let without_org = got.without_org;
                let got = PerUserCounts {
                    without_org: Default::default(),
                    users: got.users - without_org.iter().map(|(_, n)| n).sum::<u64>(),
                    ..got
                };
                assert_eq!(got.by_org, expected.by_org, "seed {seed}, budget {budget}");
                assert_eq!(
                    (got.users, got.never_active, got.dates_after_as_of),
                    (
                        expected.users,
                        expected.never_active,
                        expected.dates_after_as_of
                    )
                );
                assert_eq!(got.duplicates_by_org, expected.duplicates_by_org);
                assert!(without_org.iter().any(|(_, n)| *n > 0));
            }
        }
    }

    /// The hashes of the users with an id and an organisation who are active once their rows
    /// are merged, by the plainest means: a map of (organisation, role, id text).
    fn active_sets(
        rows: &[(Option<OrgId>, Role, Option<String>, UserState)],
        tally: &Tally,
        key: &FlowKey,
    ) -> tsos_domain::users::UserSets {
        let mut merged: std::collections::HashMap<(OrgId, Role, &str), UserState> =
            std::collections::HashMap::new();
        for (org, role, id, state) in rows {
            if let (Some(org), Some(id)) = (org, id) {
                merged
                    .entry((org.clone(), *role, id))
                    .or_default()
                    .merge(*state);
            }
        }
        let mut sets = tsos_domain::users::UserSets::new();
        // Every organisation that has rows has its sets, empty ones too.
        for (org, ..) in rows {
            if let Some(org) = org {
                sets.entry(org.clone()).or_default();
            }
        }
        for ((org, role, id), state) in merged {
            if tally.add(&mut tally.empty(), role, state) {
                sets.get_mut(&org)
                    .unwrap()
                    .get_mut(role)
                    .push(key.hash(id.as_bytes()));
            }
        }
        for roles in sets.values_mut() {
            for role in Role::ALL {
                roles.get_mut(role).sort_unstable();
            }
        }
        sets
    }

    #[test]
    fn spelled_ids_and_numbers_do_not_meet() {
        let names = OrgNames::default();
        let code = OrgId::normalize("ШК-12").unwrap();
        let inn = OrgId::normalize("0512345678").unwrap();
        let (a, b) = (names.key(&code), names.key(&inn));
        assert_ne!(a, b);
        assert_eq!(names.key(&code), a);
        assert_eq!(names.id(a), code);
        assert_eq!(names.id(b), inn);
    }
}
