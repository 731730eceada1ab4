//! Schools named without ИНН (SPEC §5.2): a file that names a school only by its name, and
//! perhaps its municipality, is matched to the registry by the name as people write it
//! reduced to one spelling — never guessed. A name that matches no school, or several, is for a
//! person to decide; the nearest registry names help them.

use crate::org::OrgId;
use crate::registry::SchoolInfo;

/// How one name of a file stands against the registry.
#[derive(Clone, Debug, PartialEq)]
pub enum NameMatch {
    One(OrgId),
    /// Several schools of the registry have this name (where the municipality is known, in it).
    Several(Vec<OrgId>),
    /// None has; the nearest names, most alike first.
    None {
        nearest: Vec<OrgId>,
    },
}

/// Long spellings of the forms of schools and their abbreviations, longest first so that a
/// shorter one never cuts into a longer.
const FORMS: [(&str, &str); 12] = [
    (
        "муниципальное бюджетное общеобразовательное учреждение",
        "мбоу",
    ),
    (
        "муниципальное казенное общеобразовательное учреждение",
        "мкоу",
    ),
    (
        "муниципальное автономное общеобразовательное учреждение",
        "маоу",
    ),
    (
        "государственное бюджетное общеобразовательное учреждение",
        "гбоу",
    ),
    (
        "государственное казенное общеобразовательное учреждение",
        "гкоу",
    ),
    (
        "государственное автономное общеобразовательное учреждение",
        "гаоу",
    ),
    ("частное общеобразовательное учреждение", "чоу"),
    ("средняя общеобразовательная школа", "сош"),
    ("основная общеобразовательная школа", "оош"),
    ("начальная общеобразовательная школа", "нош"),
    ("общеобразовательная школа", "ош"),
    ("имени", "им"),
];

/// Words of a municipality's name that say what it is rather than which: «Буйнакский район»,
/// «МР «Буйнакский район»» and «муниципальный район Буйнакский» are one.
const PLACE_WORDS: [&str; 12] = [
    "муниципальный",
    "муниципальное",
    "образование",
    "район",
    "городской",
    "округ",
    "город",
    "го",
    "мр",
    "мо",
    "г",
    "гор",
];

/// Lower case, ё as е, quotes and punctuation as spaces, spaces collapsed; «№ 5», «№5»,
/// «N 5» and «No 5» as «№5».
fn words(text: &str) -> Vec<String> {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ё' => clean.push('е'),
            '№' => clean.push_str(" № "),
            c if c.is_alphanumeric() => clean.push(c),
            _ => clean.push(' '),
        }
    }
    let mut out: Vec<String> = Vec::new();
    for word in clean.split_whitespace() {
        let number_sign = matches!(word, "№" | "n" | "no" | "nо");
        if let Some(last) = out.last_mut()
            && last == "№"
            && word.chars().all(|c| c.is_ascii_digit())
        {
            last.push_str(word);
            continue;
        }
        out.push(if number_sign {
            "№".into()
        } else {
            word.to_string()
        });
    }
    // «N5» written without a space.
    for word in &mut out {
        if let Some(digits) = word.strip_prefix('n')
            && !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
        {
            *word = format!("№{digits}");
        }
    }
    out
}

/// A school's name in one spelling: «МБОУ "СОШ №5"» and «Муниципальное бюджетное
/// общеобразовательное учреждение «Средняя общеобразовательная школа № 5»» are the same key.
pub fn school_key(name: &str) -> String {
    let mut text = words(name).join(" ");
    for (long, short) in FORMS {
        text = replace_words(&text, long, short);
    }
    text
}

/// A municipality's name in one spelling, without the words that say what kind it is.
pub fn place_key(municipality: &str) -> String {
    words(municipality)
        .into_iter()
        .filter(|w| !PLACE_WORDS.contains(&w.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces whole words `long` by `short` in space-separated `text`.
fn replace_words(text: &str, long: &str, short: &str) -> String {
    let padded = format!(" {text} ");
    padded
        .replace(&format!(" {long} "), &format!(" {short} "))
        .trim()
        .to_string()
}

/// How many nearest names an unmatched one lists.
const NEAREST: usize = 3;

/// Matches a name of a file (and its municipality, where the file gives one) to `registry`.
pub fn match_school(name: &str, municipality: Option<&str>, registry: &[SchoolInfo]) -> NameMatch {
    let key = school_key(name);
    let place = municipality.map(place_key).filter(|p| !p.is_empty());
    let candidates: Vec<&SchoolInfo> = registry
        .iter()
        .filter(|school| {
            place
                .as_ref()
                .is_none_or(|place| place_key(&school.municipality) == *place)
        })
        .collect();
    let same: Vec<OrgId> = candidates
        .iter()
        .filter(|school| school_key(&school.name) == key)
        .map(|school| school.id.clone())
        .collect();
    match same.len() {
        1 => NameMatch::One(same.into_iter().next().expect("one")),
        0 => {
            let mut scored: Vec<(f64, &SchoolInfo)> = candidates
                .iter()
                .map(|school| {
                    (
                        strsim::jaro_winkler(&key, &school_key(&school.name)),
                        *school,
                    )
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
            NameMatch::None {
                nearest: scored
                    .into_iter()
                    .take(NEAREST)
                    .map(|(_, school)| school.id.clone())
                    .collect(),
            }
        }
        _ => NameMatch::Several(same),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::RoleMap;

    fn school(id: &str, name: &str, municipality: &str) -> SchoolInfo {
        SchoolInfo {
            id: OrgId::normalize(id).unwrap(),
            name: name.into(),
            municipality: municipality.into(),
            region: "Республика Дагестан".into(),
            contingent: RoleMap::default(),
        }
    }

    #[test]
    fn one_school_however_its_name_is_written() {
        let short = school_key("МБОУ \"СОШ №5\"");
        for written in [
            "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 5»",
            "МБОУ «СОШ № 5»",
            "мбоу сош N 5",
            "МБОУ СОШ N5",
            "  МБОУ   “СОШ №5” ",
        ] {
            assert_eq!(school_key(written), short, "{written}");
        }
        assert_eq!(short, "мбоу сош №5");
        assert_ne!(school_key("МБОУ «СОШ №15»"), short);
        assert_ne!(school_key("МКОУ «СОШ №5»"), short);
        assert_eq!(
            place_key("городской округ «город Махачкала»"),
            place_key("г. Махачкала")
        );
        assert_eq!(place_key("МР «Буйнакский район»"), "буйнакский");
    }

    #[test]
    fn the_municipality_tells_apart_schools_of_one_name() {
        let registry = [
            school("0500000001", "МБОУ «СОШ №5»", "Буйнакский район"),
            school("0500000002", "МБОУ «СОШ №5»", "Кизлярский район"),
            school("0500000003", "МКОУ «Агачаульская СОШ»", "Буйнакский район"),
        ];
        let long = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 5»";
        assert_eq!(
            match_school(long, Some("Кизлярский район"), &registry),
            NameMatch::One(registry[1].id.clone())
        );
        assert_eq!(
            match_school(long, None, &registry),
            NameMatch::Several(vec![registry[0].id.clone(), registry[1].id.clone()])
        );
        let NameMatch::None { nearest } = match_school(
            "МКОУ Агачаульская средняя школа",
            Some("Буйнакский район"),
            &registry,
        ) else {
            panic!("no school has that exact name")
        };
        assert_eq!(nearest[0], registry[2].id);
        assert!(nearest.len() <= 2, "only the municipality's schools");
    }
}
