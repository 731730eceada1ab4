//! Targets, statuses and the gap to target (SPEC §6 "Targets and statuses").
//!
//! A target is set per indicator (`myschool.teachers`, or a count's rate such as
//! `myschool.count.lessons.per_teacher`), optionally per level, from a date. None is built in
//! except the strategy's aspiration of 100 % for teachers' shares.

use std::fmt;

use jiff::civil::Date;
use serde::Deserialize;
use thiserror::Error;

use crate::level::Level;
use crate::role::Role;

/// What a target is set on: a share of a role (`myschool.teachers`), or a rate of a count of
/// use (`myschool.count.lessons.per_teacher`). A raw count grows with the school, so a target
/// is never on the count itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndicatorId {
    /// `platform.role`: the share of the role's contingent that is active.
    Share { platform: String, role: Role },
    /// `platform.count.name.rate`: a count's rate, `name` as the count is stored (a
    /// [`crate::CountKind`]'s code or a mapped count's normalised header).
    Rate {
        platform: String,
        count: String,
        rate: CountRate,
    },
}

/// The word between the platform and a count's name in a rate's id.
const COUNT_PART: &str = "count.";

impl IndicatorId {
    pub fn parse(text: &str) -> Result<IndicatorId, TargetError> {
        let invalid = || TargetError::Indicator(text.to_string());
        let (platform, rest) = text.trim().split_once('.').ok_or_else(invalid)?;
        if platform.is_empty() {
            return Err(invalid());
        }
        let platform = platform.to_string();
        if let Some(rest) = rest.strip_prefix(COUNT_PART) {
            let (count, rate) = rest.rsplit_once('.').ok_or_else(invalid)?;
            let rate = CountRate::from_code(rate).ok_or_else(invalid)?;
            let count = count.trim();
            if count.is_empty() {
                return Err(invalid());
            }
            return Ok(IndicatorId::Rate {
                platform,
                count: count.to_string(),
                rate,
            });
        }
        let role = Role::from_code(rest).ok_or_else(invalid)?;
        Ok(IndicatorId::Share { platform, role })
    }

    pub fn platform(&self) -> &str {
        match self {
            IndicatorId::Share { platform, .. } | IndicatorId::Rate { platform, .. } => platform,
        }
    }

    /// A target's value for this indicator: a share in 0..1 ([`parse_value`]) or a rate
    /// ([`parse_rate_value`]).
    pub fn parse_value(&self, text: &str) -> Result<f64, TargetError> {
        match self {
            IndicatorId::Share { .. } => parse_value(text),
            IndicatorId::Rate { .. } => parse_rate_value(text),
        }
    }
}

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndicatorId::Share { platform, role } => write!(f, "{platform}.{}", role.code()),
            IndicatorId::Rate {
                platform,
                count,
                rate,
            } => write!(f, "{platform}.{COUNT_PART}{count}.{}", rate.code()),
        }
    }
}

/// The rates of a count of use ([`crate::CountIndicator`]) a target may be set on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CountRate {
    Per100Students,
    PerTeacher,
}

impl CountRate {
    pub const ALL: [CountRate; 2] = [CountRate::Per100Students, CountRate::PerTeacher];

    /// As in the indicator's id and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            CountRate::Per100Students => "per_100_students",
            CountRate::PerTeacher => "per_teacher",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            CountRate::Per100Students => "на 100 обучающихся",
            CountRate::PerTeacher => "на 1 педагога",
        }
    }

    pub fn from_code(code: &str) -> Option<CountRate> {
        CountRate::ALL.into_iter().find(|r| r.code() == code)
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum TargetError {
    #[error(
        "показатель «{0}» не распознан: ожидается платформа.роль, например myschool.teachers, sferum.students, или платформа.count.счетчик.per_teacher либо .per_100_students, например myschool.count.lessons.per_teacher"
    )]
    Indicator(String),
    #[error("целевое значение «{0}» не распознано: ожидается, например, 90% или 0.9")]
    Value(String),
    #[error(
        "целевое значение «{0}» для счетчика не распознано: ожидается положительное число на 1 педагога или на 100 обучающихся, например 20 или 12,5"
    )]
    Rate(String),
    #[error("уровень «{0}» не распознан: school, municipality или region")]
    Level(String),
    #[error("дата «{0}» не распознана: ожидается ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")]
    Date(String),
    #[error("файл целей: {0}")]
    Toml(String),
}

/// Parses a rate's target: a positive number, `20`, `12.5` or `12,5` (not a percent).
pub fn parse_rate_value(text: &str) -> Result<f64, TargetError> {
    let value: f64 = text
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| TargetError::Rate(text.to_string()))?;
    if !value.is_finite() || value <= 0.0 {
        return Err(TargetError::Rate(text.to_string()));
    }
    Ok(value)
}

/// Parses `90%`, `90 %`, `0.9`, `0,9` or `90` (a bare number above 1 is percent).
pub fn parse_value(text: &str) -> Result<f64, TargetError> {
    let invalid = || TargetError::Value(text.to_string());
    let trimmed = text.trim();
    let (number, percent) = match trimmed.strip_suffix('%') {
        Some(number) => (number.trim(), true),
        None => (trimmed, false),
    };
    let value: f64 = number.replace(',', ".").parse().map_err(|_| invalid())?;
    let value = if percent || value > 1.0 {
        value / 100.0
    } else {
        value
    };
    if !(0.0..=1.0).contains(&value) || !value.is_finite() {
        return Err(invalid());
    }
    Ok(value)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub indicator: IndicatorId,
    /// `None`: every level.
    pub level: Option<Level>,
    pub from: Date,
    pub value: f64,
}

/// Where a target came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetSource {
    User,
    /// The strategy's aspiration of 100 % for teachers.
    Builtin,
}

/// Every target set, and the yellow band.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetBook {
    pub targets: Vec<Target>,
    /// How far below the target, in percentage points, is still yellow; for a count's rate,
    /// in percent of the target ([`rate_status`]).
    pub yellow_band_pp: f64,
}

pub const DEFAULT_YELLOW_BAND_PP: f64 = 10.0;

impl Default for TargetBook {
    fn default() -> Self {
        TargetBook {
            targets: Vec::new(),
            yellow_band_pp: DEFAULT_YELLOW_BAND_PP,
        }
    }
}

impl TargetBook {
    /// The target in force for `indicator` at `level` on `date`: the latest set on or before
    /// the date for that level, else for every level, else the built-in one.
    pub fn target_for(
        &self,
        indicator: &IndicatorId,
        level: Level,
        date: Date,
    ) -> Option<(f64, TargetSource)> {
        let latest = |exact: bool| {
            self.targets
                .iter()
                .filter(|t| &t.indicator == indicator && t.from <= date)
                .filter(|t| {
                    if exact {
                        t.level == Some(level)
                    } else {
                        t.level.is_none()
                    }
                })
                .max_by_key(|t| t.from)
                .map(|t| (t.value, TargetSource::User))
        };
        latest(true).or_else(|| latest(false)).or_else(|| {
            matches!(
                indicator,
                IndicatorId::Share {
                    role: Role::Teachers,
                    ..
                }
            )
            .then_some((1.0, TargetSource::Builtin))
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    yellow_band_pp: Option<f64>,
    #[serde(default)]
    target: Vec<TargetEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetEntry {
    indicator: String,
    value: toml::Value,
    from: String,
    level: Option<String>,
}

/// Reads a TOML file of targets:
///
/// ```toml
/// yellow_band_pp = 10
///
/// [[target]]
/// indicator = "myschool.teachers"
/// value = "90%"          # or 0.9
/// from = "2023-09-01"
/// level = "school"       # optional: every level when absent
///
/// [[target]]
/// indicator = "myschool.count.lessons.per_teacher"
/// value = 20             # a rate: a positive number, not a percent
/// from = "2023-09-01"
/// ```
pub fn parse_toml(text: &str) -> Result<(Vec<Target>, Option<f64>), TargetError> {
    let file: TargetFile = toml::from_str(text).map_err(|e| TargetError::Toml(e.to_string()))?;
    let mut targets = Vec::new();
    for entry in file.target {
        let indicator = IndicatorId::parse(&entry.indicator)?;
        let value = match &entry.value {
            toml::Value::String(text) => indicator.parse_value(text)?,
            toml::Value::Float(f) => indicator.parse_value(&f.to_string())?,
            toml::Value::Integer(i) => indicator.parse_value(&i.to_string())?,
            other => return Err(TargetError::Value(other.to_string())),
        };
        targets.push(Target {
            indicator,
            level: entry.level.as_deref().map(parse_level).transpose()?,
            from: crate::dates::parse_cli_date(&entry.from)
                .map_err(|_| TargetError::Date(entry.from.clone()))?,
            value,
        });
    }
    Ok((targets, file.yellow_band_pp))
}

pub fn parse_level(text: &str) -> Result<Level, TargetError> {
    Level::from_code(text.trim()).ok_or_else(|| TargetError::Level(text.to_string()))
}

/// The traffic light of a share against its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Status {
    Green,
    Yellow,
    Red,
    #[default]
    None,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Yellow => "yellow",
            Status::Red => "red",
            Status::None => "none",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            Status::Green => "достигнуто",
            Status::Yellow => "близко к цели",
            Status::Red => "ниже цели",
            Status::None => "нет цели",
        }
    }
}

/// Shares and targets are compared after rounding away float noise: 0.9 must meet a target
/// of 90 % even when computed as 0.8999999999999999.
const EPSILON: f64 = 1e-9;

/// Green at or above the target; yellow within `band_pp` percentage points below; red below
/// that; none without a target or a share.
pub fn status(share: Option<f64>, target: Option<f64>, band_pp: f64) -> Status {
    match (share, target) {
        (Some(share), Some(target)) if share + EPSILON >= target => Status::Green,
        (Some(share), Some(target)) if share + EPSILON >= target - band_pp / 100.0 => {
            Status::Yellow
        }
        (Some(_), Some(_)) => Status::Red,
        _ => Status::None,
    }
}

/// The traffic light of a count's rate against its target: green at or above the target;
/// yellow when `rate ≥ target × (1 − band_pp / 100)` — the same band as the shares', read here
/// as percent of the target, since a rate has no percentage points; red below that; none
/// without a target or a rate.
pub fn rate_status(rate: Option<f64>, target: Option<f64>, band_pp: f64) -> Status {
    match (rate, target) {
        (Some(rate), Some(target)) if rate + EPSILON >= target => Status::Green,
        (Some(rate), Some(target)) if rate + EPSILON >= target * (1.0 - band_pp / 100.0) => {
            Status::Yellow
        }
        (Some(_), Some(_)) => Status::Red,
        _ => Status::None,
    }
}

/// A target in force on a count's rate, and where the rate stands against it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateTarget {
    pub target: f64,
    pub status: Status,
}

/// How many more active users reach the target: `ceil(target × contingent) − active`, at
/// least 0. `None` without a target, a known contingent or a known active count.
pub fn gap(target: Option<f64>, contingent: Option<u64>, active: Option<u64>) -> Option<u64> {
    let (target, contingent, active) = (target?, contingent?, active?);
    let needed = (target * contingent as f64 - EPSILON).ceil().max(0.0) as u64;
    Some(needed.saturating_sub(active))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn values_in_percent_or_fraction() {
        assert_eq!(parse_value("90%"), Ok(0.9));
        assert_eq!(parse_value("90 %"), Ok(0.9));
        assert_eq!(parse_value("0.9"), Ok(0.9));
        assert_eq!(parse_value("0,9"), Ok(0.9));
        assert_eq!(parse_value("90"), Ok(0.9));
        assert_eq!(parse_value("1"), Ok(1.0));
        assert!(parse_value("120%").is_err());
        assert!(parse_value("много").is_err());
    }

    #[test]
    fn status_at_the_band_edges() {
        let band = 10.0;
        assert_eq!(status(Some(0.9), Some(0.9), band), Status::Green);
        assert_eq!(
            status(Some(0.1 * 9.0), Some(0.9), band),
            Status::Green,
            "float noise"
        );
        assert_eq!(status(Some(0.8999), Some(0.9), band), Status::Yellow);
        assert_eq!(
            status(Some(0.8), Some(0.9), band),
            Status::Yellow,
            "exactly 10 p.p. below"
        );
        assert_eq!(status(Some(0.7999), Some(0.9), band), Status::Red);
        assert_eq!(status(Some(0.85), Some(0.9), 5.0), Status::Yellow);
        assert_eq!(status(Some(0.8499), Some(0.9), 5.0), Status::Red);
        assert_eq!(status(None, Some(0.9), band), Status::None);
        assert_eq!(status(Some(0.5), None, band), Status::None);
    }

    #[test]
    fn ids_of_shares_and_of_rates_round_trip() {
        // Targets stored before rates existed keep their text and their meaning.
        for text in ["myschool.teachers", "sferum.students", "max.parents"] {
            let id = IndicatorId::parse(text).unwrap();
            assert!(matches!(id, IndicatorId::Share { .. }), "{text}");
            assert_eq!(id.to_string(), text);
        }
        assert_eq!(
            IndicatorId::parse(" myschool.count.lessons.per_teacher ").unwrap(),
            IndicatorId::Rate {
                platform: "myschool".into(),
                count: "lessons".into(),
                rate: CountRate::PerTeacher,
            }
        );
        // A mapped count's name is its normalised header: words, spaces between.
        for text in [
            "myschool.count.lessons.per_teacher",
            "sferum.count.вебинаров проведено.per_100_students",
        ] {
            let id = IndicatorId::parse(text).unwrap();
            assert!(matches!(id, IndicatorId::Rate { .. }), "{text}");
            assert_eq!(id.to_string(), text);
            assert_eq!(IndicatorId::parse(&id.to_string()), Ok(id));
        }
        for bad in [
            "myschool.count.lessons",
            "myschool.count.lessons.per_student",
            "myschool.count..per_teacher",
            "myschool.count.per_teacher",
            ".count.lessons.per_teacher",
            "myschool.lessons",
        ] {
            let err = IndicatorId::parse(bad).unwrap_err();
            assert_eq!(err, TargetError::Indicator(bad.into()));
            assert!(
                err.to_string()
                    .contains("myschool.count.lessons.per_teacher"),
                "the message shows the rate's form: {err}"
            );
        }
    }

    #[test]
    fn a_rate_s_value_is_a_positive_number_not_a_percent() {
        let rate = IndicatorId::parse("myschool.count.lessons.per_teacher").unwrap();
        let share = IndicatorId::parse("myschool.teachers").unwrap();
        assert_eq!(rate.parse_value("20"), Ok(20.0));
        assert_eq!(rate.parse_value("12,5"), Ok(12.5));
        assert_eq!(rate.parse_value(" 0.5 "), Ok(0.5));
        // The same text is a share's fraction: 20 → 20 %.
        assert_eq!(share.parse_value("20"), Ok(0.2));
        for bad in ["0", "-3", "20%", "много", "inf"] {
            let err = rate.parse_value(bad).unwrap_err();
            assert_eq!(err, TargetError::Rate(bad.into()));
            assert!(err.to_string().contains("например 20 или 12,5"), "{err}");
        }
    }

    #[test]
    fn a_rate_s_status_at_the_band_edges() {
        // The band of 10 is 10 % of the target for a rate: yellow down to 18 of 20.
        let band = 10.0;
        assert_eq!(rate_status(Some(20.0), Some(20.0), band), Status::Green);
        assert_eq!(rate_status(Some(25.0), Some(20.0), band), Status::Green);
        assert_eq!(
            rate_status(Some(0.1 * 3.0), Some(0.3), band),
            Status::Green,
            "float noise"
        );
        assert_eq!(rate_status(Some(19.99), Some(20.0), band), Status::Yellow);
        assert_eq!(
            rate_status(Some(18.0), Some(20.0), band),
            Status::Yellow,
            "exactly 10 % of the target below"
        );
        assert_eq!(rate_status(Some(17.99), Some(20.0), band), Status::Red);
        assert_eq!(rate_status(Some(19.0), Some(20.0), 5.0), Status::Yellow);
        assert_eq!(rate_status(Some(18.99), Some(20.0), 5.0), Status::Red);
        assert_eq!(rate_status(None, Some(20.0), band), Status::None);
        assert_eq!(rate_status(Some(3.0), None, band), Status::None);
    }

    #[test]
    fn a_rate_s_target_by_level_and_never_built_in() {
        let lessons = IndicatorId::parse("myschool.count.lessons.per_teacher").unwrap();
        let marks = IndicatorId::parse("myschool.count.marks.per_teacher").unwrap();
        let per_100 = IndicatorId::parse("myschool.count.lessons.per_100_students").unwrap();
        let book = TargetBook {
            targets: vec![
                Target {
                    indicator: lessons.clone(),
                    level: None,
                    from: date(2023, 9, 1),
                    value: 20.0,
                },
                Target {
                    indicator: lessons.clone(),
                    level: Some(Level::Municipality),
                    from: date(2023, 9, 1),
                    value: 15.0,
                },
            ],
            yellow_band_pp: 10.0,
        };
        let at = |id, level| book.target_for(id, level, date(2023, 10, 1));
        assert_eq!(
            at(&lessons, Level::School),
            Some((20.0, TargetSource::User))
        );
        assert_eq!(at(&lessons, Level::Municipality).map(|t| t.0), Some(15.0));
        assert_eq!(at(&lessons, Level::Region).map(|t| t.0), Some(20.0));
        assert_eq!(
            book.target_for(&lessons, Level::School, date(2023, 8, 31)),
            None
        );
        // Another count, or the other rate of the same count, has none of its own.
        assert_eq!(at(&marks, Level::School), None);
        assert_eq!(at(&per_100, Level::School), None);
    }

    #[test]
    fn gap_rounds_up_and_never_goes_negative() {
        assert_eq!(gap(Some(0.9), Some(57), Some(46)), Some(6)); // ceil(51.3) = 52
        assert_eq!(gap(Some(0.7), Some(10), Some(0)), Some(7)); // 0.7 × 10 is 7.000000000000001
        assert_eq!(gap(Some(0.9), Some(57), Some(60)), Some(0));
        assert_eq!(gap(Some(0.9), Some(0), Some(3)), Some(0));
        assert_eq!(gap(Some(0.9), None, Some(3)), None);
        assert_eq!(gap(None, Some(10), Some(3)), None);
        assert_eq!(gap(Some(0.9), Some(10), None), None, "active unknown");
    }

    #[test]
    fn target_resolution_by_level_and_date() {
        let teachers = IndicatorId::parse("myschool.teachers").unwrap();
        let students = IndicatorId::parse("myschool.students").unwrap();
        let book = TargetBook {
            targets: vec![
                Target {
                    indicator: students.clone(),
                    level: None,
                    from: date(2023, 9, 1),
                    value: 0.1,
                },
                Target {
                    indicator: students.clone(),
                    level: None,
                    from: date(2024, 9, 1),
                    value: 0.3,
                },
                Target {
                    indicator: students.clone(),
                    level: Some(Level::Region),
                    from: date(2023, 1, 1),
                    value: 0.2,
                },
            ],
            yellow_band_pp: 10.0,
        };
        let at = |level, d| book.target_for(&students, level, d).map(|(v, _)| v);
        assert_eq!(at(Level::School, date(2023, 8, 31)), None);
        assert_eq!(at(Level::School, date(2023, 9, 1)), Some(0.1));
        assert_eq!(at(Level::School, date(2024, 9, 1)), Some(0.3));
        assert_eq!(
            at(Level::Region, date(2024, 9, 1)),
            Some(0.2),
            "the level's own target wins"
        );
        assert_eq!(
            book.target_for(&teachers, Level::School, date(2023, 10, 1)),
            Some((1.0, TargetSource::Builtin))
        );
    }

    #[test]
    fn toml_targets() {
        let (targets, band) = parse_toml(
            r#"
            yellow_band_pp = 5
            [[target]]
            indicator = "sferum.students"
            value = "30%"
            from = "01.09.2023"
            [[target]]
            indicator = "myschool.teachers"
            value = 0.95
            from = "2023-09-01"
            level = "school"
            "#,
        )
        .unwrap();
        assert_eq!(band, Some(5.0));
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0].value, 0.3);
        assert_eq!(targets[1].level, Some(Level::School));
        assert!(
            parse_toml(
                "[[target]]\nindicator = \"sferum.pupils\"\nvalue = 1\nfrom = \"2023-09-01\"\n"
            )
            .is_err()
        );
        // A rate's value in the file is a number of the rate, not a percent.
        let (targets, _) = parse_toml(
            "[[target]]\nindicator = \"myschool.count.lessons.per_teacher\"\nvalue = 20\nfrom = \"2023-09-01\"\n[[target]]\nindicator = \"myschool.count.marks.per_100_students\"\nvalue = \"12,5\"\nfrom = \"2023-09-01\"\n",
        )
        .unwrap();
        assert_eq!(
            targets.iter().map(|t| t.value).collect::<Vec<_>>(),
            [20.0, 12.5]
        );
        assert_eq!(
            parse_toml(
                "[[target]]\nindicator = \"myschool.count.lessons.per_teacher\"\nvalue = \"90%\"\nfrom = \"2023-09-01\"\n"
            ),
            Err(TargetError::Rate("90%".into()))
        );
    }
}
