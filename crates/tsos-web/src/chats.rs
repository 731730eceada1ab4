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

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::{Date, date};
use serde::Deserialize;
use tsos_app::{AppError, today};
use tsos_domain::SchoolInfo;
use tsos_domain::chats::{
    CHAT_PLATFORMS, ChatEdit, ChatRow, ChatState, DeadlineStatus, Purpose, chat_key, chat_platform,
};
use tsos_domain::{Level, OrgId, format_date_ru, parse_cli_date};
use tsos_report::ru;
use tsos_store::SaveOutcome;

use crate::auth::{ApiUser, CsrfFirst, CurrentUser};
use crate::data::{AppState, Db};
use crate::http::error::WebError;
use crate::http::query::{When, chosen_level, parse_date, parse_level};
use crate::http::response::{XLSX, file, html, json};
use crate::http::upload::{field_text, safe_file_name, upload_error};
use crate::http::urls;
use crate::scope::{Account, AccountRole};
use crate::views::{Crumb, Layout, Section};

/// Foreign messengers are banned for official work since this day (149-ФЗ art. 10 p. 8 as
/// amended by 584-ФЗ): the deadline the pages use unless the user sets another.
const BANNED_SINCE: Date = date(2023, 3, 1);

/// How many overdue schools the page lists; the XLSX has them all.
const OVERDUE_SHOWN: usize = 50;

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

/// The highest level an account sees as one area.
fn top_level(account: &Account) -> Level {
    match account.role {
        AccountRole::Admin | AccountRole::Region => Level::Region,
        AccountRole::Municipality => Level::Municipality,
        AccountRole::School => Level::School,
    }
}

fn lower(level: Level) -> Level {
    match level {
        Level::Region => Level::Municipality,
        _ => Level::School,
    }
}

/// A headline figure of the chats.
struct Figure {
    label: &'static str,
    value: String,
    note: String,
    class: &'static str,
    /// A word, not a number: set smaller so that it fits the card.
    text: bool,
}

fn figures(row: &ChatRow) -> Vec<Figure> {
    let mut out = vec![
        Figure {
            label: "Официальных чатов",
            value: ru::integer(row.chats),
            note: match row.schools_without_data {
                0 => format!("сведения от всех {} ОО", ru::integer(row.schools as u64)),
                n => format!(
                    "нет сведений от {} из {} ОО",
                    ru::integer(n as u64),
                    ru::integer(row.schools as u64)
                ),
            },
            class: "",
            text: false,
        },
        Figure {
            label: "На российских платформах",
            value: ru::percent(row.domestic_share()),
            note: format!(
                "{} чатов в Сферуме, MAX, VK Мессенджере",
                ru::integer(row.domestic)
            ),
            class: match row.domestic_share() {
                Some(share) if share >= 1.0 => "green",
                Some(_) => "yellow",
                None => "",
            },
            text: false,
        },
        Figure {
            label: "Открыто в иностранных мессенджерах",
            value: ru::integer(row.foreign_open),
            note: "WhatsApp, Telegram, Viber и другие".to_string(),
            class: if row.foreign_open == 0 {
                "green"
            } else {
                "red"
            },
            text: false,
        },
        Figure {
            label: "Неактивных на российских платформах",
            value: ru::integer(row.inactive_domestic),
            note: "чат есть, но не используется".to_string(),
            class: if row.inactive_domestic == 0 {
                ""
            } else {
                "yellow"
            },
            text: false,
        },
    ];
    if let Some(without) = row.classes_without_chat {
        out.push(Figure {
            label: "Классов без официального чата",
            value: ru::integer(without),
            note: match row.schools_without_class_list {
                0 => format!("из {} классов в списках", ru::integer(row.classes)),
                n => format!(
                    "из {} классов в списках; нет списка классов у {} ОО",
                    ru::integer(row.classes),
                    ru::integer(n as u64)
                ),
            },
            class: if without == 0 { "green" } else { "red" },
            text: false,
        });
    }
    if let Some(status) = row.deadline {
        let mut notes = Vec::new();
        let value = match status {
            DeadlineStatus::Overdue(days) => {
                notes.push(format!("на {} дн.", ru::integer(days.unsigned_abs())));
                "просрочено".to_string()
            }
            other => other.title_ru(),
        };
        if row.schools > 1 {
            notes.push(format!(
                "ОО с просрочкой: {}",
                ru::integer(row.schools_overdue as u64)
            ));
        }
        out.push(Figure {
            label: "Срок перехода",
            value,
            note: notes.join(" · "),
            class: status_class(Some(status)),
            text: true,
        });
    }
    out
}

fn status_class(status: Option<DeadlineStatus>) -> &'static str {
    match status {
        Some(DeadlineStatus::Met) => "green",
        Some(DeadlineStatus::Pending) => "yellow",
        Some(DeadlineStatus::Overdue(_)) => "red",
        None => "",
    }
}

/// A row of the chats table.
struct RowView {
    name: String,
    href: Option<String>,
    municipality: String,
    schools: String,
    chats: String,
    domestic_share: String,
    foreign_open: String,
    inactive: String,
    /// «—» where no school of the row gave its list of classes.
    classes_without_chat: String,
    overdue: String,
    status: String,
    status_class: &'static str,
}

fn row_view(row: &ChatRow, level: Level, asked: &Asked) -> RowView {
    let href = match level {
        Level::School => Some(format!(
            "/chats/school/{}?{}",
            urls::encode(&row.id),
            asked.query
        )),
        Level::Municipality => Some(format!(
            "/chats?level=school&municipality={}&{}",
            urls::encode(&row.id),
            asked.query
        )),
        Level::Region => None,
    };
    RowView {
        name: row.name.clone(),
        href,
        municipality: row.municipality.clone(),
        schools: ru::integer(row.schools as u64),
        chats: ru::integer(row.chats),
        domestic_share: ru::percent(row.domestic_share()),
        foreign_open: ru::integer(row.foreign_open),
        inactive: ru::integer(row.inactive_domestic),
        classes_without_chat: row
            .classes_without_chat
            .map_or_else(|| "—".to_string(), ru::integer),
        overdue: ru::integer(row.schools_overdue as u64),
        status: row
            .deadline
            .map(DeadlineStatus::title_ru)
            .unwrap_or_default(),
        status_class: status_class(row.deadline),
    }
}

struct LevelOption {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "chats.html")]
struct ChatsPage {
    layout: Layout,
    summary: String,
    as_of: String,
    deadline: String,
    figures: Vec<Figure>,
    levels: Vec<LevelOption>,
    municipality: String,
    table_title: String,
    level_is_school: bool,
    rows: Vec<RowView>,
    overdue: Vec<RowView>,
    overdue_total: usize,
    xlsx_href: String,
}

/// GET /chats: the chats of the account's area; a school goes to its own registry.
pub(crate) async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let account = &user.account;
    let asked = Asked::of(&query)?;
    if account.role == AccountRole::School {
        let to = format!(
            "/chats/school/{}?{}",
            urls::encode(&account.scope),
            asked.query
        );
        return Ok(Redirect::to(&to).into_response());
    }
    state
        .run(move |db| {
            let account = &user.account;
            // Every level from one reading of the registry and the chats: the page shows up
            // to three of them.
            let by_level = tsos_app::chats::chat_reports(
                db.store,
                asked.when.as_of,
                asked.deadline,
                Level::ALL,
            )?;
            let take = |level: Level| -> Result<Vec<ChatRow>, WebError> {
                account.require_level(level)?;
                let idx = Level::ALL.iter().position(|l| *l == level).unwrap_or(0);
                Ok(in_scope(account, level, &by_level[idx]))
            };
            let top = top_level(account);
            let tops = take(top)?;
            let single = tops.len() == 1;
            let level = chosen_level(query.level.as_deref())?.unwrap_or(if single {
                lower(top)
            } else {
                top
            });
            let municipality = query
                .municipality
                .clone()
                .filter(|m| !m.is_empty() && level == Level::School);
            let rows: Vec<ChatRow> = take(level)?
                .into_iter()
                .filter(|row| {
                    municipality
                        .as_deref()
                        .is_none_or(|m| row.municipality == m)
                })
                .collect();
            let schools = if level == Level::School {
                rows.clone()
            } else {
                take(Level::School)?
            };
            let mut overdue: Vec<&ChatRow> = schools
                .iter()
                .filter(|row| matches!(row.deadline, Some(DeadlineStatus::Overdue(_))))
                .collect();
            overdue.sort_by(|a, b| {
                b.foreign_open
                    .cmp(&a.foreign_open)
                    .then_with(|| a.name.cmp(&b.name))
            });
            let title = match (single, tops.first()) {
                (true, Some(row)) => format!("Официальные чаты: {}", row.name),
                _ => "Официальные чаты".to_string(),
            };
            let mut layout = Layout::new(account, &user.csrf, Section::Chats, title);
            if let Some(m) = &municipality {
                layout.crumbs = vec![
                    Crumb {
                        label: "Официальные чаты".to_string(),
                        href: Some(format!("/chats?{}", asked.query)),
                    },
                    Crumb {
                        label: m.clone(),
                        href: None,
                    },
                ];
            }
            let page = ChatsPage {
                summary: format!(
                    "Чаты школ для официальной переписки: с 01.03.2023 иностранные мессенджеры \
                     для нее запрещены (149-ФЗ, ст. 10, ч. 8). Данные на {}{}.",
                    format_date_ru(asked.when.as_of),
                    match asked.deadline {
                        Some(d) => format!(", срок перехода — {}", format_date_ru(d)),
                        None => String::new(),
                    }
                ),
                as_of: asked.when.as_of.to_string(),
                deadline: asked.deadline.map(|d| d.to_string()).unwrap_or_default(),
                figures: if single {
                    tops.first().map(figures).unwrap_or_default()
                } else {
                    Vec::new()
                },
                levels: Level::ALL
                    .into_iter()
                    .filter(|l| account.sees_level(*l))
                    .map(|l| LevelOption {
                        code: l.code(),
                        label: match l {
                            Level::School => "по школам",
                            Level::Municipality => "по муниципалитетам",
                            Level::Region => "по регионам",
                        },
                        selected: l == level,
                    })
                    .collect(),
                municipality: municipality.clone().unwrap_or_default(),
                table_title: match level {
                    Level::School => "Школы".to_string(),
                    Level::Municipality => "Муниципалитеты".to_string(),
                    Level::Region => "Регионы".to_string(),
                },
                level_is_school: level == Level::School,
                rows: rows.iter().map(|r| row_view(r, level, &asked)).collect(),
                overdue_total: overdue.len(),
                overdue: overdue
                    .iter()
                    .take(OVERDUE_SHOWN)
                    .map(|r| row_view(r, Level::School, &asked))
                    .collect(),
                xlsx_href: format!(
                    "/download/chats.xlsx?level={}&{}",
                    level.code(),
                    asked.query
                ),
                layout,
            };
            db.audit_read(
                &account.login,
                "view",
                &format!("официальные чаты на {}", format_date_ru(asked.when.as_of)),
            );
            Ok(html(&page)?.into_response())
        })
        .await
}

/// A chat of a school as the page shows it.
struct ChatView {
    name: String,
    purpose: &'static str,
    class_label: String,
    platform: &'static str,
    foreign: bool,
    members: String,
    active: bool,
    confirmed: String,
    created: String,
    moved: String,
    replaces: String,
    /// «01.09.2023: WhatsApp, активен», oldest first.
    history: Vec<String>,
}

fn chat_view(chat: &ChatState, history: &[ChatState]) -> ChatView {
    let key = chat_key(&chat.org, &chat.name);
    let date = |d: Option<Date>| d.map(format_date_ru).unwrap_or_default();
    let mut past: Vec<&ChatState> = history
        .iter()
        .filter(|s| s.as_of <= chat.as_of)
        .filter(|s| {
            chat_key(&s.org, &s.name) == key
                || chat
                    .replaces
                    .as_ref()
                    .is_some_and(|r| chat_key(&s.org, r) == chat_key(&s.org, &s.name))
        })
        .collect();
    past.sort_by_key(|s| s.as_of);
    ChatView {
        name: chat.name.clone(),
        purpose: chat.purpose.title_ru(),
        class_label: chat.class_label.clone().unwrap_or_default(),
        platform: chat.platform,
        foreign: !chat.domestic,
        members: chat.members.map(ru::integer).unwrap_or_default(),
        active: chat.active,
        confirmed: date(chat.confirmed_on),
        created: date(chat.created_on),
        moved: date(chat.moved_on),
        replaces: chat.replaces.clone().unwrap_or_default(),
        history: past
            .iter()
            .map(|s| {
                format!(
                    "{}: {}{}, {}",
                    format_date_ru(s.as_of),
                    if chat_key(&s.org, &s.name) == key {
                        String::new()
                    } else {
                        format!("«{}» в ", s.name)
                    },
                    s.platform,
                    if s.active {
                        "активен"
                    } else {
                        "не активен"
                    }
                )
            })
            .collect(),
    }
}

/// An option of a form's drop-down list.
struct Choice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "school_chats.html")]
struct SchoolChatsPage {
    layout: Layout,
    summary: String,
    inn: String,
    as_of: String,
    deadline: String,
    figures: Vec<Figure>,
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
        figures: figures(&row),
        chats: chats.iter().map(|c| chat_view(c, &history)).collect(),
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
        domestic: CHAT_PLATFORMS
            .iter()
            .filter(|p| p.domestic)
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
        "view",
        &format!(
            "официальные чаты школы {inn} на {}",
            format_date_ru(asked.when.as_of)
        ),
    );
    Ok((status, html(&page)?).into_response())
}

/// GET /chats/school/{inn}
pub(crate) async fn school(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let asked = Asked::of(&query)?;
    let notice = match (query.done.as_deref(), query.chat.as_deref()) {
        (Some(done), Some(chat)) => match done {
            "add" => Notice::Done(format!("Чат «{chat}» добавлен.")),
            "move" => Notice::Done(format!("Перенос чата «{chat}» сохранен.")),
            "deactivate" => Notice::Done(format!("Чат «{chat}» отмечен неактивным.")),
            "confirm" => Notice::Done(format!("Чат «{chat}» подтвержден.")),
            _ => Notice::None,
        },
        _ => Notice::None,
    };
    state
        .run(move |db| {
            let school = school_in_scope(db, &user.account, &inn, asked.when.as_of)?;
            school_page(db, &user, &school, &asked, notice)
        })
        .await
}

#[derive(Deserialize)]
pub(crate) struct EditForm {
    /// Defaulted so that a form without it is refused as a forgery, not as malformed.
    #[serde(default)]
    csrf: String,
    /// add, move, deactivate or confirm. Not `action`: a field of that name would hide the
    /// form's own `action` in the browser's DOM.
    #[serde(default)]
    op: String,
    #[serde(default)]
    name: String,
    purpose: Option<String>,
    class_label: Option<String>,
    platform: Option<String>,
    members: Option<String>,
    created_on: Option<String>,
    new_name: Option<String>,
    moved_on: Option<String>,
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

impl EditForm {
    /// The edit the form asks for, or why it is not one.
    fn edit(&self) -> Result<ChatEdit, String> {
        let platform = || {
            let text = non_empty(self.platform.as_deref()).ok_or("выберите платформу")?;
            chat_platform(text).ok_or_else(|| format!("неизвестная платформа «{text}»"))
        };
        let date = |what: &str, text: Option<&str>| {
            non_empty(text)
                .map(|t| parse_cli_date(t).map_err(|err| format!("{what}: {err}")))
                .transpose()
        };
        let members = non_empty(self.members.as_deref())
            .map(|t| {
                t.replace([' ', '\u{a0}'], "")
                    .parse::<u64>()
                    .map_err(|_| format!("число участников: «{t}» — не целое число"))
            })
            .transpose()?;
        let name = self.name.clone();
        Ok(match self.op.as_str() {
            "add" => ChatEdit::Add {
                name,
                purpose: non_empty(self.purpose.as_deref())
                    .and_then(Purpose::from_code)
                    .ok_or("выберите назначение чата")?,
                class_label: non_empty(self.class_label.as_deref()).map(str::to_string),
                platform: platform()?,
                members,
                created_on: date("дата создания", self.created_on.as_deref())?,
            },
            "move" => ChatEdit::Move {
                name,
                platform: platform()?,
                new_name: non_empty(self.new_name.as_deref()).map(str::to_string),
                moved_on: date("дата переноса", self.moved_on.as_deref())?,
            },
            "deactivate" => ChatEdit::Deactivate { name },
            "confirm" => ChatEdit::Confirm { name, members },
            other => return Err(format!("неизвестное действие «{other}»")),
        })
    }
}

/// For the audit log: what the edit did.
fn describe(edit: &ChatEdit, state: &ChatState) -> String {
    match edit {
        ChatEdit::Add { .. } => format!("добавлен чат «{}» ({})", state.name, state.platform),
        ChatEdit::Move { name, .. }
            if chat_key(&state.org, name) != chat_key(&state.org, &state.name) =>
        {
            format!(
                "чат «{name}» заменен чатом «{}» ({})",
                state.name, state.platform
            )
        }
        ChatEdit::Move { .. } => format!("чат «{}» перенесен в {}", state.name, state.platform),
        ChatEdit::Deactivate { .. } => format!("чат «{}» отмечен неактивным", state.name),
        ChatEdit::Confirm { .. } => format!("чат «{}» подтвержден", state.name),
    }
}

/// POST /chats/school/{inn}: one edit, dated today.
pub(crate) async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    user.check_csrf(&form.csrf)?;
    let on = today();
    state
        .run(move |db| {
            let account = &user.account;
            let asked = Asked::of(&ChatsQuery::default())?;
            // Outside the scope the school does not exist; inside it, an authority account
            // only reads.
            let school = school_in_scope(db, account, &inn, on)?;
            if !account.edits_chats_of(&inn) {
                return Err(WebError::Forbidden(
                    "реестр чатов школы изменяет сама школа".to_string(),
                ));
            }
            let edit = match form.edit() {
                Ok(edit) => edit,
                Err(reason) => {
                    return school_page(db, &user, &school, &asked, Notice::Error(reason));
                }
            };
            let org: OrgId = school.id.clone();
            match tsos_app::chats::edit_chat(db.store, &org, &edit, on, &account.login) {
                Ok(saved) => {
                    db.audit(
                        Some(&account.login),
                        "chats",
                        &format!("школа {inn}: {}", describe(&edit, &saved)),
                    )?;
                    let to = format!(
                        "/chats/school/{}?done={}&chat={}",
                        urls::encode(&inn),
                        urls::encode(&form.op),
                        urls::encode(&saved.name)
                    );
                    Ok(Redirect::to(&to).into_response())
                }
                Err(AppError::ChatEdit(err)) => {
                    let reason = err.to_string();
                    school_page(db, &user, &school, &asked, Notice::Error(reason))
                }
                Err(err) => Err(err.into()),
            }
        })
        .await
}

/// GET /chats/school/{inn}/template.xlsx: the form the school fills in, its ИНН in the
/// example row.
pub(crate) async fn template(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let school = school_in_scope(db, &user.account, &inn, today())?;
            let bytes = tsos_report::chats::template(school.id.as_str())
                .map_err(|err| WebError::Internal(format!("шаблон XLSX: {err}")))?;
            db.audit_read(
                &user.account.login,
                "download",
                &format!("шаблон реестра чатов школы {inn}"),
            );
            Ok(file(
                XLSX,
                &format!("chats_template_{inn}.xlsx"),
                &format!("Реестр чатов {inn}.xlsx"),
                bytes,
            ))
        })
        .await
}

/// POST /chats/school/{inn}/upload: the school's filled template, stored at once as its
/// snapshot for the date of the form (or of the file's title), or nothing with the errors
/// shown on the page. A row of another school refuses the whole file.
pub(crate) async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(inn): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let limit = crate::MAX_CHATS_UPLOAD;
    let mut csrf = CsrfFirst::new(&user, limit);
    let mut as_of: Option<String> = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|err| upload_error(err, limit))?
    {
        let Some(field) = csrf.admit(field).await? else {
            continue;
        };
        match field.name().unwrap_or_default() {
            "as_of" => as_of = Some(field_text(field, limit).await?),
            "file" => {
                let file_name = safe_file_name(field.file_name().unwrap_or_default());
                file = Some((
                    file_name,
                    field
                        .bytes()
                        .await
                        .map_err(|err| upload_error(err, limit))?
                        .to_vec(),
                ));
            }
            _ => {}
        }
    }
    csrf.finish()?;
    state
        .run(move |db| {
            let account = &user.account;
            let asked = Asked::of(&ChatsQuery::default())?;
            let school = school_in_scope(db, account, &inn, asked.when.as_of)?;
            if !account.edits_chats_of(&inn) {
                return Err(WebError::Forbidden(
                    "реестр чатов школы загружает сама школа".to_string(),
                ));
            }
            let fail = |db: &mut Db<'_>, reason: String| {
                school_page(db, &user, &school, &asked, Notice::Error(reason))
            };
            let Some((file_name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
                return fail(db, "выберите файл".to_string());
            };
            let as_of = match as_of.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(text) => match parse_cli_date(text) {
                    Ok(date) if date > asked.when.as_of => {
                        return fail(
                            db,
                            format!("дата сведений {} еще не наступила", format_date_ru(date)),
                        );
                    }
                    Ok(date) => Some(date),
                    Err(err) => return fail(db, format!("дата сведений: {err}")),
                },
                None => None,
            };
            let dir = tempfile::Builder::new().prefix("tsos-chats-").tempdir()?;
            let path = dir.path().join(&file_name);
            std::fs::write(&path, &bytes)?;
            match tsos_app::chats::import_school_chats(db.store, &path, as_of, &school.id) {
                Ok(outcome) => {
                    let import = &outcome.import;
                    let what = format!(
                        "файл «{file_name}» на {}: чатов {}, классов {}",
                        format_date_ru(import.as_of),
                        ru::integer(import.rows.len() as u64),
                        ru::integer(import.classes.len() as u64)
                    );
                    db.audit(
                        Some(&account.login),
                        "chats",
                        &format!("школа {inn}: загружен {what}"),
                    )?;
                    let done = match outcome.saved {
                        SaveOutcome::Unchanged { .. } => {
                            format!("Этот файл уже загружен ({what}): ничего не изменилось.")
                        }
                        SaveOutcome::Saved { .. } => format!("Загружен {what}."),
                    };
                    school_page(db, &user, &school, &asked, Notice::Done(done))
                }
                Err(err) => {
                    let err = WebError::App(err);
                    if err.is_internal() {
                        return Err(err);
                    }
                    fail(db, err.to_string())
                }
            }
        })
        .await
}

/// GET /download/chats.xlsx?level=…&as_of=…&deadline=…
pub(crate) async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let asked = Asked::of(&query)?;
    state
        .run(move |db| {
            let account = &user.account;
            let level = parse_level(query.level.as_deref())?;
            let rows = scoped_rows(db, account, &asked, level)?;
            let bytes = tsos_report::chats::xlsx(&rows, level, asked.when.as_of)
                .map_err(|err| WebError::Internal(format!("чаты XLSX: {err}")))?;
            let date = format_date_ru(asked.when.as_of);
            db.audit_read(
                &account.login,
                "download",
                &format!("официальные чаты XLSX ({}) на {date}", level.code()),
            );
            Ok(file(
                XLSX,
                &format!("chats_{}.xlsx", asked.when.as_of),
                &format!("Официальные чаты на {date}.xlsx"),
                bytes,
            ))
        })
        .await
}

fn json_value(value: &serde_json::Value) -> Result<Response, WebError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|err| WebError::Internal(format!("JSON: {err}")))?;
    bytes.push(b'\n');
    Ok(json(bytes))
}

/// GET /api/chats?level=…&as_of=…&deadline=…: the object of `tsos chats report --format
/// json`, with only the rows the account may see.
pub(crate) async fn api_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let run = async move {
        let asked = Asked::of(&query)?;
        state
            .run(move |db| {
                let account = &user.account;
                let level = parse_level(query.level.as_deref())?;
                let rows = scoped_rows(db, account, &asked, level)?;
                db.audit_read(
                    &account.login,
                    "view",
                    &format!(
                        "API: официальные чаты ({}) на {}",
                        level.code(),
                        format_date_ru(asked.when.as_of)
                    ),
                );
                json_value(&tsos_report::chats::json(
                    &rows,
                    level,
                    asked.when.as_of,
                    asked.deadline,
                ))
            })
            .await
    };
    run.await.map_err(WebError::api)
}

/// GET /api/chats/schools/{inn}?as_of=…: the school's chats, each in its latest state.
pub(crate) async fn api_school(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(inn): Path<String>,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let run = async move {
        let asked = Asked::of(&query)?;
        state
            .run(move |db| {
                let account = &user.account;
                let school = school_in_scope(db, account, &inn, asked.when.as_of)?;
                let chats = tsos_app::chats::school_chats(
                    db.store,
                    &school,
                    asked.when.as_of,
                    asked.deadline,
                )?
                .current;
                let iso = |d: Option<Date>| d.map(|d| d.to_string());
                let value = serde_json::json!({
                    "as_of": asked.when.as_of.to_string(),
                    "school": {
                        "id": school.id.as_str(),
                        "name": school.name,
                        "municipality": school.municipality,
                        "region": school.region,
                    },
                    "chats": chats.iter().map(|c| serde_json::json!({
                        "name": c.name,
                        "purpose": c.purpose.code(),
                        "class": c.class_label,
                        "platform": c.platform,
                        "domestic": c.domestic,
                        "members": c.members,
                        "active": c.active,
                        "confirmed_on": iso(c.confirmed_on),
                        "created_on": iso(c.created_on),
                        "moved_on": iso(c.moved_on),
                        "replaces": c.replaces,
                        "since": c.as_of.to_string(),
                    })).collect::<Vec<_>>(),
                });
                db.audit_read(
                    &account.login,
                    "view",
                    &format!(
                        "API: официальные чаты школы {inn} на {}",
                        format_date_ru(asked.when.as_of)
                    ),
                );
                json_value(&value)
            })
            .await
    };
    run.await.map_err(WebError::api)
}
