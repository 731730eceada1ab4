//! Sending a letter's notices by e-mail (issue 16): each school below target gets its notice,
//! PDF and DOCX attached, at the addresses the registry gave; every attempt is logged, and a
//! run sends only what no earlier run delivered.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use thiserror::Error;
use tsos_domain::email::{DeliveryResult, MailKind};
use tsos_domain::{Catalogue, OrgId};
use tsos_letter::pdf::BodyFont;
use tsos_letter::{LetterSettings, Notice};
use tsos_mail::{NoticeMail, Outbox, Sender};
use tsos_store::{LetterInfo, Store, StoreError};

use crate::AppError;
use crate::letters::{NoticeFormat, notices_dir, notices_of, write_notice};

/// Why notices could not be sent at all. An error of its own rather than more of
/// [`AppError`], which the dashboard matches variant by variant.
#[derive(Debug, Error)]
pub enum NoticesError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "у школы с ИНН {org} нет уведомления по письму № {number}: ее показатели не ниже цели или ее нет в реестре"
    )]
    NoNotice { org: String, number: String },
}

pub struct SendRequest<'a> {
    /// The letter's id in tsos (`tsos followup --list`).
    pub letter: i64,
    /// The requisites the notices and the messages are signed with.
    pub settings: &'a LetterSettings,
    /// Only these schools; all below target when empty.
    pub only: &'a [OrgId],
}

/// What a run is to do, known before anything is connected to: the letter, the notices asked
/// for, the schools' addresses and whom earlier runs delivered to.
#[derive(Debug)]
pub struct SendPlan {
    letter: LetterInfo,
    settings: LetterSettings,
    /// The PDF's font, read when the plan is made so that a bad font file stops the run
    /// before any server is asked.
    font: BodyFont,
    notices: Vec<Notice>,
    emails: HashMap<OrgId, String>,
    sent_before: HashMap<OrgId, String>,
    dir: PathBuf,
}

impl SendPlan {
    pub fn letter(&self) -> &LetterInfo {
        &self.letter
    }

    /// Where the notices' files are written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// What became of each school's notice in this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendState {
    /// The server took it: its answer.
    Sent(String),
    /// A dry run wrote it: where.
    Written(String),
    /// Not sent: the server's answer or why; the next run tries again.
    Failed(String),
    /// The registry gives no address.
    NoAddress,
    /// An earlier run delivered it (when, UTC); not sent again.
    SentBefore(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendLine {
    pub org: String,
    pub name: String,
    /// The addresses, `, `-separated; empty where there are none.
    pub address: String,
    pub state: SendState,
}

#[derive(Debug)]
pub struct SendOutcome {
    pub letter: LetterInfo,
    /// Where the notices' files are written.
    pub dir: PathBuf,
    /// One line per school with a notice, in the letter's order.
    pub lines: Vec<SendLine>,
}

impl SendOutcome {
    pub fn count(&self, pick: impl Fn(&SendState) -> bool) -> usize {
        self.lines.iter().filter(|line| pick(&line.state)).count()
    }
}

/// The first step: the notices of letter `request.letter` as `tsos letter --notices` made
/// them, and what is known of their schools. Writes nothing; an unknown letter or a school
/// without a notice is an error here, before any server is asked.
pub fn plan_notices(
    store: &Store,
    catalogue: &Catalogue,
    request: &SendRequest<'_>,
) -> Result<SendPlan, NoticesError> {
    let letter = letter(store, request.letter)?;
    let mut notices = notices_of(store, catalogue, request.settings, &letter)?;
    if let Some(org) = request
        .only
        .iter()
        .find(|org| !notices.iter().any(|n| n.school_id == org.as_str()))
    {
        return Err(NoticesError::NoNotice {
            org: org.to_string(),
            number: letter.number.clone(),
        });
    }
    if !request.only.is_empty() {
        notices.retain(|n| request.only.iter().any(|org| org.as_str() == n.school_id));
    }
    let emails = store.school_emails()?;
    let sent_before: HashMap<OrgId, String> = store
        .deliveries(letter.id)?
        .into_iter()
        .filter(|d| d.kind == MailKind::Notice && d.result == DeliveryResult::Sent)
        .map(|d| (d.org, d.attempted_at))
        .collect();
    Ok(SendPlan {
        dir: notices_folder(&letter),
        letter,
        settings: request.settings.clone(),
        font: BodyFont::of_settings(request.settings.font.as_ref()).map_err(AppError::from)?,
        notices,
        emails,
        sent_before,
    })
}

/// The second step: each notice through `outbox`, written beside the letter first
/// (`ИНН.docx`, `ИНН.pdf`) so that the message carries those very bytes. When `outbox`
/// delivers, each attempt is logged as it happens; a dry run logs nothing.
pub fn send_notices(
    store: &mut Store,
    plan: SendPlan,
    from: &Sender,
    outbox: &mut dyn Outbox,
) -> Result<SendOutcome, NoticesError> {
    let SendPlan {
        letter,
        settings,
        font,
        notices,
        emails,
        sent_before,
        dir,
    } = plan;
    let logs = outbox.delivers();
    let mut lines = Vec::new();
    for notice in &notices {
        let org = OrgId::from_normalized(notice.school_id.clone());
        let mut line = SendLine {
            org: notice.school_id.clone(),
            name: notice.school_name.clone(),
            address: emails.get(&org).cloned().unwrap_or_default(),
            state: SendState::NoAddress,
        };
        if let Some(at) = sent_before.get(&org) {
            line.state = SendState::SentBefore(at.clone());
            lines.push(line);
            continue;
        }
        if line.address.is_empty() {
            if logs {
                store.log_delivery(
                    letter.id,
                    &org,
                    MailKind::Notice,
                    "",
                    DeliveryResult::NoAddress,
                    "в реестре нет адреса электронной почты",
                )?;
            }
            lines.push(line);
            continue;
        }
        let (_, docx) = write_notice(&dir, notice, NoticeFormat::Docx)?;
        let (_, pdf) = write_notice(&dir, notice, NoticeFormat::Pdf(&font))?;
        let mail = tsos_mail::build(
            from,
            &NoticeMail {
                settings: &settings,
                letter_number: &letter.number,
                letter_date: letter.date,
                as_of: letter.as_of,
                deadline: letter.deadline,
                school_id: &notice.school_id,
                school_name: &notice.school_name,
                to: &line.address,
                pdf: &pdf,
                docx: &docx,
            },
        );
        let result = match mail {
            Ok(mail) => outbox.send(&mail).map_err(|refusal| refusal.0),
            // An address the registry check let through but the mail library does not.
            Err(err) => Err(err.to_string()),
        };
        match &result {
            Ok(answer) => tracing::info!(
                letter = letter.id,
                school = %notice.school_id,
                dry_run = !logs,
                answer = %answer,
                "уведомление отправлено"
            ),
            Err(reason) => tracing::warn!(
                letter = letter.id,
                school = %notice.school_id,
                reason = %reason,
                "уведомление не отправлено"
            ),
        }
        line.state = match result {
            Ok(answer) if logs => {
                store.log_delivery(
                    letter.id,
                    &org,
                    MailKind::Notice,
                    &line.address,
                    DeliveryResult::Sent,
                    &answer,
                )?;
                SendState::Sent(answer)
            }
            Ok(answer) => SendState::Written(answer),
            Err(reason) => {
                if logs {
                    store.log_delivery(
                        letter.id,
                        &org,
                        MailKind::Notice,
                        &line.address,
                        DeliveryResult::Failed,
                        &reason,
                    )?;
                }
                SendState::Failed(reason)
            }
        };
        lines.push(line);
    }
    Ok(SendOutcome { letter, dir, lines })
}

/// Letter `id`, or the error that says there is none.
pub fn letter(store: &Store, id: i64) -> Result<LetterInfo, AppError> {
    store
        .letters()?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or(AppError::NoLetter(Some(id)))
}

/// Where the notices of `letter` are, as `tsos letter --notices` put them: beside the letter's
/// first file.
pub fn notices_folder(letter: &LetterInfo) -> PathBuf {
    let letter_dir = letter
        .files
        .first()
        .and_then(|file| Path::new(file).parent())
        .unwrap_or(Path::new("."));
    notices_dir(letter_dir, letter.date)
}
