//! Inputs at the size of a region (~1,500 schools) or of the whole country (~40,000 schools,
//! ~20 M accounts per platform): a registry and one per-user export of each platform as of
//! 01.10.2023, for capacity planning and for the benchmark in `bench/`.
//!
//! Unlike the monthly demo ([`crate::generate`]) these files are plain — UTF-8 without BOM,
//! `;`, no quotes, LF — because they measure throughput, not how much mess the reader
//! survives. What they keep from real exports is what matters to a reader's speed and to the
//! counts: rows grouped by school, roles mixed within a school, accounts that never logged
//! in, dates a few days after the export date, a few repeated rows, schools with no accounts.
//!
//! Users are never held in memory: each school's parameters (contingent, accounts per role,
//! share of them active) are drawn first, and the rows are written straight from them, one
//! platform per thread, so that the national files take seconds rather than minutes.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use fastrand::Rng;
use jiff::civil::{Date, date};

use crate::{DemoError, mix, region};

/// How large a country to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// One Dagestan-like region: ~1,500 schools in its 51 municipalities.
    Region,
    /// 40,000 schools in 89 regions and ~2,300 municipalities.
    National,
}

#[derive(Clone, Debug)]
pub struct ScaleOptions {
    /// Where the files go; created if missing, existing files overwritten.
    pub out_dir: PathBuf,
    /// The same seed gives the same files, byte for byte.
    pub seed: u64,
    pub scale: Scale,
}

/// What [`generate_scale`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleFiles {
    /// `registry.csv`: `tsos import registry`.
    pub registry: PathBuf,
    /// `myschool.csv`: `tsos import myschool`.
    pub myschool: PathBuf,
    /// `sferum.csv`: `tsos import sferum`.
    pub sferum: PathBuf,
    /// The date all three describe: `--as-of` of their imports.
    pub as_of: Date,
    /// Schools in the registry, every one of them named by the exports.
    pub schools: usize,
    /// Data rows of `myschool.csv`, repeated rows included.
    pub myschool_rows: u64,
    /// Data rows of `sferum.csv`, repeated rows included.
    pub sferum_rows: u64,
}

/// Writes `registry.csv`, `myschool.csv` and `sferum.csv` into `opts.out_dir`.
pub fn generate_scale(opts: &ScaleOptions) -> Result<ScaleFiles, DemoError> {
    generate_shape(&opts.out_dir, opts.seed, opts.scale.shape())
}

/// The export date of the letter of October 2023.
const AS_OF: Date = date(2023, 10, 1);

/// The country of a [`Scale`]. Tests ask for tiny ones.
#[derive(Clone, Copy)]
struct Shape {
    subjects: &'static [Subject],
    schools: usize,
}

impl Scale {
    fn shape(self) -> Shape {
        match self {
            Scale::Region => Shape {
                subjects: std::slice::from_ref(&DAGESTAN),
                schools: 1_500,
            },
            Scale::National => Shape {
                subjects: &SUBJECTS,
                schools: 40_000,
            },
        }
    }
}

fn generate_shape(out_dir: &Path, seed: u64, shape: Shape) -> Result<ScaleFiles, DemoError> {
    std::fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;
    let country = Country::build(shape, seed);
    let registry = out_dir.join("registry.csv");
    write_registry(&registry, &country)?;

    let myschool = out_dir.join("myschool.csv");
    let sferum = out_dir.join("sferum.csv");
    let dates = DateTable::new();
    // One thread per platform: the two files are independent, and on the two cores of a CI
    // machine this halves the time of the national run.
    let (myschool_rows, sferum_rows) = std::thread::scope(|scope| {
        let sferum_job = scope
            .spawn(|| write_users(&sferum, &country, &dates, &SFERUM, mix(seed, SFERUM_STREAM)));
        let myschool_rows = write_users(
            &myschool,
            &country,
            &dates,
            &MYSCHOOL,
            mix(seed, MYSCHOOL_STREAM),
        );
        let sferum_rows = sferum_job.join().expect("the Sferum writer does not panic");
        (myschool_rows, sferum_rows)
    });
    Ok(ScaleFiles {
        registry,
        myschool,
        sferum,
        as_of: AS_OF,
        schools: country.schools.len(),
        myschool_rows: myschool_rows?,
        sferum_rows: sferum_rows?,
    })
}

// Random streams, apart from those of the monthly demo (0, 1, 2…) in case both ever share a
// seed and an output.
const COUNTRY_STREAM: u64 = 1 << 40;
const MYSCHOOL_STREAM: u64 = COUNTRY_STREAM + 1;
const SFERUM_STREAM: u64 = COUNTRY_STREAM + 2;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

// ---------------------------------------------------------------------------------------------
// The country: regions, municipalities, schools and what each platform holds for a school.

/// A subject of the Russian Federation.
struct Subject {
    /// The first two digits of the ИНН of its organisations.
    code: u8,
    name: &'static str,
    /// Its real municipalities, cities first; empty: invented ones (see [`invent_municipalities`]).
    municipalities: &'static [&'static str],
}

const fn subject(code: u8, name: &'static str) -> Subject {
    Subject {
        code,
        name,
        municipalities: &[],
    }
}

const DAGESTAN: Subject = Subject {
    code: 5,
    name: region::REGION,
    municipalities: &DAGESTAN_MUNICIPALITIES,
};

/// The 89 subjects of 2023 by the ИНН code of their tax offices. Codes 80–82, 84, 85 and 88
/// belonged to autonomous okrugs merged in 2005–2008; the six subjects whose real codes are
/// 90–95 take those places so that every ИНН prefix stays within 01–89.
const SUBJECTS: [Subject; 89] = [
    subject(1, "Республика Адыгея"),
    subject(2, "Республика Башкортостан"),
    subject(3, "Республика Бурятия"),
    subject(4, "Республика Алтай"),
    DAGESTAN,
    subject(6, "Республика Ингушетия"),
    subject(7, "Кабардино-Балкарская Республика"),
    subject(8, "Республика Калмыкия"),
    subject(9, "Карачаево-Черкесская Республика"),
    subject(10, "Республика Карелия"),
    subject(11, "Республика Коми"),
    subject(12, "Республика Марий Эл"),
    subject(13, "Республика Мордовия"),
    subject(14, "Республика Саха (Якутия)"),
    subject(15, "Республика Северная Осетия — Алания"),
    subject(16, "Республика Татарстан"),
    subject(17, "Республика Тыва"),
    subject(18, "Удмуртская Республика"),
    subject(19, "Республика Хакасия"),
    subject(20, "Чеченская Республика"),
    subject(21, "Чувашская Республика"),
    subject(22, "Алтайский край"),
    subject(23, "Краснодарский край"),
    subject(24, "Красноярский край"),
    subject(25, "Приморский край"),
    subject(26, "Ставропольский край"),
    subject(27, "Хабаровский край"),
    subject(28, "Амурская область"),
    subject(29, "Архангельская область"),
    subject(30, "Астраханская область"),
    subject(31, "Белгородская область"),
    subject(32, "Брянская область"),
    subject(33, "Владимирская область"),
    subject(34, "Волгоградская область"),
    subject(35, "Вологодская область"),
    subject(36, "Воронежская область"),
    subject(37, "Ивановская область"),
    subject(38, "Иркутская область"),
    subject(39, "Калининградская область"),
    subject(40, "Калужская область"),
    subject(41, "Камчатский край"),
    subject(42, "Кемеровская область — Кузбасс"),
    subject(43, "Кировская область"),
    subject(44, "Костромская область"),
    subject(45, "Курганская область"),
    subject(46, "Курская область"),
    subject(47, "Ленинградская область"),
    subject(48, "Липецкая область"),
    subject(49, "Магаданская область"),
    subject(50, "Московская область"),
    subject(51, "Мурманская область"),
    subject(52, "Нижегородская область"),
    subject(53, "Новгородская область"),
    subject(54, "Новосибирская область"),
    subject(55, "Омская область"),
    subject(56, "Оренбургская область"),
    subject(57, "Орловская область"),
    subject(58, "Пензенская область"),
    subject(59, "Пермский край"),
    subject(60, "Псковская область"),
    subject(61, "Ростовская область"),
    subject(62, "Рязанская область"),
    subject(63, "Самарская область"),
    subject(64, "Саратовская область"),
    subject(65, "Сахалинская область"),
    subject(66, "Свердловская область"),
    subject(67, "Смоленская область"),
    subject(68, "Тамбовская область"),
    subject(69, "Тверская область"),
    subject(70, "Томская область"),
    subject(71, "Тульская область"),
    subject(72, "Тюменская область"),
    subject(73, "Ульяновская область"),
    subject(74, "Челябинская область"),
    subject(75, "Забайкальский край"),
    subject(76, "Ярославская область"),
    subject(77, "город Москва"),
    subject(78, "город Санкт-Петербург"),
    subject(79, "Еврейская автономная область"),
    subject(80, "Республика Крым"),
    subject(81, "город Севастополь"),
    subject(82, "Донецкая Народная Республика"),
    subject(83, "Ненецкий автономный округ"),
    subject(84, "Луганская Народная Республика"),
    subject(85, "Запорожская область"),
    subject(86, "Ханты-Мансийский автономный округ — Югра"),
    subject(87, "Чукотский автономный округ"),
    subject(88, "Херсонская область"),
    subject(89, "Ямало-Ненецкий автономный округ"),
];

/// The 10 urban okrugs and 41 districts of Dagestan.
const DAGESTAN_MUNICIPALITIES: [&str; 51] = [
    "городской округ «город Махачкала»",
    "городской округ «город Буйнакск»",
    "городской округ «город Дагестанские Огни»",
    "городской округ «город Дербент»",
    "городской округ «город Избербаш»",
    "городской округ «город Каспийск»",
    "городской округ «город Кизилюрт»",
    "городской округ «город Кизляр»",
    "городской округ «город Хасавюрт»",
    "городской округ «город Южно-Сухокумск»",
    "Агульский район",
    "Акушинский район",
    "Ахвахский район",
    "Ахтынский район",
    "Бабаюртовский район",
    "Ботлихский район",
    "Буйнакский район",
    "Гергебильский район",
    "Гумбетовский район",
    "Гунибский район",
    "Дахадаевский район",
    "Дербентский район",
    "Докузпаринский район",
    "Казбековский район",
    "Кайтагский район",
    "Карабудахкентский район",
    "Каякентский район",
    "Кизилюртовский район",
    "Кизлярский район",
    "Кулинский район",
    "Кумторкалинский район",
    "Курахский район",
    "Лакский район",
    "Левашинский район",
    "Магарамкентский район",
    "Новолакский район",
    "Ногайский район",
    "Рутульский район",
    "Сергокалинский район",
    "Сулейман-Стальский район",
    "Табасаранский район",
    "Тарумовский район",
    "Тляратинский район",
    "Унцукульский район",
    "Хасавюртовский район",
    "Хивский район",
    "Хунзахский район",
    "Цумадинский район",
    "Цунтинский район",
    "Чародинский район",
    "Шамильский район",
];

/// Towns for the invented urban okrugs; common enough names to belong to any region.
const TOWNS: [&str; 40] = [
    "Березовский",
    "Заречный",
    "Краснокаменск",
    "Новоуральск",
    "Сосновоборск",
    "Железногорск",
    "Зеленогорск",
    "Лесной",
    "Светлый",
    "Озерск",
    "Радужный",
    "Первомайск",
    "Октябрьск",
    "Кировск",
    "Ленинск",
    "Каменск",
    "Троицк",
    "Никольск",
    "Михайловка",
    "Алексеевка",
    "Петровск",
    "Знаменск",
    "Рудный",
    "Приозерск",
    "Светлогорск",
    "Белогорск",
    "Нагорный",
    "Заозерный",
    "Юбилейный",
    "Сосновка",
    "Снежный",
    "Полярный",
    "Степной",
    "Луговой",
    "Солнечный",
    "Покровск",
    "Вознесенск",
    "Ивановка",
    "Дубовка",
    "Ольховка",
];

/// District names as they recur across Russia; with [`DISTRICT_PREFIXES`] they give 280.
const DISTRICTS: [&str; 40] = [
    "Октябрьский",
    "Советский",
    "Первомайский",
    "Ленинский",
    "Кировский",
    "Заречный",
    "Березовский",
    "Александровский",
    "Михайловский",
    "Николаевский",
    "Покровский",
    "Знаменский",
    "Троицкий",
    "Успенский",
    "Воскресенский",
    "Петровский",
    "Ивановский",
    "Алексеевский",
    "Сосновский",
    "Озерский",
    "Каменский",
    "Ключевский",
    "Красноармейский",
    "Пролетарский",
    "Дубовский",
    "Ольховский",
    "Луговской",
    "Степновский",
    "Северный",
    "Кузьминский",
    "Богородский",
    "Вознесенский",
    "Никольский",
    "Сергиевский",
    "Павловский",
    "Андреевский",
    "Ильинский",
    "Георгиевский",
    "Владимирский",
    "Калининский",
];

/// «Ново» + «Александровский» → «Новоалександровский».
const DISTRICT_PREFIXES: [&str; 6] = ["Ново", "Старо", "Верхне", "Нижне", "Больше", "Мало"];

/// Average schools per municipality in Russia: 40,000 schools in ~2,300 municipalities.
const SCHOOLS_PER_MUNICIPALITY: f64 = 17.4;
/// Average contingent per school: ~17.5 M students and ~1.1 M teachers in 40,000 schools.
const STUDENTS_PER_SCHOOL: f64 = 437.5;

/// The smallest school in the registry; real ones go lower, but rounding a tiny school's
/// accounts to zero would leave nothing to count.
const MIN_STUDENTS: u32 = 8;

struct Municipality {
    name: String,
    city: bool,
    /// Index in [`Country::subjects`].
    subject: usize,
}

struct School {
    inn: [u8; 10],
    name: String,
    municipality: usize,
    teachers: u32,
    students: u32,
    /// What each platform holds for the school, by [`Platform::slot`].
    usage: [Usage; 2],
}

/// A school's accounts on one platform.
#[derive(Clone, Copy, Default)]
struct Usage {
    /// Accounts by role: teachers, students, parents, administrators.
    accounts: [u32; 4],
    /// Chance that an account of the role is active.
    active: [f64; 4],
    /// The school's export was taken this many days after 01.10.2023 (0: on time).
    late_days: i32,
}

struct Country {
    subjects: &'static [Subject],
    municipalities: Vec<Municipality>,
    schools: Vec<School>,
}

impl Country {
    fn build(shape: Shape, seed: u64) -> Country {
        let mut rng = Rng::with_seed(mix(seed, COUNTRY_STREAM));
        // Every region gets a school, so a shape with fewer schools than subjects (a test's)
        // keeps the first subjects.
        let subjects = &shape.subjects[..shape.subjects.len().min(shape.schools)];
        let weights: Vec<f64> = subjects.iter().map(|_| lognormal(&mut rng, 0.6)).collect();
        let per_subject = apportion(shape.schools, &weights);

        let mut municipalities = Vec::new();
        // (municipality, its place in the region, relative size) of each school.
        let mut drafts = Vec::with_capacity(shape.schools);
        for (index, (subject, &count)) in subjects.iter().zip(&per_subject).enumerate() {
            let names = municipality_names(subject, count, &mut rng);
            let weights: Vec<f64> = names
                .iter()
                .map(|(_, city)| lognormal(&mut rng, 0.6) * if *city { 2.5 } else { 1.0 })
                .collect();
            let per_municipality = apportion(count, &weights);
            for (local, ((name, city), &count)) in
                names.into_iter().zip(&per_municipality).enumerate()
            {
                for _ in 0..count {
                    let size = lognormal(&mut rng, 0.8) * if city { 1.5 } else { 0.8 };
                    drafts.push((municipalities.len(), local, size));
                }
                municipalities.push(Municipality {
                    name,
                    city,
                    subject: index,
                });
            }
        }

        // Sizes are relative until here: scaled so that the average school has the national
        // average contingent whatever the shape, and a region's files are a national run's in
        // miniature.
        let total: f64 = drafts.iter().map(|&(_, _, size)| size).sum();
        let scale = STUDENTS_PER_SCHOOL * drafts.len() as f64 / total;
        let mut inns = HashSet::with_capacity(drafts.len());
        let mut numbers = vec![0u32; municipalities.len()];
        let schools = drafts
            .into_iter()
            .map(|(municipality, local, size)| {
                let place = &municipalities[municipality];
                let students = ((size * scale).round() as u32).max(MIN_STUDENTS);
                // Even a small village school has a teacher per subject.
                let teachers =
                    (4.0 + f64::from(students) * 0.0535 * lognormal(&mut rng, 0.15)).round() as u32;
                numbers[municipality] += 1;
                School {
                    inn: unique_inn(subjects[place.subject].code, local, &mut inns, &mut rng),
                    name: school_name(numbers[municipality], students, place.city, &mut rng),
                    municipality,
                    teachers,
                    students,
                    usage: PLATFORMS.map(|platform| platform.usage(teachers, students, &mut rng)),
                }
            })
            .collect();
        Country {
            subjects,
            municipalities,
            schools,
        }
    }

    fn region_name(&self, school: &School) -> &'static str {
        self.subjects[self.municipalities[school.municipality].subject].name
    }
}

/// The municipalities of a region with `schools` schools, and whether each is a city.
fn municipality_names(subject: &Subject, schools: usize, rng: &mut Rng) -> Vec<(String, bool)> {
    if subject.municipalities.is_empty() {
        let count =
            ((schools as f64 / SCHOOLS_PER_MUNICIPALITY).round() as usize).clamp(1, schools);
        invent_municipalities(count, rng)
    } else {
        subject
            .municipalities
            .iter()
            .take(schools)
            .map(|name| (name.to_string(), name.starts_with("городской округ")))
            .collect()
    }
}

/// `count` municipalities, a quarter of them urban okrugs as in Russia overall; fewer only
/// if a region ever needs more than the 320 names there are.
fn invent_municipalities(count: usize, rng: &mut Rng) -> Vec<(String, bool)> {
    let towns = ((count as f64 * 0.25).round() as usize).clamp(1, TOWNS.len().min(count));
    let mut town_order: Vec<usize> = (0..TOWNS.len()).collect();
    rng.shuffle(&mut town_order);
    let mut plain: Vec<String> = DISTRICTS.iter().map(|d| d.to_string()).collect();
    rng.shuffle(&mut plain);
    // The plain names first: «Октябрьский район» is commoner than «Верхнеоктябрьский».
    let mut prefixed: Vec<String> = DISTRICT_PREFIXES
        .iter()
        .flat_map(|prefix| {
            DISTRICTS
                .iter()
                .map(move |d| format!("{prefix}{}", d.to_lowercase()))
        })
        .collect();
    rng.shuffle(&mut prefixed);
    town_order
        .into_iter()
        .take(towns)
        .map(|town| (format!("городской округ «город {}»", TOWNS[town]), true))
        .chain(
            plain
                .into_iter()
                .chain(prefixed)
                .take(count - towns)
                .map(|district| (format!("{district} район"), false)),
        )
        .collect()
}

/// A 10-digit ИНН of a legal entity: region code, tax office (by the municipality's place in
/// its region), a serial number and the check digit, unique across the country.
fn unique_inn(code: u8, local: usize, taken: &mut HashSet<u32>, rng: &mut Rng) -> [u8; 10] {
    let office = (local % 99 + 1) as u32;
    let first_nine = loop {
        let candidate = u32::from(code) * 10_000_000 + office * 100_000 + rng.u32(1..100_000);
        if taken.insert(candidate) {
            break candidate;
        }
    };
    let mut inn = [0u8; 10];
    let mut rest = first_nine;
    for digit in inn[..9].iter_mut().rev() {
        *digit = (rest % 10) as u8;
        rest /= 10;
    }
    const WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    let sum: u32 = inn
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    inn[9] = (sum % 11 % 10) as u8;
    inn.map(|digit| b'0' + digit)
}

/// A school's full name, numbered within its municipality so that names never repeat there.
fn school_name(number: u32, students: u32, city: bool, rng: &mut Rng) -> String {
    let roll = rng.f64();
    let (kind, school) = if students < 60 {
        ("казённое", "Основная общеобразовательная школа")
    } else if roll < if city { 0.12 } else { 0.04 } {
        ("автономное", "Гимназия")
    } else if roll < if city { 0.20 } else { 0.06 } {
        ("бюджетное", "Лицей")
    } else {
        ("бюджетное", "Средняя общеобразовательная школа")
    };
    format!("Муниципальное {kind} общеобразовательное учреждение «{school} №{number}»")
}

fn write_registry(path: &Path, country: &Country) -> Result<(), DemoError> {
    let mut text = String::with_capacity(country.schools.len() * 240);
    text.push_str(
        "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
         Численность педагогических работников;Численность обучающихся\n",
    );
    for school in &country.schools {
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "{};{};{};{};{};{}",
            std::str::from_utf8(&school.inn).expect("digits"),
            school.name,
            country.municipalities[school.municipality].name,
            country.region_name(school),
            school.teachers,
            school.students,
        );
    }
    std::fs::write(path, text).map_err(io_error(path))
}

// ---------------------------------------------------------------------------------------------
// The per-user exports.

/// A platform as the generator sees it: the layout of its export and how its accounts
/// relate to a school's contingent. The figures land near the letter of October 2023 and the
/// federal totals of SPEC §1.
struct Platform {
    /// Index in [`School::usage`].
    slot: usize,
    header: &'static str,
    /// Role labels: teachers, students, parents, administrators.
    roles: [&'static str; 4],
    /// Has a «Да»/«Нет» column of confirmed accounts (My School).
    confirmed: bool,
    /// `YYYY-MM-DD`, else `DD.MM.YYYY`.
    iso_dates: bool,
    /// Ids grow from here by 1–3 a row: unique without remembering them, not consecutive.
    first_id: u64,
    /// Accounts per teacher and per student of the contingent, parents' per student.
    accounts: [f64; 3],
    /// School-to-school spread of `accounts` (σ of a log-normal factor of mean 1).
    spread: [f64; 3],
    /// Mean and school-to-school deviation of the share of active accounts, per role.
    active: [(f64, f64); 4],
    /// Administrators per school: 1 to this.
    max_admins: u32,
    /// Share of schools with no accounts at all.
    absent: f64,
    /// Of the inactive accounts, the share that never logged in.
    never: f64,
}

const MYSCHOOL: Platform = Platform {
    slot: 0,
    header: "ID;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации",
    roles: ["Учитель", "Обучающийся", "Родитель", "Администратор"],
    confirmed: true,
    iso_dates: false,
    first_id: 1_000_000_000,
    // ~1.05 M teachers, ~17 M students, ~1.4 M parents nationally; 84 % of teachers'
    // accounts active is 80 % of the contingent.
    accounts: [0.955, 0.97, 0.08],
    spread: [0.06, 0.05, 0.7],
    active: [(0.84, 0.10), (0.125, 0.045), (0.40, 0.12), (0.90, 0.10)],
    max_admins: 3,
    absent: 0.002,
    never: 0.40,
};

const SFERUM: Platform = Platform {
    slot: 1,
    header: "Идентификатор;Тип пользователя;ИНН организации;Последняя активность",
    roles: ["Учитель", "Ученик", "Родитель", "Администратор"],
    confirmed: false,
    iso_dates: true,
    first_id: 300_000_000,
    // ~15.7 M accounts nationally; active: 50 % of teachers and 13 % of students of the
    // contingent.
    accounts: [0.91, 0.78, 0.063],
    spread: [0.08, 0.15, 0.7],
    active: [(0.55, 0.15), (0.167, 0.07), (0.35, 0.12), (0.80, 0.15)],
    max_admins: 4,
    absent: 0.01,
    never: 0.35,
};

const PLATFORMS: [&Platform; 2] = [&MYSCHOOL, &SFERUM];

/// Share of schools whose export was taken after 01.10.2023, and by at most how many days.
const LATE_SCHOOLS: f64 = 0.03;
const MAX_LATE_DAYS: i32 = 4;
/// The oldest last date, in days before 01.10.2023: about three years.
const OLDEST_DAYS: i32 = 1_100;
/// One row in this many is written twice (SPEC §5.1: repeated rows merge).
const DUPLICATE_ONE_IN: u32 = 10_000;

impl Platform {
    fn usage(&self, teachers: u32, students: u32, rng: &mut Rng) -> Usage {
        if rng.f64() < self.absent {
            return Usage::default();
        }
        let contingent = [teachers, students, students];
        let mut accounts = [0; 4];
        for (role, count) in accounts[..3].iter_mut().enumerate() {
            let expected = f64::from(contingent[role]) * self.accounts[role];
            *count = (expected * lognormal(rng, self.spread[role])).round() as u32;
        }
        accounts[3] = rng.u32(1..=self.max_admins);
        let active = self
            .active
            .map(|(mean, deviation)| (mean + deviation * normal(rng)).clamp(0.0, 1.0));
        let late_days = if rng.f64() < LATE_SCHOOLS {
            rng.i32(1..=MAX_LATE_DAYS)
        } else {
            0
        };
        Usage {
            accounts,
            active,
            late_days,
        }
    }

    /// Whether a user's account is confirmed and how many days before 01.10.2023 they last
    /// logged in (negative: after it; `None`: never).
    fn draw_user(&self, active_chance: f64, late_days: i32, rng: &mut Rng) -> (bool, Option<i32>) {
        if rng.f64() < active_chance {
            return (true, Some(recent(late_days, rng)));
        }
        let roll = rng.f64();
        if roll < self.never {
            // Some schools confirm accounts their users never open.
            (rng.f64() < 0.15, None)
        } else if !self.confirmed || roll < self.never + 0.35 {
            (rng.f64() < 0.7, Some(rng.i32(365..=OLDEST_DAYS)))
        } else {
            // Logs in, but has not confirmed the account: not active in My School.
            (false, Some(recent(late_days, rng)))
        }
    }
}

/// Days before 01.10.2023 of a login within the last 365 days, most of them recent; in a late
/// export one in eight falls after the date.
fn recent(late_days: i32, rng: &mut Rng) -> i32 {
    if late_days > 0 && rng.u32(..8) == 0 {
        -rng.i32(1..=late_days)
    } else {
        let u = rng.f64();
        (u * u * 365.0) as i32
    }
}

/// Writes a platform's per-user export: every school's rows together, roles mixed within a
/// school. Returns the number of data rows.
fn write_users(
    path: &Path,
    country: &Country,
    dates: &DateTable,
    platform: &Platform,
    seed: u64,
) -> Result<u64, DemoError> {
    let file = File::create(path).map_err(io_error(path))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut rng = Rng::with_seed(seed);
    let mut id = platform.first_id;
    let mut rows = 0u64;
    // Reused for every school and row: the national run writes 35 M of them.
    let mut roles: Vec<u8> = Vec::new();
    let mut line: Vec<u8> = Vec::with_capacity(128);

    line.extend_from_slice(platform.header.as_bytes());
    line.push(b'\n');
    out.write_all(&line).map_err(io_error(path))?;
    for school in &country.schools {
        let usage = &school.usage[platform.slot];
        roles.clear();
        for (role, &count) in usage.accounts.iter().enumerate() {
            roles.extend(std::iter::repeat_n(role as u8, count as usize));
        }
        rng.shuffle(&mut roles);
        for &role in &roles {
            let role = usize::from(role);
            id += 1 + rng.u64(..3);
            let (confirmed, last) =
                platform.draw_user(usage.active[role], usage.late_days, &mut rng);
            line.clear();
            push_u64(&mut line, id);
            line.push(b';');
            line.extend_from_slice(platform.roles[role].as_bytes());
            line.push(b';');
            line.extend_from_slice(&school.inn);
            line.push(b';');
            if platform.confirmed {
                line.extend_from_slice(if confirmed { "Да" } else { "Нет" }.as_bytes());
                line.push(b';');
            }
            if let Some(back) = last {
                line.extend_from_slice(dates.get(back, platform.iso_dates));
            }
            line.push(b'\n');
            out.write_all(&line).map_err(io_error(path))?;
            rows += 1;
            if rng.u32(..DUPLICATE_ONE_IN) == 0 {
                out.write_all(&line).map_err(io_error(path))?;
                rows += 1;
            }
        }
    }
    out.flush().map_err(io_error(path))?;
    Ok(rows)
}

/// Every date a row can carry, spelled both ways, so that a row copies ten bytes instead of
/// formatting a date.
struct DateTable {
    /// `DD.MM.YYYY` by `back + MAX_LATE_DAYS`.
    dotted: Vec<[u8; 10]>,
    /// `YYYY-MM-DD` by `back + MAX_LATE_DAYS`.
    iso: Vec<[u8; 10]>,
}

impl DateTable {
    fn new() -> DateTable {
        let mut day = AS_OF;
        for _ in 0..MAX_LATE_DAYS {
            day = day.tomorrow().expect("2023 has a tomorrow");
        }
        let mut table = DateTable {
            dotted: Vec::new(),
            iso: Vec::new(),
        };
        for _ in -MAX_LATE_DAYS..=OLDEST_DAYS {
            let [y1, y2, y3, y4] = four_digits(day.year() as u32);
            let [_, _, m1, m2] = four_digits(day.month() as u32);
            let [_, _, d1, d2] = four_digits(day.day() as u32);
            table
                .dotted
                .push([d1, d2, b'.', m1, m2, b'.', y1, y2, y3, y4]);
            table.iso.push([y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2]);
            day = day.yesterday().expect("2020 has a yesterday");
        }
        table
    }

    /// The date `back` days before 01.10.2023.
    fn get(&self, back: i32, iso: bool) -> &[u8; 10] {
        let index = (back + MAX_LATE_DAYS) as usize;
        if iso {
            &self.iso[index]
        } else {
            &self.dotted[index]
        }
    }
}

fn four_digits(n: u32) -> [u8; 4] {
    [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10].map(|d| b'0' + d as u8)
}

/// Appends the decimal digits of `n`: `write!` would go through the formatting machinery on
/// every one of 35 M rows.
fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic.

/// Splits `total` in proportion to `weights`, at least 1 each (`total` ≥ `weights.len()`),
/// summing exactly to `total`: each part is the step between rounded cumulative shares.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let spare = total - weights.len();
    let sum: f64 = weights.iter().sum();
    let mut parts = Vec::with_capacity(weights.len());
    let (mut cumulative, mut before) = (0.0, 0);
    for (index, weight) in weights.iter().enumerate() {
        cumulative += weight;
        let upto = if index + 1 == weights.len() {
            spare
        } else {
            ((cumulative / sum * spare as f64).round() as usize).clamp(before, spare)
        };
        parts.push(1 + upto - before);
        before = upto;
    }
    parts
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut Rng) -> f64 {
    let radius = (-2.0 * (1.0 - rng.f64()).ln()).sqrt();
    radius * (std::f64::consts::TAU * rng.f64()).cos()
}

/// A log-normal factor of mean 1: school sizes and account numbers are skewed, never negative.
fn lognormal(rng: &mut Rng, sigma: f64) -> f64 {
    (sigma * normal(rng) - sigma * sigma / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Three regions, one of them Dagestan with its real municipalities.
    const TINY: Shape = Shape {
        subjects: SUBJECTS.split_at(3).1.split_at(3).0,
        schools: 20,
    };

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    fn inn_is_valid(inn: &str) -> bool {
        let digits: Vec<u32> = inn.chars().filter_map(|c| c.to_digit(10)).collect();
        const WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        digits.len() == 10 && inn.len() == 10 && digits[9] == sum % 11 % 10
    }

    /// (year, month, day) of `DD.MM.YYYY` or `YYYY-MM-DD`.
    fn ymd(text: &str, iso: bool) -> (u32, u32, u32) {
        let parts: Vec<u32> = text
            .split(if iso { '-' } else { '.' })
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(parts.len(), 3, "{text}");
        let ymd = if iso {
            (parts[0], parts[1], parts[2])
        } else {
            (parts[2], parts[1], parts[0])
        };
        assert_eq!(text.len(), 10, "{text}");
        assert!(
            (1..=12).contains(&ymd.1) && (1..=31).contains(&ymd.2),
            "{text}"
        );
        ymd
    }

    #[test]
    fn same_seed_same_bytes() {
        let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
        let runs: Vec<ScaleFiles> = dirs
            .iter()
            .zip([7, 7, 8])
            .map(|(dir, seed)| generate_shape(dir.path(), seed, TINY).unwrap())
            .collect();
        let files = |run: &ScaleFiles| {
            [&run.registry, &run.myschool, &run.sferum].map(|path| std::fs::read(path).unwrap())
        };
        assert_eq!(files(&runs[0]), files(&runs[1]));
        assert_eq!(
            (runs[0].myschool_rows, runs[0].sferum_rows),
            (runs[1].myschool_rows, runs[1].sferum_rows)
        );
        assert_ne!(files(&runs[0])[1], files(&runs[2])[1], "another seed");
        assert_eq!(runs[0].as_of, date(2023, 10, 1));
        assert_eq!(runs[0].schools, 20);
    }

    #[test]
    fn plain_files_grouped_by_school() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate_shape(dir.path(), 1, TINY).unwrap();
        assert_eq!(files.registry, dir.path().join("registry.csv"));

        let registry = read(&files.registry);
        let mut lines = registry.lines();
        assert_eq!(
            lines.next(),
            Some(
                "ИНН;Полное наименование ОО;Муниципальное образование;Субъект РФ;\
                 Численность педагогических работников;Численность обучающихся"
            )
        );
        let mut inns = HashSet::new();
        for line in lines {
            let cols: Vec<&str> = line.split(';').collect();
            assert_eq!(cols.len(), 6, "{line}");
            assert!(inn_is_valid(cols[0]), "{line}");
            assert!(["04", "05", "06"].contains(&&cols[0][..2]), "{line}");
            assert!(inns.insert(cols[0].to_string()), "{line}");
            assert!(cols[1].starts_with("Муниципальное "), "{line}");
            let region_code = cols[0][..2].parse::<u8>().unwrap();
            let subject = SUBJECTS.iter().find(|s| s.code == region_code).unwrap();
            assert_eq!(cols[3], subject.name);
            assert!(cols[4].parse::<u32>().unwrap() >= 4);
            assert!(cols[5].parse::<u32>().unwrap() >= MIN_STUDENTS);
        }
        assert_eq!(inns.len(), 20);
        assert!(registry.contains(";городской округ «город Махачкала»;Республика Дагестан;"));

        for (path, rows, platform) in [
            (&files.myschool, files.myschool_rows, &MYSCHOOL),
            (&files.sferum, files.sferum_rows, &SFERUM),
        ] {
            let text = read(path);
            assert!(
                !text.contains(['"', '\r', '\u{feff}']),
                "{}",
                path.display()
            );
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some(platform.header));
            let (mut previous, mut previous_id, mut count) = ("", 0u64, 0u64);
            let mut finished = HashSet::new();
            for line in lines {
                count += 1;
                let cols: Vec<&str> = line.split(';').collect();
                assert_eq!(cols.len(), if platform.confirmed { 5 } else { 4 }, "{line}");
                let id: u64 = cols[0].parse().unwrap();
                if line == previous {
                    continue;
                }
                assert!(id > previous_id, "unique ids: {line}");
                assert!(platform.roles.contains(&cols[1]), "{line}");
                assert!(inns.contains(cols[2]), "{line}");
                let last_inn = previous.split(';').nth(2).unwrap_or_default();
                if cols[2] != last_inn {
                    assert!(finished.insert(last_inn.to_string()), "grouped: {line}");
                    assert!(!finished.contains(cols[2]), "grouped: {line}");
                }
                if platform.confirmed {
                    assert!(["Да", "Нет"].contains(&cols[3]), "{line}");
                }
                let last = cols[cols.len() - 1];
                if !last.is_empty() {
                    ymd(last, platform.iso_dates);
                }
                (previous, previous_id) = (line, id);
            }
            assert_eq!(count, rows, "{}", path.display());
        }
    }

    /// Counts of a per-user file at 01.10.2023 per role, by the rules of SPEC §4.
    #[derive(Default, Debug)]
    struct Tally {
        rows: [u64; 4],
        active: [u64; 4],
        after: u64,
        never: u64,
        repeated: u64,
    }

    fn tally(path: &Path, platform: &Platform) -> Tally {
        let text = read(path);
        let mut tally = Tally::default();
        let mut previous = "";
        for line in text.lines().skip(1) {
            if line == previous {
                tally.repeated += 1;
                continue;
            }
            previous = line;
            let cols: Vec<&str> = line.split(';').collect();
            let role = platform.roles.iter().position(|r| *r == cols[1]).unwrap();
            tally.rows[role] += 1;
            let last = cols[cols.len() - 1];
            if last.is_empty() {
                tally.never += 1;
                continue;
            }
            let last = ymd(last, platform.iso_dates);
            // Both windows start on 02.10.2022 for 01.10.2023.
            let confirmed = !platform.confirmed || cols[3] == "Да";
            if confirmed && last >= (2022, 10, 2) {
                tally.active[role] += 1;
            }
            if last > (2023, 10, 1) {
                tally.after += 1;
            }
        }
        tally
    }

    #[test]
    fn activity_near_the_letter() {
        let dir = tempfile::tempdir().unwrap();
        let shape = Shape {
            subjects: std::slice::from_ref(&DAGESTAN),
            schools: 200,
        };
        let files = generate_shape(dir.path(), 3, shape).unwrap();
        let country = Country::build(shape, 3);
        let teachers: u64 = country.schools.iter().map(|s| u64::from(s.teachers)).sum();
        let students: u64 = country.schools.iter().map(|s| u64::from(s.students)).sum();

        let myschool = tally(&files.myschool, &MYSCHOOL);
        let share = |active: u64, of: u64| active as f64 / of as f64;
        let teachers_share = share(myschool.active[0], teachers);
        assert!((0.75..=0.85).contains(&teachers_share), "{myschool:?}");
        let students_share = share(myschool.active[1], myschool.rows[1]);
        assert!((0.08..=0.17).contains(&students_share), "{myschool:?}");

        let sferum = tally(&files.sferum, &SFERUM);
        let teachers_share = share(sferum.active[0], teachers);
        assert!((0.45..=0.55).contains(&teachers_share), "{sferum:?}");
        let students_share = share(sferum.active[1], students);
        assert!((0.10..=0.16).contains(&students_share), "{sferum:?}");

        for (tally, rows) in [
            (&myschool, files.myschool_rows),
            (&sferum, files.sferum_rows),
        ] {
            assert!(tally.after > 0 && tally.never > 0, "{tally:?}");
            assert!(tally.rows[2] > 0 && tally.rows[3] > 0, "{tally:?}");
            assert_eq!(tally.rows.iter().sum::<u64>() + tally.repeated, rows);
        }
        assert!(myschool.repeated + sferum.repeated > 0);
    }

    fn within(value: u64, expected: f64, tolerance: f64) -> bool {
        (value as f64 - expected).abs() <= expected * tolerance
    }

    #[test]
    fn national_shape_has_the_federal_totals() {
        let country = Country::build(Scale::National.shape(), 20231012);
        assert_eq!(country.schools.len(), 40_000);
        let regions: HashSet<&str> = country.subjects.iter().map(|s| s.name).collect();
        assert_eq!(regions.len(), 89);
        let municipalities: HashSet<(usize, &str)> = country
            .municipalities
            .iter()
            .map(|m| (m.subject, m.name.as_str()))
            .collect();
        assert_eq!(municipalities.len(), country.municipalities.len(), "unique");
        assert!(
            (2_200..=2_400).contains(&municipalities.len()),
            "{}",
            municipalities.len()
        );

        let mut inns = HashSet::new();
        let mut sums: HashMap<String, u64> = HashMap::new();
        let mut add = |key: String, count: u64| *sums.entry(key).or_default() += count;
        for school in &country.schools {
            let inn = std::str::from_utf8(&school.inn).unwrap();
            assert!(inns.insert(inn) && inn_is_valid(inn), "{inn}");
            let subject = &country.subjects[country.municipalities[school.municipality].subject];
            assert_eq!(inn[..2].parse::<u8>().unwrap(), subject.code);
            add("teachers".into(), u64::from(school.teachers));
            add("students".into(), u64::from(school.students));
            for (platform, usage) in ["myschool", "sferum"].iter().zip(&school.usage) {
                for (role, count) in ["teachers", "students", "parents", "admins"]
                    .iter()
                    .zip(usage.accounts)
                {
                    add(platform.to_string(), u64::from(count));
                    add(format!("{platform}.{role}"), u64::from(count));
                }
            }
        }
        for (key, expected) in [
            ("teachers", 1.1e6),
            ("students", 17.5e6),
            ("myschool", 19.5e6),
            ("myschool.teachers", 1.05e6),
            ("myschool.students", 17.0e6),
            ("myschool.parents", 1.4e6),
            ("sferum", 15.7e6),
        ] {
            assert!(within(sums[key], expected, 0.03), "{key}: {}", sums[key]);
        }
    }

    #[test]
    fn region_shape_is_dagestan() {
        let country = Country::build(Scale::Region.shape(), 1);
        assert_eq!(country.schools.len(), 1_500);
        assert_eq!(country.municipalities.len(), 51);
        assert!(country.schools.iter().all(|s| s.inn.starts_with(b"05")));
        assert!(
            country
                .schools
                .iter()
                .all(|s| country.region_name(s) == "Республика Дагестан")
        );
        // Every municipality has schools.
        let mut per_municipality = vec![0; 51];
        for school in &country.schools {
            per_municipality[school.municipality] += 1;
        }
        assert!(per_municipality.iter().all(|&n| n > 0));
    }

    #[test]
    fn apportion_is_exact_and_leaves_no_one_out() {
        let parts = apportion(10, &[1.0, 0.0, 5.0]);
        assert_eq!(parts.iter().sum::<usize>(), 10);
        assert!(parts.iter().all(|&p| p >= 1), "{parts:?}");
        assert_eq!(apportion(3, &[0.1, 7.0, 2.0]), [1, 1, 1]);
        let parts = apportion(40_000, &[0.3; 89]);
        assert_eq!(parts.iter().sum::<usize>(), 40_000);
    }

    #[test]
    fn dates_and_numbers_spelled_by_hand() {
        let dates = DateTable::new();
        assert_eq!(dates.get(0, false), b"01.10.2023");
        assert_eq!(dates.get(0, true), b"2023-10-01");
        assert_eq!(dates.get(364, true), b"2022-10-02");
        assert_eq!(dates.get(-4, false), b"05.10.2023");
        assert_eq!(dates.get(OLDEST_DAYS, true), b"2020-09-26");
        let mut out = Vec::new();
        for n in [0, 7, 1_000_000_000, u64::MAX] {
            out.clear();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
