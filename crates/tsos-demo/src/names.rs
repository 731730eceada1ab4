//! Invented full names (ФИО) in the mix a Dagestani school has: mostly local surnames and
//! given names, some Russian ones.

use fastrand::Rng;

/// Male forms; the female form adds «а» (Магомедов → Магомедова).
const SURNAMES: [&str; 40] = [
    "Магомедов",
    "Алиев",
    "Гасанов",
    "Абдуллаев",
    "Омаров",
    "Исмаилов",
    "Рамазанов",
    "Гаджиев",
    "Курбанов",
    "Расулов",
    "Ахмедов",
    "Мусаев",
    "Сулейманов",
    "Керимов",
    "Муртузалиев",
    "Османов",
    "Джабраилов",
    "Халилов",
    "Абакаров",
    "Гусейнов",
    "Магомаев",
    "Юсупов",
    "Шамилов",
    "Нурмагомедов",
    "Алибеков",
    "Давудов",
    "Исаев",
    "Мирзоев",
    "Пашаев",
    "Салихов",
    "Умаров",
    "Хизриев",
    "Эминов",
    "Арсланов",
    "Баширов",
    "Иванов",
    "Петров",
    "Кузнецов",
    "Смирнов",
    "Волков",
];

const MALE_NAMES: [&str; 24] = [
    "Магомед",
    "Али",
    "Гасан",
    "Рамазан",
    "Шамиль",
    "Арсен",
    "Руслан",
    "Мурад",
    "Ахмед",
    "Расул",
    "Камиль",
    "Саид",
    "Ислам",
    "Абдулла",
    "Тимур",
    "Имам",
    "Хабиб",
    "Артур",
    "Эльдар",
    "Гаджимурад",
    "Умар",
    "Иван",
    "Сергей",
    "Александр",
];

const FEMALE_NAMES: [&str; 24] = [
    "Патимат",
    "Марьям",
    "Аминат",
    "Фатима",
    "Зарема",
    "Хадижат",
    "Мадина",
    "Саида",
    "Луиза",
    "Джамиля",
    "Айшат",
    "Заира",
    "Индира",
    "Сабина",
    "Эльмира",
    "Написат",
    "Умукусум",
    "Разият",
    "Асият",
    "Камила",
    "Диана",
    "Елена",
    "Ольга",
    "Наталья",
];

/// (son, daughter) forms of the father's name.
const PATRONYMICS: [(&str, &str); 20] = [
    ("Магомедович", "Магомедовна"),
    ("Алиевич", "Алиевна"),
    ("Гасанович", "Гасановна"),
    ("Рамазанович", "Рамазановна"),
    ("Шамилевич", "Шамилевна"),
    ("Арсенович", "Арсеновна"),
    ("Русланович", "Руслановна"),
    ("Мурадович", "Мурадовна"),
    ("Ахмедович", "Ахмедовна"),
    ("Расулович", "Расуловна"),
    ("Камилевич", "Камилевна"),
    ("Саидович", "Саидовна"),
    ("Исламович", "Исламовна"),
    ("Абдуллаевич", "Абдуллаевна"),
    ("Тимурович", "Тимуровна"),
    ("Имамович", "Имамовна"),
    ("Гаджимурадович", "Гаджимурадовна"),
    ("Умарович", "Умаровна"),
    ("Иванович", "Ивановна"),
    ("Сергеевич", "Сергеевна"),
];

/// The ФИО of a person, the same for the same `person` seed in every export.
/// `female_share`: teachers and the parents who handle school accounts are mostly women.
pub(crate) fn full_name(person: u64, female_share: f64) -> String {
    let mut rng = Rng::with_seed(person);
    let surname = SURNAMES[rng.usize(..SURNAMES.len())];
    let (son, daughter) = PATRONYMICS[rng.usize(..PATRONYMICS.len())];
    if rng.f64() < female_share {
        let name = FEMALE_NAMES[rng.usize(..FEMALE_NAMES.len())];
        format!("{surname}а {name} {daughter}")
    } else {
        let name = MALE_NAMES[rng.usize(..MALE_NAMES.len())];
        format!("{surname} {name} {son}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_person_same_name() {
        assert_eq!(full_name(42, 0.5), full_name(42, 0.5));
        let name = full_name(42, 1.0);
        assert_eq!(name.split(' ').count(), 3, "{name}");
        assert!(name.ends_with("вна"), "{name}");
    }
}
