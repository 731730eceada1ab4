//! Targets, statuses and the gap to target (SPEC §6 "Targets and statuses").
//!
//! A target is set per indicator (`myschool.teachers`), optionally per level, from a date.
//! None is built in except the strategy's aspiration of 100 % for teachers.

use std::fmt;

use jiff::civil::Date;
use serde::Deserialize;
use thiserror::Error;

use crate::level::Level;
use crate::role::Role;

/// `platform.role`, as in `myschool.teachers`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorId {
    pub platform: String,
    pub role: Role,
}

impl IndicatorId {
    pub fn parse(text: &str) -> Result<IndicatorId, TargetError> {
        let invalid = || TargetError::Indicator(text.to_string());
        let (platform, role) = text.trim().split_once('.').ok_or_else(invalid)?;
        let role = Role::from_code(role).ok_or_else(invalid)?;
        if platform.is_empty() {
            return Err(invalid());
        }
        Ok(IndicatorId {
            platform: platform.to_string(),
            role,
        })
    }
}

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.platform, self.role.code())
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum TargetError {
    #[error(
        "показатель «{0}» не распознан: ожидается платформа.роль, например myschool.teachers, sferum.students"
    )]
    Indicator(String),
    #[error("целевое значение «{0}» не распознано: ожидается, например, 90% или 0.9")]
    Value(String),
    #[error("уровень «{0}» не распознан: school, municipality или region")]
    Level(String),
    #[error("дата «{0}» не распознана: ожидается ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")]
    Date(String),
    #[error("файл целей: {0}")]
    Toml(String),
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
    /// How far below the target, in percentage points, is still yellow.
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
        latest(true)
            .or_else(|| latest(false))
            .or_else(|| (indicator.role == Role::Teachers).then_some((1.0, TargetSource::Builtin)))
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
/// ```
pub fn parse_toml(text: &str) -> Result<(Vec<Target>, Option<f64>), TargetError> {
    let file: TargetFile = toml::from_str(text).map_err(|e| TargetError::Toml(e.to_string()))?;
    let mut targets = Vec::new();
    for entry in file.target {
        let value = match &entry.value {
            toml::Value::String(text) => parse_value(text)?,
            toml::Value::Float(f) => parse_value(&f.to_string())?,
            toml::Value::Integer(i) => parse_value(&i.to_string())?,
            other => return Err(TargetError::Value(other.to_string())),
        };
        targets.push(Target {
            indicator: IndicatorId::parse(&entry.indicator)?,
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
    }
}
