//! What a person told tsos about files it could not read alone, kept for the next month: the
//! meanings given to the columns of a header (layouts, SPEC §5.3), and the registry schools
//! that names without ИНН were matched to (SPEC §5.2). The rules of reading live in
//! `tsos-ingest` and the domain; this module only stores and reads.

use crate::engine::{Param, Sql, args};
use crate::{Store, StoreError, now};

/// A saved layout profile: the meanings of the columns of one header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutProfile {
    pub id: i64,
    /// The header's normalised cells, in order: what a later file must have to use it.
    pub header_key: String,
    /// The dataset of the import it was saved with.
    pub dataset: String,
    /// (header as written, meaning's code), e.g. («Всего учеников», `registered`).
    pub mapping: Vec<(String, String)>,
    /// The file it was saved with.
    pub file_name: String,
    pub saved_at: String,
    /// When a later import last applied it.
    pub used_at: Option<String>,
}

impl Store {
    /// Saves the layout of `header_key`, replacing one saved for the same header.
    pub fn save_profile(
        &mut self,
        header_key: &str,
        dataset: &str,
        mapping: &[(String, String)],
        file_name: &str,
    ) -> Result<i64, StoreError> {
        let json = serde_json::to_string(mapping).expect("pairs of strings serialise");
        self.db
            .row(
            "INSERT INTO layout_profile (header_key, dataset, mapping_json, file_name, saved_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (header_key) DO UPDATE SET dataset = excluded.dataset,
                 mapping_json = excluded.mapping_json, file_name = excluded.file_name,
                 saved_at = excluded.saved_at, used_at = NULL
             RETURNING id",
            args![header_key, dataset, json, file_name, now()],
        )?
            .get(0)
    }

    /// The layout saved for `header_key`, if any.
    pub fn profile_for(&self, header_key: &str) -> Result<Option<LayoutProfile>, StoreError> {
        Ok(self
            .query_profiles("WHERE header_key = ?1", args![header_key])?
            .into_iter()
            .next())
    }

    /// Every saved layout, the newest first.
    pub fn profiles(&self) -> Result<Vec<LayoutProfile>, StoreError> {
        self.query_profiles("ORDER BY id DESC", args![])
    }

    /// Notes that an import applied layout `id`.
    pub fn mark_profile_used(&mut self, id: i64) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE layout_profile SET used_at = ?1 WHERE id = ?2",
            args![now(), id],
        )?;
        Ok(())
    }

    /// Forgets layout `id`; later files with its header are read by their words again.
    pub fn remove_profile(&mut self, id: i64) -> Result<(), StoreError> {
        match self
            .db
            .execute("DELETE FROM layout_profile WHERE id = ?1", args![id])?
        {
            0 => Err(StoreError::NoProfile(id)),
            _ => Ok(()),
        }
    }

    fn query_profiles(
        &self,
        tail: &str,
        args: &[Param<'_>],
    ) -> Result<Vec<LayoutProfile>, StoreError> {
        let sql = format!(
            "SELECT id, header_key, dataset, mapping_json, file_name, saved_at, used_at
             FROM layout_profile {tail}"
        );
        self.db.map(&sql, args, |row| {
            Ok(LayoutProfile {
                id: row.get(0)?,
                header_key: row.get(1)?,
                dataset: row.get(2)?,
                mapping: row.parse(3, |text| serde_json::from_str(text))?,
                file_name: row.get(4)?,
                saved_at: row.get(5)?,
                used_at: row.get(6)?,
            })
        })
    }

    /// Remembers that a school named `name_key` (in `municipality_key`, '' for none) is the
    /// registry's `org_id`.
    pub fn save_name_match(
        &mut self,
        name_key: &str,
        municipality_key: &str,
        org_id: &str,
    ) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO school_name_match (name_key, municipality_key, org_id, saved_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name_key, municipality_key) DO UPDATE SET org_id = excluded.org_id,
                 saved_at = excluded.saved_at",
            args![name_key, municipality_key, org_id, now()],
        )?;
        Ok(())
    }

    /// The school a person matched `name_key` in `municipality_key` to, if any.
    pub fn name_match(
        &self,
        name_key: &str,
        municipality_key: &str,
    ) -> Result<Option<String>, StoreError> {
        self.db
            .opt_row(
                "SELECT org_id FROM school_name_match
                 WHERE name_key = ?1 AND municipality_key = ?2",
                args![name_key, municipality_key],
            )?
            .map(|row| row.get(0))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_saved_found_replaced_and_removed() {
        crate::testing::each_engine(|mut store| {
            let mapping = vec![("Всего учеников".to_string(), "registered".to_string())];
            let id = store
                .save_profile("инн | всего учеников", "myschool", &mapping, "a.csv")
                .unwrap();
            let found = store.profile_for("инн | всего учеников").unwrap().unwrap();
            assert_eq!((found.id, &found.mapping), (id, &mapping));
            assert!(store.profile_for("инн").unwrap().is_none());
            store.mark_profile_used(id).unwrap();
            assert!(store.profiles().unwrap()[0].used_at.is_some());
            // The same header again replaces the mapping, under the same id.
            let other = vec![("Всего учеников".to_string(), "contingent".to_string())];
            let again = store
                .save_profile("инн | всего учеников", "myschool", &other, "b.csv")
                .unwrap();
            assert_eq!(again, id);
            assert_eq!(store.profiles().unwrap()[0].mapping, other);
            store.remove_profile(id).unwrap();
            assert!(store.profiles().unwrap().is_empty());
            assert!(matches!(
                store.remove_profile(id),
                Err(StoreError::NoProfile(_))
            ));
        });
    }

    #[test]
    fn a_name_match_is_remembered_per_municipality() {
        crate::testing::each_engine(|mut store| {
            store
                .save_name_match("мбоу сош №5", "буйнакский район", "0500000005")
                .unwrap();
            assert_eq!(
                store
                    .name_match("мбоу сош №5", "буйнакский район")
                    .unwrap()
                    .as_deref(),
                Some("0500000005")
            );
            assert_eq!(store.name_match("мбоу сош №5", "").unwrap(), None);
        });
    }
}
