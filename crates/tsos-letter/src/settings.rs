//! The requisites of the authority's letters, from a TOML file it keeps
//! (`tsos letter --settings FILE`, by default `tsos-letter.toml` where tsos runs).

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
        }
    }
}

impl LetterSettings {
    pub fn from_toml(text: &str) -> Result<LetterSettings, SettingsError> {
        toml::from_str(text).map_err(|err| SettingsError(err.to_string()))
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
}
