//! Roles of users and a small fixed map keyed by role.

use std::fmt;

/// The role of an account on a platform. Anything else in an export (administrators, staff
/// without a teaching role) is counted as "other" by ingestion and never reaches here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Teachers,
    Students,
    Parents,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Teachers, Role::Students, Role::Parents];

    /// The code used in JSON, SQL and indicator names (`myschool.teachers`).
    pub fn code(self) -> &'static str {
        match self {
            Role::Teachers => "teachers",
            Role::Students => "students",
            Role::Parents => "parents",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.code() == code)
    }

    /// Russian plural, as in a table header: «педагоги».
    pub fn title_ru(self) -> &'static str {
        match self {
            Role::Teachers => "педагоги",
            Role::Students => "обучающиеся",
            Role::Parents => "родители",
        }
    }

    /// Russian singular, as in a list of people: «педагог».
    pub fn singular_ru(self) -> &'static str {
        match self {
            Role::Teachers => "педагог",
            Role::Students => "обучающийся",
            Role::Parents => "родитель",
        }
    }

    /// Recognises a role written by a person or a system, by word stem (SPEC §5.1).
    /// `None` means "other" (administrator, staff…), which is not an error.
    pub fn from_label(label: &str) -> Option<Role> {
        let label = label.trim().to_lowercase().replace('ё', "е");
        const STEMS: [(&str, Role); 12] = [
            ("учител", Role::Teachers),
            ("педагог", Role::Teachers),
            ("преподават", Role::Teachers),
            ("teacher", Role::Teachers),
            ("обучающ", Role::Students),
            ("ученик", Role::Students),
            ("учащ", Role::Students),
            ("школьник", Role::Students),
            ("student", Role::Students),
            ("родител", Role::Parents),
            ("законн", Role::Parents),
            ("parent", Role::Parents),
        ];
        STEMS
            .iter()
            .find(|(stem, _)| label.contains(stem))
            .map(|&(_, role)| role)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One value per role; cheaper and clearer than a hash map for three keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoleMap<T>([T; 3]);

impl<T: Copy> RoleMap<T> {
    /// The same value for every role.
    pub fn splat(value: T) -> RoleMap<T> {
        RoleMap([value; 3])
    }
}

impl<T> RoleMap<T> {
    pub fn get(&self, role: Role) -> &T {
        &self.0[role.index()]
    }

    pub fn get_mut(&mut self, role: Role) -> &mut T {
        &mut self.0[role.index()]
    }

    pub fn iter(&self) -> impl Iterator<Item = (Role, &T)> {
        Role::ALL.into_iter().zip(self.0.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_spellings() {
        let cases = [
            ("Учитель", Some(Role::Teachers)),
            ("педагогический работник", Some(Role::Teachers)),
            ("Преподаватель", Some(Role::Teachers)),
            ("TEACHER", Some(Role::Teachers)),
            ("Обучающийся", Some(Role::Students)),
            ("ученик", Some(Role::Students)),
            ("Учащийся", Some(Role::Students)),
            ("школьник", Some(Role::Students)),
            ("student", Some(Role::Students)),
            ("Родитель", Some(Role::Parents)),
            ("Законный представитель", Some(Role::Parents)),
            ("parent", Some(Role::Parents)),
            ("Администратор", None),
            ("", None),
        ];
        for (label, expected) in cases {
            assert_eq!(Role::from_label(label), expected, "{label}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("admins"), None);
    }
}
