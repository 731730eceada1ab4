//! The data the tests serve: four schools in two municipalities of one region, a registry,
//! two monthly per-user exports of «Моя школа» and a per-school export of «Сферум», with an
//! account for each role ([`Fixture::four_schools`]); or a database filled as a test needs
//! ([`Fixture::empty`]). Files are imported with the application's own import, as `tsos
//! import` would.

use std::path::{Path, PathBuf};

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use jiff::civil::{Date, date};
use tsos_app::import::{ImportRequest, import_file};
use tsos_domain::Catalogue;
use tsos_store::Store;
use tsos_web::{AccountRole, AppState, WebConfig};

use super::TestApp;

pub const REGION: &str = "Республика Тест";
pub const MUNI_A: &str = "Город Альфа";
pub const MUNI_B: &str = "Бета район";
pub const SCHOOL_A1: &str = "0500000001";
pub const SCHOOL_A2: &str = "0500000002";
pub const SCHOOL_B1: &str = "0500000003";
pub const SCHOOL_B2: &str = "0500000004";
/// The password of every account.
pub const PASSWORD: &str = "пароль-для-тестов";

/// (ИНН, name, municipality, teachers, students, active teachers in September, in October).
pub const SCHOOLS: [(&str, &str, &str, u64, u64, u64, u64); 4] = [
    (SCHOOL_A1, "МБОУ «СОШ №1»", MUNI_A, 10, 40, 7, 9),
    (SCHOOL_A2, "МБОУ «Лицей №2»", MUNI_A, 8, 30, 6, 6),
    (SCHOOL_B1, "МКОУ «Бетинская СОШ»", MUNI_B, 10, 20, 3, 2),
    (SCHOOL_B2, "МКОУ «Малая школа»", MUNI_B, 4, 10, 4, 4),
];

/// The accounts of [`Fixture::four_schools`]: (login, role, scope). `muni_a` and `school_a`
/// are of the one municipality, `muni_b` and `school_b` of the other.
pub const ACCOUNTS: [(&str, AccountRole, Option<&str>); 6] = [
    ("admin", AccountRole::Admin, None),
    ("region", AccountRole::Region, Some(REGION)),
    ("muni_a", AccountRole::Municipality, Some(MUNI_A)),
    ("muni_b", AccountRole::Municipality, Some(MUNI_B)),
    ("school_a", AccountRole::School, Some(SCHOOL_A1)),
    ("school_b", AccountRole::School, Some(SCHOOL_B1)),
];

/// The header of a registry: ИНН, name, municipality, region, teachers, students.
pub const REGISTRY_HEADER: &str = "ИНН;Полное наименование ОО;Муниципальное образование;\
                                   Субъект РФ;Численность педагогических работников;\
                                   Численность обучающихся\n";

/// The header of a per-school export of «Сферум».
pub const SFERUM_HEADER: &str =
    "ИНН;Наименование ОО;Количество активных педагогов;Количество активных обучающихся\n";

/// The header of a school's chats template, as a CSV.
pub const CHATS_HEADER: &str = "ИНН ОО;Название чата;Назначение;Класс;Платформа;Участников;Активен;Дата подтверждения;Дата создания;Дата переноса;Заменяет чат\n";

/// The registry of [`SCHOOLS`].
pub fn registry_csv() -> String {
    let mut out = String::from(REGISTRY_HEADER);
    for (inn, name, muni, teachers, students, _, _) in SCHOOLS {
        out.push_str(&format!(
            "{inn};{name};{muni};{REGION};{teachers};{students}\n"
        ));
    }
    out
}

/// A per-user export: in each school, `active` teachers logged in recently and the rest
/// long ago; a quarter of the students active.
pub fn users_csv(as_of: Date, october: bool) -> String {
    let mut out = format!(
        "Выгрузка ФГИС «Моя школа» по состоянию на {}\n\
         ID пользователя;ФИО;Роль;ИНН ОО;Подтвержденная УЗ;Дата последней авторизации\n",
        tsos_domain::format_date_ru(as_of)
    );
    let recent = tsos_domain::format_date_ru(as_of.yesterday().expect("a date"));
    for (inn, _, _, teachers, students, sept, oct) in SCHOOLS {
        let active = if october { oct } else { sept };
        for n in 0..teachers {
            let last = if n < active {
                recent.as_str()
            } else {
                "01.01.2020"
            };
            out.push_str(&format!("t{inn}{n};Иванов Иван;Учитель;{inn};Да;{last}\n"));
        }
        for n in 0..students {
            let last = if n % 4 == 0 { recent.as_str() } else { "" };
            out.push_str(&format!(
                "s{inn}{n};Петров Петр;Обучающийся;{inn};Да;{last}\n"
            ));
        }
    }
    out
}

/// A per-school export of «Сферум»: half the teachers and students of each school active.
pub fn sferum_csv() -> String {
    let mut out = String::from(SFERUM_HEADER);
    for (inn, name, _, teachers, students, _, _) in SCHOOLS {
        out.push_str(&format!("{inn};{name};{};{}\n", teachers / 2, students / 2));
    }
    out
}

/// Writes `text` to the file `name` in `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

/// Imports the file at `path` as `dataset` at `as_of` into the database `db`, as `tsos
/// import` would: with the key of the flows beside it, which the dashboard finds there too.
pub fn import(store: &mut Store, db: &Path, dataset: &str, path: &Path, as_of: Date) {
    let key = tsos_app::flow_key::for_database(None, &db.to_path_buf().into())
        .expect("the key of the flows");
    import_file(
        store,
        &Catalogue::builtin(),
        &ImportRequest {
            dataset,
            path,
            as_of: Some(as_of),
            skip_invalid: false,
            sheet: None,
            progress: None,
            replace: false,
            mapping: None,
            name_matches: &[],
            sample: 0,
            flow_key: key.as_ref(),
        },
    )
    .unwrap_or_else(|err| panic!("import {}: {err}", path.display()));
}

/// Argon2id with the least cost: the hashes are verified on every test login, and the
/// tests run in a debug build.
fn cheap_hash(password: &str) -> String {
    let params = Params::new(Params::MIN_M_COST, 1, 1, None).expect("valid parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes())
        .expect("hash")
        .to_string()
}

/// A database being filled before the dashboard serves it, in a folder of its own.
pub struct Fixture {
    dir: tempfile::TempDir,
    db: PathBuf,
    store: Store,
}

impl Fixture {
    /// A database with nothing in it.
    pub fn empty() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("tsos.db");
        let store = Store::open(&db).expect("store");
        Fixture { dir, db, store }
    }

    /// The four schools: the registry on 01.09.2023, «Моя школа» on 01.09.2023 and
    /// 01.10.2023, «Сферум» on 01.10.2023, and the [`ACCOUNTS`].
    pub fn four_schools() -> Fixture {
        let mut fixture =
            Fixture::empty().import("registry", "реестр.csv", &registry_csv(), date(2023, 9, 1));
        for (as_of, october) in [(date(2023, 9, 1), false), (date(2023, 10, 1), true)] {
            let name = format!("{as_of}_myschool.csv");
            fixture = fixture.import("myschool", &name, &users_csv(as_of, october), as_of);
        }
        fixture = fixture.import("sferum", "сферум.csv", &sferum_csv(), date(2023, 10, 1));
        let hash = cheap_hash(PASSWORD);
        for (login, role, scope) in ACCOUNTS {
            fixture
                .store
                .upsert_web_user(login, &hash, role.code(), scope)
                .expect("user");
        }
        fixture
    }

    /// `text` written to the file `name` and imported as `dataset` at `as_of`.
    pub fn import(mut self, dataset: &str, name: &str, text: &str, as_of: Date) -> Fixture {
        let path = write(self.dir.path(), name, text);
        import(&mut self.store, &self.db, dataset, &path, as_of);
        self
    }

    /// An account `login` of `role` over `scope`, with the [`PASSWORD`].
    pub fn account(mut self, login: &str, role: AccountRole, scope: Option<&str>) -> Fixture {
        self.store
            .upsert_web_user(login, &cheap_hash(PASSWORD), role.code(), scope)
            .expect("user");
        self
    }

    /// The dashboard over this database.
    pub fn serve(self) -> TestApp {
        self.serve_with(|_| {})
    }

    /// The dashboard over this database, with the configuration `setup` adjusts.
    pub fn serve_with(self, setup: impl FnOnce(&mut WebConfig)) -> TestApp {
        let Fixture { dir, db, store } = self;
        drop(store);
        let mut config = WebConfig::new(db.clone(), Catalogue::builtin());
        setup(&mut config);
        let state = AppState::new(config).expect("state");
        TestApp {
            router: tsos_web::router(state.clone()),
            state,
            db,
            dir,
        }
    }
}
