//! The keyed hash sets of a snapshot's active users (SPEC §7), from which the user flows are
//! computed: per school and role, sorted 64-bit hashes. Never an id: the hashes are keyed by a
//! secret that stays outside the database.
//!
//! A snapshot's sets are a few values `user_set.sets` of about [`PART_BYTES`] each, in the order
//! of `part`; each holds whole entries, one for each school and role with someone active, in
//! the order of the school's id and the role's code:
//! - the school's id: its length in bytes as a little-endian `u16`, then its UTF-8 bytes;
//! - the role's code (`teachers`…): its length as one byte, then its bytes;
//! - how many hashes: a little-endian `u32`;
//! - the hashes, ascending, each a little-endian `u64`.
//!
//! Few values rather than a row per school and role: the rows cost a national import 0.19 s of
//! its one-threaded write against 0.06 s. The flows read them a value at a time
//! ([`SchoolSetsReader`]), each snapshot of a chain beside the others. Not one
//! value either: SQLite held a value of 28 MB three times over while it wrote it (the import's
//! peak went from 173 to 264 MB).

use std::collections::VecDeque;

use jiff::civil::Date;
use tsos_domain::users::UserSets;
use tsos_domain::{OrgId, Role, RoleMap};

use crate::engine::{Column, Param, Sql, Tx, args};
use crate::{Store, StoreError};

/// A snapshot's sets and the fingerprint of the key that made them: sets made under another
/// key cannot be compared, so a chain of months ends where it changes.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyedUserSets {
    pub key_fingerprint: String,
    pub sets: UserSets,
}

/// The columns of `user_set` in the order `insert` writes them and `db copy` copies them.
pub(crate) const USER_SET_COLUMNS: &[(&str, Column)] = &[
    ("snapshot_id", Column::Int),
    ("part", Column::Int),
    ("sets", Column::Bytes),
];

/// About how many bytes a value of sets holds: a part ends after the entry that reaches it.
const PART_BYTES: usize = 1 << 20;

/// Writes a new snapshot's sets in its transaction. Empty sets are not written: a school
/// and role absent from a keyed snapshot's sets had nobody active.
pub(crate) fn insert(tx: &Tx<'_>, id: i64, keyed: &KeyedUserSets) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE snapshot SET user_set_key = ?1 WHERE id = ?2",
        args![keyed.key_fingerprint, id],
    )?;
    check_sizes(&keyed.sets).map_err(|detail| StoreError::Corrupt { id, detail })?;
    // Each part packed as its row is written: the sets are not held twice.
    tx.bulk_insert(
        "user_set",
        USER_SET_COLUMNS,
        Parts::of(&keyed.sets).enumerate().map(|(part, bytes)| {
            vec![
                Param::Int(id),
                Param::Int(part as i64),
                Param::OwnedBytes(bytes),
            ]
        }),
    )
}

/// The entries of the sets (the module's layout), with someone active.
fn entries(sets: &UserSets) -> impl Iterator<Item = (&OrgId, Role, &[u64])> {
    sets.iter().flat_map(|(org, roles)| {
        roles
            .iter()
            .filter(|(_, hashes)| !hashes.is_empty())
            .map(move |(role, hashes)| (org, role, hashes.as_slice()))
    })
}

/// A school's id longer than 65,535 bytes or a set of more than 2³² hashes cannot be written:
/// an error, never a silent cut.
fn check_sizes(sets: &UserSets) -> Result<(), String> {
    for (org, _, hashes) in entries(sets) {
        if u16::try_from(org.as_str().len()).is_err() {
            return Err(format!(
                "идентификатор ОО длиннее 65 535 байт: {}",
                org.as_str()
            ));
        }
        if u32::try_from(hashes.len()).is_err() {
            return Err(format!("в наборе ОО {} больше 2³² хешей", org.as_str()));
        }
    }
    Ok(())
}

/// The values of the sets, packed one after another as they are asked for.
struct Parts<'a> {
    entries: std::iter::Peekable<std::vec::IntoIter<(&'a OrgId, Role, &'a [u64])>>,
}

impl<'a> Parts<'a> {
    /// Sizes checked by [`check_sizes`].
    fn of(sets: &'a UserSets) -> Parts<'a> {
        Parts {
            entries: entries(sets).collect::<Vec<_>>().into_iter().peekable(),
        }
    }
}

impl Iterator for Parts<'_> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        self.entries.peek()?;
        let mut bytes = Vec::with_capacity(PART_BYTES + PART_BYTES / 8);
        while bytes.len() < PART_BYTES {
            let Some((org, role, hashes)) = self.entries.next() else {
                break;
            };
            bytes.extend_from_slice(&(org.as_str().len() as u16).to_le_bytes());
            bytes.extend_from_slice(org.as_str().as_bytes());
            bytes.push(role.code().len() as u8);
            bytes.extend_from_slice(role.code().as_bytes());
            bytes.extend_from_slice(&(hashes.len() as u32).to_le_bytes());
            // Room made at once and filled in place: with an `extend` per hash, the 3.9 M
            // hashes of a national file took 71–87 ms to write instead of 58–67.
            let start = bytes.len();
            bytes.resize(start + hashes.len() * 8, 0);
            for (slot, hash) in bytes[start..].chunks_exact_mut(8).zip(hashes) {
                slot.copy_from_slice(&hash.to_le_bytes());
            }
        }
        Some(bytes)
    }
}

/// One school's sets by role.
pub type SchoolSets = (OrgId, RoleMap<Vec<u64>>);

/// Appends the entries of a value [`Parts`] wrote to `schools`, a school's roles gathered
/// (a school's roles may begin in one value and end in the next). Each set is checked to be a
/// sorted set so that the merges of the flows can trust them, and each entry to come after
/// the one before it in the module's order — a school once, each of its roles once — so that
/// several snapshots' sets can be walked side by side; anything else is named as the
/// snapshot's corruption.
fn unpack(
    snapshot: i64,
    bytes: &[u8],
    schools: &mut VecDeque<SchoolSets>,
) -> Result<(), StoreError> {
    let corrupt = |detail: &str| StoreError::Corrupt {
        id: snapshot,
        detail: format!("наборы хешей пользователей: {detail}"),
    };
    // The next `n` bytes; `None` where the value is cut short.
    fn take<'b>(rest: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
        let (taken, after) = rest.split_at_checked(n)?;
        *rest = after;
        Some(taken)
    }
    let cut = || corrupt("значение обрывается");
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut next = |n: usize| take(&mut rest, n).ok_or_else(cut);
        let org_len = u16::from_le_bytes(next(2)?.try_into().unwrap_or_default());
        let org = std::str::from_utf8(next(usize::from(org_len))?)
            .map_err(|_| corrupt("идентификатор ОО не в UTF-8"))?;
        let role_len = next(1)?[0];
        let role = std::str::from_utf8(next(usize::from(role_len))?)
            .ok()
            .and_then(Role::from_code)
            .ok_or_else(|| corrupt("неизвестная роль"))?;
        let n = u32::from_le_bytes(next(4)?.try_into().unwrap_or_default()) as usize;
        let raw = next(n.checked_mul(8).ok_or_else(cut)?)?;
        let hashes: Vec<u64> = raw
            .chunks_exact(8)
            .map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap_or_default()))
            .collect();
        if hashes.windows(2).any(|w| w[0] >= w[1]) {
            return Err(corrupt("набор не упорядочен"));
        }
        let roles = match schools.back_mut() {
            Some((last, roles)) if last.as_str() == org => roles,
            Some((last, _)) if last.as_str() > org => {
                return Err(corrupt("ОО не по порядку идентификаторов"));
            }
            _ => {
                schools.push_back((OrgId::from_normalized(org.to_string()), RoleMap::default()));
                &mut schools.back_mut().expect("just pushed").1
            }
        };
        if !roles.get(role).is_empty() {
            return Err(corrupt("набор ОО и роли повторяется"));
        }
        *roles.get_mut(role) = hashes;
    }
    Ok(())
}

/// A snapshot's sets a school at a time, in the order of the schools' ids, reading a value
/// when the ones before are used up: the flows of a chain of months hold about a value of
/// each snapshot, never a snapshot's sets whole, however long the chain (read whole, the
/// earlier months' union grew with every distinct user of the chain: 8 bytes each).
pub struct SchoolSetsReader<'s> {
    store: &'s Store,
    snapshot: i64,
    next_part: i64,
    /// Whether every value has been read.
    done: bool,
    /// Schools read and not yet given, in order; the last may go on in the next value.
    schools: VecDeque<SchoolSets>,
}

impl SchoolSetsReader<'_> {
    /// The next school with someone active, or `None` after the last.
    pub fn next_school(&mut self) -> Result<Option<SchoolSets>, StoreError> {
        while !self.done && self.schools.len() < 2 {
            let value = self.store.db.opt_row(
                "SELECT sets FROM user_set WHERE snapshot_id = ?1 AND part = ?2",
                args![self.snapshot, self.next_part],
            )?;
            let Some(value) = value else {
                self.done = true;
                break;
            };
            unpack(self.snapshot, &value.get::<Vec<u8>>(0)?, &mut self.schools)?;
            self.next_part += 1;
        }
        Ok(self.schools.pop_front())
    }
}

impl Store {
    /// The sets of a snapshot, or `None` where it was imported without a key.
    pub fn user_sets(&self, snapshot: i64) -> Result<Option<KeyedUserSets>, StoreError> {
        let Some(row) = self.db.opt_row(
            "SELECT user_set_key FROM snapshot WHERE id = ?1 AND user_set_key IS NOT NULL",
            args![snapshot],
        )?
        else {
            return Ok(None);
        };
        let key_fingerprint: String = row.get(0)?;
        // A keyed snapshot with nobody active has no part: empty sets.
        let mut schools = VecDeque::new();
        self.db.each_row(
            "SELECT sets FROM user_set WHERE snapshot_id = ?1 ORDER BY part",
            args![snapshot],
            &mut |row| unpack(snapshot, &row.get::<Vec<u8>>(0)?, &mut schools),
        )?;
        Ok(Some(KeyedUserSets {
            key_fingerprint,
            sets: schools.into_iter().collect(),
        }))
    }

    /// The sets of a keyed snapshot a school at a time (one without a key reads as empty).
    pub fn school_sets(&self, snapshot: i64) -> SchoolSetsReader<'_> {
        SchoolSetsReader {
            store: self,
            snapshot,
            next_part: 0,
            done: false,
            schools: Default::default(),
        }
    }

    /// The current snapshots of `dataset` up to `as_of`, latest first, with whether each has
    /// sets and under which key: the candidates of a chain of monthly dates.
    pub fn user_set_keys(
        &self,
        dataset: &str,
        as_of: Date,
    ) -> Result<Vec<(i64, Date, Option<String>)>, StoreError> {
        self.db.map(
            "SELECT id, as_of, user_set_key FROM snapshot
             WHERE dataset = ?1 AND as_of <= ?2 AND superseded_by IS NULL
             ORDER BY as_of DESC",
            args![dataset, as_of.to_string()],
            |row| {
                Ok((
                    row.get(0)?,
                    row.parse(1, |text| text.parse::<Date>())?,
                    row.get(2)?,
                ))
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jiff::civil::date;
    use tsos_domain::SnapshotKind;

    use super::*;
    use crate::testing::{TestDb, each_engine};
    use crate::{NewSnapshot, SaveOutcome};

    fn snapshot(user_sets: Option<KeyedUserSets>) -> NewSnapshot {
        NewSnapshot {
            dataset: "myschool".into(),
            as_of: date(2025, 10, 1),
            kind: SnapshotKind::PerUser,
            file_name: "users.csv".into(),
            sha256: format!("{}", user_sets.is_some()),
            has_confirmed: false,
            rows_read: 5,
            skipped: BTreeMap::new(),
            rejected: BTreeMap::new(),
            warnings: vec![],
            findings: vec![],
            without_org: RoleMap::default(),
            usage: vec![],
            usage_counts: vec![],
            schools: vec![],
            chats: vec![],
            classes: vec![],
            user_sets,
        }
    }

    fn keyed() -> KeyedUserSets {
        let mut roles: RoleMap<Vec<u64>> = RoleMap::default();
        // Both ends of the range: the bytes are unsigned on either engine.
        *roles.get_mut(Role::Teachers) = vec![0, 7, u64::MAX];
        *roles.get_mut(Role::Staff) = vec![1 << 63];
        let mut sets = UserSets::new();
        sets.insert(OrgId::normalize("0500000001").unwrap(), roles);
        KeyedUserSets {
            key_fingerprint: "00ff".into(),
            sets,
        }
    }

    #[test]
    fn sets_come_back_and_are_copied() {
        each_engine(|mut store| {
            let saved = |store: &mut Store, new| match store.save_snapshot(&new).unwrap() {
                SaveOutcome::Saved { id, .. } => id,
                SaveOutcome::Unchanged { .. } => panic!("a new file"),
            };
            let without = saved(&mut store, snapshot(None));
            assert_eq!(store.user_sets(without).unwrap(), None);
            let with = saved(&mut store, snapshot(Some(keyed())));
            assert_eq!(store.user_sets(with).unwrap(), Some(keyed()));
            let keys = store.user_set_keys("myschool", date(2025, 10, 1)).unwrap();
            assert_eq!(keys, [(with, date(2025, 10, 1), Some("00ff".to_string()))]);
            let target = TestDb::sqlite();
            let mut copy = target.open();
            store.copy_to(&mut copy).unwrap();
            assert_eq!(copy.user_sets(with).unwrap(), Some(keyed()));
        });
    }

    /// Every part of `sets`, one after another.
    fn packed(sets: &UserSets) -> Vec<u8> {
        check_sizes(sets).unwrap();
        Parts::of(sets).collect::<Vec<_>>().concat()
    }

    fn unpacked(snapshot: i64, bytes: &[u8]) -> Result<UserSets, StoreError> {
        let mut schools = VecDeque::new();
        unpack(snapshot, bytes, &mut schools).map(|()| schools.into_iter().collect())
    }

    /// The id of a new snapshot saved with `sets`.
    fn saved_with(store: &mut Store, sets: &UserSets) -> i64 {
        let new = NewSnapshot {
            user_sets: Some(KeyedUserSets {
                key_fingerprint: "01".into(),
                sets: sets.clone(),
            }),
            ..snapshot(None)
        };
        match store.save_snapshot(&new).unwrap() {
            SaveOutcome::Saved { id, .. } => id,
            SaveOutcome::Unchanged { .. } => panic!("a new file"),
        }
    }

    #[test]
    fn large_sets_are_written_in_parts_of_whole_entries() {
        // Three schools of 100,000 active teachers, 800 KB each: a part ends after the entry
        // that reaches 1 MB, so parts of two schools and of one.
        let mut sets = UserSets::new();
        for (n, inn) in ["0500000001", "0500000002", "0500000003"]
            .iter()
            .enumerate()
        {
            let mut roles: RoleMap<Vec<u64>> = RoleMap::default();
            *roles.get_mut(Role::Teachers) = (0..100_000).map(|i| i * 3 + n as u64).collect();
            sets.insert(OrgId::normalize(inn).unwrap(), roles);
        }
        let parts: Vec<Vec<u8>> = Parts::of(&sets).collect();
        assert_eq!(parts.len(), 2);
        let mut back = VecDeque::new();
        for part in &parts {
            unpack(1, part, &mut back).unwrap();
        }
        assert_eq!(back.into_iter().collect::<UserSets>(), sets);
        each_engine(|mut store| {
            let id = saved_with(&mut store, &sets);
            assert_eq!(store.user_sets(id).unwrap().unwrap().sets, sets);
        });
    }

    #[test]
    fn sets_are_read_a_school_at_a_time_across_parts() {
        // The first school's third role begins the second part, after 1.2 MB of its own.
        let mut sets = UserSets::new();
        let mut first: RoleMap<Vec<u64>> = RoleMap::default();
        *first.get_mut(Role::Teachers) = (0..100_000).collect();
        *first.get_mut(Role::Students) = (0..50_000).map(|i| i * 2).collect();
        *first.get_mut(Role::Parents) = vec![5, 6];
        sets.insert(OrgId::normalize("0500000001").unwrap(), first);
        let mut second: RoleMap<Vec<u64>> = RoleMap::default();
        *second.get_mut(Role::Staff) = vec![9];
        sets.insert(OrgId::normalize("0500000002").unwrap(), second);
        assert_eq!(Parts::of(&sets).count(), 2);
        each_engine(|mut store| {
            let id = saved_with(&mut store, &sets);
            let mut reader = store.school_sets(id);
            let mut read = Vec::new();
            while let Some(school) = reader.next_school().unwrap() {
                read.push(school);
            }
            assert_eq!(read, sets.clone().into_iter().collect::<Vec<_>>());
            // A snapshot without sets reads as none.
            let bare = NewSnapshot {
                sha256: "bare".into(),
                ..snapshot(None)
            };
            let without = match store.save_snapshot(&bare).unwrap() {
                SaveOutcome::Saved { id, .. } => id,
                SaveOutcome::Unchanged { .. } => panic!("a new file"),
            };
            assert_eq!(store.school_sets(without).next_school().unwrap(), None);
        });
    }

    #[test]
    fn a_value_that_is_no_sets_is_an_error() {
        let good = packed(&keyed().sets);
        assert_eq!(unpacked(1, &good).unwrap(), keyed().sets);
        assert_eq!(unpacked(1, &[]).unwrap(), UserSets::new());
        let error = |bytes: &[u8]| match unpacked(7, bytes) {
            Err(StoreError::Corrupt { id: 7, detail }) => detail,
            other => panic!("{other:?}"),
        };
        // Cut anywhere: the last hash, inside the count, inside the id.
        for cut in [good.len() - 1, good.len() - 9, 5] {
            assert!(error(&good[..cut]).contains("обрывается"), "{cut}");
        }
        // A role nobody knows, and hashes out of order.
        let mut sets = UserSets::new();
        let mut roles: RoleMap<Vec<u64>> = RoleMap::default();
        *roles.get_mut(Role::Parents) = vec![2, 1];
        sets.insert(OrgId::normalize("0500000001").unwrap(), roles);
        let unsorted = packed(&sets);
        assert!(error(&unsorted).contains("не упорядочен"));
        let unknown = String::from_utf8_lossy(&unsorted).replace("parents", "parrots");
        assert!(error(unknown.as_bytes()).contains("неизвестная роль"));
        // The same school and role twice, as in two parts.
        let mut sorted = sets.clone();
        for roles in sorted.values_mut() {
            roles.get_mut(Role::Parents).sort_unstable();
        }
        let once = packed(&sorted);
        assert!(error(&[once.clone(), once.clone()].concat()).contains("повторяется"));
        // A school before the one written ahead of it: the walk side by side needs the order.
        let mut earlier = UserSets::new();
        earlier.insert(
            OrgId::normalize("0400000001").unwrap(),
            sorted.values().next().unwrap().clone(),
        );
        assert!(error(&[once, packed(&earlier)].concat()).contains("не по порядку"));
    }
}
