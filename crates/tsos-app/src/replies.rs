//! Schools' replies to their notices and the authority's reviews (issue 16). A notice is a
//! letter's lines about one school (`letter_item`); each named indicator has a thread of
//! replies, each reply its reviews. This module says what threads there are and in which
//! state, and lets a reply or a review through only where the state machine of
//! `tsos_domain::replies` allows it. Who the account is and what it may see is the caller's.

use std::collections::HashMap;

use jiff::civil::Date;
use sha2::{Digest, Sha256};
use thiserror::Error;
use tsos_domain::replies::{
    AttachmentKind, NoticeReply, ReplyState, ReviewDecision, checked_comment,
};
use tsos_domain::{OrgId, Shortfall};
use tsos_store::{LetterInfo, NewAttachment, ReplySubject, Store, StoreError, StoredReply};

/// Why a reply or a review was not taken. The messages are for the person who sent it.
#[derive(Debug, Error)]
pub enum ReplyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("письмо № {0} не называло этот показатель школы")]
    NoIndicator(i64),
    #[error("ответ по этому показателю уже принят; новый ответ не нужен")]
    Accepted,
    #[error("ответа № {0} нет")]
    NoReply(i64),
    #[error("ответ уже рассмотрен или школа прислала новый; обновите страницу")]
    NotReviewable,
    #[error("{0}")]
    Invalid(String),
}

/// One named indicator of one school in one letter, with every reply to it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyThread {
    pub letter: LetterInfo,
    pub item: Shortfall,
    /// The school's municipality and region as the registry had them at the letter's date;
    /// empty for a school the registry no longer knows.
    pub municipality: String,
    pub region: String,
    /// Oldest first.
    pub replies: Vec<StoredReply>,
    pub state: ReplyState,
}

impl ReplyThread {
    pub fn latest(&self) -> Option<&StoredReply> {
        self.replies.last()
    }

    pub fn subject(&self) -> ReplySubject {
        subject_of(self.letter.id, &self.item)
    }
}

pub(crate) fn subject_of(letter_id: i64, item: &Shortfall) -> ReplySubject {
    ReplySubject {
        letter_id,
        org: OrgId::from_normalized(item.org_id.clone()),
        platform: item.platform.clone(),
        role: item.role,
    }
}

/// The state of a thread of `replies`, oldest first.
fn state_of(replies: &[StoredReply]) -> ReplyState {
    let reviews: Vec<ReviewDecision> = replies
        .last()
        .map(|r| r.reviews.iter().map(|v| v.decision).collect())
        .unwrap_or_default();
    ReplyState::of(!replies.is_empty(), &reviews)
}

/// Per named indicator of letter `letter_id` that has replies: the state and the day the
/// latest reply promised.
pub(crate) fn reply_states(
    store: &Store,
    letter_id: i64,
) -> Result<HashMap<ReplySubject, (ReplyState, Date)>, StoreError> {
    let mut replies: HashMap<ReplySubject, Vec<StoredReply>> = HashMap::new();
    for reply in store.replies(letter_id)? {
        replies
            .entry(reply.subject.clone())
            .or_default()
            .push(reply);
    }
    Ok(replies
        .into_iter()
        .filter_map(|(subject, replies)| {
            let by = replies.last()?.reply.expected_by;
            Some((subject, (state_of(&replies), by)))
        })
        .collect())
}

/// The threads of the letters to schools, newest letter first and in each the letter's order,
/// of the schools `keep` accepts (by ИНН, before anything else is read for them).
pub fn reply_threads(
    store: &Store,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<ReplyThread>, StoreError> {
    let mut threads = Vec::new();
    for letter in store.letters()?.into_iter().rev() {
        if letter.addressees == "municipalities" {
            continue;
        }
        let items: Vec<Shortfall> = store
            .letter_items(letter.id)?
            .into_iter()
            .filter(|item| keep(&item.org_id))
            .collect();
        if items.is_empty() {
            continue;
        }
        let places: HashMap<String, (String, String)> = store
            .schools_at(letter.as_of)?
            .into_iter()
            .map(|s| (s.id.as_str().to_string(), (s.municipality, s.region)))
            .collect();
        let mut replies: HashMap<ReplySubject, Vec<StoredReply>> = HashMap::new();
        for reply in store.replies(letter.id)? {
            replies
                .entry(reply.subject.clone())
                .or_default()
                .push(reply);
        }
        for item in items {
            let replies = replies
                .remove(&subject_of(letter.id, &item))
                .unwrap_or_default();
            let (municipality, region) = places.get(&item.org_id).cloned().unwrap_or_default();
            threads.push(ReplyThread {
                letter: letter.clone(),
                state: state_of(&replies),
                item,
                municipality,
                region,
                replies,
            });
        }
    }
    Ok(threads)
}

/// The thread of `subject`, if its letter named that indicator of that school.
fn thread_of(store: &Store, subject: &ReplySubject) -> Result<ReplyThread, ReplyError> {
    reply_threads(store, |org| org == subject.org.as_str())?
        .into_iter()
        .find(|t| t.subject() == *subject)
        .ok_or(ReplyError::NoIndicator(subject.letter_id))
}

/// A file a school attaches: the name its browser gave and the bytes.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Takes a school's reply on `today`: checked, with its file checked by content and named
/// with the extension of what it is. Returns the stored reply.
pub fn send_reply(
    store: &mut Store,
    subject: &ReplySubject,
    reply: NoticeReply,
    file: Option<Upload>,
    login: &str,
    today: Date,
) -> Result<StoredReply, ReplyError> {
    let thread = thread_of(store, subject)?;
    if !thread.state.may_reply() {
        return Err(ReplyError::Accepted);
    }
    let reply = reply.checked(today).map_err(ReplyError::Invalid)?;
    let attachment = match file {
        None => None,
        Some(upload) => {
            let kind = AttachmentKind::of_upload(&upload.bytes).map_err(ReplyError::Invalid)?;
            let stem = upload
                .file_name
                .rsplit_once('.')
                .map_or(upload.file_name.as_str(), |(stem, _)| stem);
            let stem = if stem.is_empty() { "файл" } else { stem };
            Some(NewAttachment {
                file_name: format!("{stem}.{}", kind.extension()),
                kind,
                sha256: hex(&Sha256::digest(&upload.bytes)),
                content: upload.bytes,
            })
        }
    };
    let id = store.save_reply(subject, &reply, attachment.as_ref(), login)?;
    store.reply(id)?.ok_or(ReplyError::NoReply(id))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The thread reply `id` belongs to, with the reply; `NoReply` if there is none.
pub fn reply_with_thread(store: &Store, id: i64) -> Result<ReplyThread, ReplyError> {
    let reply = store.reply(id)?.ok_or(ReplyError::NoReply(id))?;
    thread_of(store, &reply.subject)
}

/// Takes the authority's review of reply `id`: only of the latest reply of its thread, only
/// once, and a return only with a comment. Returns the thread as it is now.
pub fn review_reply(
    store: &mut Store,
    id: i64,
    decision: ReviewDecision,
    comment: &str,
    login: &str,
) -> Result<ReplyThread, ReplyError> {
    let thread = reply_with_thread(store, id)?;
    if thread.latest().map(|r| r.id) != Some(id) || !thread.state.may_review() {
        return Err(ReplyError::NotReviewable);
    }
    let comment = checked_comment(decision, comment).map_err(ReplyError::Invalid)?;
    store.save_review(id, decision, &comment, login)?;
    thread_of(store, &thread.subject())
}
