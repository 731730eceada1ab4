//! Notices by e-mail (issue 16): the schools' addresses the registry gave, and the log of every
//! attempt to send a school its notice of a letter. Which school gets mail and what a result
//! means is decided in `tsos-app`; this module only stores and reads.

use std::collections::HashMap;

use tsos_domain::OrgId;
use tsos_domain::email::{DeliveryResult, MailKind};

use crate::engine::{Sql, args};
use crate::{Store, StoreError, now};

/// One logged attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub letter_id: i64,
    pub org: OrgId,
    pub kind: MailKind,
    /// The addresses written to, `, `-separated; empty where the school had none.
    pub address: String,
    /// UTC, RFC 3339.
    pub attempted_at: String,
    pub result: DeliveryResult,
    /// The server's answer («250 2.0.0 Ok: queued as …», «550 5.1.1 …»), or why nothing was
    /// sent.
    pub answer: String,
}

impl Store {
    /// Per school, the addresses of its latest current version that gives any: a registry
    /// without the column, or with the cell left empty, does not take away an address an
    /// earlier one gave. Of two versions of one date, a registry import's wins.
    pub fn school_emails(&self) -> Result<HashMap<OrgId, String>, StoreError> {
        let rows = self.db.map(
            "SELECT v.org_id, v.email FROM school_version v JOIN snapshot s ON s.id = v.snapshot_id
             WHERE s.superseded_by IS NULL AND v.email IS NOT NULL AND v.email != ''
             ORDER BY s.as_of, s.kind = 'registry', s.id",
            args![],
            |row| Ok((OrgId::from_normalized(row.get(0)?), row.get::<String>(1)?)),
        )?;
        let mut emails = HashMap::new();
        for (org, email) in rows {
            // Later rows are later versions: the last one wins.
            emails.insert(org, email);
        }
        Ok(emails)
    }

    /// Logs one attempt, at once: a message the server took is on record before the next one
    /// goes, so that a run cut short never sends it again.
    pub fn log_delivery(
        &mut self,
        letter_id: i64,
        org: &OrgId,
        kind: MailKind,
        address: &str,
        result: DeliveryResult,
        answer: &str,
    ) -> Result<Delivery, StoreError> {
        let attempted_at = now();
        let id: i64 = self.db.row(
            "INSERT INTO notice_delivery (letter_id, org_id, kind, address, attempted_at, result, answer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            args![
                letter_id,
                org.as_str(),
                kind.code(),
                address,
                attempted_at,
                result.code(),
                answer
            ],
        )?.get(0)?;
        Ok(Delivery {
            id,
            letter_id,
            org: org.clone(),
            kind,
            address: address.to_string(),
            attempted_at,
            result,
            answer: answer.to_string(),
        })
    }

    /// Every attempt for letter `letter_id`, in the order they were made.
    pub fn deliveries(&self, letter_id: i64) -> Result<Vec<Delivery>, StoreError> {
        self.db.map(
            "SELECT id, letter_id, org_id, address, attempted_at, result, answer, kind
             FROM notice_delivery WHERE letter_id = ?1 ORDER BY id",
            args![letter_id],
            |row| {
                Ok(Delivery {
                    id: row.get(0)?,
                    letter_id: row.get(1)?,
                    org: OrgId::from_normalized(row.get(2)?),
                    address: row.get(3)?,
                    attempted_at: row.get(4)?,
                    result: row.code(5, DeliveryResult::from_code)?,
                    answer: row.get(6)?,
                    kind: row.code(7, MailKind::from_code)?,
                })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jiff::civil::date;
    use tsos_domain::{RoleMap, SnapshotKind};

    use super::*;
    use crate::{NewLetter, NewSnapshot, REGISTRY, SchoolRecord};

    fn registry(
        as_of: jiff::civil::Date,
        sha: &str,
        emails: &[(&str, Option<&str>)],
    ) -> NewSnapshot {
        NewSnapshot {
            dataset: REGISTRY.into(),
            as_of,
            kind: SnapshotKind::Registry,
            file_name: "реестр.csv".into(),
            sha256: sha.into(),
            has_confirmed: false,
            rows_read: emails.len() as u64,
            skipped: BTreeMap::new(),
            rejected: BTreeMap::new(),
            warnings: vec![],
            findings: vec![],
            without_org: RoleMap::default(),
            usage: vec![],
            usage_counts: Vec::new(),
            schools: emails
                .iter()
                .map(|(org, email)| SchoolRecord {
                    org: OrgId::normalize(org).unwrap(),
                    name: format!("Школа {org}"),
                    municipality: "Буйнакский район".into(),
                    region: "Республика Дагестан".into(),
                    contingent: RoleMap::default(),
                    email: email.map(str::to_string),
                })
                .collect(),
            chats: vec![],
            classes: vec![],
            user_sets: None,
        }
    }

    #[test]
    fn the_latest_address_given_wins() {
        crate::testing::each_engine(|mut store| {
            let (a, b, c) = ("0500000001", "0500000002", "0500000003");
            store
                .save_snapshot(&registry(
                    date(2023, 9, 1),
                    "s1",
                    &[(a, Some("old@a.ru")), (b, Some("b@b.ru")), (c, None)],
                ))
                .unwrap();
            // October: A moved, B's cell was left empty, C still has none.
            store
                .save_snapshot(&registry(
                    date(2023, 10, 1),
                    "s2",
                    &[(a, Some("new@a.ru")), (b, None), (c, None)],
                ))
                .unwrap();
            let emails = store.school_emails().unwrap();
            let of = |org: &str| emails.get(&OrgId::normalize(org).unwrap()).cloned();
            assert_eq!(of(a).as_deref(), Some("new@a.ru"));
            assert_eq!(of(b).as_deref(), Some("b@b.ru"));
            assert_eq!(of(c), None);
            // A superseded file's addresses are gone with it.
            store
                .save_snapshot(&registry(date(2023, 10, 1), "s3", &[(a, None)]))
                .unwrap();
            assert_eq!(
                store.school_emails().unwrap()[&OrgId::normalize(a).unwrap()],
                "old@a.ru"
            );
        });
    }

    #[test]
    fn attempts_are_logged_in_order() {
        crate::testing::each_engine(|mut store| {
            let letter = store
                .save_letter(&NewLetter {
                    number: "1".into(),
                    date: date(2023, 10, 12),
                    as_of: date(2023, 10, 1),
                    deadline: date(2023, 10, 20),
                    addressees: "schools".into(),
                    files: vec![],
                    items: vec![],
                })
                .unwrap();
            let org = OrgId::normalize("0500000001").unwrap();
            store
                .log_delivery(
                    letter,
                    &org,
                    MailKind::Notice,
                    "a@a.ru",
                    DeliveryResult::Failed,
                    "550 нет такого",
                )
                .unwrap();
            let sent = store
                .log_delivery(
                    letter,
                    &org,
                    MailKind::Reminder,
                    "a@a.ru",
                    DeliveryResult::Sent,
                    "250 Ok",
                )
                .unwrap();
            let log = store.deliveries(letter).unwrap();
            assert_eq!(log.len(), 2);
            assert_eq!(log[0].result, DeliveryResult::Failed);
            assert_eq!(log[0].answer, "550 нет такого");
            assert_eq!(log[1], sent);
            assert_eq!(
                (log[0].kind, log[1].kind),
                (MailKind::Notice, MailKind::Reminder)
            );
            assert!(store.deliveries(letter + 1).unwrap().is_empty());
        });
    }
}
