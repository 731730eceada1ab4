//! What each kind of file says: the registry, the platforms' per-user exports and the
//! ministry's per-school form, as tables. How they are spelled is `table`'s business.

use fastrand::Rng;
use jiff::civil::Date;
use tsos_domain::{Catalogue, Role, format_date_ru};

use crate::TOTALS;
use crate::region::{REGION, REGION_GENITIVE, Region, School};
use crate::sim::{ExportRow, Kind, Service, Snapshot};
use crate::table::{Cell, Table, group_thousands};

/// The registry of schools with their contingent (SPEC §3).
pub(crate) fn registry(region: &Region, date: Date, rng: &mut Rng) -> Table {
    let mut rows = Vec::new();
    let (mut teachers, mut students) = (0, 0);
    for (index, school) in region.registry().enumerate() {
        teachers += u64::from(school.teachers);
        students += u64::from(school.students);
        rows.push(vec![
            Cell::Count(index as u64 + 1),
            // A third of the ИНН were typed into number cells and lost their leading zero.
            if rng.u8(0..3) == 0 {
                inn_number(school)
            } else {
                Cell::Text(school.inn.clone())
            },
            Cell::Text(school.name.clone()),
            Cell::Text(region.municipality_name(school).to_string()),
            Cell::Text(REGION.to_string()),
            Cell::Count(school.teachers.into()),
            Cell::Count(school.students.into()),
        ]);
    }
    rows.push(vec![
        Cell::Text(TOTALS.to_string()),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Count(teachers),
        Cell::Count(students),
    ]);
    Table {
        title: format!(
            "Реестр общеобразовательных организаций {REGION_GENITIVE} на {}",
            format_date_ru(date)
        ),
        header: vec![
            "№ п/п",
            "ИНН",
            "Полное наименование ОО",
            "Муниципальное образование",
            "Субъект РФ",
            "Численность педагогических работников",
            "Численность обучающихся",
        ],
        rows,
    }
}

/// How a per-user export spells the values that differ between its senders.
#[derive(Clone, Copy)]
pub(crate) struct UserSpelling {
    /// ИНН and ids in number cells (XLSX from a system that typed them as numbers).
    pub numeric_inn: bool,
    /// School names with ASCII quotes (`МБОУ "СОШ №3"`), which CSV must quote and escape.
    pub ascii_quotes: bool,
}

/// FGIS «Моя школа»: one row per account, with names and the confirmation flag.
pub(crate) fn myschool_users(
    region: &Region,
    snapshot: &Snapshot<'_>,
    spelling: UserSpelling,
    rng: &mut Rng,
) -> Table {
    let rows = snapshot
        .rows()
        .map(|row| {
            let account = row.account;
            let school = &region.schools[account.school];
            let (role, female_share) = match account.kind {
                Kind::Member(Role::Teachers) => ("Учитель", 0.8),
                Kind::Member(Role::Students) => ("Обучающийся", 0.5),
                Kind::Member(Role::Parents) => ("Родитель", 0.75),
                Kind::Member(Role::Staff) => ("Сотрудник", 0.7),
                Kind::Admin => ("Администратор ОО", 0.6),
            };
            let confirmed = match (row.confirmed, account.blank_when_unconfirmed) {
                (true, _) => "Да",
                (false, false) => "Нет",
                (false, true) => "",
            };
            let name = if spelling.ascii_quotes {
                school.name.replace(['«', '»'], "\"")
            } else {
                school.name.clone()
            };
            vec![
                Cell::Code(account.id),
                Cell::Text(crate::names::full_name(account.person, female_share)),
                Cell::Text(role.to_string()),
                inn_cell(school, spelling),
                Cell::Text(name),
                Cell::Text(confirmed.to_string()),
                last_cell(snapshot, &row),
            ]
        })
        .collect();
    Table {
        title: user_title(Service::MySchool, snapshot.date()),
        header: vec![
            "ID пользователя",
            "ФИО",
            "Роль",
            "ИНН ОО",
            "Наименование ОО",
            "Подтвержденная УЗ",
            "Дата последней авторизации",
        ],
        rows: with_duplicates(rows, rng),
    }
}

/// ИКОП «Сферум»: one row per account, ids and dates only.
pub(crate) fn sferum_users(
    region: &Region,
    snapshot: &Snapshot<'_>,
    spelling: UserSpelling,
    rng: &mut Rng,
) -> Table {
    let rows = snapshot
        .rows()
        .map(|row| {
            let school = &region.schools[row.account.school];
            let kind = match row.account.kind {
                Kind::Member(Role::Teachers) => "Учитель",
                Kind::Member(Role::Students) => "Ученик",
                Kind::Member(Role::Parents) => "Родитель",
                Kind::Member(Role::Staff) => "Сотрудник",
                Kind::Admin => "Администратор",
            };
            vec![
                Cell::Code(row.account.id),
                Cell::Text(kind.to_string()),
                inn_cell(school, spelling),
                last_cell(snapshot, &row),
            ]
        })
        .collect();
    Table {
        title: user_title(Service::Sferum, snapshot.date()),
        header: vec![
            "Идентификатор",
            "Тип пользователя",
            "ИНН организации",
            "Последняя активность",
        ],
        rows: with_duplicates(rows, rng),
    }
}

/// The ministry's per-school form (SPEC §5.2), with the active counts of the simulation so
/// that the months it covers continue into the per-user months without a jump.
/// `counts_as_text`: the contingent was typed as text with no-break spaces.
pub(crate) fn school_form(
    region: &Region,
    snapshot: &Snapshot<'_>,
    service: Service,
    counts_as_text: bool,
    rng: &mut Rng,
) -> Table {
    let active = snapshot.active();
    let count = |n: u64| {
        if counts_as_text {
            Cell::Text(group_thousands(n, '\u{a0}'))
        } else {
            Cell::Count(n)
        }
    };
    let mut totals = [0u64; 4];
    let mut rows = Vec::new();
    for (school, active) in region.schools.iter().zip(&active) {
        if !school.in_registry {
            continue;
        }
        // The ministry takes the contingent from its own ОО-1 copy; a few schools differ from
        // the registry by more than 5 %, which tsos reports.
        let drift = if rng.u8(0..100) < 3 {
            if rng.bool() { 1.08 } else { 0.92 }
        } else {
            1.0
        };
        let teachers = (f64::from(school.teachers) * drift).round() as u64;
        let students = (f64::from(school.students) * drift).round() as u64;
        let active_teachers = u64::from(*active.get(Role::Teachers));
        let active_students = u64::from(*active.get(Role::Students));
        for (total, value) in
            totals
                .iter_mut()
                .zip([teachers, active_teachers, students, active_students])
        {
            *total += value;
        }
        rows.push(vec![
            Cell::Text(school.inn.clone()),
            Cell::Text(school.name.clone()),
            Cell::Text(region.municipality_name(school).to_string()),
            count(teachers),
            Cell::Count(active_teachers),
            percent(active_teachers, teachers),
            count(students),
            Cell::Count(active_students),
            percent(active_students, students),
        ]);
    }
    let [teachers, active_teachers, students, active_students] = totals;
    rows.push(vec![
        Cell::Text(TOTALS.to_string()),
        Cell::Empty,
        Cell::Empty,
        Cell::Count(teachers),
        Cell::Count(active_teachers),
        percent(active_teachers, teachers),
        Cell::Count(students),
        Cell::Count(active_students),
        percent(active_students, students),
    ]);
    Table {
        title: format!(
            "Мониторинг использования {} по состоянию на {}",
            platform_name(service),
            format_date_ru(snapshot.date())
        ),
        header: vec![
            "ИНН",
            "Наименование ОО",
            "Муниципальное образование",
            "Численность педагогов",
            "Количество активных педагогов",
            "Доля активных педагогов, %",
            "Численность обучающихся",
            "Количество активных обучающихся",
            "Доля активных обучающихся, %",
        ],
        rows,
    }
}

/// «ФГИС «Моя школа»», from the catalogue tsos itself uses.
pub(crate) fn platform_name(service: Service) -> String {
    Catalogue::builtin()
        .get(service.code())
        .expect("built-in platform")
        .name
        .clone()
}

fn user_title(service: Service, date: Date) -> String {
    format!(
        "Выгрузка пользователей {} по состоянию на {}",
        platform_name(service),
        format_date_ru(date)
    )
}

fn percent(part: u64, whole: u64) -> Cell {
    if whole == 0 {
        Cell::Empty
    } else {
        Cell::Percent(part as f64 * 100.0 / whole as f64)
    }
}

fn inn_number(school: &School) -> Cell {
    Cell::Code(school.inn.parse().expect("ИНН is made of digits"))
}

fn inn_cell(school: &School, spelling: UserSpelling) -> Cell {
    if spelling.numeric_inn {
        inn_number(school)
    } else {
        Cell::Text(school.inn.clone())
    }
}

/// The last login with a time of day that is the same for the same login in every export.
fn last_cell(snapshot: &Snapshot<'_>, row: &ExportRow<'_>) -> Cell {
    match row.last {
        None => Cell::Empty,
        Some(day) => {
            let noise = crate::mix(row.account.id, u64::from(day));
            // Between 07:00 and 22:00, when schools and families are awake.
            let seconds = 7 * 3600 + (noise % (15 * 3600)) as u32;
            Cell::Moment(snapshot.date_of(day), seconds)
        }
    }
}

/// Exports glitch: a handful of rows come twice, word for word.
fn with_duplicates(mut rows: Vec<Vec<Cell>>, rng: &mut Rng) -> Vec<Vec<Cell>> {
    if rows.is_empty() {
        return rows;
    }
    for _ in 0..rng.usize(3..=8) {
        let copy = rows[rng.usize(..rows.len())].clone();
        let at = rng.usize(..=rows.len());
        rows.insert(at, copy);
    }
    rows
}
