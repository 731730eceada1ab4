//! Platforms and their active-user rules (SPEC §4).
//!
//! Platforms are data, not code: a built-in catalogue that a TOML file can extend or
//! override, because platforms come and go (Sferum moved into MAX in 2025; regions run their
//! own e-journals).

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use thiserror::Error;

use crate::dates::months_before;

/// The window in which a last date counts as "active".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The `n` days ending on the date itself: last ≥ D − (n − 1) days.
    Days(u32),
    /// After the same day `n` calendar months earlier: last > D − n months (clamped at month
    /// ends).
    Months(u32),
    /// No window: every account of the role counts, whatever its dates and confirmation
    /// (connected = registered; MAX). Nobody leaves it by date.
    Connected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActiveRule {
    pub window: Window,
    /// The account must be confirmed to count (My School).
    pub requires_confirmed: bool,
}

impl ActiveRule {
    /// Whether every account counts whatever its dates (`connected`): the rule has no window,
    /// so nobody leaves it and there is nothing to forecast.
    pub fn is_connected(&self) -> bool {
        self.window == Window::Connected
    }

    /// The earliest last date that still counts as active at `as_of`; `None` for
    /// `connected`, where every account counts.
    pub fn first_active_day(&self, as_of: Date) -> Option<Date> {
        match self.window {
            Window::Days(days) => Some(as_of - (i64::from(days) - 1).days()),
            Window::Months(months) => Some(months_before(as_of, months) + 1.day()),
            Window::Connected => None,
        }
    }

    /// The last date at which a user whose last date is `last` still counts as active, if
    /// they do not come back: the inverse of [`ActiveRule::first_active_day`]. `None` for
    /// `connected`: such an account never leaves by date.
    pub fn last_active_day(&self, last: Date) -> Option<Date> {
        match self.window {
            Window::Days(days) => Some(last + (i64::from(days) - 1).days()),
            Window::Months(months) => {
                let first = |day| months_before(day, months) + 1.day();
                // Month ends clamp (a last date of 29.02.2024 stays active through 28.02.2025),
                // so step from the estimate to the exact day; the window start only grows.
                let mut day = crate::dates::months_after(last, months) - 1.day();
                while first(day) > last {
                    day -= 1.day();
                }
                while first(day + 1.day()) <= last {
                    day += 1.day();
                }
                Some(day)
            }
            Window::Connected => None,
        }
    }

    /// Whether a user with this confirmation and last date is active at `as_of`. A last date
    /// after `as_of` counts as active (the export was taken after its nominal date); ingestion
    /// reports how many there were.
    pub fn is_active(&self, confirmed: bool, last: Option<Date>, as_of: Date) -> bool {
        self.is_active_from(confirmed, last, self.first_active_day(as_of))
    }

    /// [`ActiveRule::is_active`] with the window's first day already known
    /// ([`ActiveRule::first_active_day`]), for counting millions of users at one date.
    pub fn is_active_from(
        &self,
        confirmed: bool,
        last: Option<Date>,
        first_day: Option<Date>,
    ) -> bool {
        match first_day {
            // `connected`: the account itself is what counts.
            None => true,
            Some(first_day) => {
                (confirmed || !self.requires_confirmed)
                    && last.is_some_and(|last| last >= first_day)
            }
        }
    }

    /// The users the rule counts, in the genitive plural of «доля …» and «… 12 из 20»: a
    /// `connected` rule counts connected accounts, which are not active ones (MAX).
    pub fn counted_ru(&self) -> &'static str {
        if self.is_connected() {
            "подключенных"
        } else {
            "активных"
        }
    }

    /// The definition in words, for letters and reports.
    pub fn describe_ru(&self) -> String {
        let window = match self.window {
            Window::Days(days) => {
                format!("хотя бы один раз авторизовались за последние {days} дней")
            }
            Window::Months(months) => {
                format!("проявляли активность за последние {months} месяцев")
            }
            Window::Connected => {
                "подключены (зарегистрированы) на платформе, независимо от дат входа".to_string()
            }
        };
        if self.requires_confirmed {
            format!("{window} и имеют подтвержденную учетную запись")
        } else {
            window
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// Short code used on the command line and in JSON: `myschool`, `sferum`.
    pub code: String,
    /// Official name: «ФГИС «Моя школа»».
    pub name: String,
    pub rule: ActiveRule,
}

#[derive(Debug, Error)]
pub enum CatalogueError {
    #[error("файл платформ: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("платформа «{code}»: {reason}")]
    Invalid { code: String, reason: String },
}

/// The platforms tsos knows, in display order.
#[derive(Clone, Debug)]
pub struct Catalogue {
    platforms: Vec<Platform>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue::builtin()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default)]
    platform: Vec<PlatformEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformEntry {
    code: String,
    name: String,
    window_days: Option<u32>,
    window_months: Option<u32>,
    #[serde(default)]
    connected: bool,
    #[serde(default)]
    requires_confirmed: bool,
}

impl Catalogue {
    /// FGIS «Моя школа» (confirmed and a login in the 365 days ending on D), ICOP «Сферум»
    /// (activity in the last 12 months), the messenger MAX (connected accounts) and MAX's
    /// second indicator, activity in the last 30 days.
    pub fn builtin() -> Catalogue {
        Catalogue {
            platforms: vec![
                Platform {
                    code: "myschool".into(),
                    name: "ФГИС «Моя школа»".into(),
                    rule: ActiveRule {
                        window: Window::Days(365),
                        requires_confirmed: true,
                    },
                },
                Platform {
                    code: "sferum".into(),
                    name: "ИКОП «Сферум»".into(),
                    rule: ActiveRule {
                        window: Window::Months(12),
                        requires_confirmed: false,
                    },
                },
                // Сферум inside the national messenger since 2025: what authorities are asked
                // is who is connected, by role.
                Platform {
                    code: "max".into(),
                    name: "Мессенджер MAX (Сферум)".into(),
                    rule: ActiveRule {
                        window: Window::Connected,
                        requires_confirmed: false,
                    },
                },
                // The same per-user file of MAX, where it has dates, imported once more as
                // this platform: a snapshot is one rule, so a second indicator is a second
                // platform rather than a special case in every output.
                Platform {
                    code: "max_active".into(),
                    name: "Мессенджер MAX (Сферум), активные за 30 дней".into(),
                    rule: ActiveRule {
                        window: Window::Days(30),
                        requires_confirmed: false,
                    },
                },
            ],
        }
    }

    /// Adds the platforms of a TOML file, replacing built-in ones with the same code:
    ///
    /// ```toml
    /// [[platform]]
    /// code = "journal"
    /// name = "Региональный электронный журнал"
    /// window_months = 1
    /// requires_confirmed = false
    ///
    /// [[platform]]
    /// code = "max"
    /// name = "Мессенджер MAX (Сферум)"
    /// connected = true
    /// ```
    pub fn merge_toml(&mut self, text: &str) -> Result<(), CatalogueError> {
        let file: CatalogueFile = toml::from_str(text)?;
        for entry in file.platform {
            let invalid = |reason: &str| CatalogueError::Invalid {
                code: entry.code.clone(),
                reason: reason.to_string(),
            };
            let valid_code = !entry.code.is_empty()
                && entry
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid_code || entry.code == "registry" {
                return Err(invalid(
                    "код — латинские строчные буквы, цифры и «_», и не «registry»",
                ));
            }
            let window = match (entry.window_days, entry.window_months, entry.connected) {
                (Some(days), None, false) if days > 0 => Window::Days(days),
                (None, Some(months), false) if months > 0 => Window::Months(months),
                (None, None, true) if entry.requires_confirmed => {
                    return Err(invalid(
                        "connected = true учитывает каждую учетную запись: requires_confirmed с ним не задается",
                    ));
                }
                (None, None, true) => Window::Connected,
                _ => {
                    return Err(invalid(
                        "нужно ровно одно из window_days и window_months (больше нуля) или connected = true",
                    ));
                }
            };
            let platform = Platform {
                code: entry.code.clone(),
                name: entry.name,
                rule: ActiveRule {
                    window,
                    requires_confirmed: entry.requires_confirmed,
                },
            };
            match self.platforms.iter_mut().find(|p| p.code == entry.code) {
                Some(existing) => *existing = platform,
                None => self.platforms.push(platform),
            }
        }
        Ok(())
    }

    pub fn get(&self, code: &str) -> Option<&Platform> {
        self.platforms.iter().find(|p| p.code == code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Platform> {
        self.platforms.iter()
    }

    pub fn codes(&self) -> Vec<&str> {
        self.platforms.iter().map(|p| p.code.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn myschool() -> ActiveRule {
        Catalogue::builtin().get("myschool").unwrap().rule
    }

    fn sferum() -> ActiveRule {
        Catalogue::builtin().get("sferum").unwrap().rule
    }

    #[test]
    fn myschool_window_is_the_365_days_ending_on_d() {
        let rule = myschool();
        let d = date(2023, 10, 1);
        // D − 364 days is the 365th day of the window, D − 365 is outside it.
        assert_eq!(rule.first_active_day(d), Some(date(2022, 10, 2)));
        assert!(rule.is_active(true, Some(date(2022, 10, 2)), d));
        assert!(!rule.is_active(true, Some(date(2022, 10, 1)), d));
        assert!(rule.is_active(true, Some(d), d));
    }

    #[test]
    fn myschool_window_across_a_leap_day() {
        let rule = myschool();
        // 2024 is a leap year: 364 days before 2024-03-01 is 2023-03-03.
        let d = date(2024, 3, 1);
        assert_eq!(rule.first_active_day(d), Some(date(2023, 3, 3)));
        assert!(rule.is_active(true, Some(date(2023, 3, 3)), d));
        assert!(!rule.is_active(true, Some(date(2023, 3, 2)), d));
    }

    #[test]
    fn myschool_requires_confirmed_account() {
        let d = date(2023, 10, 1);
        assert!(!myschool().is_active(false, Some(d), d));
    }

    #[test]
    fn no_last_date_is_never_active() {
        let d = date(2023, 10, 1);
        assert!(!myschool().is_active(true, None, d));
        assert!(!sferum().is_active(true, None, d));
    }

    #[test]
    fn future_last_date_counts_as_active() {
        let d = date(2023, 10, 1);
        assert!(myschool().is_active(true, Some(date(2023, 10, 5)), d));
        assert!(sferum().is_active(false, Some(date(2023, 10, 5)), d));
    }

    #[test]
    fn sferum_twelve_months() {
        let rule = sferum();
        let d = date(2023, 10, 1);
        assert_eq!(rule.first_active_day(d), Some(date(2022, 10, 2)));
        assert!(rule.is_active(false, Some(date(2022, 10, 2)), d));
        assert!(!rule.is_active(false, Some(date(2022, 10, 1)), d));
    }

    #[test]
    fn sferum_month_end_clamps_on_29_february() {
        let rule = sferum();
        let d = date(2024, 2, 29);
        // Twelve months before is 2023-02-28 (clamped): active strictly after it.
        assert_eq!(rule.first_active_day(d), Some(date(2023, 3, 1)));
        assert!(rule.is_active(false, Some(date(2023, 3, 1)), d));
        assert!(!rule.is_active(false, Some(date(2023, 2, 28)), d));
    }

    #[test]
    fn sferum_month_end_31st() {
        let rule = sferum();
        // 2023-03-31 minus 12 months is 2022-03-31: active from 2022-04-01.
        let d = date(2023, 3, 31);
        assert_eq!(rule.first_active_day(d), Some(date(2022, 4, 1)));
        // 2024-04-30 minus 12 months is 2023-04-30.
        assert_eq!(
            rule.first_active_day(date(2024, 4, 30)),
            Some(date(2023, 5, 1))
        );
    }

    #[test]
    fn last_active_day_inverts_the_window() {
        // For every last date in two years and both rules, the last active day is active and
        // the day after is not.
        for rule in [myschool(), sferum()] {
            let mut last = date(2023, 1, 1);
            while last < date(2025, 1, 1) {
                let until = rule.last_active_day(last).unwrap();
                assert!(
                    rule.is_active(true, Some(last), until),
                    "{rule:?} {last} {until}"
                );
                assert!(
                    !rule.is_active(true, Some(last), until + 1.day()),
                    "{rule:?} {last} {until}"
                );
                last += 1.day();
            }
        }
        assert_eq!(
            sferum().last_active_day(date(2022, 10, 2)),
            Some(date(2023, 10, 1))
        );
        assert_eq!(
            myschool().last_active_day(date(2022, 10, 2)),
            Some(date(2023, 10, 1))
        );
    }

    #[test]
    fn max_counts_every_connected_account() {
        let max = Catalogue::builtin().get("max").unwrap().rule;
        assert!(max.is_connected());
        let d = date(2025, 11, 10);
        // No dates, an old date, a later one, unconfirmed: all connected.
        assert!(max.is_active(false, None, d));
        assert!(max.is_active(false, Some(date(2020, 1, 1)), d));
        assert!(max.is_active(true, Some(date(2025, 12, 1)), d));
        assert_eq!(max.first_active_day(d), None);
        assert_eq!(max.last_active_day(date(2025, 1, 1)), None);
        assert_eq!(
            max.describe_ru(),
            "подключены (зарегистрированы) на платформе, независимо от дат входа"
        );
        assert!(!myschool().is_connected() && !sferum().is_connected());
        // The second indicator of the same file: the 30 days ending on D.
        let active = Catalogue::builtin().get("max_active").unwrap().rule;
        assert_eq!(active.first_active_day(d), Some(date(2025, 10, 12)));
        assert!(!active.is_active(true, None, d));
    }

    #[test]
    fn toml_connected_rule() {
        let mut catalogue = Catalogue::builtin();
        catalogue
            .merge_toml("[[platform]]\ncode = \"vk\"\nname = \"VK Мессенджер\"\nconnected = true\n")
            .unwrap();
        assert_eq!(catalogue.get("vk").unwrap().rule.window, Window::Connected);
        // Exactly one of the three, and a connected rule asks no confirmation.
        for entry in [
            "connected = true\nwindow_days = 30",
            "connected = true\nwindow_months = 1",
            "connected = false",
            "connected = true\nrequires_confirmed = true",
        ] {
            let err = Catalogue::builtin()
                .merge_toml(&format!(
                    "[[platform]]\ncode = \"x\"\nname = \"x\"\n{entry}\n"
                ))
                .unwrap_err();
            assert!(
                err.to_string().starts_with("платформа «x»: "),
                "{entry}: {err}"
            );
        }
    }

    #[test]
    fn toml_adds_and_overrides() {
        let mut catalogue = Catalogue::builtin();
        catalogue
            .merge_toml(
                r#"
                [[platform]]
                code = "max"
                name = "Мессенджер MAX"
                window_months = 1

                [[platform]]
                code = "sferum"
                name = "Сферум в MAX"
                window_days = 30
                "#,
            )
            .unwrap();
        assert_eq!(
            catalogue.codes(),
            ["myschool", "sferum", "max", "max_active"]
        );
        let max = catalogue.get("max").unwrap();
        assert_eq!(max.rule.window, Window::Months(1));
        assert!(!max.rule.requires_confirmed);
        assert_eq!(
            catalogue.get("sferum").unwrap().rule.window,
            Window::Days(30)
        );
    }

    #[test]
    fn toml_errors_name_the_platform() {
        let mut catalogue = Catalogue::builtin();
        let err = catalogue
            .merge_toml("[[platform]]\ncode = \"max\"\nname = \"MAX\"\n")
            .unwrap_err();
        assert!(err.to_string().contains("max"), "{err}");
        assert!(
            catalogue
                .merge_toml("[[platform]]\ncode = \"MAX!\"\nname = \"x\"\nwindow_days = 1\n")
                .is_err()
        );
        assert!(
            catalogue
                .merge_toml(
                    "[[platform]]\ncode = \"x\"\nname = \"x\"\nwindow_days = 1\ncolour = 1\n"
                )
                .is_err()
        );
    }
}
