//! Application services: the workflows that the command line and the web share.
//!
//! [`import::import_file`] reads a file with `tsos-ingest`, reconciles it with the registry
//! (bootstrapping schools from a per-school export, counting unknown organisations) and
//! saves it as one snapshot with `tsos-store`. [`report::build_report`] assembles the
//! indicators of a date from the stored snapshots with the pure rules of `tsos-domain`, with
//! targets, statuses and ranks. [`quality::build_quality`] lists the data-quality findings of
//! a date; [`at_risk::at_risk`] reads a per-user file, without storing anything, for the users
//! of one school about to leave the active window. [`letters`] writes and follows up the
//! monthly letter; [`notices::send_notices`] e-mails its notices to the schools.

pub mod at_risk;
pub mod chats;
pub mod events;
pub mod flow_key;
pub mod flows;
pub mod import;
pub mod letters;
pub mod notices;
pub mod quality;
pub mod reminders;
pub mod replies;
pub mod report;
pub mod targets;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Ingest(#[from] tsos_ingest::IngestError),
    #[error(transparent)]
    Store(#[from] tsos_store::StoreError),
    #[error("неизвестный набор данных «{given}»; есть: {}", known.join(", "))]
    UnknownDataset { given: String, known: Vec<String> },
    #[error(transparent)]
    Template(#[from] tsos_letter::TemplateError),
    #[error(transparent)]
    ChatEdit(#[from] tsos_domain::chats::ChatEditError),
    #[error(transparent)]
    ChatClosing(#[from] tsos_domain::chats::ClosingError),
    #[error(transparent)]
    Font(#[from] tsos_letter::pdf::FontError),
    #[error("не удалось прочитать шаблон уведомления {path}: {detail}")]
    NoticeTemplate { path: String, detail: String },
    #[error(
        "{file}: в файле есть строки других школ (ИНН {}); здесь загружаются чаты только школы {school}",
        others.join(", ")
    )]
    OtherSchools {
        file: String,
        school: String,
        others: Vec<String>,
    },
    #[error(
        "{file}: файл заменил бы снимок №{} «{}» на {}, но данных в нем заметно меньше: {}. \
         Снимок не заменен. Проверьте файл; если он верен, повторите импорт с --replace",
        replacement.current.id,
        replacement.current.file_name,
        tsos_domain::format_date_ru(replacement.current.as_of),
        replacement.describe_shrinks()
    )]
    SuspectReplacement {
        file: String,
        replacement: Box<import::Replacement>,
    },
    #[error(
        "{file}: ОО названы без ИНН, и не все найдены в реестре — импорт остановлен:\n  {}\n  Укажите школу вручную: --match \"НАЗВАНИЕ=ИНН\" (выбор запоминается для следующих файлов) или пропустите эти строки с --skip-invalid",
        names.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
    )]
    UnmatchedNames {
        file: String,
        names: Vec<import::UnmatchedName>,
    },
    #[error("--match «{name}={org}»: ОО с ИНН {org} нет в реестре на дату файла")]
    MatchNotInRegistry { name: String, org: String },
    #[error("{file}: одна ОО названа в файле дважды:\n  {}", repeats.join("\n  "))]
    RepeatedSchools { file: String, repeats: Vec<String> },
    #[error(
        "{file}: в реестре ОО нужен ИНН каждой школы, а в файле нет столбца ИНН (названия сопоставляются с реестром только в выгрузках)"
    )]
    RegistryWithoutInn { file: String },
    #[error("ключ потоков пользователей {path}: {detail}")]
    FlowKey { path: String, detail: String },
    #[error("не удалось записать {path}: {detail}")]
    Write { path: String, detail: String },
    #[error("{}", match .0 { Some(id) => format!("письмо №{id} не найдено (список: tsos followup --list)"), None => "писем еще не было: tsos letter …".to_string() })]
    NoLetter(Option<i64>),
    #[error("ИНН школы не указан: «{0}»")]
    NoSchool(String),
    #[error(
        "реестр пуст: сначала импортируйте реестр ОО (tsos import registry ФАЙЛ) или выгрузку по школам"
    )]
    NoRegistry,
    #[error("нет данных платформ на {date}{}", if available.is_empty() { "; ни одного снимка еще не импортировано".to_string() } else { format!("; есть снимки на: {}", available.join(", ")) })]
    NoSnapshots {
        date: String,
        available: Vec<String>,
    },
}

/// Drops `value` on a thread of its own. A national report or snapshot is a few hundred
/// thousand allocations, freed one at a time in 0.05–0.07 s: the caller goes on meanwhile, and
/// a command that ends first ends the process, whose memory the system takes back at once.
pub fn drop_aside<T: Send + 'static>(value: T) {
    // Where no thread can be made, the value is dropped here, with the closure.
    let _ = std::thread::Builder::new()
        .name("drop".to_string())
        .spawn(move || drop(value));
}

/// Today where the authorities work: Moscow time, which is Dagestan's too. The date a web
/// edit is made on and the default date of the chats pages and commands.
pub fn today() -> jiff::civil::Date {
    jiff::tz::offset(3)
        .to_datetime(jiff::Timestamp::now())
        .date()
}
