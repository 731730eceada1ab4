//! Official chats of schools and their move off foreign messengers (149-ФЗ art. 10 p. 8,
//! SPEC §10).
//!
//! A chat is known by its school and name. Every import of a school's chats adds a dated state
//! of each chat, so a move (WhatsApp → Сферум → MAX) is a new state, not an overwrite; a chat
//! that names the chat it replaced retires that one. The indicators of a date use each chat's
//! latest state on or before it.
//!
//! A school may also give its list of classes, so that the classes left without an official
//! class chat can be counted; each school's latest list on or before a date is the one used.

mod edit;

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;

use crate::indicators::sort_for_reading;
use crate::level::Level;
use crate::org::OrgId;
use crate::registry::SchoolInfo;

pub use edit::{ChatEdit, ChatEditError, apply_edit};

/// The columns of the chats registry, in the order the template writes them; the import
/// recognises them by their words, in any order.
pub const TEMPLATE_HEADERS: [&str; 11] = [
    "ИНН ОО",
    "Название чата",
    "Назначение",
    "Класс",
    "Платформа",
    "Участников",
    "Активен",
    "Дата подтверждения",
    "Дата создания",
    "Дата переноса",
    "Заменяет чат",
];

/// The template's sheet for the school's list of classes, read with the chats.
pub const CLASSES_SHEET: &str = "Классы";

/// The columns of a list of classes; «Обучающихся» may be left out. A file with «ИНН» and
/// «Класс» and no column of a chat's is a list of classes.
pub const CLASS_HEADERS: [&str; 3] = ["ИНН ОО", "Класс", "Обучающихся"];

/// A messenger or platform a chat can live on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatPlatform {
    /// What the closing settings store and the command line names: `sferum_vk`.
    pub code: &'static str,
    /// What is stored with a chat's state and shown.
    pub name: &'static str,
    /// Russian (allowed for official work) or foreign (not allowed since 01.03.2023).
    pub domestic: bool,
    /// Spellings people use, lower case: «вотсап», «тг».
    pub aliases: &'static [&'static str],
}

/// The platforms of SPEC §10. A platform named otherwise is an error of the row, so that a
/// typo is never counted as domestic.
///
/// Сферум lived inside VK Мессенджер until it moved into MAX (from August 2025): the two are
/// told apart, since the authority may close the first ([`PlatformClosing`]). A bare
/// «Сферум» is the one in VK Мессенджер: it is what the word meant when the list offered
/// «Сферум» beside «MAX», so chats stored before the split keep their meaning (migration 014
/// renames them); a file dated from [`SFERUM_IN_MAX_SINCE`] that says only «Сферум» is read
/// the same way, with a warning ([`is_bare_sferum`]).
pub const CHAT_PLATFORMS: &[ChatPlatform] = &[
    ChatPlatform {
        code: "sferum_vk",
        name: "Сферум (VK Мессенджер)",
        domestic: true,
        aliases: &[
            "сферум",
            "sferum",
            "икоп сферум",
            "сферум в vk мессенджере",
            "сферум (vk messenger)",
            "сферум в вк мессенджере",
            "сферум (вк мессенджер)",
        ],
    },
    ChatPlatform {
        code: "max",
        name: "MAX",
        domestic: true,
        aliases: &[
            "max",
            "макс",
            "мессенджер max",
            "сферум в max",
            "сферум в макс",
            "сферум (max)",
            "сферум max",
        ],
    },
    ChatPlatform {
        code: "vk_messenger",
        name: "VK Мессенджер",
        domestic: true,
        aliases: &[
            "vk мессенджер",
            "vk messenger",
            "вк мессенджер",
            "вконтакте",
            "vk",
        ],
    },
    ChatPlatform {
        code: "whatsapp",
        name: "WhatsApp",
        domestic: false,
        aliases: &["whatsapp", "вотсап", "ватсап", "вацап", "wa"],
    },
    ChatPlatform {
        code: "telegram",
        name: "Telegram",
        domestic: false,
        aliases: &["telegram", "телеграм", "телеграмм", "тг", "tg"],
    },
    ChatPlatform {
        code: "viber",
        name: "Viber",
        domestic: false,
        aliases: &["viber", "вайбер"],
    },
    ChatPlatform {
        code: "discord",
        name: "Discord",
        domestic: false,
        aliases: &["discord", "дискорд"],
    },
    ChatPlatform {
        code: "ms_teams",
        name: "Microsoft Teams",
        domestic: false,
        aliases: &["microsoft teams", "ms teams", "teams"],
    },
    ChatPlatform {
        code: "skype_business",
        name: "Skype for Business",
        domestic: false,
        aliases: &["skype for business", "skype", "скайп"],
    },
    ChatPlatform {
        code: "snapchat",
        name: "Snapchat",
        domestic: false,
        aliases: &["snapchat"],
    },
    ChatPlatform {
        code: "threema",
        name: "Threema",
        domestic: false,
        aliases: &["threema"],
    },
    ChatPlatform {
        code: "wechat",
        name: "WeChat",
        domestic: false,
        aliases: &["wechat"],
    },
];

/// The platform a cell names, by name or alias, ignoring case and spacing.
pub fn chat_platform(text: &str) -> Option<&'static ChatPlatform> {
    let norm = squash_spaces(text).to_lowercase();
    CHAT_PLATFORMS
        .iter()
        .find(|p| p.name.to_lowercase() == norm || p.aliases.contains(&norm.as_str()))
}

/// The platform of a code, as the closing settings store it.
pub fn chat_platform_by_code(code: &str) -> Option<&'static ChatPlatform> {
    CHAT_PLATFORMS.iter().find(|p| p.code == code)
}

/// From this day Сферум lives in MAX, so a bare «Сферум» in a file of this date or later may
/// mean either platform.
pub const SFERUM_IN_MAX_SINCE: Date = jiff::civil::date(2025, 8, 1);

/// Whether a cell says only «Сферум», without saying which one ([`CHAT_PLATFORMS`]).
pub fn is_bare_sferum(text: &str) -> bool {
    matches!(
        squash_spaces(text).to_lowercase().as_str(),
        "сферум" | "sferum" | "икоп сферум"
    )
}

/// A domestic platform the authority closes: from `from` its chats count as «на закрываемой
/// платформе», no longer as domestic, and they are to be moved or closed by `deadline`.
/// Before `from` they count as domestic, as they always did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformClosing {
    pub platform: &'static ChatPlatform,
    pub from: Date,
    pub deadline: Date,
}

/// Why a closing cannot be set.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClosingError {
    #[error("неизвестная платформа «{0}»; возможны: {list}", list = platform_codes())]
    UnknownPlatform(String),
    #[error("«{0}» — иностранный мессенджер: он запрещен целиком, закрывать его отдельно не нужно")]
    Foreign(&'static str),
    #[error("срок {deadline} раньше даты начала {from}")]
    DeadlineBeforeFrom { from: String, deadline: String },
}

/// The codes of the domestic platforms, for an error message.
fn platform_codes() -> String {
    CHAT_PLATFORMS
        .iter()
        .filter(|p| p.domestic)
        .map(|p| format!("{} ({})", p.code, p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

impl PlatformClosing {
    /// A closing of the domestic platform `code` from `from` to `deadline`, checked.
    pub fn new(code: &str, from: Date, deadline: Date) -> Result<PlatformClosing, ClosingError> {
        let platform = chat_platform_by_code(code)
            .ok_or_else(|| ClosingError::UnknownPlatform(code.into()))?;
        if !platform.domestic {
            return Err(ClosingError::Foreign(platform.name));
        }
        if deadline < from {
            return Err(ClosingError::DeadlineBeforeFrom {
                from: crate::format_date_ru(from),
                deadline: crate::format_date_ru(deadline),
            });
        }
        Ok(PlatformClosing {
            platform,
            from,
            deadline,
        })
    }
}

/// What a chat counts as at a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatStanding {
    /// On a domestic platform not being closed at the date.
    Domestic,
    /// On a domestic platform the authority closes, from its date; the deadline is that
    /// closing's.
    Closing {
        deadline: Date,
    },
    Foreign,
}

impl ChatStanding {
    /// What `chat` counts as at `as_of` under `closings`.
    pub fn of(chat: &ChatState, closings: &[PlatformClosing], as_of: Date) -> ChatStanding {
        if !chat.domestic {
            return ChatStanding::Foreign;
        }
        match closings
            .iter()
            .find(|c| c.platform.name == chat.platform && c.from <= as_of)
        {
            Some(closing) => ChatStanding::Closing {
                deadline: closing.deadline,
            },
            None => ChatStanding::Domestic,
        }
    }
}

/// What a chat is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    Class,
    Parents,
    Staff,
    Administration,
    /// The school's official channel («госпаблик»): the school speaks, members read.
    OfficialChannel,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::Class,
        Purpose::Parents,
        Purpose::Staff,
        Purpose::Administration,
        Purpose::OfficialChannel,
    ];

    pub fn title_ru(self) -> &'static str {
        match self {
            Purpose::Class => "классный",
            Purpose::Parents => "родительский",
            Purpose::Staff => "педагогический коллектив",
            Purpose::Administration => "администрация",
            Purpose::OfficialChannel => "официальный канал ОО",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Purpose::Class => "class",
            Purpose::Parents => "parents",
            Purpose::Staff => "staff",
            Purpose::Administration => "administration",
            Purpose::OfficialChannel => "official_channel",
        }
    }

    pub fn from_code(code: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.code() == code)
    }

    /// By word stem: «классный», «родительский», «педагоги», «администрация», «официальный
    /// канал».
    pub fn from_label(label: &str) -> Option<Purpose> {
        let label = label.trim().to_lowercase();
        // Before the others: «официальный канал ОО» names no other purpose, but a channel
        // «для родителей» would otherwise read as a parents' chat.
        if label.starts_with("официальн") || label.contains("канал") || label == "official_channel"
        {
            Some(Purpose::OfficialChannel)
        } else if label.starts_with("класс") || label == "class" {
            Some(Purpose::Class)
        } else if label.starts_with("родит") || label == "parents" {
            Some(Purpose::Parents)
        } else if label.starts_with("педаг") || label.contains("коллектив") || label == "staff"
        {
            Some(Purpose::Staff)
        } else if label.starts_with("админ") || label == "administration" {
            Some(Purpose::Administration)
        } else {
            None
        }
    }
}

/// One dated state of one official chat.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatState {
    pub org: OrgId,
    pub name: String,
    pub purpose: Purpose,
    /// «5А» for a class chat.
    pub class_label: Option<String>,
    pub platform: &'static str,
    pub domestic: bool,
    pub members: Option<u64>,
    pub active: bool,
    /// When the school last confirmed the chat is used.
    pub confirmed_on: Option<Date>,
    pub created_on: Option<Date>,
    pub moved_on: Option<Date>,
    /// The name of the chat this one replaced, which then stops counting.
    pub replaces: Option<String>,
    /// The date of the import that said so.
    pub as_of: Date,
}

/// How a chat is known: its school and its name, ignoring case and spacing.
pub fn chat_key(org: &OrgId, name: &str) -> (OrgId, String) {
    (org.clone(), squash_spaces(name).to_lowercase())
}

/// The words of `text` with one space between them, none around.
fn squash_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each chat's latest state on or before `as_of`, without the chats a later chat replaced.
pub fn chats_at(states: &[ChatState], as_of: Date) -> Vec<ChatState> {
    let mut latest: HashMap<(OrgId, String), &ChatState> = HashMap::new();
    for state in states.iter().filter(|s| s.as_of <= as_of) {
        let key = chat_key(&state.org, &state.name);
        match latest.get(&key) {
            Some(known) if known.as_of > state.as_of => {}
            _ => {
                latest.insert(key, state);
            }
        }
    }
    let replaced: HashSet<(OrgId, String)> = latest
        .values()
        .filter_map(|s| s.replaces.as_ref().map(|r| chat_key(&s.org, r)))
        .collect();
    let mut out: Vec<ChatState> = latest
        .into_iter()
        .filter(|(key, _)| !replaced.contains(key))
        .map(|(_, state)| state.clone())
        .collect();
    out.sort_by(|a, b| (&a.org, &a.name).cmp(&(&b.org, &b.name)));
    out
}

/// The form of a class label that matching uses, so that «5 а», «5-а», «5a» and «5А» are one
/// class: spaces, hyphens, dashes and quotes dropped, upper case, and the Latin letters that
/// look like Cyrillic ones made Cyrillic, because a label typed in the English keyboard layout
/// looks the same to whoever typed it.
pub fn class_key(label: &str) -> String {
    label
        .chars()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '-' | '‐' | '‑' | '–' | '—' | '"' | '\'' | '«' | '»')
        })
        .flat_map(char::to_uppercase)
        .map(|c| match c {
            'A' => 'А',
            'B' => 'В',
            'E' => 'Е',
            'K' => 'К',
            'M' => 'М',
            'H' => 'Н',
            'O' => 'О',
            'P' => 'Р',
            'C' => 'С',
            'T' => 'Т',
            'X' => 'Х',
            other => other,
        })
        .collect()
}

/// One class of a school's list.
#[derive(Clone, Debug, PartialEq)]
pub struct SchoolClass {
    /// As the school wrote it; matching uses [`class_key`].
    pub label: String,
    pub students: Option<u64>,
}

/// A school's list of classes as one import gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassList {
    pub org: OrgId,
    pub classes: Vec<SchoolClass>,
    /// The date of the import that gave it.
    pub as_of: Date,
}

/// Each school's latest list of classes on or before `as_of`, by school. A list replaces the
/// school's earlier one whole, so a class missing from it no longer counts; of two lists on
/// one date, the later one in `lists` wins (the later import, as with chat states).
pub fn class_lists_at(lists: &[ClassList], as_of: Date) -> Vec<ClassList> {
    let mut latest: HashMap<&OrgId, &ClassList> = HashMap::new();
    for list in lists.iter().filter(|l| l.as_of <= as_of) {
        match latest.get(&list.org) {
            Some(known) if known.as_of > list.as_of => {}
            _ => {
                latest.insert(&list.org, list);
            }
        }
    }
    let mut out: Vec<ClassList> = latest.into_values().cloned().collect();
    out.sort_by(|a, b| a.org.cmp(&b.org));
    out
}

/// Where an organisation stands against the deadline to leave foreign messengers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineStatus {
    /// No foreign-messenger chat is open.
    Met,
    /// Foreign chats are open, and the deadline has not passed yet.
    Pending,
    /// Foreign chats are open after the deadline, by this many days.
    Overdue(i64),
}

impl DeadlineStatus {
    /// The worse of two: overdue (by the longer delay) before pending before met.
    pub fn worse(self, other: DeadlineStatus) -> DeadlineStatus {
        use DeadlineStatus::{Met, Overdue, Pending};
        match (self, other) {
            (Overdue(a), Overdue(b)) => Overdue(a.max(b)),
            (Overdue(a), _) | (_, Overdue(a)) => Overdue(a),
            (Pending, _) | (_, Pending) => Pending,
            (Met, Met) => Met,
        }
    }

    /// A code for JSON: `met`, `pending`, `overdue`.
    pub fn code(self) -> &'static str {
        match self {
            DeadlineStatus::Met => "met",
            DeadlineStatus::Pending => "pending",
            DeadlineStatus::Overdue(_) => "overdue",
        }
    }

    /// The days past the deadline, when overdue.
    pub fn days_overdue(self) -> Option<i64> {
        match self {
            DeadlineStatus::Overdue(days) => Some(days),
            _ => None,
        }
    }

    pub fn title_ru(self) -> String {
        match self {
            DeadlineStatus::Met => "выполнено".into(),
            DeadlineStatus::Pending => "в работе".into(),
            DeadlineStatus::Overdue(days) => format!("просрочено на {days} дн."),
        }
    }
}

/// The chat indicators of a school, a municipality or a region.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatRow {
    pub id: String,
    pub name: String,
    pub municipality: String,
    pub region: String,
    pub schools: usize,
    /// Schools that gave no chats at all.
    pub schools_without_data: usize,
    pub chats: u64,
    /// On a domestic platform that is not being closed at the date ([`ChatStanding`]).
    pub domestic: u64,
    pub foreign_open: u64,
    pub inactive_domestic: u64,
    /// Active chats on a platform the authority closes, from its date.
    pub closing_open: u64,
    /// Schools with such a chat open after its platform's deadline.
    pub schools_closing_overdue: usize,
    /// Where the row stands against the closings' deadlines; `None` when no closing is in
    /// force at the date.
    pub closing: Option<DeadlineStatus>,
    /// Schools that gave chats but no active official channel on a domestic platform.
    pub schools_without_channel: usize,
    /// Schools with a foreign chat open after the deadline.
    pub schools_overdue: usize,
    pub deadline: Option<DeadlineStatus>,
    /// Classes the schools' lists give, each once.
    pub classes: u64,
    /// Listed classes with no active class chat on a domestic platform whose class matches. A
    /// class whose only class chat is in a foreign messenger, or no longer used, has no
    /// official chat and counts here. `None` when no school of the row gave a list of classes:
    /// the figure is then unknown, not zero.
    pub classes_without_chat: Option<u64>,
    /// Schools that gave no list of classes; their classes are in neither figure above.
    pub schools_without_class_list: usize,
}

impl ChatRow {
    /// Share of official chats on domestic platforms; `None` without chats.
    pub fn domestic_share(&self) -> Option<f64> {
        (self.chats > 0).then(|| self.domestic as f64 / self.chats as f64)
    }
}

/// The chat indicators at `as_of` for every school of the registry, rolled up to `level`, with
/// the deadline status when a deadline is given (overdue from the day after it), and the
/// closing status when a closing of `closings` is in force. `chats` are the chats at `as_of`
/// ([`chats_at`]) and `classes` the lists of classes at `as_of` ([`class_lists_at`]).
pub fn chat_rows(
    level: Level,
    schools: &[SchoolInfo],
    chats: &[ChatState],
    classes: &[ClassList],
    as_of: Date,
    deadline: Option<Date>,
    closings: &[PlatformClosing],
) -> Vec<ChatRow> {
    let closing_in_force = closings.iter().any(|c| c.from <= as_of);
    let mut by_org: HashMap<&OrgId, Vec<&ChatState>> = HashMap::new();
    for chat in chats {
        by_org.entry(&chat.org).or_default().push(chat);
    }
    let lists: HashMap<&OrgId, &ClassList> = classes.iter().map(|l| (&l.org, l)).collect();
    let status_of = |foreign_open: u64| {
        deadline.map(|deadline| match foreign_open {
            0 => DeadlineStatus::Met,
            _ if as_of > deadline => DeadlineStatus::Overdue((as_of - deadline).get_days().into()),
            _ => DeadlineStatus::Pending,
        })
    };
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut rows: Vec<ChatRow> = Vec::new();
    for school in schools {
        let own = by_org
            .get(&school.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let standing: Vec<(&ChatState, ChatStanding)> = own
            .iter()
            .map(|c| (*c, ChatStanding::of(c, closings, as_of)))
            .collect();
        let domestic = || {
            standing
                .iter()
                .filter(|(_, s)| *s == ChatStanding::Domestic)
                .map(|(c, _)| *c)
        };
        let foreign_open = own.iter().filter(|c| !c.domestic && c.active).count() as u64;
        let school_status = status_of(foreign_open);
        let mut closing_open = 0;
        let mut school_closing = closing_in_force.then_some(DeadlineStatus::Met);
        for (_, standing) in standing.iter().filter(|(c, _)| c.active) {
            if let ChatStanding::Closing { deadline } = standing {
                closing_open += 1;
                let status = if as_of > *deadline {
                    DeadlineStatus::Overdue((as_of - *deadline).get_days().into())
                } else {
                    DeadlineStatus::Pending
                };
                school_closing = Some(school_closing.map_or(status, |s| s.worse(status)));
            }
        }
        let row_idx = *index.entry(level.group_of(school)).or_insert_with(|| {
            let (id, name, municipality) = level.row_identity(school);
            rows.push(ChatRow {
                id,
                name,
                municipality,
                region: school.region.clone(),
                ..ChatRow::default()
            });
            rows.len() - 1
        });
        let row = &mut rows[row_idx];
        row.schools += 1;
        if own.is_empty() {
            row.schools_without_data += 1;
        }
        row.chats += own.len() as u64;
        row.domestic += domestic().count() as u64;
        row.foreign_open += foreign_open;
        row.inactive_domestic += domestic().filter(|c| !c.active).count() as u64;
        if matches!(school_status, Some(DeadlineStatus::Overdue(_))) {
            row.schools_overdue += 1;
        }
        row.closing_open += closing_open;
        if let Some(status) = school_closing {
            row.closing = Some(row.closing.map_or(status, |s| s.worse(status)));
            if matches!(status, DeadlineStatus::Overdue(_)) {
                row.schools_closing_overdue += 1;
            }
        }
        if !own.is_empty() && !domestic().any(|c| c.purpose == Purpose::OfficialChannel && c.active)
        {
            row.schools_without_channel += 1;
        }
        match lists.get(&school.id) {
            Some(list) => {
                let official: HashSet<String> = domestic()
                    .filter(|c| c.purpose == Purpose::Class && c.active)
                    .filter_map(|c| c.class_label.as_deref().map(class_key))
                    .collect();
                let listed: HashSet<String> =
                    list.classes.iter().map(|c| class_key(&c.label)).collect();
                row.classes += listed.len() as u64;
                *row.classes_without_chat.get_or_insert(0) +=
                    listed.difference(&official).count() as u64;
            }
            None => row.schools_without_class_list += 1,
        }
    }
    sort_for_reading(&mut rows, |row| {
        [&row.region, &row.municipality, &row.name, &row.id]
    });
    for row in &mut rows {
        row.deadline = status_of(row.foreign_open);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn state(name: &str, platform: &str, as_of: Date, replaces: Option<&str>) -> ChatState {
        let platform = chat_platform(platform).unwrap();
        ChatState {
            org: OrgId::normalize("0500000001").unwrap(),
            name: name.into(),
            purpose: Purpose::Parents,
            class_label: Some("5А".into()),
            platform: platform.name,
            domestic: platform.domestic,
            members: Some(25),
            active: true,
            confirmed_on: None,
            created_on: None,
            moved_on: None,
            replaces: replaces.map(str::to_string),
            as_of,
        }
    }

    fn school() -> SchoolInfo {
        crate::fixtures::school("0500000001", "Школа", "Район", &[])
    }

    #[test]
    fn platforms_by_name_and_alias() {
        assert_eq!(chat_platform("  Ватсап ").unwrap().name, "WhatsApp");
        assert_eq!(chat_platform("ТГ").unwrap().name, "Telegram");
        assert!(chat_platform("Сферум").unwrap().domestic);
        assert!(chat_platform("макс").unwrap().domestic);
        assert!(!chat_platform("Viber").unwrap().domestic);
        assert!(chat_platform("Одноклассники").is_none());
    }

    #[test]
    fn a_chat_moved_twice_counts_once_on_its_latest_platform() {
        let states = vec![
            state("5А родители", "WhatsApp", date(2023, 9, 1), None),
            state("5а  Родители", "Сферум", date(2023, 10, 1), None),
            state("5А родители", "MAX", date(2025, 10, 1), None),
        ];
        let at = |d| chats_at(&states, d);
        assert_eq!(at(date(2023, 9, 15)).len(), 1);
        assert_eq!(at(date(2023, 9, 15))[0].platform, "WhatsApp");
        assert_eq!(at(date(2024, 1, 1))[0].platform, "Сферум (VK Мессенджер)");
        let now = at(date(2026, 1, 1));
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].platform, "MAX");
    }

    #[test]
    fn a_replacing_chat_retires_the_old_one() {
        let states = vec![
            state("5А родители (WA)", "WhatsApp", date(2023, 9, 1), None),
            state(
                "5А родители",
                "Сферум",
                date(2023, 10, 1),
                Some("5А родители (WA)"),
            ),
        ];
        let now = chats_at(&states, date(2023, 10, 1));
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].platform, "Сферум (VK Мессенджер)");
    }

    fn class_chat(class: &str, platform: &str, active: bool) -> ChatState {
        ChatState {
            name: format!("{class} — класс"),
            purpose: Purpose::Class,
            class_label: Some(class.into()),
            active,
            ..state("", platform, date(2023, 10, 1), None)
        }
    }

    fn list(org: &str, classes: &[&str], as_of: Date) -> ClassList {
        ClassList {
            org: OrgId::normalize(org).unwrap(),
            classes: classes
                .iter()
                .map(|label| SchoolClass {
                    label: label.to_string(),
                    students: None,
                })
                .collect(),
            as_of,
        }
    }

    #[test]
    fn class_labels_match_however_they_are_typed() {
        for label in ["5А", "5 а", "5-а", "5a", " 5 A ", "5–А", "5«А»"] {
            assert_eq!(class_key(label), "5А", "{label:?}");
        }
        // Every Latin look-alike becomes its Cyrillic letter.
        assert_eq!(class_key("abekmhopctx"), "АВЕКМНОРСТХ");
        assert_eq!(class_key("10 Б"), "10Б");
        assert_ne!(class_key("5А"), class_key("5Б"));
        assert_ne!(class_key("1А"), class_key("11А"));
    }

    #[test]
    fn only_an_active_domestic_class_chat_covers_its_class() {
        let chats = vec![
            // Covered although typed differently in the list.
            class_chat("5а", "Сферум", true),
            // In a foreign messenger, or no longer used: no official chat.
            class_chat("6А", "WhatsApp", true),
            class_chat("7А", "MAX", false),
            // A parents' chat of a class is not its class chat.
            state("8А родители", "Сферум", date(2023, 10, 1), None),
        ];
        let lists = vec![list(
            "0500000001",
            &["5 A", "6А", "7А", "8А", "9А", "9 а"],
            date(2023, 9, 1),
        )];
        let row = &chat_rows(
            Level::School,
            &[school()],
            &chats,
            &lists,
            date(2023, 10, 1),
            None,
            &[],
        )[0];
        assert_eq!(row.classes, 5, "«9А» and «9 а» are one class");
        assert_eq!(row.classes_without_chat, Some(4));
        assert_eq!(row.schools_without_class_list, 0);
    }

    #[test]
    fn without_a_list_the_figure_is_unknown_not_zero() {
        let chats = vec![class_chat("5А", "Сферум", true)];
        let row = &chat_rows(
            Level::School,
            &[school()],
            &chats,
            &[],
            date(2023, 10, 1),
            None,
            &[],
        )[0];
        assert_eq!((row.classes, row.classes_without_chat), (0, None));
        assert_eq!(row.schools_without_class_list, 1);
        // An empty list is a list: every class (none) has a chat.
        let empty = vec![list("0500000001", &[], date(2023, 9, 1))];
        let row = &chat_rows(
            Level::School,
            &[school()],
            &chats,
            &empty,
            date(2023, 10, 1),
            None,
            &[],
        )[0];
        assert_eq!((row.classes, row.classes_without_chat), (0, Some(0)));
    }

    #[test]
    fn a_municipality_sums_the_schools_that_gave_a_list() {
        let with = |id: &str, municipality: &str| SchoolInfo {
            id: OrgId::normalize(id).unwrap(),
            municipality: municipality.into(),
            ..school()
        };
        let schools = vec![
            with("0500000001", "Район"),
            with("0500000002", "Район"),
            with("0500000003", "Район"),
            with("0500000004", "Другой район"),
        ];
        let lists = vec![
            list("0500000001", &["5А", "6А"], date(2023, 9, 1)),
            list("0500000002", &["1А", "1Б", "2А"], date(2023, 9, 1)),
        ];
        // School 1 has a class chat for 5А; school 2 has none; school 3 gave no list.
        let chats = vec![class_chat("5А", "Сферум", true)];
        let rows = chat_rows(
            Level::Municipality,
            &schools,
            &chats,
            &lists,
            date(2023, 10, 1),
            None,
            &[],
        );
        let district = rows.iter().find(|r| r.name == "Район").unwrap();
        assert_eq!(district.classes, 5);
        assert_eq!(district.classes_without_chat, Some(4));
        assert_eq!(district.schools_without_class_list, 1);
        let other = rows.iter().find(|r| r.name == "Другой район").unwrap();
        assert_eq!((other.classes, other.classes_without_chat), (0, None));
        let region = &chat_rows(
            Level::Region,
            &schools,
            &chats,
            &lists,
            date(2023, 10, 1),
            None,
            &[],
        )[0];
        assert_eq!((region.classes, region.classes_without_chat), (5, Some(4)));
        assert_eq!(region.schools_without_class_list, 2);
    }

    #[test]
    fn a_newer_list_replaces_the_school_s_whole_list() {
        let lists = vec![
            list("0500000001", &["5А", "5Б"], date(2023, 9, 1)),
            list("0500000002", &["1А"], date(2023, 9, 1)),
            list("0500000001", &["6А"], date(2024, 9, 1)),
            // A second import on the same date: the later one wins.
            list("0500000002", &["1А", "1Б"], date(2023, 9, 1)),
        ];
        let labels = |d: Date| -> Vec<(String, usize)> {
            class_lists_at(&lists, d)
                .into_iter()
                .map(|l| (l.org.to_string(), l.classes.len()))
                .collect()
        };
        assert!(labels(date(2023, 8, 31)).is_empty());
        assert_eq!(
            labels(date(2023, 9, 1)),
            [("0500000001".into(), 2), ("0500000002".into(), 2)]
        );
        assert_eq!(
            labels(date(2024, 9, 1)),
            [("0500000001".into(), 1), ("0500000002".into(), 2)]
        );
    }

    #[test]
    fn deadline_met_pending_and_overdue_at_the_boundary() {
        let states = vec![state("5А родители", "WhatsApp", date(2023, 9, 1), None)];
        let deadline = date(2023, 10, 20);
        let status = |d: Date| {
            let chats = chats_at(&states, d);
            chat_rows(
                Level::School,
                &[school()],
                &chats,
                &[],
                d,
                Some(deadline),
                &[],
            )[0]
            .deadline
        };
        assert_eq!(
            status(date(2023, 10, 20)),
            Some(DeadlineStatus::Pending),
            "on the day itself"
        );
        assert_eq!(status(date(2023, 10, 21)), Some(DeadlineStatus::Overdue(1)));
        let moved = vec![
            states[0].clone(),
            state("5А родители", "Сферум", date(2023, 10, 21), None),
        ];
        let chats = chats_at(&moved, date(2023, 10, 21));
        let row = &chat_rows(
            Level::School,
            &[school()],
            &chats,
            &[],
            date(2023, 10, 21),
            Some(deadline),
            &[],
        )[0];
        assert_eq!(row.deadline, Some(DeadlineStatus::Met));
        assert_eq!(row.domestic_share(), Some(1.0));
    }

    #[test]
    fn a_bare_sferum_is_the_one_in_vk_messenger() {
        let vk = chat_platform("Сферум").unwrap();
        assert_eq!((vk.code, vk.name), ("sferum_vk", "Сферум (VK Мессенджер)"));
        assert_eq!(
            chat_platform("Сферум (VK Мессенджер)").unwrap().code,
            "sferum_vk"
        );
        assert_eq!(chat_platform("Сферум в MAX").unwrap().code, "max");
        assert!(is_bare_sferum(" ИКОП  Сферум"));
        assert!(!is_bare_sferum("Сферум в MAX"));
        assert!(!is_bare_sferum("Сферум (VK Мессенджер)"));
        // Every platform has a code of its own and is found by it.
        for platform in CHAT_PLATFORMS {
            assert_eq!(chat_platform_by_code(platform.code), Some(platform));
        }
    }

    #[test]
    fn the_official_channel_is_a_purpose() {
        for label in ["официальный канал ОО", "Официальный канал", "канал школы"]
        {
            assert_eq!(Purpose::from_label(label), Some(Purpose::OfficialChannel));
        }
        assert_eq!(
            Purpose::from_code("official_channel"),
            Some(Purpose::OfficialChannel)
        );
        assert_eq!(Purpose::from_label("родительский"), Some(Purpose::Parents));
    }

    #[test]
    fn a_closing_names_a_domestic_platform_and_a_later_deadline() {
        let (from, deadline) = (date(2025, 10, 1), date(2025, 12, 31));
        assert!(PlatformClosing::new("sferum_vk", from, deadline).is_ok());
        assert_eq!(
            PlatformClosing::new("whatsapp", from, deadline),
            Err(ClosingError::Foreign("WhatsApp"))
        );
        assert!(matches!(
            PlatformClosing::new("сферум", from, deadline),
            Err(ClosingError::UnknownPlatform(_))
        ));
        assert!(matches!(
            PlatformClosing::new("sferum_vk", deadline, from),
            Err(ClosingError::DeadlineBeforeFrom { .. })
        ));
    }

    #[test]
    fn a_chat_on_a_closed_platform_counts_as_closing_from_its_date_and_not_before() {
        let closing =
            PlatformClosing::new("sferum_vk", date(2025, 10, 1), date(2025, 12, 31)).unwrap();
        let mut channel = state("Канал школы", "MAX", date(2025, 9, 1), None);
        channel.purpose = Purpose::OfficialChannel;
        let mut read_only = state("6А родители", "Сферум", date(2025, 9, 1), None);
        read_only.active = false;
        let states = vec![
            state("5А родители", "Сферум", date(2025, 9, 1), None),
            read_only,
            channel,
            state("7А родители", "WhatsApp", date(2025, 9, 1), None),
        ];
        let row_at = |d: Date| {
            let chats = chats_at(&states, d);
            chat_rows(
                Level::School,
                &[school()],
                &chats,
                &[],
                d,
                None,
                std::slice::from_ref(&closing),
            )
            .remove(0)
        };
        // The day before: domestic, as always, and no closing in force.
        let before = row_at(date(2025, 9, 30));
        assert_eq!((before.domestic, before.closing_open), (3, 0));
        assert_eq!(before.closing, None);
        assert_eq!(before.inactive_domestic, 1);
        // From the date: the open one is closing, the read-only one neither domestic nor open.
        let from = row_at(date(2025, 10, 1));
        assert_eq!((from.domestic, from.closing_open), (1, 1));
        assert_eq!(from.domestic_share(), Some(0.25));
        assert_eq!(from.closing, Some(DeadlineStatus::Pending));
        assert_eq!(from.foreign_open, 1, "foreign chats are counted as before");
        assert_eq!(from.schools_without_channel, 0);
        assert_eq!(
            row_at(date(2025, 12, 31)).closing,
            Some(DeadlineStatus::Pending)
        );
        let after = row_at(date(2026, 1, 2));
        assert_eq!(after.closing, Some(DeadlineStatus::Overdue(2)));
        assert_eq!(after.schools_closing_overdue, 1);
    }

    #[test]
    fn a_school_that_moved_everything_has_met_the_closing() {
        let closing =
            PlatformClosing::new("sferum_vk", date(2025, 10, 1), date(2025, 12, 31)).unwrap();
        let states = vec![
            state("5А родители", "Сферум", date(2025, 9, 1), None),
            state("5А родители", "Сферум в MAX", date(2025, 11, 1), None),
        ];
        let d = date(2026, 1, 15);
        let row = chat_rows(
            Level::School,
            &[school()],
            &chats_at(&states, d),
            &[],
            d,
            None,
            &[closing],
        )
        .remove(0);
        assert_eq!((row.domestic, row.closing_open), (1, 0));
        assert_eq!(row.closing, Some(DeadlineStatus::Met));
        // Its only chat is a parents' chat: no official channel.
        assert_eq!(row.schools_without_channel, 1);
    }

    #[test]
    fn the_worse_status_wins() {
        use DeadlineStatus::{Met, Overdue, Pending};
        assert_eq!(Met.worse(Pending), Pending);
        assert_eq!(Overdue(3).worse(Pending), Overdue(3));
        assert_eq!(Overdue(3).worse(Overdue(5)), Overdue(5));
        assert_eq!(Met.worse(Met), Met);
    }
}
