//! The as-of date from a title line: «Выгрузка … по состоянию на 01.10.2023», «Реестр ОО на
//! 1 сентября 2023 г.».

use jiff::civil::Date;
use tsos_domain::dates::parse_date_text;

const MONTHS_GENITIVE: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// The first date that follows the word «на» in `text`.
pub fn date_in_title(text: &str) -> Option<Date> {
    let lower = text.to_lowercase().replace('\u{a0}', " ");
    let words: Vec<&str> = lower.split_whitespace().collect();
    for (idx, word) in words.iter().enumerate() {
        if *word != "на" {
            continue;
        }
        let rest = &words[idx + 1..];
        if let Some(first) = rest.first() {
            let token = first.trim_end_matches(['г', '.', ',', ')', ';', ':', '»']);
            if let Ok(Some(date)) = parse_date_text(token) {
                return Some(date);
            }
        }
        if let [day, month, year, ..] = rest
            && let (Ok(day), Some(month_idx), Ok(year)) = (
                day.parse::<i8>(),
                MONTHS_GENITIVE.iter().position(|m| m == month),
                year.trim_end_matches(['г', '.', ',']).parse::<i16>(),
            )
            && let Ok(date) = Date::new(year, month_idx as i8 + 1, day)
        {
            return Some(date);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn title_dates() {
        let cases = [
            (
                "Выгрузка пользователей по состоянию на 01.10.2023",
                Some(date(2023, 10, 1)),
            ),
            ("Реестр ОО на 01.09.2023г.", Some(date(2023, 9, 1))),
            ("Мониторинг (на 2023-10-01)", None),
            ("Мониторинг на 2023-10-01", Some(date(2023, 10, 1))),
            ("Реестр на 1 сентября 2023 г.", Some(date(2023, 9, 1))),
            ("ПО СОСТОЯНИЮ НА 01.10.2023", Some(date(2023, 10, 1))),
            ("Отчет за октябрь", None),
            ("на 31.02.2023", None),
        ];
        for (text, expected) in cases {
            assert_eq!(date_in_title(text), expected, "{text}");
        }
    }
}
