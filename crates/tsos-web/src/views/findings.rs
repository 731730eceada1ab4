//! Data-quality findings as a page lists them, within the account's scope.

use std::collections::HashSet;

use jiff::civil::Date;
use tsos_domain::Role;
use tsos_report::labels::capitalised;
use tsos_report::ru;

use crate::http::urls;
use crate::scope::Account;

/// A data-quality finding as a page lists it.
pub(crate) struct FindingView {
    pub title: String,
    pub scope: String,
    pub count: String,
    /// The first schools concerned, listed at once.
    pub schools: Vec<(String, Option<String>)>,
    /// The next ones, behind a «more» switch.
    pub rest: Vec<(String, Option<String>)>,
    /// Those not listed at all.
    pub more: usize,
}

/// Schools listed at once under a finding, and at most behind its «more» switch.
const FINDING_SCHOOLS: usize = 10;
const FINDING_SCHOOLS_MAX: usize = 500;

/// Findings of a date as `account` may see them. An admin sees every finding with its
/// count; anyone else sees only findings about schools in scope, counted in those schools,
/// so that nothing is learnt about other schools.
pub(crate) fn findings(
    quality: &tsos_app::quality::QualityReport,
    catalogue: &tsos_domain::Catalogue,
    account: &Account,
    visible: &HashSet<&str>,
    as_of: Option<Date>,
) -> Vec<FindingView> {
    quality
        .findings
        .iter()
        .filter_map(|finding| {
            let orgs: Vec<&String> = finding
                .orgs
                .iter()
                .filter(|org| account.is_admin() || visible.contains(org.as_str()))
                .collect();
            if !account.is_admin() && orgs.is_empty() {
                return None;
            }
            let [one, few, many] = finding.kind.unit_ru();
            let count = if account.is_admin() {
                finding.count
            } else {
                orgs.len() as u64
            };
            let unit = if account.is_admin() {
                ru::plural(count, one, few, many)
            } else {
                "ОО"
            };
            let mut listed: Vec<(String, Option<String>)> = orgs
                .iter()
                .take(FINDING_SCHOOLS_MAX)
                .map(|org| match quality.names.get(org.as_str()) {
                    Some(name) => (format!("{name} ({org})"), Some(urls::school(org, as_of))),
                    None => (org.to_string(), None),
                })
                .collect();
            let rest = listed.split_off(listed.len().min(FINDING_SCHOOLS));
            Some(FindingView {
                title: capitalised(finding.kind.title_ru()),
                scope: finding_scope(finding, catalogue),
                count: format!("{} {unit}", ru::integer(count)),
                schools: listed,
                rest,
                more: orgs.len().saturating_sub(FINDING_SCHOOLS_MAX),
            })
        })
        .collect()
}

/// «ФГИС «Моя школа» · педагоги»: what a finding concerns.
pub(crate) fn finding_scope(
    finding: &tsos_domain::Finding,
    catalogue: &tsos_domain::Catalogue,
) -> String {
    let platform = finding
        .platform
        .as_deref()
        .map(|code| catalogue.get(code).map_or(code, |p| p.name.as_str()));
    let role = finding
        .role
        .as_deref()
        .map(|code| Role::from_code(code).map_or(code, |role| role.title_ru()));
    [platform, role]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}
