//! Targets as a person sets them on the dashboard's «Цели»: the indicator checked against the
//! platform catalogue, the value read as the indicator takes it (a share in percent, a count's
//! rate as a number), the target stored with its line in the audit log; and removed.

use thiserror::Error;
use tsos_domain::targets::{IndicatorId, TargetError, parse_level};
use tsos_domain::{Catalogue, Target, parse_cli_date};
use tsos_store::{Store, StoreError};

/// The audit log's action for a target set (the dashboard's audit page titles it).
pub const AUDIT_SET: &str = "target_set";
/// The audit log's action for a target removed.
pub const AUDIT_REMOVE: &str = "target_remove";

#[derive(Debug, Error)]
pub enum TargetsError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("неизвестная платформа «{platform}» в показателе «{indicator}»; есть: {known}")]
    Platform {
        platform: String,
        indicator: String,
        known: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A target as a form gives it: every field as typed; `level` empty for every level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetRequest {
    pub indicator: String,
    pub value: String,
    pub from: String,
    pub level: String,
}

/// An indicator's id, read and its platform found in the catalogue.
pub fn checked_indicator(catalogue: &Catalogue, text: &str) -> Result<IndicatorId, TargetsError> {
    let indicator = IndicatorId::parse(text)?;
    if catalogue.get(indicator.platform()).is_none() {
        return Err(TargetsError::Platform {
            platform: indicator.platform().to_string(),
            indicator: text.trim().to_string(),
            known: catalogue.codes().join(", "),
        });
    }
    Ok(indicator)
}

/// The target `request` asks for, checked.
pub fn resolve(catalogue: &Catalogue, request: &TargetRequest) -> Result<Target, TargetsError> {
    let indicator = checked_indicator(catalogue, &request.indicator)?;
    let value = indicator.parse_value(&request.value)?;
    let from =
        parse_cli_date(request.from.trim()).map_err(|_| TargetError::Date(request.from.clone()))?;
    let level = match request.level.trim() {
        "" => None,
        code => Some(parse_level(code)?),
    };
    Ok(Target {
        indicator,
        level,
        from,
        value,
    })
}

/// Checks and stores `request` (replacing a target of the same indicator, level and date),
/// with its line in the audit log by `login`.
pub fn set_target(
    store: &mut Store,
    catalogue: &Catalogue,
    request: &TargetRequest,
    login: Option<&str>,
) -> Result<(i64, Target), TargetsError> {
    let target = resolve(catalogue, request)?;
    let id = store.set_target(&target)?;
    store.append_audit(
        login,
        AUDIT_SET,
        &format!(
            "№{id}: {}",
            tsos_report::labels::target_line(&target, catalogue)
        ),
    )?;
    Ok((id, target))
}

/// Removes the target `id`, with its line in the audit log.
pub fn remove_target(store: &mut Store, id: i64, login: Option<&str>) -> Result<(), TargetsError> {
    store.remove_target(id)?;
    store.append_audit(login, AUDIT_REMOVE, &format!("№{id}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(indicator: &str, value: &str, level: &str) -> TargetRequest {
        TargetRequest {
            indicator: indicator.into(),
            value: value.into(),
            from: "01.09.2023".into(),
            level: level.into(),
        }
    }

    #[test]
    fn a_request_is_read_as_its_indicator_takes_it() {
        let catalogue = Catalogue::builtin();
        let rate = resolve(
            &catalogue,
            &request("myschool.count.lessons.per_teacher", "12,5", ""),
        )
        .unwrap();
        assert_eq!((rate.value, rate.level), (12.5, None));
        let share = resolve(&catalogue, &request("myschool.teachers", "90", "school")).unwrap();
        assert_eq!(
            (share.value, share.level),
            (0.9, Some(tsos_domain::Level::School))
        );
        assert!(matches!(
            resolve(&catalogue, &request("vk.teachers", "90", "")),
            Err(TargetsError::Platform { .. })
        ));
        assert!(matches!(
            resolve(
                &catalogue,
                &request("myschool.count.lessons.per_teacher", "90%", "")
            ),
            Err(TargetsError::Target(TargetError::Rate(_)))
        ));
        assert!(matches!(
            resolve(&catalogue, &request("myschool.teachers", "90", "город")),
            Err(TargetsError::Target(TargetError::Level(_)))
        ));
        let mut bad_date = request("myschool.teachers", "90", "");
        bad_date.from = "вчера".into();
        assert!(matches!(
            resolve(&catalogue, &bad_date),
            Err(TargetsError::Target(TargetError::Date(_)))
        ));
    }
}
