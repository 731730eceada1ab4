//! Demo inputs for tsos: a registry of a Dagestan-like region's schools and a year of monthly
//! exports of FGIS «Моя школа» and ИКОП «Сферум», as they arrive in a municipal analyst's
//! mailbox — in several encodings and layouts, with title lines, totals rows, duplicates,
//! late dates and unknown organisations.
//!
//! The exports are views of one simulated population (see [`sim`]), so that the rolling
//! indicators tsos computes move plausibly from month to month and land near the figures of
//! the letter of October 2023. This crate only writes files; importing them is tsos's job.
//!
//! Reading order: [`region`] (schools), [`sim`] (accounts and logins), [`plan`] (which file
//! in which form), [`exports`] (what a file says), [`table`] (how it is spelled).

pub mod chats;
mod exports;
mod names;
mod plan;
mod region;
pub mod scale;
pub mod scatter;
mod sim;
mod table;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use fastrand::Rng;
use jiff::civil::{Date, date};
use thiserror::Error;
use tsos_domain::dates::months_before;
use tsos_domain::format_date_ru;

use crate::exports::UserSpelling;
use crate::plan::{Form, Layout, Planned, SchoolFormat, UserFormat};
use crate::sim::{Service, Simulation};

pub use crate::scale::{Scale, ScaleFiles, ScaleOptions, generate_scale};
pub use crate::scatter::{Scatter, scatter};

/// The label of a totals row.
const TOTALS: &str = "Итого";

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Where the files go; created if missing, existing files overwritten.
    pub out_dir: PathBuf,
    /// The same seed gives the same files, byte for byte.
    pub seed: u64,
    /// Schools in the registry.
    pub schools: usize,
    /// The last monthly date.
    pub last_date: Date,
    /// Monthly dates, ending at `last_date`.
    pub months: u32,
}

impl Default for DemoOptions {
    /// 300 schools, twelve months from 01.11.2022 to 01.10.2023 — the letter's date.
    fn default() -> Self {
        DemoOptions {
            out_dir: PathBuf::from("tsos-demo"),
            seed: 20231012,
            schools: 300,
            last_date: date(2023, 10, 1),
            months: 12,
        }
    }
}

/// One generated input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoFile {
    pub path: PathBuf,
    /// `registry`, `myschool` or `sferum`: the first argument of `tsos import`.
    pub dataset: &'static str,
    /// The date the file describes: `--as-of` of its import.
    pub as_of: Date,
    /// In Russian, e.g. «Моя школа», по пользователям, CSV cp1251 …
    pub description: String,
}

#[derive(Debug, Error)]
pub enum DemoError {
    #[error("не удалось записать «{}»: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("не удалось сформировать XLSX «{}»: {source}", path.display())]
    Xlsx {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    /// Ten years at most: a typo should not write thousands of files.
    #[error("число месяцев должно быть от 1 до 120, указано {0}")]
    Months(u32),
}

/// Writes the registry, the monthly exports and a README into `opts.out_dir`. Returns the
/// input files in the order they should be imported: the registry, then by date, My School
/// before Sferum.
pub fn generate(opts: &DemoOptions) -> Result<Vec<DemoFile>, DemoError> {
    if !(1..=120).contains(&opts.months) {
        return Err(DemoError::Months(opts.months));
    }
    let monthly = monthly_dates(opts);
    let registry_date = school_year_start(monthly[0]);
    let (region, simulation) = world(opts, &monthly);

    std::fs::create_dir_all(&opts.out_dir).map_err(|source| DemoError::Io {
        path: opts.out_dir.clone(),
        source,
    })?;

    let mut files = Vec::new();
    let registry_path = opts.out_dir.join("01_registry.xlsx");
    let mut rng = Rng::with_seed(mix(opts.seed, 0));
    let registry_table = exports::registry(&region, registry_date, &mut rng);
    let registry_layout = Layout::Xlsx(table::XlsxStyle {
        sheet: "Реестр",
        gap_after_title: true,
        created: registry_date,
    });
    write(&registry_path, &registry_layout, &registry_table)?;
    files.push(DemoFile {
        path: registry_path,
        dataset: "registry",
        as_of: registry_date,
        description: "Реестр ОО с контингентом, XLSX, ИНН частично числами".to_string(),
    });

    let planned = plan::plan(monthly.len());
    let monthly_files = in_parallel(&planned, |planned| {
        let as_of = monthly[planned.month];
        let path = opts.out_dir.join(planned.file_name(as_of));
        // Each file draws its glitches from its own stream (0 and 1 are taken above),
        // so that files can be written in any order and one file's recipe can change
        // without reshuffling the others.
        let stream = (planned.month * Service::ALL.len() + planned.service.index()) as u64 + 2;
        let mut rng = Rng::with_seed(mix(opts.seed, stream));
        let table = file_table(&region, &simulation, planned, &mut rng);
        write(&path, &planned.layout(as_of), &table)?;
        Ok(DemoFile {
            path,
            dataset: planned.service.code(),
            as_of,
            description: planned.describe(),
        })
    });
    for file in monthly_files {
        files.push(file?);
    }

    let readme = opts.out_dir.join("README.txt");
    std::fs::write(&readme, readme_text(opts, &monthly, &files)).map_err(|source| {
        DemoError::Io {
            path: readme.clone(),
            source,
        }
    })?;
    Ok(files)
}

/// `months` monthly dates ending at `last_date`.
fn monthly_dates(opts: &DemoOptions) -> Vec<Date> {
    (0..opts.months)
        .rev()
        .map(|back| months_before(opts.last_date, back))
        .collect()
}

/// The region and its simulated history: what every file of a run is cut from.
fn world(opts: &DemoOptions, monthly: &[Date]) -> (region::Region, Simulation) {
    let region = region::build(&mut Rng::with_seed(opts.seed), opts.schools);
    let simulation = Simulation::new(&region, monthly, mix(opts.seed, 1));
    (region, simulation)
}

/// Runs `job` over `items` on the machine's cores, results in the order of `items`. Writing
/// the large per-user files one after another would take most of the generation time.
fn in_parallel<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let next = AtomicUsize::new(0);
    let results = Mutex::new((0..items.len()).map(|_| None).collect::<Vec<Option<R>>>());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    let result = job(item);
                    results.lock().expect("no worker panicked")[index] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|result| result.expect("every item was taken by a worker"))
        .collect()
}

fn file_table(
    region: &region::Region,
    simulation: &Simulation,
    planned: &Planned,
    rng: &mut Rng,
) -> table::Table {
    let snapshot = simulation.snapshot(planned.service, planned.month, planned.late());
    match planned.form {
        Form::Users(format) => {
            let spelling = UserSpelling {
                numeric_inn: format == UserFormat::Xlsx,
                ascii_quotes: matches!(format, UserFormat::Utf8Comma | UserFormat::Utf8Tab),
            };
            match planned.service {
                Service::MySchool => exports::myschool_users(region, &snapshot, spelling, rng),
                Service::Sferum => exports::sferum_users(region, &snapshot, spelling, rng),
            }
        }
        Form::Schools(format) => {
            let counts_as_text = matches!(
                format,
                SchoolFormat::Xlsx {
                    counts_as_text: true
                }
            );
            exports::school_form(region, &snapshot, planned.service, counts_as_text, rng)
        }
    }
}

fn write(path: &Path, layout: &Layout, table: &table::Table) -> Result<(), DemoError> {
    let bytes = match layout {
        Layout::Csv(style) => style.encode(table),
        Layout::Xlsx(style) => style.encode(table).map_err(|source| DemoError::Xlsx {
            path: path.to_path_buf(),
            source,
        })?,
    };
    std::fs::write(path, bytes).map_err(|source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// 1 September of the school year `date` falls in: the registry is compiled then.
fn school_year_start(date: Date) -> Date {
    let year = if date.month() >= 9 {
        date.year()
    } else {
        date.year() - 1
    };
    jiff::civil::date(year, 9, 1)
}

fn readme_text(opts: &DemoOptions, monthly: &[Date], files: &[DemoFile]) -> String {
    let mut text = String::new();
    let first = format_date_ru(monthly[0]);
    let last = format_date_ru(*monthly.last().expect("at least one month"));
    // Writing to a String cannot fail.
    let _ = write!(
        text,
        "Демонстрационные данные tsos\n\
         ============================\n\n\
         Регион: {} (вымышленные школы в реальных муниципальных образованиях).\n\
         Школ в реестре: {}. Ежемесячные срезы: с {first} по {last} ({} мес.). Зерно: {}.\n\n\
         Все ФИО, идентификаторы и ИНН вымышлены; совпадения случайны.\n\
         Выгрузки смоделированы по одной и той же совокупности пользователей, поэтому\n\
         скользящие показатели (365 дней для «Моей школы», 12 месяцев для «Сферума»)\n\
         меняются от месяца к месяцу правдоподобно. На последнюю дату по региону\n\
         ожидается примерно: «Моя школа» — учителя 80 %, обучающиеся 3–5 %;\n\
         «Сферум» — учителя 50 %, ученики 13 %. Доли школ сильно различаются.\n\n\
         Файлы в порядке загрузки\n\
         ------------------------\n",
        region::REGION,
        opts.schools,
        monthly.len(),
        opts.seed,
    );
    for file in files {
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "{name}\n    {}; срез на {}\n    tsos import {} {name} --as-of {}",
            file.description,
            format_date_ru(file.as_of),
            file.dataset,
            file.as_of,
        );
    }
    text.push_str(
        "\nЧто проверяют файлы\n\
         -------------------\n\
         - реестр: объединённая ячейка заголовка, пустая строка, строка «Итого»; часть ИНН\n\
         \x20 записана числом, и ведущий ноль потерян (0512345678 → 512345678);\n",
    );
    if files
        .iter()
        .any(|file| file.path.to_string_lossy().contains("_schools."))
    {
        text.push_str(
            "- первые месяцы — форма министерства по школам: численность с разделителями\n\
             \x20 разрядов («1 234»), доли вида «81,3», строка «Итого»; у нескольких школ\n\
             \x20 численность расходится с реестром более чем на 5 %;\n",
        );
    }
    text.push_str(
        "- выгрузки по пользователям: UTF-8 с BOM и Windows-1251, разделители «,», «;» и\n\
         \x20 табуляция, строка заголовка над шапкой, даты ISO 8601, «ДД.ММ.ГГГГ ЧЧ:ММ» и\n\
         \x20 ячейки Excel, наименования в кавычках;\n\
         - в каждой выгрузке по пользователям: несколько повторяющихся строк, учётные записи\n\
         \x20 организации, которой нет в реестре (реорганизованная школа), администраторы ОО\n\
         \x20 (роль «прочие»), пустые даты (ни разу не входили), у нескольких школ даты на\n\
         \x20 1–4 дня позже даты среза (выгрузка снята с опозданием).\n\n\
         Загрузить всё сразу: выполните команды выше по порядку.\n",
    );
    text
}

/// Mixes two numbers into a well-spread seed (SplitMix64), for independent random streams.
fn mix(a: u64, b: u64) -> u64 {
    let mut x = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(31);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsos_domain::Role;

    fn small(out_dir: &Path, seed: u64) -> DemoOptions {
        DemoOptions {
            out_dir: out_dir.to_path_buf(),
            seed,
            schools: 24,
            ..DemoOptions::default()
        }
    }

    fn names(files: &[DemoFile]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn same_seed_same_bytes() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        // Six months still have both kinds of file and every per-user format.
        let options = |dir: &Path, seed| DemoOptions {
            months: 6,
            ..small(dir, seed)
        };
        let first = generate(&options(a.path(), 5)).unwrap();
        let second = generate(&options(b.path(), 5)).unwrap();
        let other = generate(&options(c.path(), 6)).unwrap();
        assert_eq!(names(&first), names(&second));
        for (x, y) in first.iter().zip(&second) {
            let (bytes_x, bytes_y) = (
                std::fs::read(&x.path).unwrap(),
                std::fs::read(&y.path).unwrap(),
            );
            assert!(
                bytes_x == bytes_y,
                "{} differs between runs",
                x.path.display()
            );
        }
        let csv = first
            .iter()
            .position(|f| f.path.extension().unwrap() == "csv")
            .unwrap();
        assert_ne!(
            std::fs::read(&first[csv].path).unwrap(),
            std::fs::read(&other[csv].path).unwrap(),
            "another seed gives other data"
        );
    }

    #[test]
    fn files_in_import_order() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate(&small(dir.path(), 1)).unwrap();
        assert_eq!(files.len(), 1 + 12 * 2);
        assert_eq!(names(&files)[0], "01_registry.xlsx");
        assert_eq!(files[0].dataset, "registry");
        assert_eq!(files[0].as_of, date(2022, 9, 1));
        assert_eq!(names(&files)[1], "2022-11-01_myschool_schools.xlsx");
        assert_eq!(names(&files)[2], "2022-11-01_sferum_schools.csv");
        assert_eq!(names(&files)[23], "2023-10-01_myschool_users.csv");
        assert_eq!(names(&files)[24], "2023-10-01_sferum_users.csv");
        for (index, pair) in files[1..].chunks(2).enumerate() {
            let expected = months_before(date(2023, 10, 1), 11 - index as u32);
            assert_eq!((pair[0].dataset, pair[0].as_of), ("myschool", expected));
            assert_eq!((pair[1].dataset, pair[1].as_of), ("sferum", expected));
        }
        assert!(
            files[1..]
                .iter()
                .filter(|f| f.description.contains("по школам"))
                .count()
                == 6
        );
        let readme = std::fs::read_to_string(dir.path().join("README.txt")).unwrap();
        for (file, name) in files.iter().zip(names(&files)) {
            assert!(file.path.is_file(), "{name}");
            assert!(file.path.starts_with(dir.path()));
            let command = format!("tsos import {} {name} --as-of {}", file.dataset, file.as_of);
            assert!(readme.contains(&command), "{command}");
        }
    }

    #[test]
    fn cp1251_export_has_its_title_line() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate(&small(dir.path(), 2)).unwrap();
        let last = files
            .iter()
            .find(|f| names(std::slice::from_ref(f))[0] == "2023-10-01_myschool_users.csv")
            .unwrap();
        assert!(last.description.contains("cp1251"), "{}", last.description);
        let bytes = std::fs::read(&last.path).unwrap();
        let (text, _, malformed) = encoding_rs::WINDOWS_1251.decode(&bytes);
        assert!(!malformed);
        let mut lines = text.split("\r\n");
        assert_eq!(
            lines.next(),
            Some("Выгрузка пользователей ФГИС «Моя школа» по состоянию на 01.10.2023")
        );
        assert_eq!(lines.next(), Some(""));
        assert_eq!(
            lines.next(),
            Some(
                "ID пользователя;ФИО;Роль;ИНН ОО;Наименование ОО;Подтвержденная УЗ;Дата последней авторизации"
            )
        );
        let row = lines.next().unwrap();
        assert_eq!(row.split(';').count(), 7, "{row}");
        assert!(text.contains(";Учитель;") && text.contains(";Администратор ОО;"));

        let form = files
            .iter()
            .find(|f| f.path.ends_with("2022-12-01_myschool_schools.csv"))
            .unwrap();
        let bytes = std::fs::read(&form.path).unwrap();
        let (text, _, malformed) = encoding_rs::WINDOWS_1251.decode(&bytes);
        assert!(!malformed);
        assert!(
            text.starts_with(
                "Мониторинг использования ФГИС «Моя школа» по состоянию на 01.12.2022;"
            )
        );
        assert!(text.contains("\r\nИтого;;;"), "a totals row");
        assert!(
            text.contains('\u{a0}'),
            "counts grouped with no-break spaces"
        );
    }

    #[test]
    fn utf8_export_has_bom_and_quoted_names() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate(&small(dir.path(), 3)).unwrap();
        let sferum = files
            .iter()
            .find(|f| f.path.ends_with("2023-10-01_sferum_users.csv"))
            .unwrap();
        let bytes = std::fs::read(&sferum.path).unwrap();
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM")).unwrap();
        assert!(
            text.starts_with(
                "Идентификатор,Тип пользователя,ИНН организации,Последняя активность\n"
            )
        );
        assert!(text.contains("+03:00\n"));
        let myschool = files
            .iter()
            .find(|f| f.path.ends_with("2023-08-01_myschool_users.csv"))
            .unwrap();
        let text = std::fs::read_to_string(&myschool.path).unwrap();
        assert!(
            text.contains(",\"МБОУ \"\"") || text.contains(",\"МКОУ \"\""),
            "names in ASCII quotes are escaped"
        );
    }

    #[test]
    fn written_exports_agree_with_the_simulation() {
        let dir = tempfile::tempdir().unwrap();
        let opts = small(dir.path(), 4);
        let files = generate(&opts).unwrap();
        let monthly = monthly_dates(&opts);
        let (region, sim) = world(&opts, &monthly);
        let last = monthly.len() - 1;
        let as_of = monthly[last];
        let catalogue = tsos_domain::Catalogue::builtin();
        let unregistered = region.schools.iter().find(|s| !s.in_registry).unwrap();

        for (service, name, skip, delimiter) in [
            (Service::MySchool, "2023-10-01_myschool_users.csv", 3, ';'),
            (Service::Sferum, "2023-10-01_sferum_users.csv", 1, ','),
        ] {
            let file = files.iter().find(|f| f.path.ends_with(name)).unwrap();
            let bytes = std::fs::read(&file.path).unwrap();
            let text = match service {
                Service::MySchool => encoding_rs::WINDOWS_1251.decode(&bytes).0.into_owned(),
                Service::Sferum => String::from_utf8(bytes[3..].to_vec()).unwrap(),
            };
            // Neither file needs CSV quoting, so a plain split reads it.
            assert!(!text.contains('"'), "{name}");
            let (role_col, org_col, last_col) = match service {
                Service::MySchool => (2, 3, 6),
                Service::Sferum => (1, 2, 3),
            };
            let mut users = tsos_domain::UserAggregate::new(service == Service::MySchool);
            for line in text.lines().skip(skip) {
                let cols: Vec<&str> = line.split(delimiter).collect();
                let Some(role) = Role::from_label(cols[role_col]) else {
                    continue;
                };
                let key = tsos_domain::UserKey {
                    org: tsos_domain::OrgId::normalize(cols[org_col]).unwrap(),
                    role,
                    user_id: Some(cols[0].to_string()),
                };
                let confirmed = service == Service::MySchool && cols[5] == "Да";
                let last = tsos_domain::parse_date_text(cols[last_col]).unwrap();
                users.add(key, confirmed, last);
            }
            let rule = catalogue.get(service.code()).unwrap().rule;
            let counts = users.finish(&rule, as_of);
            assert!((3..=8).contains(&counts.duplicates_merged), "{name}");
            let unknown = tsos_domain::OrgId::normalize(&unregistered.inn).unwrap();
            assert!(
                counts.by_org.contains_key(&unknown),
                "{name}: unknown organisation"
            );

            let expected = sim.snapshot(service, last, true).active();
            for (school, expected) in region.schools.iter().zip(&expected) {
                let id = tsos_domain::OrgId::normalize(&school.inn).unwrap();
                let read = counts.by_org.get(&id).copied().unwrap_or_default();
                for role in Role::ALL {
                    assert_eq!(
                        read.get(role).active.unwrap_or(0),
                        u64::from(*expected.get(role)),
                        "{name}: {} {role}",
                        school.name
                    );
                }
            }
        }
    }

    #[test]
    fn zero_months_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let opts = DemoOptions {
            months: 0,
            ..small(dir.path(), 1)
        };
        assert!(matches!(generate(&opts), Err(DemoError::Months(0))));
    }

    /// Region-level shares as tsos defines them: summed active counts of the registry's
    /// schools over their summed contingent, straight from the simulation.
    fn region_shares(
        region: &region::Region,
        sim: &Simulation,
        service: Service,
        month: usize,
    ) -> (f64, f64) {
        let active = sim.snapshot(service, month, true).active();
        let mut sums = [0u64; 4];
        for (school, counts) in region.schools.iter().zip(&active) {
            if school.in_registry {
                sums[0] += u64::from(*counts.get(Role::Teachers));
                sums[1] += u64::from(school.teachers);
                sums[2] += u64::from(*counts.get(Role::Students));
                sums[3] += u64::from(school.students);
            }
        }
        (
            sums[0] as f64 / sums[1] as f64,
            sums[2] as f64 / sums[3] as f64,
        )
    }

    #[test]
    fn region_lands_near_the_letter() {
        for seed in [DemoOptions::default().seed, 1, 2] {
            let opts = DemoOptions {
                seed,
                ..DemoOptions::default()
            };
            let monthly = monthly_dates(&opts);
            let (region, sim) = world(&opts, &monthly);
            let last = monthly.len() - 1;

            let (teachers, students) = region_shares(&region, &sim, Service::MySchool, last);
            assert!(
                (0.78..=0.82).contains(&teachers),
                "{seed}: My School teachers {teachers}"
            );
            assert!(
                (0.03..=0.05).contains(&students),
                "{seed}: My School students {students}"
            );
            let (_, students_first) = region_shares(&region, &sim, Service::MySchool, 0);
            assert!(
                students_first < 0.01,
                "{seed}: My School students start near 0: {students_first}"
            );

            let (teachers, students) = region_shares(&region, &sim, Service::Sferum, last);
            assert!(
                (0.47..=0.53).contains(&teachers),
                "{seed}: Sferum teachers {teachers}"
            );
            assert!(
                (0.12..=0.14).contains(&students),
                "{seed}: Sferum students {students}"
            );

            for service in Service::ALL {
                for month in 0..monthly.len() {
                    let rows = sim.snapshot(service, month, true).rows().count();
                    assert!(
                        rows <= 80_000,
                        "{seed}: {} rows in {service:?} {month}",
                        rows
                    );
                }
            }
        }
    }
}
