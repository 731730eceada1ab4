//! The audit log: what a line records ([`Action`]), and the lines of what was read (pages,
//! API calls, downloads), written in batches.
//!
//! The database keeps SQLite's rollback journal (one file), in which every commit syncs the
//! disk several times (some 4 ms here) under the write lock that readers then wait out. A line
//! written before each page capped the dashboard at a few hundred pages a second, and at 32
//! clients put the slowest pages over a second, most of it spent asleep in SQLite's busy
//! handler. Lines of reading are therefore queued, and all that is queued is written in one
//! transaction at most [`FLUSH_EVERY`] later. A change (a login, an import, an edit) is still
//! written before its answer. The queue is written out before the audit page is read and when
//! the server stops.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tsos_store::{AuditLine, Store, StoreError};

/// What a line of the audit log records. The codes are what the database holds, so they never
/// change; the titles are what the audit page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Login,
    LoginFailed,
    LoginThrottled,
    Logout,
    /// A page or an API call read.
    View,
    Download,
    Import,
    ImportFailed,
    /// A school's official chats changed, in the form or by an upload.
    EditChats,
    TokenAdded,
    TokenRevoked,
    /// An API token's first use of a day: its requests are not logged one by one.
    TokenUsed,
    /// A school replied to a notice.
    NoticeReply,
    /// An authority accepted or returned a school's reply.
    ReplyReview,
    /// An administrator sent a school's notice again.
    ResendNotice,
    /// A dated event added, on the dashboard or with `tsos events add`.
    EventAdded,
    /// A dated event removed.
    EventRemoved,
    /// A target set on the dashboard.
    TargetSet,
    /// A target removed on the dashboard.
    TargetRemoved,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::Login,
        Action::LoginFailed,
        Action::LoginThrottled,
        Action::Logout,
        Action::View,
        Action::Download,
        Action::Import,
        Action::ImportFailed,
        Action::EditChats,
        Action::TokenAdded,
        Action::TokenRevoked,
        Action::TokenUsed,
        Action::NoticeReply,
        Action::ReplyReview,
        Action::ResendNotice,
        Action::EventAdded,
        Action::EventRemoved,
        Action::TargetSet,
        Action::TargetRemoved,
    ];

    /// The action as the database stores it.
    pub fn code(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::LoginThrottled => "login_throttled",
            Action::Logout => "logout",
            Action::View => "view",
            Action::Download => "download",
            Action::Import => "import",
            Action::ImportFailed => "import_failed",
            Action::EditChats => "chats",
            Action::TokenAdded => "token_add",
            Action::TokenRevoked => "token_revoke",
            Action::TokenUsed => "token_use",
            Action::NoticeReply => "notice_reply",
            Action::ReplyReview => "reply_review",
            Action::ResendNotice => "notice_resend",
            // `tsos-app` writes these lines with the event, in one transaction.
            Action::EventAdded => tsos_app::events::AUDIT_ADD,
            Action::EventRemoved => tsos_app::events::AUDIT_REMOVE,
            // And these with the target.
            Action::TargetSet => tsos_app::targets::AUDIT_SET,
            Action::TargetRemoved => tsos_app::targets::AUDIT_REMOVE,
        }
    }

    /// The action as the audit page names it.
    pub fn title_ru(self) -> &'static str {
        match self {
            Action::Login => "вход",
            Action::LoginFailed => "неудачный вход",
            Action::LoginThrottled => "вход заблокирован",
            Action::Logout => "выход",
            Action::View => "просмотр",
            Action::Download => "скачивание",
            Action::Import => "импорт",
            Action::ImportFailed => "импорт не удался",
            Action::EditChats => "правка чатов",
            Action::TokenAdded => "API-токен создан",
            Action::TokenRevoked => "API-токен отозван",
            Action::TokenUsed => "API-токен использован",
            Action::NoticeReply => "ответ школы",
            Action::ReplyReview => "рассмотрение ответа",
            Action::ResendNotice => "повторная отправка уведомления",
            Action::EventAdded => "событие добавлено",
            Action::EventRemoved => "событие удалено",
            Action::TargetSet => "цель задана",
            Action::TargetRemoved => "цель удалена",
        }
    }

    /// The action a stored code names; `None` for a code this version does not know.
    pub fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.code() == code)
    }
}

/// How long a line of reading may wait in the queue.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Lines kept while the database refuses them; older ones go to the server's log instead.
const MAX_QUEUED: usize = 100_000;

#[derive(Default)]
pub(crate) struct AuditQueue {
    queued: Mutex<Queued>,
}

#[derive(Default)]
struct Queued {
    lines: Vec<AuditLine>,
    /// Whether a write of the queue is already scheduled.
    scheduled: bool,
}

impl AuditQueue {
    /// Queues `line`; true when no write is scheduled yet and the caller must schedule one.
    pub fn push(&self, line: AuditLine) -> bool {
        let mut queued = self.lock();
        queued.lines.push(line);
        if queued.lines.len() > MAX_QUEUED {
            let excess = queued.lines.len() - MAX_QUEUED;
            for line in queued.lines.drain(..excess) {
                tracing::error!(
                    at = %line.at,
                    login = line.login.as_deref().unwrap_or("—"),
                    action = %line.action,
                    detail = %line.detail,
                    "строка журнала действий не записана в базу"
                );
            }
        }
        !std::mem::replace(&mut queued.scheduled, true)
    }

    /// Writes everything queued, in one transaction. Lines the database refuses stay queued
    /// for the next write.
    pub fn flush(&self, store: &mut Store) -> Result<(), StoreError> {
        let lines = {
            let mut queued = self.lock();
            queued.scheduled = false;
            std::mem::take(&mut queued.lines)
        };
        if lines.is_empty() {
            return Ok(());
        }
        store.append_audit_lines(&lines).inspect_err(|_| {
            let mut queued = self.lock();
            let newer = std::mem::replace(&mut queued.lines, lines);
            queued.lines.extend(newer);
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queued> {
        self.queued.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(detail: &str) -> AuditLine {
        AuditLine {
            at: jiff::Timestamp::now(),
            login: Some("admin".to_string()),
            action: Action::View.code().to_string(),
            detail: detail.to_string(),
        }
    }

    #[test]
    fn codes_name_one_action_each() {
        for action in Action::ALL {
            assert_eq!(Action::from_code(action.code()), Some(action));
        }
        assert_eq!(Action::EditChats.code(), "chats");
        assert_eq!(Action::from_code("другое"), None);
    }

    #[test]
    fn one_write_is_scheduled_for_all_that_is_queued() {
        let queue = AuditQueue::default();
        assert!(
            queue.push(line("первая")),
            "the first line schedules the write"
        );
        assert!(
            !queue.push(line("вторая")),
            "the second waits for the same write"
        );
        let mut store = Store::open_in_memory().unwrap();
        queue.flush(&mut store).unwrap();
        let log = store.audit_log(10, 0).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].detail, "вторая");
        assert!(
            queue.push(line("третья")),
            "after a write, the next line schedules one"
        );
    }
}
