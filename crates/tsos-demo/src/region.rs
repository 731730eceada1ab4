//! The demo region: real municipalities of Dagestan and invented schools in them.
//!
//! Names follow the local conventions an analyst will recognise: city schools are numbered
//! («МБОУ «СОШ №3»»), district schools are named after their village
//! («МКОУ «Верхнеказанищенская СОШ №1»»), and ИНН start with the tax office code of the
//! municipality, so a file looks like the real thing without describing any real school.

use std::collections::HashSet;

use fastrand::Rng;

pub(crate) const REGION: &str = "Республика Дагестан";
/// The region's name as it stands in a title: «Реестр … Республики Дагестан».
pub(crate) const REGION_GENITIVE: &str = "Республики Дагестан";

pub(crate) struct Municipality {
    pub name: &'static str,
    pub city: bool,
    /// Share of the region's schools; cities have more and larger schools.
    weight: f64,
    /// First four digits of an ИНН registered there (tax office code).
    inn_prefix: &'static str,
    /// Village names as adjectives, for district schools; empty for cities.
    villages: &'static [&'static str],
}

const MUNICIPALITIES: [Municipality; 15] = [
    city("городской округ «город Махачкала»", 0.22, "0562"),
    city("городской округ «город Дербент»", 0.05, "0542"),
    city("городской округ «город Каспийск»", 0.04, "0545"),
    city("городской округ «город Хасавюрт»", 0.05, "0544"),
    city("городской округ «город Буйнакск»", 0.03, "0543"),
    district(
        "Буйнакский район",
        0.06,
        "0507",
        &[
            "Верхнеказанищенская",
            "Нижнеказанищенская",
            "Чиркейская",
            "Кафыр-Кумухская",
            "Халимбекаульская",
            "Эрпелинская",
            "Атланаульская",
            "Чанкурбенская",
            "Нижнедженгутайская",
            "Акайталинская",
            "Апшинская",
            "Кадарская",
        ],
    ),
    district(
        "Дербентский район",
        0.07,
        "0512",
        &[
            "Белиджинская",
            "Мамедкалинская",
            "Джемикентская",
            "Араблинская",
            "Хазарская",
            "Берикейская",
            "Саликская",
            "Рубасская",
            "Чинарская",
            "Деличобанская",
            "Уллу-Теркеменская",
            "Мугатырская",
            "Великентская",
        ],
    ),
    district(
        "Хасавюртовский район",
        0.09,
        "0534",
        &[
            "Аксайская",
            "Эндирейская",
            "Костекская",
            "Карланюртовская",
            "Кандаураульская",
            "Муцалаульская",
            "Боташюртовская",
            "Моксобская",
            "Османюртовская",
            "Сиухская",
            "Тотурбийкалинская",
            "Новосельская",
            "Петраковская",
        ],
    ),
    district(
        "Кизлярский район",
        0.06,
        "0517",
        &[
            "Бондаревская",
            "Аверьяновская",
            "Брянская",
            "Большебредихинская",
            "Юбилейная",
            "Кардоновская",
            "Новокохановская",
            "Крайновская",
            "Черняевская",
            "Малоарешевская",
            "Тушиловская",
            "Некрасовская",
        ],
    ),
    district(
        "Каякентский район",
        0.05,
        "0515",
        &[
            "Каякентская",
            "Новокаякентская",
            "Первомайская",
            "Алходжакентская",
            "Джаванкентская",
            "Сагасидейбукская",
            "Башлыкентская",
            "Капкайкентская",
            "Утамышская",
            "Усемикентская",
        ],
    ),
    district(
        "Карабудахкентский район",
        0.05,
        "0522",
        &[
            "Карабудахкентская",
            "Параульская",
            "Губденская",
            "Гелинская",
            "Ачисинская",
            "Агачаульская",
            "Доргелинская",
            "Какамахинская",
            "Манаскентская",
            "Уллубийаульская",
            "Гурбукинская",
        ],
    ),
    district(
        "Гунибский район",
        0.06,
        "0509",
        &[
            "Гунибская",
            "Гонодинская",
            "Кегерская",
            "Ругуджинская",
            "Бацадинская",
            "Салтинская",
            "Чохская",
            "Согратлинская",
            "Кудалинская",
            "Шангодинская",
            "Кахибская",
            "Хоточинская",
        ],
    ),
    district(
        "Ахтынский район",
        0.05,
        "0503",
        &[
            "Ахтынская",
            "Хрюгская",
            "Луткунская",
            "Смугульская",
            "Ухульская",
            "Мазинская",
            "Курукальская",
            "Гдымская",
            "Зрыхская",
            "Кахинская",
            "Усухчайская",
        ],
    ),
    district(
        "Левашинский район",
        0.07,
        "0521",
        &[
            "Левашинская",
            "Кулецминская",
            "Хаджалмахинская",
            "Цудахарская",
            "Аймакинская",
            "Ахкентская",
            "Мекегинская",
            "Наскентская",
            "Кутишинская",
            "Уллуаинская",
            "Мусультемахинская",
            "Охлинская",
        ],
    ),
    district(
        "Магарамкентский район",
        0.05,
        "0523",
        &[
            "Магарамкентская",
            "Гильярская",
            "Самурская",
            "Яраг-Казмалярская",
            "Бут-Казмалярская",
            "Капир-Казмалярская",
            "Оружбинская",
            "Гапцахская",
            "Целегюнская",
            "Филялинская",
            "Мугерганская",
        ],
    ),
];

const fn city(name: &'static str, weight: f64, inn_prefix: &'static str) -> Municipality {
    Municipality {
        name,
        city: true,
        weight,
        inn_prefix,
        villages: &[],
    }
}

const fn district(
    name: &'static str,
    weight: f64,
    inn_prefix: &'static str,
    villages: &'static [&'static str],
) -> Municipality {
    Municipality {
        name,
        city: false,
        weight,
        inn_prefix,
        villages,
    }
}

/// An organisation that appears in exports: a school of the registry or, for the last one,
/// a school the registry no longer lists.
pub(crate) struct School {
    pub inn: String,
    /// Short name with «» quotes, as in the registry.
    pub name: String,
    pub municipality: usize,
    /// Contingent (ОО-1): the registry's denominators.
    pub teachers: u32,
    pub students: u32,
    pub in_registry: bool,
}

pub(crate) struct Region {
    pub municipalities: &'static [Municipality],
    /// The registry's schools, then one organisation missing from it.
    pub schools: Vec<School>,
}

impl Region {
    /// The schools of the registry, in registry order.
    pub fn registry(&self) -> impl Iterator<Item = &School> {
        self.schools.iter().filter(|school| school.in_registry)
    }

    pub fn municipality_name(&self, school: &School) -> &'static str {
        self.municipalities[school.municipality].name
    }
}

/// Builds `count` registry schools over the municipalities, plus the unregistered one.
pub(crate) fn build(rng: &mut Rng, count: usize) -> Region {
    let per_municipality = apportion(count);
    let mut inns = HashSet::new();
    let mut schools = Vec::with_capacity(count + 1);
    for (index, (municipality, &n)) in MUNICIPALITIES.iter().zip(&per_municipality).enumerate() {
        let names = if municipality.city {
            city_school_names(rng, n)
        } else {
            district_school_names(rng, municipality.villages, n)
        };
        for name in names {
            let (teachers, students) = contingent(rng, municipality.city, &name);
            schools.push(School {
                inn: unique_inn(rng, municipality.inn_prefix, &mut inns),
                name,
                municipality: index,
                teachers,
                students,
                in_registry: true,
            });
        }
    }
    // A village school merged into another in 2022: its old ИНН lives on in the platforms'
    // exports while the registry has dropped it, so every export has "unknown organisation"
    // rows, as real ones do.
    let levashi = MUNICIPALITIES
        .iter()
        .position(|m| m.name == "Левашинский район")
        .expect("Левашинский район is in the list");
    schools.push(School {
        inn: unique_inn(rng, MUNICIPALITIES[levashi].inn_prefix, &mut inns),
        name: "МКОУ «Ташкапурская ООШ»".to_string(),
        municipality: levashi,
        teachers: 14,
        students: 60,
        in_registry: false,
    });
    Region {
        municipalities: &MUNICIPALITIES,
        schools,
    }
}

/// Splits `count` schools by municipality weight (largest remainder), so that the totals are
/// exact and every municipality gets a school once there are enough of them.
fn apportion(count: usize) -> Vec<usize> {
    let total_weight: f64 = MUNICIPALITIES.iter().map(|m| m.weight).sum();
    let exact: Vec<f64> = MUNICIPALITIES
        .iter()
        .map(|m| m.weight / total_weight * count as f64)
        .collect();
    let mut shares: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..exact.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let missing = count - shares.iter().sum::<usize>();
    for &index in by_remainder.iter().take(missing) {
        shares[index] += 1;
    }
    shares
}

/// City schools: numbered general schools with a few gymnasiums and lyceums, numbered on
/// their own.
fn city_school_names(rng: &mut Rng, n: usize) -> Vec<String> {
    let (mut school_no, mut gymnasium_no, mut lyceum_no) = (0, 0, 0);
    (0..n)
        .map(|_| match rng.u32(0..100) {
            0..=6 => {
                gymnasium_no += 1;
                format!("МБОУ «Гимназия №{gymnasium_no}»")
            }
            7..=12 => {
                lyceum_no += 1;
                format!("МБОУ «Лицей №{lyceum_no}»")
            }
            _ => {
                // Numbers have gaps where schools were closed or renamed.
                school_no += 1 + u32::from(rng.u8(0..10) == 0);
                format!("МБОУ «СОШ №{school_no}»")
            }
        })
        .collect()
}

/// District schools take their village's name; a village with several schools numbers
/// them, and small villages have a basic school (ООШ) rather than a secondary one.
fn district_school_names(rng: &mut Rng, villages: &[&str], n: usize) -> Vec<String> {
    let per_village: Vec<usize> = (0..villages.len())
        .map(|v| n / villages.len() + usize::from(v < n % villages.len()))
        .collect();
    let mut names = Vec::with_capacity(n);
    for (village, &count) in villages.iter().zip(&per_village) {
        for number in 1..=count {
            let owner = if rng.u8(0..5) == 0 {
                "МБОУ"
            } else {
                "МКОУ"
            };
            let name = if count > 1 {
                format!("{owner} «{village} СОШ №{number}»")
            } else if rng.u8(0..8) == 0 {
                format!("МКОУ «{village} ООШ»")
            } else {
                format!("{owner} «{village} СОШ»")
            };
            names.push(name);
        }
    }
    names
}

/// Teachers and students of a school: city schools run to 1,500 students, mountain village
/// schools to a hundred or two; basic schools are the smallest.
fn contingent(rng: &mut Rng, city: bool, name: &str) -> (u32, u32) {
    let students = if name.contains("ООШ") {
        rng.u32(100..=220)
    } else if city {
        rng.u32(550..=1500)
    } else {
        // Mostly small, a few large ones in the district centres.
        let u = rng.f64();
        100 + (u * u * 800.0) as u32
    };
    let teachers = (students as f64 / 15.0 + 8.0 + rng.f64() * 12.0).round() as u32;
    (teachers.clamp(15, 120), students)
}

/// A 10-digit ИНН of a legal entity with its check digit, unique in the region.
fn unique_inn(rng: &mut Rng, prefix: &str, taken: &mut HashSet<String>) -> String {
    loop {
        let mut digits: Vec<u32> = prefix.chars().filter_map(|c| c.to_digit(10)).collect();
        digits.extend((0..5).map(|_| rng.u32(0..10)));
        const WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
        let check = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum::<u32>() % 11 % 10;
        digits.push(check);
        let inn: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
        if taken.insert(inn.clone()) {
            return inn;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_covers_every_municipality() {
        for count in [0, 1, 15, 40, 300, 1501] {
            let shares = apportion(count);
            assert_eq!(shares.iter().sum::<usize>(), count);
            if count >= 40 {
                assert!(shares.iter().all(|&n| n > 0), "{count}: {shares:?}");
            }
        }
    }

    #[test]
    fn inns_are_unique_valid_and_from_dagestan() {
        let region = build(&mut Rng::with_seed(7), 300);
        assert_eq!(region.registry().count(), 300);
        let inns: HashSet<&str> = region.schools.iter().map(|s| s.inn.as_str()).collect();
        assert_eq!(inns.len(), region.schools.len());
        assert!(
            region
                .schools
                .iter()
                .all(|s| s.inn.len() == 10 && s.inn.starts_with("05"))
        );
        for school in region.registry() {
            assert!((15..=120).contains(&school.teachers), "{}", school.name);
            assert!((100..=1500).contains(&school.students), "{}", school.name);
        }
    }
}
