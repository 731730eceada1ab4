//! GET /chats: the chats of the account's area; a school goes to its own registry.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use tsos_domain::chats::{ChatRow, DeadlineStatus};
use tsos_domain::{Level, format_date_ru};

use super::{Asked, ChatsQuery, in_scope};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::query::chosen_level;
use crate::http::response::html;
use crate::http::urls;
use crate::scope::{Account, AccountRole};
use crate::views::chats::{RowView, chat_cards, row_view};
use crate::views::{Card, Crumb, Layout, Section};

/// How many overdue schools the page lists; the XLSX has them all.
const OVERDUE_SHOWN: usize = 50;

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
    cards: Vec<Card>,
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
pub(crate) async fn show(
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
                cards: if single {
                    tops.first().map(chat_cards).unwrap_or_default()
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
                rows: rows
                    .iter()
                    .map(|r| row_view(r, level, &asked.query))
                    .collect(),
                overdue_total: overdue.len(),
                overdue: overdue
                    .iter()
                    .take(OVERDUE_SHOWN)
                    .map(|r| row_view(r, Level::School, &asked.query))
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
                Action::View,
                &format!("официальные чаты на {}", format_date_ru(asked.when.as_of)),
            );
            Ok(html(&page)?.into_response())
        })
        .await
}
