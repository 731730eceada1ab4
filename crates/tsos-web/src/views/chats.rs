//! What the chats pages show: the headline cards of an area or a school, the rows of the
//! tables, a school's chats with their history.

use jiff::civil::Date;
use tsos_domain::chats::{
    ChatRow, ChatStanding, ChatState, DeadlineStatus, PlatformClosing, chat_key,
};
use tsos_domain::{Level, Status, format_date_ru};
use tsos_report::ru;

use super::Card;
use crate::http::urls;

/// The headline cards of an area's or a school's chats.
pub(crate) fn chat_cards(row: &ChatRow) -> Vec<Card> {
    let card = |title: &str, value: String, status: Status, counts: String| Card {
        title: title.to_string(),
        subtitle: "",
        value,
        text: false,
        status,
        status_label: "",
        target: String::new(),
        change: None,
        counts,
    };
    let mut out = vec![
        card(
            "Официальных чатов",
            ru::integer(row.chats),
            Status::None,
            match row.schools_without_data {
                0 => format!("сведения от всех {} ОО", ru::integer(row.schools as u64)),
                n => format!(
                    "нет сведений от {} из {} ОО",
                    ru::integer(n as u64),
                    ru::integer(row.schools as u64)
                ),
            },
        ),
        card(
            "На российских платформах",
            ru::percent(row.domestic_share()),
            match row.domestic_share() {
                Some(share) if share >= 1.0 => Status::Green,
                Some(_) => Status::Yellow,
                None => Status::None,
            },
            format!(
                "{} чатов в Сферуме, MAX, VK Мессенджере",
                ru::integer(row.domestic)
            ),
        ),
        card(
            "Открыто в иностранных мессенджерах",
            ru::integer(row.foreign_open),
            if row.foreign_open == 0 {
                Status::Green
            } else {
                Status::Red
            },
            "WhatsApp, Telegram, Viber и другие".to_string(),
        ),
        card(
            "Неактивных на российских платформах",
            ru::integer(row.inactive_domestic),
            if row.inactive_domestic == 0 {
                Status::None
            } else {
                Status::Yellow
            },
            "чат есть, но не используется".to_string(),
        ),
    ];
    if let Some(without) = row.classes_without_chat {
        out.push(card(
            "Классов без официального чата",
            ru::integer(without),
            if without == 0 {
                Status::Green
            } else {
                Status::Red
            },
            match row.schools_without_class_list {
                0 => format!("из {} классов в списках", ru::integer(row.classes)),
                n => format!(
                    "из {} классов в списках; нет списка классов у {} ОО",
                    ru::integer(row.classes),
                    ru::integer(n as u64)
                ),
            },
        ));
    }
    if let Some(closing) = row.closing {
        let mut notes = vec![closing.title_ru()];
        if row.schools > 1 {
            notes.push(format!(
                "ОО с просрочкой: {}",
                ru::integer(row.schools_closing_overdue as u64)
            ));
        }
        out.push(card(
            "Открыто на закрываемых платформах",
            ru::integer(row.closing_open),
            light(Some(closing)),
            notes.join(" · "),
        ));
    }
    if row.chats > 0 {
        out.push(card(
            "ОО без официального канала",
            ru::integer(row.schools_without_channel as u64),
            if row.schools_without_channel == 0 {
                Status::Green
            } else {
                Status::Yellow
            },
            "нет действующего официального канала ОО на российской платформе".to_string(),
        ));
    }
    if let Some(deadline) = row.deadline {
        let mut notes = Vec::new();
        let value = match deadline {
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
        out.push(Card {
            text: true,
            ..card(
                "Срок перехода",
                value,
                light(Some(deadline)),
                notes.join(" · "),
            )
        });
    }
    out
}

/// The traffic light of a deadline: met, pending, overdue; none without a deadline.
fn light(deadline: Option<DeadlineStatus>) -> Status {
    match deadline {
        Some(DeadlineStatus::Met) => Status::Green,
        Some(DeadlineStatus::Pending) => Status::Yellow,
        Some(DeadlineStatus::Overdue(_)) => Status::Red,
        None => Status::None,
    }
}

/// A row of the chats table.
pub(crate) struct RowView {
    pub name: String,
    pub href: Option<String>,
    pub municipality: String,
    pub schools: String,
    pub chats: String,
    pub domestic_share: String,
    pub foreign_open: String,
    pub inactive: String,
    /// «—» where no school of the row gave its list of classes.
    pub classes_without_chat: String,
    /// Open chats on a platform being closed.
    pub closing_open: String,
    pub overdue: String,
    pub status: String,
    /// The traffic light of the deadline.
    pub light: Status,
}

/// A row of the table at `level`; `query` keeps the page's day and deadline in its link.
pub(crate) fn row_view(row: &ChatRow, level: Level, query: &str) -> RowView {
    let href = match level {
        Level::School => Some(format!("/chats/school/{}?{}", urls::encode(&row.id), query)),
        Level::Municipality => Some(format!(
            "/chats?level=school&municipality={}&{}",
            urls::encode(&row.id),
            query
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
        closing_open: ru::integer(row.closing_open),
        overdue: ru::integer(row.schools_overdue as u64),
        status: row
            .deadline
            .map(DeadlineStatus::title_ru)
            .unwrap_or_default(),
        light: light(row.deadline),
    }
}

/// A chat of a school as the page shows it.
pub(crate) struct ChatView {
    pub name: String,
    pub purpose: &'static str,
    pub class_label: String,
    pub platform: &'static str,
    pub foreign: bool,
    /// On a platform the authority closes, from its date.
    pub closing: bool,
    pub members: String,
    pub active: bool,
    pub confirmed: String,
    pub created: String,
    pub moved: String,
    pub replaces: String,
    /// «01.09.2023: WhatsApp, активен», oldest first.
    pub history: Vec<String>,
}

/// A chat in its latest state at `as_of`, with the states of its `history` that led to it.
pub(crate) fn chat_view(
    chat: &ChatState,
    history: &[ChatState],
    closings: &[PlatformClosing],
    as_of: Date,
) -> ChatView {
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
        closing: matches!(
            ChatStanding::of(chat, closings, as_of),
            ChatStanding::Closing { .. }
        ),
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
pub(crate) struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}
