//! What the figures mean and what they leave out, in sentences under them.

use tsos_app::import::by_role;
use tsos_domain::Report;
use tsos_report::ru;

/// What the figures mean: the active-user rule of each platform, and what a change is.
pub(crate) fn notes(report: &Report) -> Vec<String> {
    let mut notes: Vec<String> = report
        .platforms
        .iter()
        .filter(|p| p.present)
        .map(|p| tsos_report::labels::rule_note(&p.platform))
        .collect();
    notes.push(format!(
        "Доля — {} от контингента. Δ — изменение доли в процентных пунктах с прошлого среза \
         той же платформы; это сдвиг скользящего окна активности, а не число новых \
         пользователей.",
        tsos_report::labels::share_counts(
            report
                .platforms
                .iter()
                .filter(|p| p.present)
                .map(|p| &p.platform)
        )
    ));
    notes
}

/// What the figures of each platform leave out: users of rows that name no organisation, and
/// organisations missing from the registry. Neither belongs to any municipality, and the
/// counts are the whole file's.
pub(crate) fn outside(report: &Report) -> Vec<String> {
    report
        .platforms
        .iter()
        .filter(|platform| platform.present)
        .filter_map(|platform| {
            let unknown = platform.unknown.as_ref()?;
            let mut parts = Vec::new();
            let without_org = unknown.users_without_org();
            if without_org > 0 {
                parts.push(format!(
                    "{} {} без организации ({})",
                    ru::integer(without_org),
                    ru::plural(without_org, "пользователь", "пользователя", "пользователей"),
                    by_role(&unknown.without_org)
                ));
            }
            let orgs = unknown.ids.len() as u64;
            if orgs > 0 {
                parts.push(format!(
                    "{} {} не из реестра ({} польз.)",
                    ru::integer(orgs),
                    ru::plural(orgs, "организация", "организации", "организаций"),
                    ru::integer(unknown.users)
                ));
            }
            (!parts.is_empty()).then(|| {
                format!(
                    "{}: в выгрузке {} — в показатели ОО не вошли.",
                    platform.platform.name,
                    parts.join(" и ")
                )
            })
        })
        .collect()
}
