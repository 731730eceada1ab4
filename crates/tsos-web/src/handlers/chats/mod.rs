//! Official chats in the dashboard (SPEC §10, 149-ФЗ art. 10 p. 8): the authority sees the
//! indicators, the schools past the deadline and downloads the XLSX; a school sees its own
//! registry with each chat's history and edits it — adds a chat, moves one to a domestic
//! platform, marks one inactive or confirms it is used.
//!
//! Edits go through `tsos_app::chats::edit_chat`, dated today, as new states of the chat: the
//! figures of every earlier date stay as they were. Scope is checked on the server for every
//! page, download, API call and edit, with the same rule as the report rows
//! ([`Account::sees_row`]); a school account's edit of another school is answered as if the
//! school did not exist.
//!
//! The actions: [`overview`] (an area's chats), [`school`] (a school's registry), [`edit`]
//! and [`upload`] (a school's changes), [`template`] and [`xlsx`] (files), [`api`] (JSON).
//! The school's page, which the last three of those show, is built here.

pub(crate) mod api;
pub(crate) mod edit;
pub(crate) mod overview;
pub(crate) mod school;
pub(crate) mod template;
pub(crate) mod upload;
pub(crate) mod xlsx;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::{Date, date};
use serde::Deserialize;
use tsos_app::today;
use tsos_domain::chats::{CHAT_PLATFORMS, ChatRow, Purpose};
use tsos_domain::{Level, SchoolInfo, format_date_ru};

use crate::auth::CurrentUser;
use crate::data::Db;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::query::{When, parse_date};
use crate::http::response::html;
use crate::http::urls;
use crate::scope::Account;
use crate::views::chats::{ChatView, Choice, chat_cards, chat_view};
use crate::views::{Card, Crumb, Layout, Section};

/// Foreign messengers are banned for official work since this day (149-ФЗ art. 10 p. 8 as
/// amended by 584-ФЗ): the deadline the pages use unless the user sets another.
const BANNED_SINCE: Date = date(2023, 3, 1);

#[derive(Deserialize, Default)]
pub(crate) struct ChatsQuery {
    pub as_of: Option<String>,
    /// Absent: the legal date; empty: no deadline.
    pub deadline: Option<String>,
    pub level: Option<String>,
    /// Only the schools of this municipality, in a table of schools.
    pub municipality: Option<String>,
    /// What the last edit did, for the notice after the redirect.
    pub done: Option<String>,
    pub chat: Option<String>,
}

/// What a chats page is asked for: its day (today unless the query names one) and the
/// deadline, with the query that keeps both in links.
struct Asked {
    when: When,
    deadline: Option<Date>,
    /// `as_of=…&deadline=…`, the day always: a chats page of another day is another page.
    query: String,
}

impl Asked {
    fn of(query: &ChatsQuery) -> Result<Asked, WebError> {
        let when = When::any_day(query.as_of.as_deref(), today())?;
        let deadline = match query.deadline.as_deref() {
            None => Some(BANNED_SINCE),
            Some(text) if text.trim().is_empty() => None,
            Some(text) => Some(parse_date("срок", text)?),
        };
        let query = format!(
            "as_of={}&deadline={}",
            when.as_of,
            deadline.map(|d| d.to_string()).unwrap_or_default()
        );
        Ok(Asked {
            when,
            deadline,
            query,
        })
    }
}

/// The chat rows of `level` the account may see.
fn scoped_rows(
    db: &mut Db<'_>,
    account: &Account,
    asked: &Asked,
    level: Level,
) -> Result<Vec<ChatRow>, WebError> {
    account.require_level(level)?;
    let rows = tsos_app::chats::chat_report(db.store, asked.when.as_of, asked.deadline, level)?;
    Ok(in_scope(account, level, &rows))
}

/// Of `rows` at `level`, those the account may see.
fn in_scope(account: &Account, level: Level, rows: &[ChatRow]) -> Vec<ChatRow> {
    rows.iter()
        .filter(|row| account.sees_row(level, &row.id, &row.municipality, &row.region))
        .cloned()
        .collect()
}

/// The school `inn` as the registry has it at `as_of`, if the account may see it.
fn school_in_scope(
    db: &mut Db<'_>,
    account: &Account,
    inn: &str,
    as_of: Date,
) -> Result<SchoolInfo, WebError> {
    db.store
        .schools_at(as_of)?
        .into_iter()
        .find(|s| {
            s.id.as_str() == inn && account.sees_row(Level::School, inn, &s.municipality, &s.region)
        })
        .ok_or(WebError::NotFound)
}

/// What a school's chats page says above its table.
enum Notice {
    None,
    Done(String),
    Error(String),
}

#[derive(Template)]
#[template(path = "school_chats.html")]
struct SchoolChatsPage {
    layout: Layout,
    summary: String,
    inn: String,
    as_of: String,
    deadline: String,
    cards: Vec<Card>,
    chats: Vec<ChatView>,
    can_edit: bool,
    /// Why the forms are hidden although the account may edit.
    edit_note: String,
    done: String,
    error: String,
    purposes: Vec<Choice>,
    platforms: Vec<Choice>,
    domestic: Vec<Choice>,
    xlsx_href: String,
}

/// The chats page of `school`, which the caller has found in the account's scope.
fn school_page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    school: &SchoolInfo,
    asked: &Asked,
    notice: Notice,
) -> Result<Response, WebError> {
    let account = &user.account;
    let inn = school.id.as_str();
    let tsos_app::chats::SchoolChats {
        history,
        current: mut chats,
        row,
        closings,
    } = tsos_app::chats::school_chats(db.store, school, asked.when.as_of, asked.deadline)?;
    // Class by class as a school counts them (1А before 10А), then the school-wide chats.
    chats.sort_by_cached_key(|chat| {
        let class = chat.class_label.as_deref().unwrap_or_default();
        let grade: u32 = class
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(u32::MAX);
        (grade, class.to_lowercase(), chat.name.to_lowercase())
    });
    let today = today();
    let may_edit = account.edits_chats_of(inn);
    let can_edit = may_edit && asked.when.as_of == today;
    let mut layout = Layout::new(
        account,
        &user.csrf,
        Section::Chats,
        format!("Официальные чаты: {}", school.name),
    );
    layout.crumbs = vec![
        Crumb {
            label: school.municipality.clone(),
            href: account.sees_level(Level::Municipality).then(|| {
                format!(
                    "/chats?level=school&municipality={}&{}",
                    urls::encode(&school.municipality),
                    asked.query
                )
            }),
        },
        Crumb {
            label: school.name.clone(),
            href: Some(urls::school(inn, None)),
        },
        Crumb {
            label: "Официальные чаты".to_string(),
            href: None,
        },
    ];
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
    let page = SchoolChatsPage {
        summary: format!(
            "ИНН {inn} · {} · чаты на {}{}",
            school.municipality,
            format_date_ru(asked.when.as_of),
            match asked.deadline {
                Some(d) => format!(" · срок перехода {}", format_date_ru(d)),
                None => String::new(),
            }
        ),
        inn: inn.to_string(),
        as_of: asked.when.as_of.to_string(),
        deadline: asked.deadline.map(|d| d.to_string()).unwrap_or_default(),
        cards: chat_cards(&row),
        chats: chats
            .iter()
            .map(|c| chat_view(c, &history, &closings, asked.when.as_of))
            .collect(),
        can_edit,
        edit_note: if may_edit && !can_edit {
            format!(
                "Изменять реестр можно на сегодняшнюю дату ({}): изменение — это новое \
                 состояние чата, прошлые даты не переписываются.",
                format_date_ru(today)
            )
        } else {
            String::new()
        },
        done,
        error,
        purposes: Purpose::ALL
            .into_iter()
            .map(|p| Choice {
                value: p.code(),
                label: p.title_ru(),
            })
            .collect(),
        platforms: CHAT_PLATFORMS
            .iter()
            .map(|p| Choice {
                value: p.name,
                label: p.name,
            })
            .collect(),
        // A chat is not moved onto a platform that is being closed.
        domestic: CHAT_PLATFORMS
            .iter()
            .filter(|p| {
                p.domestic
                    && !closings
                        .iter()
                        .any(|c| c.platform == *p && c.from <= asked.when.as_of)
            })
            .map(|p| Choice {
                value: p.name,
                label: p.name,
            })
            .collect(),
        xlsx_href: format!("/download/chats.xlsx?level=school&{}", asked.query),
        layout,
    };
    db.audit_read(
        &account.login,
        Action::View,
        &format!(
            "официальные чаты школы {inn} на {}",
            format_date_ru(asked.when.as_of)
        ),
    );
    Ok((status, html(&page)?).into_response())
}
