//! A school's own changes to its chats registry, as the dashboard makes them: add a chat, move
//! it to a domestic platform, mark it inactive or confirm it is used.
//!
//! An edit never rewrites history: it yields the chat's next dated state, checked against the
//! states already known, so that the indicators of every earlier date stay as they were.

use jiff::civil::Date;
use thiserror::Error;

use super::{ChatPlatform, ChatState, Purpose, chat_key, chats_at, squash_spaces};
use crate::dates::format_date_ru;
use crate::org::OrgId;

/// One change to one chat of one school.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEdit {
    /// A chat the registry does not have yet.
    Add {
        name: String,
        purpose: Purpose,
        class_label: Option<String>,
        platform: &'static ChatPlatform,
        members: Option<u64>,
        created_on: Option<Date>,
    },
    /// The chat now lives on a domestic platform. With a new name, the chat under that name
    /// replaces the old one; without, the same chat changes platform.
    Move {
        name: String,
        platform: &'static ChatPlatform,
        new_name: Option<String>,
        moved_on: Option<Date>,
    },
    /// The chat is no longer used.
    Deactivate { name: String },
    /// The chat is used: confirmed on the day of the edit, with its current member count.
    Confirm { name: String, members: Option<u64> },
}

impl ChatEdit {
    /// The name of the chat the edit is about.
    pub fn name(&self) -> &str {
        match self {
            ChatEdit::Add { name, .. }
            | ChatEdit::Move { name, .. }
            | ChatEdit::Deactivate { name }
            | ChatEdit::Confirm { name, .. } => name,
        }
    }
}

/// Why an edit cannot be made; the messages are shown to the school as they are.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ChatEditError {
    #[error("укажите название чата")]
    NoName,
    #[error("для классного чата укажите класс, например «5А»")]
    NoClass,
    #[error("чат «{0}» уже есть в реестре школы (или был в нем и заменен другим)")]
    Exists(String),
    #[error("чата «{0}» нет в реестре школы на эту дату")]
    Unknown(String),
    #[error("чат «{name}» уже на платформе {platform}")]
    SamePlatform {
        name: String,
        platform: &'static str,
    },
    #[error(
        "{0} — иностранный мессенджер: переносить официальный чат можно только на российскую \
         платформу (Сферум, MAX, VK Мессенджер)"
    )]
    ForeignTarget(&'static str),
    #[error("чат «{0}» уже отмечен как неактивный")]
    AlreadyInactive(String),
    #[error(
        "о чате «{name}» есть сведения на более позднюю дату ({later}): изменение на {on} \
         не изменило бы текущего состояния"
    )]
    LaterState {
        name: String,
        later: String,
        on: String,
    },
    #[error("дата {what} ({date}) позже даты изменения ({on})")]
    DateAfterEdit {
        what: &'static str,
        date: String,
        on: String,
    },
}

/// The state `edit` gives a chat of `org` on the day `on`, checked against `history` (every
/// known state of the school's chats, at any date).
pub fn apply_edit(
    history: &[ChatState],
    org: &OrgId,
    edit: &ChatEdit,
    on: Date,
) -> Result<ChatState, ChatEditError> {
    let name = clean(edit.name()).ok_or(ChatEditError::NoName)?;
    let own: Vec<ChatState> = history.iter().filter(|s| &s.org == org).cloned().collect();
    let key = chat_key(org, &name);
    let no_later_state = |key: &(OrgId, String), name: &str| match own
        .iter()
        .filter(|s| chat_key(&s.org, &s.name) == *key && s.as_of > on)
        .map(|s| s.as_of)
        .max()
    {
        Some(later) => Err(ChatEditError::LaterState {
            name: name.to_string(),
            later: format_date_ru(later),
            on: format_date_ru(on),
        }),
        None => Ok(()),
    };
    let not_after_edit = |what: &'static str, date: Option<Date>| match date {
        Some(date) if date > on => Err(ChatEditError::DateAfterEdit {
            what,
            date: format_date_ru(date),
            on: format_date_ru(on),
        }),
        _ => Ok(()),
    };
    // A name for a new chat: never used on or before the day — a retired chat's name stays
    // taken, since a new state under it would be hidden by the chat that replaced it — and
    // not after it either.
    let name_free = |key: &(OrgId, String), name: &str| {
        if own
            .iter()
            .any(|s| chat_key(&s.org, &s.name) == *key && s.as_of <= on)
        {
            return Err(ChatEditError::Exists(name.to_string()));
        }
        no_later_state(key, name)
    };
    // The chat as it stands on the day, and the state the edit starts from.
    let current = || -> Result<(ChatState, ChatState), ChatEditError> {
        let current = chats_at(&own, on)
            .into_iter()
            .find(|s| chat_key(&s.org, &s.name) == key)
            .ok_or_else(|| ChatEditError::Unknown(name.clone()))?;
        no_later_state(&key, &name)?;
        let next = ChatState {
            as_of: on,
            confirmed_on: Some(on),
            ..current.clone()
        };
        Ok((current, next))
    };
    match edit {
        ChatEdit::Add {
            purpose,
            class_label,
            platform,
            members,
            created_on,
            ..
        } => {
            name_free(&key, &name)?;
            not_after_edit("создания", *created_on)?;
            let class_label = class_label.as_deref().and_then(clean);
            if *purpose == Purpose::Class && class_label.is_none() {
                return Err(ChatEditError::NoClass);
            }
            Ok(ChatState {
                org: org.clone(),
                name,
                purpose: *purpose,
                class_label,
                platform: platform.name,
                domestic: platform.domestic,
                members: *members,
                active: true,
                confirmed_on: Some(on),
                created_on: *created_on,
                moved_on: None,
                replaces: None,
                as_of: on,
            })
        }
        ChatEdit::Move {
            platform,
            new_name,
            moved_on,
            ..
        } => {
            let (current, next) = current()?;
            if !platform.domestic {
                return Err(ChatEditError::ForeignTarget(platform.name));
            }
            not_after_edit("переноса", *moved_on)?;
            let moved_on = Some(moved_on.unwrap_or(on));
            let new_name = new_name
                .as_deref()
                .and_then(clean)
                .filter(|new| chat_key(org, new) != key);
            match new_name {
                Some(new_name) => {
                    name_free(&chat_key(org, &new_name), &new_name)?;
                    Ok(ChatState {
                        name: new_name,
                        platform: platform.name,
                        domestic: true,
                        active: true,
                        created_on: moved_on,
                        moved_on,
                        replaces: Some(current.name),
                        ..next
                    })
                }
                None if current.platform == platform.name => Err(ChatEditError::SamePlatform {
                    name: current.name,
                    platform: platform.name,
                }),
                None => Ok(ChatState {
                    platform: platform.name,
                    domestic: true,
                    active: true,
                    moved_on,
                    ..next
                }),
            }
        }
        ChatEdit::Deactivate { .. } => {
            let (current, next) = current()?;
            if !current.active {
                return Err(ChatEditError::AlreadyInactive(current.name));
            }
            Ok(ChatState {
                active: false,
                ..next
            })
        }
        ChatEdit::Confirm { members, .. } => {
            let (current, next) = current()?;
            Ok(ChatState {
                active: true,
                members: members.or(current.members),
                ..next
            })
        }
    }
}

/// The text with its spacing tidied, or `None` when nothing is left.
fn clean(text: &str) -> Option<String> {
    let text = squash_spaces(text);
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chats::chat_platform;
    use jiff::civil::date;

    fn org() -> OrgId {
        OrgId::normalize("0500000001").unwrap()
    }

    fn add(name: &str, platform: &str) -> ChatEdit {
        ChatEdit::Add {
            name: name.into(),
            purpose: Purpose::Parents,
            class_label: Some("5А".into()),
            platform: chat_platform(platform).unwrap(),
            members: Some(27),
            created_on: None,
        }
    }

    fn moved(name: &str, platform: &str, new_name: Option<&str>) -> ChatEdit {
        ChatEdit::Move {
            name: name.into(),
            platform: chat_platform(platform).unwrap(),
            new_name: new_name.map(str::to_string),
            moved_on: None,
        }
    }

    /// Applies edits one after another, each on its day, as the dashboard would.
    fn run(edits: &[(Date, ChatEdit)]) -> Result<Vec<ChatState>, ChatEditError> {
        let mut history = Vec::new();
        for (on, edit) in edits {
            let state = apply_edit(&history, &org(), edit, *on)?;
            history.push(state);
        }
        Ok(history)
    }

    #[test]
    fn a_chat_added_then_moved_twice_counts_once_on_its_latest_platform() {
        let history = run(&[
            (date(2023, 9, 1), add(" 5А  родители ", "вотсап")),
            (date(2023, 10, 5), moved("5а родители", "Сферум", None)),
            (date(2025, 9, 1), moved("5А родители", "MAX", None)),
        ])
        .unwrap();
        assert_eq!(history[0].name, "5А родители", "spacing is tidied");
        assert_eq!(history[0].platform, "WhatsApp");
        assert_eq!(history[1].moved_on, Some(date(2023, 10, 5)));
        let now = chats_at(&history, date(2026, 1, 1));
        assert_eq!(now.len(), 1);
        assert_eq!((now[0].platform, now[0].domestic), ("MAX", true));
        assert_eq!(now[0].members, Some(27), "what was known is kept");
        let then = chats_at(&history, date(2023, 9, 30));
        assert_eq!(then[0].platform, "WhatsApp", "history is not rewritten");
    }

    #[test]
    fn a_move_under_a_new_name_retires_the_old_chat() {
        let history = run(&[
            (date(2023, 9, 1), add("5А (WA)", "WhatsApp")),
            (
                date(2023, 10, 1),
                moved("5А (WA)", "Сферум", Some("5А родители")),
            ),
        ])
        .unwrap();
        let now = chats_at(&history, date(2023, 10, 1));
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].name, "5А родители");
        assert_eq!(now[0].replaces.as_deref(), Some("5А (WA)"));
        assert_eq!(now[0].created_on, Some(date(2023, 10, 1)));
        // The retired name is taken: a new chat under it would be hidden.
        let err = apply_edit(&history, &org(), &add("5а (wa)", "MAX"), date(2023, 11, 1));
        assert_eq!(err, Err(ChatEditError::Exists("5а (wa)".into())));
    }

    #[test]
    fn edits_are_checked() {
        let on = date(2023, 10, 1);
        let history = run(&[(date(2023, 9, 1), add("Педсовет", "Telegram"))]).unwrap();
        let check = |edit: ChatEdit, on: Date| apply_edit(&history, &org(), &edit, on);
        assert_eq!(check(add("  ", "MAX"), on), Err(ChatEditError::NoName));
        assert_eq!(
            check(add("педсовет", "MAX"), on),
            Err(ChatEditError::Exists("педсовет".into()))
        );
        let class = ChatEdit::Add {
            name: "5Б".into(),
            purpose: Purpose::Class,
            class_label: Some(" ".into()),
            platform: chat_platform("Сферум").unwrap(),
            members: None,
            created_on: None,
        };
        assert_eq!(check(class, on), Err(ChatEditError::NoClass));
        assert_eq!(
            check(moved("Совет", "MAX", None), on),
            Err(ChatEditError::Unknown("Совет".into()))
        );
        assert_eq!(
            check(moved("Педсовет", "Viber", None), on),
            Err(ChatEditError::ForeignTarget("Viber"))
        );
        assert!(matches!(
            check(moved("Педсовет", "MAX", None), date(2023, 8, 31)),
            Err(ChatEditError::Unknown(_))
        ));
        let early = ChatEdit::Move {
            name: "Педсовет".into(),
            platform: chat_platform("MAX").unwrap(),
            new_name: None,
            moved_on: Some(date(2023, 10, 2)),
        };
        assert!(matches!(
            check(early, on),
            Err(ChatEditError::DateAfterEdit { .. })
        ));
        let history = run(&[
            (date(2023, 9, 1), add("Педсовет", "Telegram")),
            (date(2023, 10, 1), moved("Педсовет", "Сферум", None)),
        ])
        .unwrap();
        assert_eq!(
            apply_edit(
                &history,
                &org(),
                &moved("Педсовет", "сферум", None),
                date(2023, 10, 2)
            ),
            Err(ChatEditError::SamePlatform {
                name: "Педсовет".into(),
                platform: "Сферум (VK Мессенджер)"
            })
        );
        let late = apply_edit(
            &history,
            &org(),
            &ChatEdit::Deactivate {
                name: "Педсовет".into(),
            },
            date(2023, 9, 15),
        );
        assert!(
            matches!(late, Err(ChatEditError::LaterState { ref later, .. }) if later == "01.10.2023"),
            "{late:?}"
        );
    }

    #[test]
    fn inactive_and_confirmed() {
        let history = run(&[
            (date(2023, 9, 1), add("Педсовет", "Сферум")),
            (
                date(2023, 12, 1),
                ChatEdit::Deactivate {
                    name: "педсовет".into(),
                },
            ),
        ])
        .unwrap();
        let now = &chats_at(&history, date(2023, 12, 1))[0];
        assert!(!now.active);
        assert_eq!(now.confirmed_on, Some(date(2023, 12, 1)));
        assert_eq!(
            apply_edit(
                &history,
                &org(),
                &ChatEdit::Deactivate {
                    name: "Педсовет".into()
                },
                date(2024, 1, 1)
            ),
            Err(ChatEditError::AlreadyInactive("Педсовет".into()))
        );
        let confirmed = apply_edit(
            &history,
            &org(),
            &ChatEdit::Confirm {
                name: "Педсовет".into(),
                members: Some(40),
            },
            date(2024, 1, 10),
        )
        .unwrap();
        assert!(confirmed.active);
        assert_eq!(confirmed.members, Some(40));
        assert_eq!(confirmed.confirmed_on, Some(date(2024, 1, 10)));
    }

    #[test]
    fn another_schools_chat_of_the_same_name_is_not_this_ones() {
        let other = OrgId::normalize("0500000002").unwrap();
        let history = run(&[(date(2023, 9, 1), add("Педсовет", "Telegram"))]).unwrap();
        assert_eq!(
            apply_edit(
                &history,
                &other,
                &moved("Педсовет", "MAX", None),
                date(2023, 10, 1)
            ),
            Err(ChatEditError::Unknown("Педсовет".into()))
        );
        assert!(apply_edit(&history, &other, &add("Педсовет", "MAX"), date(2023, 10, 1)).is_ok());
    }
}
