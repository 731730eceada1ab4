//! Notices and the schools' replies to them (issue 16). A school account sees the indicators
//! letters named about it and replies to each («ответ школы»): a reason from the closed list,
//! the measures, the date it expects to meet the target, one file. A municipality, region or
//! admin account sees the replies of the schools in its scope, filters them by state and
//! accepts or returns each with a comment; the school sees the comment and replies again.
//!
//! Scope is the report rows' rule ([`Account::sees_row`]) applied to the school's
//! municipality and region at the letter's date; a thread or a file outside it answers 404.
//! Replies and reviews go through `tsos_app::replies`, which keeps the state machine, and
//! into the audit log before the answer.
//!
//! The actions: [`list`] (the page), [`reply`] (a school's reply, a multipart form),
//! [`review`] (an authority's decision), [`file`] (a reply's attached file).

pub(crate) mod file;
pub(crate) mod list;
pub(crate) mod reply;
pub(crate) mod review;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tsos_app::replies::{ReplyError, ReplyThread, reply_threads, reply_with_thread};
use tsos_app::today;
use tsos_domain::Level;
use tsos_domain::replies::{ReplyReason, ReplyState};

use crate::auth::CurrentUser;
use crate::data::Db;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::scope::{Account, AccountRole};
use crate::views::chats::Choice;
use crate::views::replies::{ThreadView, thread_view};
use crate::views::{Layout, Section};

#[derive(Deserialize, Default)]
pub(crate) struct NoticesQuery {
    /// Only the threads in this state (`ReplyState::code`); all when absent or empty.
    pub state: Option<String>,
    /// What the last action did, for the notice after the redirect.
    pub done: Option<String>,
}

/// The threads the account may see: a school's own, an authority's schools'.
fn threads_in_scope(db: &mut Db<'_>, account: &Account) -> Result<Vec<ReplyThread>, WebError> {
    let school = (account.role == AccountRole::School).then(|| account.scope.clone());
    let threads = reply_threads(db.store, |org| school.as_deref().is_none_or(|s| s == org))?;
    Ok(threads.into_iter().filter(|t| sees(account, t)).collect())
}

/// The thread of reply `id`, if the account may see it; else, as for no such reply, 404.
fn thread_of_reply(db: &mut Db<'_>, account: &Account, id: i64) -> Result<ReplyThread, WebError> {
    match reply_with_thread(db.store, id) {
        Ok(thread) if sees(account, &thread) => Ok(thread),
        Ok(_) => Err(WebError::NotFound),
        Err(ReplyError::Store(err)) => Err(err.into()),
        Err(_) => Err(WebError::NotFound),
    }
}

fn sees(account: &Account, thread: &ReplyThread) -> bool {
    account.sees_row(
        Level::School,
        &thread.item.org_id,
        &thread.municipality,
        &thread.region,
    )
}

/// Whether the account reviews replies: an authority, not a school.
fn reviews(account: &Account) -> bool {
    account.role != AccountRole::School
}

/// A refusal of `tsos_app::replies` as the page shows it, or the error the request ends with.
enum Refusal {
    Page(String),
    Error(WebError),
}

impl From<ReplyError> for Refusal {
    fn from(err: ReplyError) -> Refusal {
        match err {
            ReplyError::Store(err) => Refusal::Error(err.into()),
            ReplyError::NoIndicator(_) | ReplyError::NoReply(_) => {
                Refusal::Error(WebError::NotFound)
            }
            other => Refusal::Page(other.to_string()),
        }
    }
}

/// What the page says above its threads.
enum Notice {
    None,
    Done(String),
    Error(String),
}

pub(crate) struct StateFilter {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    layout: Layout,
    school_view: bool,
    threads: Vec<ThreadView>,
    filters: Vec<StateFilter>,
    reasons: Vec<Choice>,
    today: String,
    max_file_mb: usize,
    done: String,
    error: String,
}

/// The notices page of the account, with `notice` above it.
fn notices_page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    query: &NoticesQuery,
    notice: Notice,
) -> Result<Response, WebError> {
    let account = &user.account;
    let wanted = match query.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(
            ReplyState::from_code(code)
                .ok_or_else(|| WebError::BadRequest(format!("неизвестное состояние «{code}»")))?,
        ),
    };
    let threads = threads_in_scope(db, account)?;
    let count = |state: ReplyState| threads.iter().filter(|t| t.state == state).count();
    let mut filters = vec![StateFilter {
        value: "",
        label: format!("все ({})", threads.len()),
        selected: wanted.is_none(),
    }];
    filters.extend(ReplyState::ALL.into_iter().map(|state| StateFilter {
        value: state.code(),
        label: format!("{} ({})", state.title_ru(), count(state)),
        selected: wanted == Some(state),
    }));
    let views = threads
        .iter()
        .filter(|t| wanted.is_none_or(|w| t.state == w))
        .map(|t| thread_view(db.catalogue(), t))
        .collect();
    let (done, error) = match notice {
        Notice::None => (String::new(), String::new()),
        Notice::Done(text) => (text, String::new()),
        Notice::Error(text) => (String::new(), text),
    };
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = NoticesPage {
        layout: Layout::new(
            account,
            &user.csrf,
            Section::Notices,
            "Уведомления и ответы школ".to_string(),
        ),
        school_view: !reviews(account),
        threads: views,
        filters,
        reasons: ReplyReason::ALL
            .into_iter()
            .map(|r| Choice {
                value: r.code(),
                label: r.title_ru(),
            })
            .collect(),
        today: today().to_string(),
        max_file_mb: tsos_domain::replies::MAX_ATTACHMENT_BYTES >> 20,
        done,
        error,
    };
    db.audit_read(&account.login, Action::View, "уведомления и ответы школ");
    Ok((status, html(&page)?).into_response())
}
