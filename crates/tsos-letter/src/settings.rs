//! The requisites of the authority's letters, from a TOML file it keeps
//! (`tsos letter --settings FILE`, by default `tsos-letter.toml` where tsos runs), and the mail
//! server its notices go through (`[smtp]`).

use std::path::PathBuf;

use serde::Deserialize;
use thiserror::Error;

#[derive(Debug, Error)]
#[error("файл реквизитов письма: {0}")]
pub struct SettingsError(String);

/// ```toml
/// authority = "МКУ «Управление образования» Буйнакского района"
/// basis = "письмом Министерства образования и науки Республики Дагестан от 12.10.2023 № 06-15798/06-04/23"
/// addressee = "Руководителям общеобразовательных организаций"
/// number_prefix = "01-12/"
/// signatory_position = "Начальник МКУ «Управление образования»"
/// signatory_name = "А. А. Алиев"
/// executor = "Исп. Магомедова З. А., тел. 8 (8722) 00-00-00"
/// cutoff = "20%"
/// notice_template = "уведомление.txt"
///
/// [font]
/// regular = "/usr/local/share/fonts/times.ttf"
/// bold = "/usr/local/share/fonts/timesbd.ttf"
///
/// [smtp]
/// host = "smtp.example.ru"
/// security = "starttls"
/// login = "uo@example.ru"
/// from = "Управление образования <uo@example.ru>"
/// ```
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LetterSettings {
    /// Who writes: the header and the letter's first sentence («… доводит до вашего сведения»).
    pub authority: String,
    /// «В соответствии с …», in the instrumental case.
    pub basis: String,
    /// To whom, when the letter goes to schools.
    pub addressee: String,
    /// To whom, when the letter goes to municipalities.
    pub addressee_municipalities: String,
    /// The outgoing number is this prefix and the letter's sequence number.
    pub number_prefix: String,
    pub signatory_position: String,
    pub signatory_name: String,
    /// «Исп. …, тел. …» at the foot of the letter; none by default.
    pub executor: Option<String>,
    /// A fixed cut-off, «20%»: the template's list `ниже_порога` names the schools whose
    /// share of an indicator is below it, whatever the targets; none by default.
    #[serde(deserialize_with = "cutoff")]
    pub cutoff: Option<f64>,
    /// The wording of the notices to schools, edited from `tsos letter
    /// --print-notice-template`; the built-in one by default. Here rather than an option of
    /// `tsos letter`, since `tsos notices send` and the dashboard make the notices again.
    pub notice_template: Option<PathBuf>,
    /// The mail server notices are sent through; none by default.
    pub smtp: Option<SmtpSettings>,
    /// The font files of the PDF; by default the distribution's Times-metric serif.
    pub font: Option<FontFiles>,
}

/// A font's files for the PDF: TrueType or OpenType, the regular face and optionally the bold.
/// A path is taken as written: relative to the folder tsos runs in.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FontFiles {
    pub regular: PathBuf,
    pub bold: Option<PathBuf>,
}

/// A share written as a target is: «20%», «20 %», «0,2», 20.
fn cutoff<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Number(f64),
    }
    let text = match Written::deserialize(deserializer)? {
        Written::Text(text) => text,
        Written::Number(number) => number.to_string(),
    };
    tsos_domain::targets::parse_value(&text)
        .map(Some)
        .map_err(|err| serde::de::Error::custom(format!("cutoff: {err}")))
}

/// The environment variable the SMTP password is read from.
pub const PASSWORD_VAR: &str = "TSOS_SMTP_PASSWORD";

/// How to reach the mail server. The password is never here: it comes from the environment
/// (`TSOS_SMTP_PASSWORD`), so that the file can be shown, copied and kept beside the letters.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    /// By default the port of the security: 587, 465 or 25.
    pub port: Option<u16>,
    #[serde(default)]
    pub security: Security,
    /// The account to log in with; without it tsos does not log in (a relay that trusts the
    /// sender's address).
    pub login: Option<String>,
    /// The sender: «uo@example.ru» or «Управление образования <uo@example.ru>».
    pub from: String,
    /// A PEM file of one more root certificate to trust, e.g. the Russian national CA's where
    /// the system does not have it.
    pub ca_file: Option<PathBuf>,
    /// Read only to refuse it with a message that says where the password goes.
    #[serde(default, rename = "password")]
    password_in_file: Option<serde::de::IgnoredAny>,
}

/// How the connection to the mail server is protected.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// A plain connection that switches to TLS before anything is said (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine or in a closed network (port 25).
    None,
}

impl SmtpSettings {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        })
    }
}

impl Default for LetterSettings {
    fn default() -> Self {
        LetterSettings {
            authority: "Управление образования".into(),
            basis: "порядком ежемесячного мониторинга использования сервисов цифровой образовательной среды".into(),
            addressee: "Руководителям общеобразовательных организаций".into(),
            addressee_municipalities: "Руководителям органов местного самоуправления, осуществляющих управление в сфере образования".into(),
            number_prefix: String::new(),
            signatory_position: "Начальник".into(),
            signatory_name: "____________________".into(),
            executor: None,
            cutoff: None,
            notice_template: None,
            smtp: None,
            font: None,
        }
    }
}

impl LetterSettings {
    pub fn from_toml(text: &str) -> Result<LetterSettings, SettingsError> {
        let settings: LetterSettings =
            toml::from_str(text).map_err(|err| SettingsError(err.to_string()))?;
        if settings
            .smtp
            .as_ref()
            .is_some_and(|smtp| smtp.password_in_file.is_some())
        {
            return Err(SettingsError(format!(
                "пароль SMTP в файле не хранится: уберите password из [smtp] и задайте его в переменной окружения {PASSWORD_VAR}"
            )));
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_file_keeps_defaults_and_unknown_keys_fail() {
        let settings =
            LetterSettings::from_toml("authority = \"МКУ «УО»\"\nnumber_prefix = \"01-12/\"\n")
                .unwrap();
        assert_eq!(settings.authority, "МКУ «УО»");
        assert_eq!(settings.addressee, LetterSettings::default().addressee);
        let err = LetterSettings::from_toml("autority = \"x\"").unwrap_err();
        assert!(err.to_string().contains("autority"), "{err}");
    }

    #[test]
    fn smtp_table_with_its_defaults() {
        let settings = LetterSettings::from_toml(
            "authority = \"УО\"\n[smtp]\nhost = \"smtp.example.ru\"\nfrom = \"uo@example.ru\"\n",
        )
        .unwrap();
        let smtp = settings.smtp.unwrap();
        assert_eq!(smtp.security, Security::Starttls);
        assert_eq!(smtp.port(), 587);
        assert_eq!(smtp.login, None);
        let smtp = LetterSettings::from_toml(
            "[smtp]\nhost = \"h\"\nfrom = \"f@h.ru\"\nsecurity = \"tls\"\n",
        )
        .unwrap()
        .smtp
        .unwrap();
        assert_eq!(smtp.port(), 465);
        // A password in the file is refused, saying where it goes; so is a security tsos does
        // not know.
        let with = |line: &str| {
            LetterSettings::from_toml(&format!(
                "[smtp]\nhost = \"h\"\nfrom = \"f@h.ru\"\n{line}\n"
            ))
            .unwrap_err()
            .to_string()
        };
        let err = with("password = \"секрет\"");
        assert!(err.contains("TSOS_SMTP_PASSWORD"), "{err}");
        assert!(!err.contains("секрет"), "{err}");
        let err = with("security = \"ssl\"");
        assert!(err.contains("ssl"), "{err}");
        assert!(LetterSettings::default().smtp.is_none());
    }
}
