//! A plausible registry of official chats for the demo's schools (SPEC §10), and the schools'
//! lists of classes. Each school has classes 1–11 (1–9 in a basic school), one to three of a
//! grade as its size allows; most classes have a class chat and a parents' chat, most on
//! Сферум or MAX, a few still in WhatsApp or Telegram, some replaced by a Сферум chat that names
//! them, and some classes have no class chat at all. A staff chat and an administration chat
//! complete the registry.

use std::fmt::Write as _;

use fastrand::Rng;
use jiff::civil::Date;
use tsos_domain::chats::{CLASS_HEADERS, TEMPLATE_HEADERS};
use tsos_domain::{Role, SchoolInfo, format_date_ru};

/// The two files of the demo's chats: CSV (UTF-8, `;`), each titled with its date.
pub struct ChatFiles {
    pub chats: String,
    pub classes: String,
}

/// The chats registry and the lists of classes of `schools` at `as_of`.
pub fn chat_files(schools: &[SchoolInfo], as_of: Date, seed: u64) -> ChatFiles {
    let mut rng = Rng::with_seed(seed ^ 0xC4A7);
    let date = format_date_ru(as_of);
    let mut chats_out = format!(
        "Реестр официальных чатов общеобразовательных организаций по состоянию на {date}\n{}\n",
        TEMPLATE_HEADERS.join(";")
    );
    let mut classes_out = format!(
        "Списки классов общеобразовательных организаций по состоянию на {date}\n{}\n",
        CLASS_HEADERS.join(";")
    );
    for school in schools {
        let inn = &school.id;
        let classes = classes_of(school, &mut rng);
        // Some schools write their classes as «5 а» or «5-а»: the chats still match them.
        let spelling = rng.u8(..6);
        for (class, students) in &classes {
            let (grade, letter) = class;
            let label = match spelling {
                0 => format!("{grade} {}", letter.to_lowercase()),
                1 => format!("{grade}-{}", letter.to_lowercase()),
                _ => format!("{grade}{letter}"),
            };
            let _ = writeln!(classes_out, "{inn};{label};{students}");
        }
        // Some schools lag: their chats stay in foreign messengers more often, and more of
        // their classes have no class chat.
        let laggard = rng.u8(..10) == 0;
        let mut chats: Vec<Chat> = vec![
            Chat::new(
                "Педагогический коллектив",
                "педагогический коллектив",
                "",
                "Сферум",
                school.contingent.get(Role::Teachers).unwrap_or(40) as u32,
            ),
            Chat::new(
                "Администрация",
                "администрация",
                "",
                if rng.bool() { "MAX" } else { "Сферум" },
                rng.u32(4..12),
            ),
        ];
        for &((grade, letter), students) in &classes {
            let class = format!("{grade}{letter}");
            let foreign = if laggard {
                rng.u8(..3) == 0
            } else {
                rng.u8(..25) == 0
            };
            let platform = if foreign {
                ["WhatsApp", "Telegram", "Viber"][rng.usize(..3)]
            } else if rng.bool() {
                "Сферум"
            } else {
                "MAX"
            };
            let without_class_chat = rng.u8(..if laggard { 4 } else { 12 }) == 0;
            if !without_class_chat {
                chats.push(Chat::new(
                    &format!("{class} — класс"),
                    "классный",
                    &class,
                    platform,
                    students + rng.u32(1..3),
                ));
            }
            let mut parents = Chat::new(
                &format!("{class} — родители"),
                "родительский",
                &class,
                platform,
                students + rng.u32(0..students.max(1)),
            );
            if !foreign && rng.u8(..4) == 0 {
                // A parents' chat moved from WhatsApp: the new chat names the old one.
                parents.platform = "Сферум";
                parents.moved_days_before = Some(rng.i64(10..200));
                parents.replaces = format!("{class} — родители (WhatsApp)");
            }
            chats.push(parents);
        }
        for chat in chats {
            let active = if rng.u8(..20) == 0 { "Нет" } else { "Да" };
            let confirmed = days_before(as_of, rng.i64(0..30));
            let created = days_before(as_of, rng.i64(400..900));
            let moved = chat
                .moved_days_before
                .map(|d| days_before(as_of, d))
                .unwrap_or_default();
            let _ = writeln!(
                chats_out,
                "{inn};{};{};{};{};{};{active};{confirmed};{created};{moved};{}",
                chat.name, chat.purpose, chat.class, chat.platform, chat.members, chat.replaces
            );
        }
    }
    ChatFiles {
        chats: chats_out,
        classes: classes_out,
    }
}

/// A school's classes, (grade, letter) with the students of each: grades 1–11, or 1–9 in a
/// basic school (ООШ); as many parallel classes (А, Б, В) as about 25 students a class make,
/// one to three.
fn classes_of(school: &SchoolInfo, rng: &mut Rng) -> Vec<((u32, &'static str), u32)> {
    let students = school.contingent.get(Role::Students).unwrap_or(200) as u32;
    let grades = if school.name.contains("ООШ") {
        9
    } else {
        11
    };
    let parallel = (students / grades / 25).clamp(1, 3);
    let per_class = (students / (grades * parallel)).max(1);
    let mut classes = Vec::new();
    for grade in 1..=grades {
        for letter in &["А", "Б", "В"][..parallel as usize] {
            let spread = per_class / 5 + 1;
            let size = (per_class + rng.u32(0..=2 * spread)).saturating_sub(spread);
            classes.push(((grade, *letter), size.max(1)));
        }
    }
    classes
}

struct Chat {
    name: String,
    purpose: &'static str,
    class: String,
    platform: &'static str,
    members: u32,
    moved_days_before: Option<i64>,
    replaces: String,
}

impl Chat {
    fn new(
        name: &str,
        purpose: &'static str,
        class: &str,
        platform: &'static str,
        members: u32,
    ) -> Chat {
        Chat {
            name: name.to_string(),
            purpose,
            class: class.to_string(),
            platform,
            members,
            moved_days_before: None,
            replaces: String::new(),
        }
    }
}

fn days_before(date: Date, days: i64) -> String {
    format_date_ru(date - jiff::Span::new().days(days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsos_domain::{OrgId, RoleMap};

    fn school(inn: &str, name: &str, students: u64) -> SchoolInfo {
        let mut contingent = RoleMap::default();
        *contingent.get_mut(Role::Teachers) = Some(30);
        *contingent.get_mut(Role::Students) = Some(students);
        SchoolInfo {
            id: OrgId::normalize(inn).unwrap(),
            name: name.into(),
            municipality: "Район".into(),
            region: "Регион".into(),
            contingent,
        }
    }

    #[test]
    fn deterministic_with_every_column() {
        let schools = vec![
            school("0500000001", "МКОУ «СОШ №1»", 300),
            school("0500000002", "МКОУ «СОШ №2»", 900),
        ];
        let a = chat_files(&schools, jiff::civil::date(2023, 10, 1), 7);
        let b = chat_files(&schools, jiff::civil::date(2023, 10, 1), 7);
        assert_eq!((&a.chats, &a.classes), (&b.chats, &b.classes));
        assert!(a.chats.starts_with("Реестр официальных чатов"));
        for line in a.chats.lines().skip(1) {
            assert_eq!(line.split(';').count(), TEMPLATE_HEADERS.len(), "{line}");
        }
        assert!(a.classes.starts_with("Списки классов"));
        for line in a.classes.lines().skip(1) {
            assert_eq!(line.split(';').count(), CLASS_HEADERS.len(), "{line}");
        }
    }

    #[test]
    fn classes_follow_the_size_of_the_school() {
        let mut rng = Rng::with_seed(1);
        let count = |name: &str, students| {
            classes_of(&school("0500000001", name, students), &mut rng.clone()).len()
        };
        assert_eq!(count("МКОУ «Ташкапурская ООШ»", 100), 9);
        assert_eq!(count("МКОУ «СОШ №1»", 300), 11);
        assert_eq!(count("МБОУ «Гимназия №1»", 1500), 33);
        let classes = classes_of(&school("0500000001", "МКОУ «СОШ №1»", 700), &mut rng);
        let students: u32 = classes.iter().map(|(_, n)| n).sum();
        assert!((550..=850).contains(&students), "{students}");
    }
}
