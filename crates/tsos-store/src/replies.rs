//! Schools' replies to their notices, the authority's reviews and the one file a reply may
//! carry (issue 16). Rows are only ever added: a school's second reply and a second review are
//! new rows, so the history is whole. Who may reply or review is decided in `tsos-app`; this
//! module only stores and reads.

use tsos_domain::replies::{AttachmentKind, NoticeReply, ReplyReason, ReviewDecision};
use tsos_domain::{OrgId, Role};

use crate::engine::{Begin, Param, Row, Sql, args};
use crate::{Store, StoreError, now};

/// The indicator of a letter a reply is about: the school and one platform's role.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReplySubject {
    pub letter_id: i64,
    pub org: OrgId,
    /// The platform's code.
    pub platform: String,
    pub role: Role,
}

/// A file to attach, already checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub kind: AttachmentKind,
    pub sha256: String,
    pub content: Vec<u8>,
}

/// An attached file as stored, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub file_name: String,
    pub kind: AttachmentKind,
    pub size: u64,
    pub sha256: String,
}

/// A review of a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReview {
    pub id: i64,
    pub decision: ReviewDecision,
    pub comment: String,
    /// UTC, RFC 3339.
    pub reviewed_at: String,
    pub login: String,
}

/// A stored reply with its reviews (oldest first) and its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReply {
    pub id: i64,
    pub subject: ReplySubject,
    pub reply: NoticeReply,
    /// UTC, RFC 3339.
    pub replied_at: String,
    pub login: String,
    pub attachment: Option<AttachmentInfo>,
    pub reviews: Vec<StoredReview>,
}

impl Store {
    /// Saves a reply and its file in one transaction; returns the reply's id.
    pub fn save_reply(
        &mut self,
        subject: &ReplySubject,
        reply: &NoticeReply,
        attachment: Option<&NewAttachment>,
        login: &str,
    ) -> Result<i64, StoreError> {
        self.db.transaction(Begin::Deferred, |tx| {
            let id: i64 = tx
                .row(
                    "INSERT INTO notice_reply (letter_id, org_id, platform, role, reason, text,
                                               measures, expected_by, replied_at, login)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                    args![
                        subject.letter_id,
                        subject.org.as_str(),
                        subject.platform,
                        subject.role.code(),
                        reply.reason.code(),
                        reply.text,
                        reply.measures,
                        reply.expected_by.to_string(),
                        now(),
                        login,
                    ],
                )?
                .get(0)?;
            if let Some(file) = attachment {
                tx.execute(
                    "INSERT INTO notice_reply_attachment (reply_id, file_name, kind, size, sha256, content)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    args![
                        id,
                        file.file_name,
                        file.kind.code(),
                        file.content.len() as i64,
                        file.sha256,
                        file.content,
                    ],
                )?;
            }
            Ok(id)
        })
    }

    /// Saves a review of reply `reply_id`; returns its id.
    pub fn save_review(
        &mut self,
        reply_id: i64,
        decision: ReviewDecision,
        comment: &str,
        login: &str,
    ) -> Result<i64, StoreError> {
        self.db
            .row(
                "INSERT INTO notice_reply_review (reply_id, decision, comment, reviewed_at, login)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                args![reply_id, decision.code(), comment, now(), login],
            )?
            .get(0)
    }

    /// Every reply to letter `letter_id`, oldest first, with its reviews and file.
    pub fn replies(&self, letter_id: i64) -> Result<Vec<StoredReply>, StoreError> {
        self.query_replies("WHERE r.letter_id = ?1", args![letter_id])
    }

    /// The reply `id`, if there is one.
    pub fn reply(&self, id: i64) -> Result<Option<StoredReply>, StoreError> {
        Ok(self
            .query_replies("WHERE r.id = ?1", args![id])?
            .into_iter()
            .next())
    }

    /// The file of reply `reply_id`: what is known of it and its bytes.
    pub fn reply_attachment(
        &self,
        reply_id: i64,
    ) -> Result<Option<(AttachmentInfo, Vec<u8>)>, StoreError> {
        self.db
            .opt_row(
                "SELECT file_name, kind, size, sha256, content FROM notice_reply_attachment
                 WHERE reply_id = ?1",
                args![reply_id],
            )?
            .map(|row| {
                Ok((
                    AttachmentInfo {
                        file_name: row.get(0)?,
                        kind: row.code(1, AttachmentKind::from_code)?,
                        size: row.u64(2)?.unwrap_or(0),
                        sha256: row.get(3)?,
                    },
                    row.get(4)?,
                ))
            })
            .transpose()
    }

    fn query_replies(
        &self,
        filter: &str,
        args: &[Param<'_>],
    ) -> Result<Vec<StoredReply>, StoreError> {
        let sql = format!(
            "SELECT r.id, r.letter_id, r.org_id, r.platform, r.role, r.reason, r.text, r.measures,
                    r.expected_by, r.replied_at, r.login,
                    a.file_name, a.kind, a.size, a.sha256
             FROM notice_reply r LEFT JOIN notice_reply_attachment a ON a.reply_id = r.id
             {filter} ORDER BY r.id"
        );
        let mut replies = self.db.map(&sql, args, reply_from_row)?;
        for reply in &mut replies {
            reply.reviews = self.db.map(
                "SELECT id, decision, comment, reviewed_at, login FROM notice_reply_review
                 WHERE reply_id = ?1 ORDER BY id",
                args![reply.id],
                |row| {
                    Ok(StoredReview {
                        id: row.get(0)?,
                        decision: row.code(1, ReviewDecision::from_code)?,
                        comment: row.get(2)?,
                        reviewed_at: row.get(3)?,
                        login: row.get(4)?,
                    })
                },
            )?;
        }
        Ok(replies)
    }
}

fn reply_from_row(row: &Row) -> Result<StoredReply, StoreError> {
    let attachment = match row.get::<Option<String>>(11)? {
        None => None,
        Some(file_name) => Some(AttachmentInfo {
            file_name,
            kind: row.code(12, AttachmentKind::from_code)?,
            size: row.u64(13)?.unwrap_or(0),
            sha256: row.get(14)?,
        }),
    };
    Ok(StoredReply {
        id: row.get(0)?,
        subject: ReplySubject {
            letter_id: row.get(1)?,
            org: OrgId::from_normalized(row.get(2)?),
            platform: row.get(3)?,
            role: row.code(4, Role::from_code)?,
        },
        reply: NoticeReply {
            reason: row.code(5, ReplyReason::from_code)?,
            text: row.get(6)?,
            measures: row.get(7)?,
            expected_by: row.parse(8, |t| t.parse::<jiff::civil::Date>())?,
        },
        replied_at: row.get(9)?,
        login: row.get(10)?,
        attachment,
        reviews: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::NewLetter;

    #[test]
    fn replies_and_reviews_are_kept_with_their_history() {
        crate::testing::each_engine(replies_and_reviews_are_kept_with_their_history_in);
    }

    fn replies_and_reviews_are_kept_with_their_history_in(mut store: Store) {
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
        let subject = ReplySubject {
            letter_id: letter,
            org: OrgId::normalize("0500000001").unwrap(),
            platform: "sferum".into(),
            role: Role::Teachers,
        };
        let first = NoticeReply {
            reason: ReplyReason::NoAccounts,
            text: "у пяти учителей нет учетных записей".into(),
            measures: "заведем до пятницы".into(),
            expected_by: date(2023, 10, 30),
        };
        let file = NewAttachment {
            file_name: "план.pdf".into(),
            kind: AttachmentKind::Pdf,
            sha256: "ab".into(),
            content: b"%PDF-1.7 plan".to_vec(),
        };
        let one = store
            .save_reply(&subject, &first, Some(&file), "school_a")
            .unwrap();
        store
            .save_review(one, ReviewDecision::Return, "уточните сроки", "muni_a")
            .unwrap();
        let second = NoticeReply {
            expected_by: date(2023, 10, 25),
            ..first.clone()
        };
        let two = store
            .save_reply(&subject, &second, None, "school_a")
            .unwrap();

        let all = store.replies(letter).unwrap();
        assert_eq!(
            all.len(),
            2,
            "the second reply does not overwrite the first"
        );
        assert_eq!(all[0].reply, first);
        assert_eq!(all[0].subject, subject);
        assert_eq!(all[0].reviews.len(), 1);
        assert_eq!(all[0].reviews[0].decision, ReviewDecision::Return);
        assert_eq!(all[0].reviews[0].comment, "уточните сроки");
        assert_eq!(all[0].attachment.as_ref().unwrap().size, 13);
        assert_eq!(all[1].id, two);
        assert_eq!(all[1].reply.expected_by, date(2023, 10, 25));
        assert!(all[1].reviews.is_empty() && all[1].attachment.is_none());

        let (info, bytes) = store.reply_attachment(one).unwrap().unwrap();
        assert_eq!((info.kind, bytes), (AttachmentKind::Pdf, file.content));
        assert_eq!(store.reply_attachment(two).unwrap(), None);
        assert_eq!(store.reply(two).unwrap().unwrap(), all[1]);
        assert_eq!(store.reply(two + 1).unwrap(), None);
        assert!(store.replies(letter + 1).unwrap().is_empty());
    }
}
