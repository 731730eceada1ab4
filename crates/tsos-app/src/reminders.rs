//! Reminders to reply to a notice (issue 16): `tsos notices remind --letter N --before 3d`
//! e-mails, from N days before the letter's deadline up to it, each school that has an
//! indicator of the letter without a reply (or with a returned one). A school is reminded once
//! per letter; every attempt is logged beside the notices' (`MailKind::Reminder`), and a
//! failed one is tried again by the next run.

use std::collections::{HashMap, HashSet};

use jiff::ToSpan;
use jiff::civil::Date;
use thiserror::Error;
use tsos_domain::email::{DeliveryResult, MailKind};
use tsos_domain::replies::ReplyState;
use tsos_domain::{Catalogue, OrgId, format_date_ru};
use tsos_letter::LetterSettings;
use tsos_mail::{Outbox, ReminderMail, Sender};
use tsos_store::{Store, StoreError};

use crate::AppError;
use crate::notices::{SendLine, SendState, letter};
use crate::replies::reply_threads;

#[derive(Debug, Error)]
pub enum RemindError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "напоминания по письму № {number} рассылаются с {from} (за {days} дн. до срока {deadline}); сегодня {today}"
    )]
    TooEarly {
        number: String,
        from: String,
        days: i64,
        deadline: String,
        today: String,
    },
    #[error("срок ответа по письму № {number} ({deadline}) прошел: напоминать поздно")]
    TooLate { number: String, deadline: String },
}

/// What a run did, school by school.
#[derive(Debug)]
pub struct RemindOutcome {
    pub lines: Vec<SendLine>,
}

pub struct RemindRequest<'a> {
    /// The letter's id in tsos.
    pub letter: i64,
    /// From how many days before the deadline reminders go.
    pub days: i64,
    pub today: Date,
    /// The requisites the reminders are signed with.
    pub settings: &'a LetterSettings,
}

/// Sends the reminders of `request.letter` on `request.today`, `days` days or fewer before
/// its deadline, through `outbox`; a dry run's outbox logs nothing.
pub fn send_reminders(
    store: &mut Store,
    catalogue: &Catalogue,
    request: &RemindRequest<'_>,
    from: &Sender,
    outbox: &mut dyn Outbox,
) -> Result<RemindOutcome, RemindError> {
    let RemindRequest {
        days,
        today,
        settings,
        ..
    } = *request;
    let letter = letter(store, request.letter)?;
    let first_day = letter.deadline - days.days();
    if today < first_day {
        return Err(RemindError::TooEarly {
            number: letter.number,
            from: format_date_ru(first_day),
            days,
            deadline: format_date_ru(letter.deadline),
            today: format_date_ru(today),
        });
    }
    if today > letter.deadline {
        return Err(RemindError::TooLate {
            number: letter.number,
            deadline: format_date_ru(letter.deadline),
        });
    }
    // Per school, in the letter's order, the indicators waiting for its reply.
    let mut order: Vec<String> = Vec::new();
    let mut waiting: HashMap<String, (String, Vec<String>)> = HashMap::new();
    for thread in reply_threads(store, |_| true)?
        .iter()
        .filter(|t| t.letter.id == letter.id)
    {
        if !matches!(thread.state, ReplyState::NoReply | ReplyState::Returned) {
            continue;
        }
        let item = &thread.item;
        let platform = catalogue
            .get(&item.platform)
            .map_or(item.platform.as_str(), |p| p.name.as_str());
        let label = format!("{platform}, {}", item.role.title_ru());
        if !waiting.contains_key(&item.org_id) {
            order.push(item.org_id.clone());
        }
        waiting
            .entry(item.org_id.clone())
            .or_insert_with(|| (item.name.clone(), Vec::new()))
            .1
            .push(label);
    }
    let reminded: HashSet<OrgId> = store
        .deliveries(letter.id)?
        .into_iter()
        .filter(|d| d.kind == MailKind::Reminder && d.result == DeliveryResult::Sent)
        .map(|d| d.org)
        .collect();
    let emails = store.school_emails()?;
    let logs = outbox.delivers();
    let mut lines = Vec::new();
    for inn in order {
        let Some((name, indicators)) = waiting.remove(&inn) else {
            continue;
        };
        let org = OrgId::from_normalized(inn.clone());
        let mut line = SendLine {
            org: inn.clone(),
            name: name.clone(),
            address: emails.get(&org).cloned().unwrap_or_default(),
            state: SendState::NoAddress,
        };
        if reminded.contains(&org) {
            line.state = SendState::SentBefore(String::new());
            lines.push(line);
            continue;
        }
        let log = |store: &mut Store, result, answer: &str, address: &str| {
            if logs {
                store.log_delivery(letter.id, &org, MailKind::Reminder, address, result, answer)?;
            }
            Ok::<_, StoreError>(())
        };
        if line.address.is_empty() {
            log(
                store,
                DeliveryResult::NoAddress,
                "в реестре нет адреса электронной почты",
                "",
            )?;
            lines.push(line);
            continue;
        }
        let mail = tsos_mail::build_reminder(
            from,
            &ReminderMail {
                settings,
                letter_number: &letter.number,
                letter_date: letter.date,
                deadline: letter.deadline,
                school_id: &inn,
                school_name: &name,
                to: &line.address,
                indicators: &indicators,
            },
        );
        let result = match mail {
            Ok(mail) => outbox.send(&mail).map_err(|refusal| refusal.0),
            Err(err) => Err(err.to_string()),
        };
        line.state = match result {
            Ok(answer) if logs => {
                log(store, DeliveryResult::Sent, &answer, &line.address)?;
                SendState::Sent(answer)
            }
            Ok(answer) => SendState::Written(answer),
            Err(reason) => {
                log(store, DeliveryResult::Failed, &reason, &line.address)?;
                SendState::Failed(reason)
            }
        };
        lines.push(line);
    }
    Ok(RemindOutcome { lines })
}
