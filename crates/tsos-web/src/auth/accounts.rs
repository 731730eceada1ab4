//! Creating accounts (`tsos user add`, and the demo's): the login, the role and a scope
//! checked against the registry, and the password hashed.

use jiff::civil::Date;
use tsos_domain::OrgId;
use tsos_store::{Store, UserSaved};

use super::secret::hash_password;
use crate::http::error::WebError;
use crate::scope::AccountRole;

/// What [`add_user`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedUser {
    /// The login as stored: trimmed and lower-cased, since logins are typed by people.
    pub login: String,
    pub saved: UserSaved,
    /// The scope in words: «муниципалитет «Буйнакский район»», «школа «СОШ №1» (ИНН …)».
    pub scope: String,
    /// Set when the scope could not be checked because the registry is still empty.
    pub warning: Option<String>,
}

/// Creates the account, or replaces the password, role and scope of an existing one.
///
/// The scope is required for every role but admin and must name what the registry has: a
/// region or municipality by its name as written there, a school by its ИНН (normalised like
/// every ИНН, so a 9-digit one gets its zero back). With an empty registry it is taken as
/// given, with a warning.
pub fn add_user(
    store: &mut Store,
    login: &str,
    role: AccountRole,
    scope: Option<&str>,
    password: &str,
) -> Result<AddedUser, WebError> {
    let login = login.trim().to_lowercase();
    if login.is_empty() || login.chars().count() > 64 || login.contains(char::is_whitespace) {
        return Err(WebError::Account(
            "логин — от 1 до 64 знаков без пробелов".to_string(),
        ));
    }
    if password.is_empty() {
        return Err(WebError::Account("пустой пароль".to_string()));
    }
    let scope = scope.map(str::trim).filter(|s| !s.is_empty());
    let (scope, label, warning) = match (role, scope) {
        (AccountRole::Admin, None) => (None, "все данные".to_string(), None),
        (AccountRole::Admin, Some(_)) => {
            return Err(WebError::Account(
                "у администратора нет области (--scope): он видит все".to_string(),
            ));
        }
        (_, None) => {
            return Err(WebError::Account(format!(
                "для роли {role} нужна область --scope: {}",
                match role {
                    AccountRole::Region => "название региона, как в реестре",
                    AccountRole::Municipality => "название муниципалитета, как в реестре",
                    _ => "ИНН школы",
                }
            )));
        }
        (_, Some(scope)) => {
            let (scope, label, warning) = checked_scope(store, role, scope)?;
            (Some(scope), label, warning)
        }
    };
    let saved = store.upsert_web_user(
        &login,
        &hash_password(password)?,
        role.code(),
        scope.as_deref(),
    )?;
    Ok(AddedUser {
        login,
        saved,
        scope: label,
        warning,
    })
}

fn checked_scope(
    store: &Store,
    role: AccountRole,
    scope: &str,
) -> Result<(String, String, Option<String>), WebError> {
    let scope = match role {
        AccountRole::School => OrgId::normalize(scope)
            .map(|id| id.to_string())
            .unwrap_or_default(),
        _ => scope.to_string(),
    };
    // The latest version of every school the registry ever had.
    let schools = store.schools_at(Date::MAX)?;
    if schools.is_empty() {
        return Ok((
            scope.clone(),
            format!("{} «{scope}»", role.title_ru()),
            Some("реестр пуст, область не проверена".to_string()),
        ));
    }
    let mut known: Vec<&str> = schools
        .iter()
        .map(|school| match role {
            AccountRole::Region => school.region.as_str(),
            AccountRole::Municipality => school.municipality.as_str(),
            _ => school.id.as_str(),
        })
        .collect();
    known.sort_unstable();
    known.dedup();
    if role == AccountRole::School
        && let Some(school) = schools.iter().find(|s| s.id.as_str() == scope)
    {
        let label = format!("школа {} (ИНН {scope})", school.name);
        return Ok((scope, label, None));
    }
    if known.contains(&scope.as_str()) {
        let label = format!("{} «{scope}»", role.title_ru());
        return Ok((scope, label, None));
    }
    let hint = match role {
        AccountRole::School => String::new(),
        _ => {
            let shown: Vec<String> = known.iter().take(20).map(|k| format!("«{k}»")).collect();
            format!(
                "; есть: {}{}",
                shown.join(", "),
                if known.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            )
        }
    };
    Err(WebError::Account(format!(
        "{} «{scope}» нет в реестре{hint}",
        match role {
            AccountRole::Region => "региона",
            AccountRole::Municipality => "муниципалитета",
            _ => "школы с ИНН",
        }
    )))
}
