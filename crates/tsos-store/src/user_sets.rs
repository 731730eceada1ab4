//! The keyed hash sets of a snapshot's active users (SPEC §7), from which the user flows are
//! computed: per school and role, sorted 64-bit hashes packed as little-endian bytes. Never an
//! id: the hashes are keyed by a secret that stays outside the database.

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
    ("org_id", Column::Text),
    ("role", Column::Text),
    ("hashes", Column::Bytes),
];

/// Writes a new snapshot's sets in its transaction. Empty sets are not written: a school
/// and role without a row in a keyed snapshot had nobody active.
pub(crate) fn insert(tx: &Tx<'_>, id: i64, keyed: &KeyedUserSets) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE snapshot SET user_set_key = ?1 WHERE id = ?2",
        args![keyed.key_fingerprint, id],
    )?;
    // Each set packed as its row is written: the sets are not held twice.
    tx.bulk_insert(
        "user_set",
        USER_SET_COLUMNS,
        keyed.sets.iter().flat_map(|(org, roles)| {
            roles
                .iter()
                .filter(|(_, hashes)| !hashes.is_empty())
                .map(move |(role, hashes)| {
                    vec![
                        Param::Int(id),
                        Param::Text(org.as_str()),
                        Param::Text(role.code()),
                        Param::OwnedBytes(pack(hashes)),
                    ]
                })
        }),
    )
}

fn pack(hashes: &[u64]) -> Vec<u8> {
    // Eight bytes at a time: a byte-wise `flat_map(..).collect()` showed in the profile of a
    // national import's write (3.5 million hashes).
    let mut bytes = Vec::with_capacity(hashes.len() * 8);
    for hash in hashes {
        bytes.extend_from_slice(&hash.to_le_bytes());
    }
    bytes
}

/// The hashes of a blob, checked to be a sorted set so that the merges of the flows can
/// trust them.
fn unpack(snapshot: i64, bytes: &[u8]) -> Result<Vec<u64>, StoreError> {
    let corrupt = |detail: &str| StoreError::Corrupt {
        id: snapshot,
        detail: detail.to_string(),
    };
    if !bytes.len().is_multiple_of(8) {
        return Err(corrupt("набор хешей пользователей не кратен 8 байтам"));
    }
    let hashes: Vec<u64> = bytes
        .chunks_exact(8)
        .map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap_or_default()))
        .collect();
    if hashes.windows(2).any(|w| w[0] >= w[1]) {
        return Err(corrupt("набор хешей пользователей не упорядочен"));
    }
    Ok(hashes)
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
        let mut sets = UserSets::new();
        self.db.each_row(
            "SELECT org_id, role, hashes FROM user_set WHERE snapshot_id = ?1",
            args![snapshot],
            &mut |row| {
                let org = OrgId::from_normalized(row.get::<String>(0)?);
                let role = row.code(1, Role::from_code)?;
                let hashes: Vec<u8> = row.get(2)?;
                let roles: &mut RoleMap<Vec<u64>> = sets.entry(org).or_default();
                *roles.get_mut(role) = unpack(snapshot, &hashes)?;
                Ok(())
            },
        )?;
        Ok(Some(KeyedUserSets {
            key_fingerprint,
            sets,
        }))
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

    #[test]
    fn a_blob_that_is_no_set_is_an_error() {
        assert!(unpack(1, &[0; 7]).is_err());
        assert!(unpack(1, &pack(&[2, 1])).is_err());
        assert_eq!(unpack(1, &pack(&[1, 2])).unwrap(), [1, 2]);
    }
}
