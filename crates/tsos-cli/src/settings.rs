//! The settings file: `/etc/tsos/tsos.toml` on a server, or the file `--config` names. It
//! holds what a command-line flag or an environment variable would give, so that the service
//! and the administrator's commands agree on the database without repeating it. A flag or an
//! environment variable overrides the file, and the file overrides the built-in default. Every
//! key is described in `docs/settings.md`.

use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use tracing_subscriber::filter::LevelFilter;
use tsos_store::DbLocation;

use crate::cli::{DEFAULT_ADDRESS, LogFormat, ServeArgs};

/// Read when it exists and `--config` names no other file.
pub const DEFAULT_PATH: &str = "/etc/tsos/tsos.toml";

/// The time zone tsos counts «today» in (`tsos_app::today`), the only one it accepts.
const TIME_ZONE: &str = "Europe/Moscow";

/// The keys of the file and what each expects, for the messages about them.
const KEYS: [(&str, &str); 10] = [
    (
        "address",
        "адрес и порт в кавычках, например \"127.0.0.1:8080\"",
    ),
    (
        "database",
        "путь к файлу базы данных SQLite или адрес postgres://… в кавычках",
    ),
    (
        "key_file",
        "путь к файлу секретного ключа потоков пользователей в кавычках",
    ),
    ("platforms", "путь к TOML-файлу платформ в кавычках"),
    (
        "letter_settings",
        "путь к TOML-файлу реквизитов писем в кавычках",
    ),
    (
        "log_level",
        "\"error\", \"warn\", \"info\", \"debug\", \"trace\" или \"off\"",
    ),
    ("log_format", "\"text\" или \"json\""),
    (
        "time_zone",
        "\"Europe/Moscow\": tsos пока считает даты только по московскому времени",
    ),
    ("max_upload_mb", "целое число мегабайт, не меньше 1"),
    ("upload_dir", "путь к папке в кавычках"),
];

/// What the file says; a key it does not set is `None`.
#[derive(Debug, Default, PartialEq)]
pub struct Settings {
    pub address: Option<SocketAddr>,
    pub database: Option<DbLocation>,
    pub key_file: Option<PathBuf>,
    pub platforms: Option<PathBuf>,
    pub letter_settings: Option<PathBuf>,
    pub log_level: Option<LevelFilter>,
    pub log_format: Option<LogFormat>,
    pub max_upload_mb: Option<u64>,
    pub upload_dir: Option<PathBuf>,
}

/// The file as written. Values that need checking keep their place, so that a message can
/// name the line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    address: Option<Spanned<String>>,
    database: Option<Spanned<PathBuf>>,
    key_file: Option<Spanned<PathBuf>>,
    platforms: Option<Spanned<PathBuf>>,
    letter_settings: Option<Spanned<PathBuf>>,
    log_level: Option<Spanned<String>>,
    log_format: Option<Spanned<String>>,
    time_zone: Option<Spanned<String>>,
    max_upload_mb: Option<Spanned<i64>>,
    upload_dir: Option<Spanned<PathBuf>>,
}

/// What `tsos serve` runs with, each setting taken by precedence.
#[derive(Debug, PartialEq)]
pub struct Serve {
    pub address: SocketAddr,
    pub max_upload_mb: u64,
    pub upload_dir: Option<PathBuf>,
    pub log_level: LevelFilter,
    pub log_format: LogFormat,
}

impl Settings {
    /// The file `given` (missing is an error), else [`DEFAULT_PATH`] if it exists, else none.
    pub fn load(given: Option<&Path>) -> Result<Settings, SettingsError> {
        Settings::load_from(given, Path::new(DEFAULT_PATH))
    }

    fn load_from(given: Option<&Path>, default: &Path) -> Result<Settings, SettingsError> {
        let path = match given {
            Some(path) => path,
            None if default.exists() => default,
            None => return Ok(Settings::default()),
        };
        let text = std::fs::read_to_string(path).map_err(|err| SettingsError {
            file: path.to_path_buf(),
            line: None,
            key: None,
            reason: match err.kind() {
                std::io::ErrorKind::NotFound => "файл не найден".to_string(),
                std::io::ErrorKind::PermissionDenied => "нет прав на чтение файла".to_string(),
                _ => format!("не удалось прочитать файл: {err}"),
            },
        })?;
        Settings::parse(path, &text)
    }

    /// Reads the text of the file `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Settings, SettingsError> {
        let error = |span: Range<usize>, key: &str, reason: String| SettingsError {
            file: path.to_path_buf(),
            line: Some(line_of(text, span.start)),
            key: Some(key.to_string()),
            reason,
        };
        let file: File = toml::from_str(text).map_err(|err| toml_error(path, text, &err))?;
        let address = match file.address {
            Some(value) => Some(value.get_ref().parse().map_err(|_| {
                error(
                    value.span(),
                    "address",
                    expected("address", &text[value.span()]),
                )
            })?),
            None => None,
        };
        let log_level = match file.log_level {
            Some(value) => Some(parse_level(value.get_ref()).ok_or_else(|| {
                error(
                    value.span(),
                    "log_level",
                    expected("log_level", &text[value.span()]),
                )
            })?),
            None => None,
        };
        let log_format = match file.log_format {
            Some(value) => Some(LogFormat::from_code(value.get_ref()).ok_or_else(|| {
                error(
                    value.span(),
                    "log_format",
                    expected("log_format", &text[value.span()]),
                )
            })?),
            None => None,
        };
        if let Some(value) = file.time_zone
            && value.get_ref() != TIME_ZONE
        {
            return Err(error(
                value.span(),
                "time_zone",
                expected("time_zone", &text[value.span()]),
            ));
        }
        let max_upload_mb = match file.max_upload_mb {
            Some(value) => Some(
                u64::try_from(*value.get_ref())
                    .ok()
                    .filter(|mb| *mb >= 1)
                    .ok_or_else(|| {
                        error(
                            value.span(),
                            "max_upload_mb",
                            expected("max_upload_mb", &text[value.span()]),
                        )
                    })?,
            ),
            None => None,
        };
        let path_of = |value: Option<Spanned<PathBuf>>, key: &str| match value {
            Some(value) if value.get_ref().as_os_str().is_empty() => Err(error(
                value.span(),
                key,
                format!("пустой путь; ожидается {}", expectation(key)),
            )),
            Some(value) => Ok(Some(value.into_inner())),
            None => Ok(None),
        };
        Ok(Settings {
            address,
            database: path_of(file.database, "database")?
                .map(|path| DbLocation::parse(&path.to_string_lossy())),
            key_file: path_of(file.key_file, "key_file")?,
            platforms: path_of(file.platforms, "platforms")?,
            letter_settings: path_of(file.letter_settings, "letter_settings")?,
            log_level,
            log_format,
            max_upload_mb,
            upload_dir: path_of(file.upload_dir, "upload_dir")?,
        })
    }

    /// The server's settings: the flags and environment variables of `tsos serve` (which clap
    /// has already merged, the flag first), else this file, else the defaults. The log level's
    /// environment variable, `RUST_LOG`, is read later by the logger and wins over this one.
    pub fn serve(&self, args: ServeArgs) -> Serve {
        Serve {
            address: args.addr.or(self.address).unwrap_or(DEFAULT_ADDRESS),
            max_upload_mb: args
                .max_upload_mb
                .or(self.max_upload_mb)
                .unwrap_or(tsos_web::DEFAULT_MAX_UPLOAD_MB),
            upload_dir: args.upload_dir.or_else(|| self.upload_dir.clone()),
            log_level: self.log_level.unwrap_or(LevelFilter::INFO),
            log_format: args
                .log_format
                .or(self.log_format)
                .unwrap_or(LogFormat::Text),
        }
    }
}

/// The names `log_level` accepts: tracing's levels, lower-case, as `RUST_LOG` writes them.
fn parse_level(text: &str) -> Option<LevelFilter> {
    Some(match text {
        "off" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        _ => return None,
    })
}

fn expectation(key: &str) -> &'static str {
    KEYS.iter()
        .find(|(name, _)| *name == key)
        .map_or("другое значение", |(_, expects)| expects)
}

fn expected(key: &str, written: &str) -> String {
    format!("ожидается {}, а записано {written}", expectation(key))
}

/// The 1-based line of the byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

/// A message of the TOML reader in Russian. serde's and toml's own messages are English, so
/// the two a person makes most, a misspelt key and a value of the wrong type, are told anew
/// from the place the reader points at; any other is a TOML syntax error, kept as it is.
fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> SettingsError {
    let span = err.span();
    let line = span.as_ref().map(|span| line_of(text, span.start));
    let message = err.message();
    let mut error = SettingsError {
        file: path.to_path_buf(),
        line,
        key: None,
        reason: format!("ошибка в записи TOML: {message}"),
    };
    if let Some(unknown) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
    {
        error.key = Some(unknown.to_string());
        error.reason = format!(
            "неизвестный ключ; допустимые ключи: {}",
            KEYS.map(|(key, _)| key).join(", ")
        );
    } else if let Some(span) = span
        .filter(|_| message.starts_with("invalid type: ") || message.starts_with("invalid value: "))
        && let Some(key) = key_on_line(text, span.start)
        && let Some(written) = text.get(span)
    {
        error.reason = expected(key, written.trim());
        error.key = Some(key.to_string());
    }
    error
}

/// The key assigned on the line of the byte `offset`, if the line assigns a known one.
fn key_on_line(text: &str, offset: usize) -> Option<&'static str> {
    let start = text
        .get(..offset)?
        .rfind('\n')
        .map_or(0, |newline| newline + 1);
    let (key, _) = text[start..].split_once('=')?;
    let key = key.trim().trim_matches(['"', '\'']);
    KEYS.iter().map(|(name, _)| *name).find(|name| *name == key)
}

/// A settings file that cannot be used: which file, where and why.
#[derive(Debug)]
pub struct SettingsError {
    file: PathBuf,
    line: Option<usize>,
    key: Option<String>,
    reason: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "файл настроек {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ", строка {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ", ключ «{key}»")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for SettingsError {}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(text: &str) -> Result<Settings, String> {
        Settings::parse(Path::new("/etc/tsos/tsos.toml"), text).map_err(|err| err.to_string())
    }

    fn serve_args(args: &[&str]) -> ServeArgs {
        let cli = Cli::try_parse_from(["tsos", "serve"].iter().chain(args)).unwrap();
        match cli.command {
            Command::Serve(args) => args,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_every_key() {
        let settings = parse(
            r#"
address = "0.0.0.0:9000"
database = "/var/lib/tsos/tsos.db"
key_file = "/etc/tsos/flows.key"
platforms = "/etc/tsos/platforms.toml"
letter_settings = "/etc/tsos/tsos-letter.toml"
log_level = "warn"
log_format = "json"
time_zone = "Europe/Moscow"
max_upload_mb = 512
upload_dir = "/var/lib/tsos"
"#,
        )
        .unwrap();
        assert_eq!(
            settings,
            Settings {
                address: Some("0.0.0.0:9000".parse().unwrap()),
                database: Some("/var/lib/tsos/tsos.db".into()),
                key_file: Some("/etc/tsos/flows.key".into()),
                platforms: Some("/etc/tsos/platforms.toml".into()),
                letter_settings: Some("/etc/tsos/tsos-letter.toml".into()),
                log_level: Some(LevelFilter::WARN),
                log_format: Some(LogFormat::Json),
                max_upload_mb: Some(512),
                upload_dir: Some("/var/lib/tsos".into()),
            }
        );
        assert_eq!(parse("# nothing set\n").unwrap(), Settings::default());
    }

    /// The sample the package installs is valid and sets what the service needs.
    #[test]
    fn the_packaged_sample_is_valid() {
        let settings = parse(include_str!("../../../packaging/tsos.toml")).unwrap();
        assert_eq!(settings.database, Some("/var/lib/tsos/tsos.db".into()));
        assert_eq!(settings.address, Some(DEFAULT_ADDRESS));
    }

    /// docs/settings.md is the one place every key is described.
    #[test]
    fn every_key_is_documented() {
        let docs = include_str!("../../../docs/settings.md");
        for (key, _) in KEYS {
            assert!(
                docs.contains(&format!("`{key}`")),
                "{key} is not in docs/settings.md"
            );
        }
    }

    #[test]
    fn a_flag_or_its_variable_wins_over_the_file_and_the_file_over_the_default() {
        let file = parse(
            "address = \"127.0.0.2:9000\"\nmax_upload_mb = 16\nupload_dir = \"/srv/uploads\"\nlog_level = \"debug\"\nlog_format = \"json\"\n",
        )
        .unwrap();
        let given = serve_args(&[
            "--addr",
            "127.0.0.3:9001",
            "--max-upload-mb",
            "32",
            "--upload-dir",
            "/tmp/up",
            "--log-format",
            "text",
        ]);
        assert_eq!(
            file.serve(given),
            Serve {
                address: "127.0.0.3:9001".parse().unwrap(),
                max_upload_mb: 32,
                upload_dir: Some("/tmp/up".into()),
                log_level: LevelFilter::DEBUG,
                log_format: LogFormat::Text,
            }
        );
        assert_eq!(
            file.serve(serve_args(&[])),
            Serve {
                address: "127.0.0.2:9000".parse().unwrap(),
                max_upload_mb: 16,
                upload_dir: Some("/srv/uploads".into()),
                log_level: LevelFilter::DEBUG,
                log_format: LogFormat::Json,
            }
        );
        assert_eq!(
            Settings::default().serve(serve_args(&[])),
            Serve {
                address: DEFAULT_ADDRESS,
                max_upload_mb: tsos_web::DEFAULT_MAX_UPLOAD_MB,
                upload_dir: None,
                log_level: LevelFilter::INFO,
                log_format: LogFormat::Text,
            }
        );
    }

    #[test]
    fn a_misspelt_key_is_an_error_with_its_line() {
        let err = parse("database = \"tsos.db\"\n\nadress = \"0.0.0.0:8080\"\n").unwrap_err();
        assert_eq!(
            err,
            "файл настроек /etc/tsos/tsos.toml, строка 3, ключ «adress»: неизвестный ключ; \
             допустимые ключи: address, database, key_file, platforms, letter_settings, \
             log_level, log_format, time_zone, max_upload_mb, upload_dir"
        );
        let err = parse("[serve]\naddress = \"0.0.0.0:8080\"\n").unwrap_err();
        assert!(
            err.contains("строка 1, ключ «serve»: неизвестный ключ"),
            "{err}"
        );
    }

    #[test]
    fn a_value_of_the_wrong_kind_names_its_key_and_what_is_expected() {
        let err = parse("\naddress = 8080\n").unwrap_err();
        assert_eq!(
            err,
            "файл настроек /etc/tsos/tsos.toml, строка 2, ключ «address»: ожидается адрес и \
             порт в кавычках, например \"127.0.0.1:8080\", а записано 8080"
        );
        let err = parse("address = \"localhost\"\n").unwrap_err();
        assert!(
            err.contains("строка 1, ключ «address»: ожидается адрес и порт")
                && err.ends_with("а записано \"localhost\""),
            "{err}"
        );
        let err = parse("max_upload_mb = \"256\"\n").unwrap_err();
        assert!(
            err.contains("ключ «max_upload_mb»: ожидается целое число мегабайт"),
            "{err}"
        );
        let err = parse("max_upload_mb = 0\n").unwrap_err();
        assert!(err.contains("ключ «max_upload_mb»"), "{err}");
        let err = parse("database = \"\"\n").unwrap_err();
        assert!(err.contains("ключ «database»: пустой путь"), "{err}");
        let err = parse("log_level = \"verbose\"\n").unwrap_err();
        assert!(
            err.contains("ключ «log_level»: ожидается \"error\", \"warn\""),
            "{err}"
        );
    }

    /// tsos counts dates in Moscow time; another zone is refused rather than ignored.
    #[test]
    fn only_moscow_time_is_accepted() {
        assert!(parse("time_zone = \"Europe/Moscow\"\n").is_ok());
        let err = parse("time_zone = \"Asia/Yekaterinburg\"\n").unwrap_err();
        assert!(
            err.contains("ключ «time_zone»: ожидается \"Europe/Moscow\": tsos пока считает даты только по московскому времени"),
            "{err}"
        );
    }

    #[test]
    fn broken_toml_names_the_line() {
        let err = parse("database = \"tsos.db\"\naddress = \"127.0.0.1:8080\n").unwrap_err();
        assert!(
            err.starts_with("файл настроек /etc/tsos/tsos.toml, строка 2: ошибка в записи TOML"),
            "{err}"
        );
    }

    #[test]
    fn a_named_file_must_exist_and_the_default_may_not() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("tsos.toml");
        assert_eq!(
            Settings::load_from(None, &missing).unwrap(),
            Settings::default()
        );
        let err = Settings::load_from(Some(&missing), Path::new(DEFAULT_PATH)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("файл настроек {}: файл не найден", missing.display())
        );
        std::fs::write(&missing, "upload_dir = \"/srv\"\n").unwrap();
        assert_eq!(
            Settings::load_from(None, &missing).unwrap().upload_dir,
            Some("/srv".into())
        );
    }
}
