//! A plausible registry of official chats for the demo's schools (SPEC §10): class and
//! parents' chats per class, a staff chat and an administration chat; most on Сферум or MAX,
//! a few still in WhatsApp or Telegram, some replaced by a Сферум chat that names them.

use std::fmt::Write as _;

use fastrand::Rng;
use jiff::civil::Date;
use tsos_domain::chats::TEMPLATE_HEADERS;
use tsos_domain::format_date_ru;

/// The chats registry as CSV (UTF-8, `;`), titled with its date, for `schools` (ИНН) at
/// `as_of`.
pub fn chats_csv(schools: &[String], as_of: Date, seed: u64) -> String {
    let mut rng = Rng::with_seed(seed ^ 0xC4A7);
    let mut out = format!(
        "Реестр официальных чатов общеобразовательных организаций по состоянию на {}\n{}\n",
        format_date_ru(as_of),
        TEMPLATE_HEADERS.join(";")
    );
    for inn in schools {
        // Some schools lag: their chats stay in foreign messengers more often.
        let laggard = rng.u8(..10) == 0;
        let mut chats: Vec<Chat> = vec![
            Chat::new(
                "Педагогический коллектив",
                "педагогический коллектив",
                "",
                "Сферум",
                rng.u32(20..80),
            ),
            Chat::new(
                "Администрация",
                "администрация",
                "",
                if rng.bool() { "MAX" } else { "Сферум" },
                rng.u32(4..12),
            ),
        ];
        for grade in 1..=rng.u32(4..11) {
            let class = format!("{grade}{}", ["А", "Б", "В"][rng.usize(..3)]);
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
            chats.push(Chat::new(
                &format!("{class} — класс"),
                "классный",
                &class,
                platform,
                rng.u32(15..32),
            ));
            let mut parents = Chat::new(
                &format!("{class} — родители"),
                "родительский",
                &class,
                platform,
                rng.u32(15..40),
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
                out,
                "{inn};{};{};{};{};{};{active};{confirmed};{created};{moved};{}",
                chat.name, chat.purpose, chat.class, chat.platform, chat.members, chat.replaces
            );
        }
    }
    out
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

    #[test]
    fn deterministic_with_every_column() {
        let schools = vec!["0500000001".to_string(), "0500000002".to_string()];
        let a = chats_csv(&schools, jiff::civil::date(2023, 10, 1), 7);
        assert_eq!(a, chats_csv(&schools, jiff::civil::date(2023, 10, 1), 7));
        assert!(a.starts_with("Реестр официальных чатов"));
        for line in a.lines().skip(1) {
            assert_eq!(line.split(';').count(), TEMPLATE_HEADERS.len(), "{line}");
        }
    }
}
