//! Command-line flags (SPEC §8). `--help` is in Russian like the rest of the program.

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::civil::Date;
use tsos_app::today;
use tsos_domain::OrgId;
use tsos_ingest::header::{Mapping, Meaning};
use tsos_store::{DbLocation, Store};

#[derive(Parser, Debug)]
#[command(
    name = "tsos",
    version,
    about = "Мониторинг ЦОС: использование ФГИС «Моя школа» и ИКОП «Сферум» школами",
    long_about = "Мониторинг ЦОС: из ежемесячных выгрузок — доли активных педагогов и обучающихся \
                  по школам, муниципалитетам и региону, их изменение и отчеты.\n\n\
                  Начните с `tsos demo`: он создаст пример выгрузок, импортирует их и покажет сводку."
)]
pub struct Cli {
    /// Файл базы данных SQLite (создается при первом запуске) или адрес базы PostgreSQL
    /// (postgres://пользователь:пароль@сервер:порт/база)
    #[arg(long, global = true, env = "TSOS_DB", value_name = "ПУТЬ|URL")]
    pub db: Option<DbLocation>,

    /// Файл секретного ключа потоков пользователей (новые, вернувшиеся, ушедшие); по
    /// умолчанию tsos.key рядом с базой SQLite, создается при первом импорте. Для PostgreSQL
    /// без него потоки не считаются
    #[arg(long, global = true, env = "TSOS_KEY_FILE", value_name = "ФАЙЛ")]
    pub key_file: Option<PathBuf>,

    /// TOML-файл с дополнительными платформами (например, MAX) или их переопределением
    #[arg(long, global = true, env = "TSOS_PLATFORMS", value_name = "ФАЙЛ")]
    pub platforms: Option<PathBuf>,

    /// Файл настроек (TOML; ключи — в docs/settings.md); по умолчанию /etc/tsos/tsos.toml,
    /// если он есть. Флаги и переменные окружения важнее его
    #[arg(long, global = true, env = "TSOS_CONFIG", value_name = "ФАЙЛ")]
    pub config: Option<PathBuf>,

    /// Не выводить сводку импорта и подсказки
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Импортировать файл: реестр ОО (registry) или выгрузку платформы (myschool, sferum, …)
    Import(ImportArgs),
    /// Сохраненные разметки столбцов (профили): заголовок файла и смысл его столбцов
    Profiles {
        #[command(subcommand)]
        action: Option<ProfilesAction>,
    },
    /// Показатели на дату: по школам, муниципалитетам или региону
    Report(ReportArgs),
    /// Список импортированных снимков с их происхождением
    Snapshots(SnapshotsArgs),
    /// Целевые значения показателей (myschool.teachers, sferum.students, …) и полоса допуска
    Targets {
        #[command(subcommand)]
        action: TargetsAction,
    },
    /// Датированные события, объясняющие скачки показателей: переход платформы, закон,
    /// перенос чатов; отмечаются рядом с изменением, которое их охватывает
    Events {
        #[command(subcommand)]
        action: EventsAction,
    },
    /// Открытые данные месяца для сайта органа: страница с таблицами и диаграммами SVG и те же
    /// таблицы в CSV (UTF-8) с паспортом и структурой набора; без персональных данных
    Publish(PublishArgs),
    /// Отстающие школы: ниже цели более чем на полосу допуска, с наименьшей долей сначала
    Lagging(LaggingArgs),
    /// Замечания к качеству данных на дату: доли больше 100 %, нет контингента, падения и др.
    Quality(QualityArgs),
    /// Потоки пользователей с прошлого месяца: новые, вернувшиеся, удержанные, ушедшие (по
    /// ключевым хешам, без хранения идентификаторов)
    Flows(FlowsArgs),
    /// Кто из пользователей школы выпадет из окна активности в ближайшие 30 дней (из файла, без сохранения)
    AtRisk(AtRiskArgs),
    /// Письмо по итогам мониторинга (DOCX) с приложением и уведомлениями школам; регистрируется для контроля исполнения
    Letter(LetterArgs),
    /// Контроль исполнения: выполнили ли школы из письма требования к следующему срезу после срока
    Followup(FollowupArgs),
    /// Реестр официальных чатов школ и переход с иностранных мессенджеров (149-ФЗ)
    Chats {
        #[command(subcommand)]
        action: ChatsAction,
    },
    /// Создать демонстрационные выгрузки (регион наподобие Дагестана, 12 месяцев), импортировать, показать сводку и открыть веб-панель
    Demo(DemoArgs),
    /// Веб-панель: обзор, школы, графики, импорт с предпросмотром, выгрузки, API
    Serve(ServeArgs),
    /// Учетные записи веб-панели
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// API-токены учетных записей веб-панели: для скриптов и BI (Authorization: Bearer)
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Уведомления письма школам по электронной почте: отправка и журнал
    Notices {
        #[command(subcommand)]
        action: NoticesAction,
    },
    /// Резервная копия базы SQLite в новый файл, не останавливая работу (для PostgreSQL — pg_dump)
    Backup {
        /// Новый файл копии
        #[arg(value_name = "ФАЙЛ")]
        file: PathBuf,
    },
    /// База данных целиком: копия из SQLite в PostgreSQL и обратно
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Справочные страницы и дополнение команд для оболочек, из этих же определений (для пакета)
    #[command(hide = true)]
    Generate {
        #[command(subcommand)]
        what: Generated,
    },
}

#[derive(Subcommand, Debug)]
pub enum NoticesAction {
    /// Разослать уведомления письма школам ниже цели по электронной почте (PDF и DOCX во
    /// вложении); повторный запуск отправляет только то, что еще не доставлено
    Send {
        /// Номер письма в tsos (tsos followup --list)
        #[arg(long, value_name = "N")]
        letter: i64,
        /// Не отправлять, а записать письма файлами .eml в папку (по умолчанию eml в папке
        /// уведомлений); журнал не меняется
        #[arg(long, value_name = "ПАПКА", num_args = 0..=1)]
        dry_run: Option<Option<PathBuf>>,
        /// Только этим школам (ИНН через пробел)
        #[arg(long, value_name = "ИНН", num_args = 1.., value_parser = parse_org)]
        only: Vec<OrgId>,
        /// Реквизиты и таблица [smtp] (TOML); по умолчанию tsos-letter.toml. Пароль — только
        /// в переменной окружения TSOS_SMTP_PASSWORD
        #[arg(long, value_name = "ФАЙЛ")]
        settings: Option<PathBuf>,
    },
    /// Напомнить по электронной почте школам, не ответившим на уведомление письма (или
    /// чей ответ возвращен), начиная за --before дней до срока; каждой школе — один раз
    Remind {
        /// Номер письма в tsos (tsos followup --list)
        #[arg(long, value_name = "N")]
        letter: i64,
        /// За сколько дней до срока письма начинать напоминать: 3d, 3д или 3
        #[arg(long, value_name = "ДНИ", value_parser = parse_days, default_value = "3d")]
        before: i64,
        /// Не отправлять, а записать письма файлами .eml в эту папку; журнал не меняется
        #[arg(long, value_name = "ПАПКА")]
        dry_run: Option<PathBuf>,
        /// Реквизиты и таблица [smtp] (TOML); по умолчанию tsos-letter.toml
        #[arg(long, value_name = "ФАЙЛ")]
        settings: Option<PathBuf>,
    },
    /// Журнал отправки уведомлений письма: каждая попытка с ответом сервера
    Log {
        /// Номер письма в tsos (tsos followup --list)
        #[arg(long, value_name = "N")]
        letter: i64,
    },
}

/// «3d», «3д» or «3»: a number of days, for `tsos notices remind --before`.
fn parse_days(text: &str) -> Result<i64, String> {
    let digits = text.trim().trim_end_matches(['d', 'D', 'д', 'Д']).trim();
    match digits.parse::<i64>() {
        Ok(days) if (0..=365).contains(&days) => Ok(days),
        _ => Err(format!(
            "«{text}»: ожидается число дней от 0 до 365, например 3d"
        )),
    }
}

/// `--as-of`: the date a command works at, for every command that takes one. Without it the
/// date is the data's own, by the rule of [`AsOf::of_file`], [`AsOf::or_latest`] and
/// [`AsOf::or_today`].
#[derive(Args, Debug, Clone, Copy)]
pub struct AsOf {
    /// Отчетная дата (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ); по умолчанию дата самих данных: у файла — из
    /// строки «по состоянию на …», у выгрузок в базе — последняя, у чатов — сегодня
    #[arg(long, value_parser = parse_date, value_name = "ДАТА")]
    as_of: Option<Date>,
}

impl AsOf {
    /// For a file being read: the date given, else `None`, and the reader takes the date from
    /// the file's «по состоянию на …» line.
    pub fn of_file(self) -> Option<Date> {
        self.as_of
    }

    /// For the stored exports: the date given, else the latest date with an export.
    pub fn or_latest(self, store: &Store) -> anyhow::Result<Date> {
        match self.as_of {
            Some(date) => Ok(date),
            None => match store.platform_dates()?.last() {
                Some(date) => Ok(*date),
                None => bail!(
                    "нет импортированных выгрузок платформ; начните с `tsos import` или `tsos demo`"
                ),
            },
        }
    }

    /// For the chats, whose registry holds until a school changes it: the date given, else
    /// today.
    pub fn or_today(self) -> Date {
        self.as_of.unwrap_or_else(today)
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// registry, myschool, sferum, max, max_active или код платформы из файла --platforms
    pub dataset: String,
    /// CSV (UTF-8 или Windows-1251; «;», «,» или табуляция) или XLSX
    pub file: PathBuf,
    #[command(flatten)]
    pub as_of: AsOf,
    /// Сохранить верные строки, а ошибочные пропустить и подсчитать
    #[arg(long)]
    pub skip_invalid: bool,
    /// Лист книги Excel (по умолчанию первый)
    #[arg(long, value_name = "ЛИСТ")]
    pub sheet: Option<String>,
    /// Заменить снимок на ту же дату, даже если в новом файле заметно меньше строк, ОО
    /// или пользователей или доля по всем ОО упала более чем на 20 п.п.
    #[arg(long)]
    pub replace: bool,
    /// Смысл столбца: «ЗАГОЛОВОК=СМЫСЛ» (organisation, role, user_id, confirmed,
    /// last_date, registered, confirmed_count, active, share, contingent, name,
    /// municipality, region, email, ignore; показателю можно указать роль: active:teachers).
    /// Разметка сохраняется и применяется к следующим файлам с тем же заголовком
    #[arg(long = "map", value_name = "ЗАГОЛОВОК=СМЫСЛ", value_parser = parse_map)]
    pub map: Vec<(String, Meaning)>,
    /// Школа реестра для названия ОО в файле без ИНН: «НАЗВАНИЕ=ИНН»; выбор запоминается
    /// для следующих файлов
    #[arg(long = "match", value_name = "НАЗВАНИЕ=ИНН", value_parser = parse_match)]
    pub matches: Vec<(String, OrgId)>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    #[arg(long, value_enum, default_value_t = LevelArg::School)]
    pub level: LevelArg,
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Записать в файл вместо вывода на экран
    #[arg(long, value_name = "ПУТЬ")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    /// Папка публикации (создается; файлы с теми же именами заменяются)
    #[arg(long, value_name = "ПАПКА")]
    pub out: PathBuf,
    /// Кто публикует, для паспорта набора; по умолчанию — регион из реестра
    #[arg(long, value_name = "ОРГАН")]
    pub creator: Option<String>,
}

#[derive(Args, Debug)]
pub struct SnapshotsArgs {
    #[command(subcommand)]
    pub action: Option<SnapshotsAction>,
    /// Формат списка
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Args, Debug)]
pub struct LaggingArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    /// Только один показатель, например myschool.teachers
    #[arg(long, value_name = "ПОКАЗАТЕЛЬ")]
    pub indicator: Option<String>,
    /// Только школы одного муниципального образования (название как в реестре)
    #[arg(long, value_name = "МО")]
    pub municipality: Option<String>,
    /// Вместо цели — фиксированный порог: школы с долей ниже него («топ худших»), например 20%
    #[arg(long, value_name = "ДОЛЯ", value_parser = parse_cutoff)]
    pub below: Option<f64>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// A share as `20%`, `20 %`, `0,2` or `20`, as targets are written.
fn parse_cutoff(text: &str) -> Result<f64, String> {
    tsos_domain::targets::parse_value(text).map_err(|err| err.to_string())
}

#[derive(Args, Debug)]
pub struct FlowsArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    #[arg(long, value_enum, default_value_t = LevelArg::School)]
    pub level: LevelArg,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Args, Debug)]
pub struct QualityArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Args, Debug)]
pub struct AtRiskArgs {
    /// Выгрузка по пользователям
    pub file: PathBuf,
    /// ИНН школы
    #[arg(long, value_name = "ИНН")]
    pub school: String,
    /// Платформа выгрузки
    #[arg(long, default_value = "myschool", value_name = "КОД")]
    pub platform: String,
    #[command(flatten)]
    pub as_of: AsOf,
    /// Сколько дней вперед смотреть
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    #[arg(long, value_enum, default_value_t = AtRiskFormat::Table)]
    pub format: AtRiskFormat,
    /// Записать в файл вместо вывода на экран
    #[arg(long, value_name = "ПУТЬ")]
    pub out: Option<PathBuf>,
    /// Лист книги Excel (по умолчанию первый)
    #[arg(long, value_name = "ЛИСТ")]
    pub sheet: Option<String>,
}

#[derive(Args, Debug)]
pub struct LetterArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    /// Срок исполнения, который назначает письмо
    #[arg(long, value_parser = parse_date, value_name = "ДАТА", required_unless_present_any = ["print_template", "print_notice_template"])]
    pub deadline: Option<Date>,
    /// Кому: школам (по умолчанию) или муниципалитетам
    #[arg(long, value_enum, default_value_t = AddresseesArg::Schools)]
    pub to: AddresseesArg,
    /// Текст письма с подстановками вместо встроенного (образец: --print-template)
    #[arg(long, value_name = "ФАЙЛ")]
    pub template: Option<PathBuf>,
    /// Реквизиты: орган, основание, префикс номера, подписант (TOML); по умолчанию из файла
    /// настроек (letter_settings), иначе tsos-letter.toml, если есть
    #[arg(long, env = "TSOS_LETTER_SETTINGS", value_name = "ФАЙЛ")]
    pub settings: Option<PathBuf>,
    /// Дата письма; по умолчанию сегодня
    #[arg(long, value_parser = parse_date, value_name = "ДАТА")]
    pub date: Option<Date>,
    /// Также уведомления каждой школе ниже цели
    #[arg(long)]
    pub notices: bool,
    /// Папка для документов
    #[arg(long, default_value = "Письма", value_name = "ПАПКА")]
    pub out: PathBuf,
    /// Вывести встроенный шаблон письма (чтобы сохранить и изменить) и выйти
    #[arg(long)]
    pub print_template: bool,
    /// Вывести встроенный шаблон уведомления школе и выйти; измененный файл указывается в
    /// реквизитах: notice_template = "уведомление.txt"
    #[arg(long, conflicts_with = "print_template")]
    pub print_notice_template: bool,
}

#[derive(Args, Debug)]
pub struct FollowupArgs {
    /// Номер письма в tsos (по умолчанию последнее)
    #[arg(long, value_name = "N")]
    pub letter: Option<i64>,
    /// Список зарегистрированных писем
    #[arg(long)]
    pub list: bool,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Папка для файлов демо
    #[arg(long, default_value = "tsos-demo", value_name = "ПАПКА")]
    pub out: PathBuf,
    /// Число школ
    #[arg(long, default_value_t = 300)]
    pub schools: usize,
    /// Зерно генератора (одинаковое зерно — одинаковые файлы); по умолчанию встроенное
    #[arg(long)]
    pub seed: Option<u64>,
    /// Только создать большие выгрузки для замеров (region — ~1 500 ОО, national — 40 000 ОО и ~35 млн строк), без импорта
    #[arg(long, value_enum)]
    pub scale: Option<ScaleArg>,
    /// С --scale: строки в порядке идентификаторов пользователей (строки школы по всему
    /// файлу, повторы далеко друг от друга, 0,3 % строк без ИНН)
    #[arg(long, requires = "scale")]
    pub scattered: bool,
    /// С --scale: выгрузка «Моя школа» с каждым полем в кавычках и строками CRLF
    #[arg(long, requires = "scale")]
    pub quoted: bool,
    /// Не запускать веб-панель в конце (без терминала она и так не запускается)
    #[arg(long)]
    pub no_serve: bool,
}

/// Where `tsos serve` listens when nothing says otherwise: this computer only.
pub const DEFAULT_ADDRESS: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[arg(long, env = "TSOS_ADDR", value_name = "АДРЕС:ПОРТ", help = format!(
        "Адрес и порт; 0.0.0.0:8080 — доступ из сети. По умолчанию из файла настроек \
         (address), иначе {}", DEFAULT_ADDRESS))]
    pub addr: Option<std::net::SocketAddr>,
    #[arg(long, env = "TSOS_MAX_UPLOAD_MB", value_name = "МБ",
          value_parser = clap::value_parser!(u64).range(1..), help = format!(
        "Наибольший размер загружаемого для импорта файла, МБ; больший отклоняется (413). По \
         умолчанию из файла настроек (max_upload_mb), иначе {}", tsos_web::DEFAULT_MAX_UPLOAD_MB))]
    pub max_upload_mb: Option<u64>,
    /// Где создать временную папку загрузок (она удаляется при остановке); по умолчанию из
    /// файла настроек (upload_dir), иначе во временной папке системы
    #[arg(long, env = "TSOS_UPLOAD_DIR", value_name = "ПАПКА")]
    pub upload_dir: Option<PathBuf>,
    /// Вид журнала: text — строки для человека, json — по объекту JSON на строку (для
    /// journald и сборщиков журналов); по умолчанию из файла настроек (log_format), иначе text
    #[arg(long, env = "TSOS_LOG_FORMAT", value_enum, value_name = "ВИД")]
    pub log_format: Option<LogFormat>,
}

/// How the server's log is written.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lines for a person in a terminal.
    Text,
    /// One JSON object a line, for the journal and log collectors.
    Json,
}

impl LogFormat {
    pub const ALL: [LogFormat; 2] = [LogFormat::Text, LogFormat::Json];

    /// The value of `--log-format` and of the settings file's `log_format`.
    pub fn code(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }

    pub fn from_code(code: &str) -> Option<LogFormat> {
        LogFormat::ALL
            .into_iter()
            .find(|format| format.code() == code)
    }
}

#[derive(Subcommand, Debug)]
pub enum Generated {
    /// Справочные страницы: tsos.1 и по странице на каждую команду
    Man {
        /// Папка, куда их записать
        out: PathBuf,
    },
    /// Дополнение команд для bash, zsh и fish
    Completions {
        /// Папка, куда их записать
        out: PathBuf,
    },
    /// Описание API в OpenAPI 3.1, как его отдает /api/openapi.json
    Openapi {
        /// Файл, куда его записать
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Создать учетную запись (или сменить пароль, роль и область существующей)
    Add(UserAddArgs),
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    /// Создать API-токен учетной записи: он печатается один раз, в базе хранится только его
    /// хеш; токен видит в API то же, что учетная запись
    Add {
        /// Логин учетной записи, от имени которой токен читает API
        #[arg(long, value_name = "ЛОГИН")]
        user: String,
        /// Название, по которому токен узнают в списке: «BI», «Power Query»
        #[arg(long, value_name = "НАЗВАНИЕ")]
        name: String,
        /// Срок действия в днях: 90d (без него — до отзыва)
        #[arg(long, value_name = "ДНИ", value_parser = parse_token_days)]
        expires: Option<u32>,
    },
    /// Список токенов (без самих токенов): номер, учетная запись, название, срок, состояние
    List {
        /// Только токены этой учетной записи
        #[arg(long, value_name = "ЛОГИН")]
        user: Option<String>,
    },
    /// Отозвать токен по номеру из списка: запросы с ним больше не принимаются
    Revoke {
        /// Номер токена (tsos token list)
        id: i64,
    },
}

fn parse_token_days(text: &str) -> Result<u32, String> {
    tsos_web::parse_days(text).map_err(|err| err.to_string())
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// Логин (регистр не важен)
    pub login: String,
    /// Что видит учетная запись: все, регион, муниципалитет или одну школу
    #[arg(long, value_enum)]
    pub role: AccountRoleArg,
    /// Название региона или муниципалитета, как в реестре, или ИНН школы
    #[arg(long, value_name = "НАЗВАНИЕ_ИЛИ_ИНН")]
    pub scope: Option<String>,
    /// Пароль (виден в истории команд; без него будет запрошен)
    #[arg(long, value_name = "ПАРОЛЬ")]
    pub password: Option<String>,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum AccountRoleArg {
    Admin,
    Region,
    Municipality,
    School,
}

#[derive(Subcommand, Debug)]
pub enum DbAction {
    /// Скопировать все данные (снимки с происхождением, реестр, цели, письма, чаты, учетные
    /// записи, журнал) в новую пустую базу и сверить число строк каждой таблицы
    Copy {
        /// Откуда: файл SQLite или адрес postgres://…
        #[arg(long, value_name = "ПУТЬ|URL")]
        from: DbLocation,
        /// Куда: новый файл SQLite или пустая база postgres://…
        #[arg(long, value_name = "ПУТЬ|URL")]
        to: DbLocation,
    },
}

#[derive(Subcommand, Debug)]
pub enum SnapshotsAction {
    /// Снова сделать действующим замененный снимок
    Restore {
        /// Номер снимка из `tsos snapshots`
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProfilesAction {
    /// Список профилей (то же без подкоманды)
    List,
    /// Забыть профиль: следующие файлы с его заголовком читаются по словам заголовка
    Remove {
        /// Номер профиля из `tsos profiles`
        id: i64,
    },
}

fn parse_map(arg: &str) -> Result<(String, Meaning), String> {
    Mapping::parse_entry(arg)
}

fn parse_match(arg: &str) -> Result<(String, OrgId), String> {
    let (name, inn) = arg.rsplit_once('=').ok_or_else(|| {
        format!("«{arg}»: ожидается НАЗВАНИЕ=ИНН, например «МБОУ СОШ №5=0512345678»")
    })?;
    let org = OrgId::normalize(inn).ok_or_else(|| format!("«{arg}»: не указан ИНН"))?;
    if name.trim().is_empty() {
        return Err(format!("«{arg}»: не указано название"));
    }
    Ok((name.trim().to_string(), org))
}

#[derive(Subcommand, Debug)]
pub enum TargetsAction {
    /// Задать цель: tsos targets set myschool.teachers 90% --from 2023-09-01 [--level school]
    Set {
        /// платформа.роль: myschool.teachers, sferum.students, …; или показатель счетчика
        /// на 1 педагога либо на 100 обучающихся: myschool.count.lessons.per_teacher,
        /// myschool.count.marks.per_100_students
        indicator: String,
        /// Доля: 90%, 90 или 0.9; показатель счетчика — число: 20 или 12,5
        value: String,
        /// С какой даты действует
        #[arg(long, value_parser = parse_date, value_name = "ДАТА")]
        from: Date,
        /// Только для уровня; без него — для всех уровней
        #[arg(long, value_enum)]
        level: Option<LevelArg>,
    },
    /// Список целей
    List,
    /// Загрузить цели (и полосу допуска) из TOML-файла
    Load { file: PathBuf },
    /// Удалить цель по номеру из списка
    Remove { id: i64 },
    /// Полоса допуска «желтого» статуса, п.п. ниже цели (по умолчанию 10); для показателей
    /// счетчиков — в процентах от цели
    Band { pp: f64 },
}

#[derive(Subcommand, Debug)]
pub enum EventsAction {
    /// Добавить событие: tsos events add --date 01.04.2024 --scope municipality «Буйнакский
    /// район» --platform myschool "Переход на региональный узел «Моя школа»"; или
    /// tsos events add --suggested N
    Add(EventAddArgs),
    /// Список событий
    List {
        /// В формате JSON
        #[arg(long)]
        json: bool,
    },
    /// Удалить событие по номеру из списка
    Remove { id: i64 },
    /// Встроенные предложения федеральных событий; добавляются только командой
    /// tsos events add --suggested N
    Suggest,
}

#[derive(Args, Debug)]
pub struct EventAddArgs {
    /// Дата события
    #[arg(long, value_parser = parse_date, value_name = "ДАТА", required_unless_present = "suggested")]
    pub date: Option<Date>,
    /// Область события: region [РЕГИОН], municipality МУНИЦИПАЛИТЕТ или school ИНН|НАЗВАНИЕ
    /// (регион можно не называть, если он в реестре один)
    #[arg(long, num_args = 1..=2, value_names = ["УРОВЕНЬ", "НАЗВАНИЕ"], required_unless_present = "suggested")]
    pub scope: Vec<String>,
    /// Код платформы (myschool, sferum, …); без него — событие всех платформ
    #[arg(long, value_name = "КОД")]
    pub platform: Option<String>,
    /// Номер встроенного предложения из tsos events suggest
    #[arg(long, value_name = "N", conflicts_with_all = ["date", "platform", "text"])]
    pub suggested: Option<usize>,
    /// Что произошло (до 500 знаков)
    pub text: Option<String>,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum AtRiskFormat {
    Table,
    Csv,
    Xlsx,
}

#[derive(Subcommand, Debug)]
pub enum ChatsAction {
    /// Записать шаблон реестра чатов (XLSX с выпадающими списками и листом «Классы») для
    /// заполнения школой
    Template {
        #[arg(long, value_name = "ФАЙЛ")]
        out: PathBuf,
    },
    /// Импортировать заполненный реестр чатов (с листом «Классы», если он есть) или список
    /// классов (файл со столбцами «ИНН» и «Класс»)
    Import {
        file: PathBuf,
        #[command(flatten)]
        as_of: AsOf,
        /// Читать только этот лист книги (без него — первый лист и лист «Классы»)
        #[arg(long, value_name = "ЛИСТ")]
        sheet: Option<String>,
    },
    /// Показатели чатов: доля на отечественных платформах, открытые иностранные, срок, классы
    /// без официального чата
    Report(ChatsReportArgs),
    /// Закрываемая отечественная платформа: с даты ее чаты считаются «на закрываемой
    /// платформе», их нужно перенести до срока. Без параметров — список заданных:
    /// tsos chats closing --platform sferum_vk --from 01.10.2025 --deadline 31.12.2025
    Closing(ChatsClosingArgs),
}

#[derive(Args, Debug)]
pub struct ChatsClosingArgs {
    /// Код платформы: sferum_vk (Сферум в VK Мессенджере), vk_messenger, max
    #[arg(long, value_name = "КОД")]
    pub platform: Option<String>,
    /// С какой даты чаты платформы считаются на закрываемой платформе
    #[arg(long, value_parser = parse_date, value_name = "ДАТА", requires_all = ["platform", "deadline"])]
    pub from: Option<Date>,
    /// Срок переноса чатов с платформы
    #[arg(long, value_parser = parse_date, value_name = "ДАТА", requires_all = ["platform", "from"])]
    pub deadline: Option<Date>,
    /// Отменить закрытие платформы
    #[arg(long, requires = "platform", conflicts_with_all = ["from", "deadline"])]
    pub remove: bool,
}

#[derive(Args, Debug)]
pub struct ChatsReportArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    /// Срок перехода с иностранных мессенджеров
    #[arg(long, value_parser = parse_date, value_name = "ДАТА")]
    pub deadline: Option<Date>,
    #[arg(long, value_enum, default_value_t = LevelArg::School)]
    pub level: LevelArg,
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    #[arg(long, value_name = "ПУТЬ")]
    pub out: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum AddresseesArg {
    Schools,
    Municipality,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum ScaleArg {
    Region,
    National,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum LevelArg {
    School,
    Municipality,
    Region,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
    /// Приложение: по листу на каждый уровень (нужен --out)
    Xlsx,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

fn parse_date(text: &str) -> Result<Date, String> {
    tsos_domain::parse_cli_date(text).map_err(|err| err.to_string())
}

fn parse_org(text: &str) -> Result<OrgId, String> {
    OrgId::normalize(text).ok_or_else(|| format!("«{text}»: не указан ИНН"))
}
