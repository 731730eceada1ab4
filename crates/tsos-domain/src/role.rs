//! Roles of users and a small fixed map keyed by role.

use std::fmt;

/// The role of an account on a platform. Anything else in an export (administrators and
/// whatever no stem names) is counted as "other" by ingestion and never reaches here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Teachers,
    Students,
    Parents,
    /// Staff who are not teachers: «сотрудник», «работник», «персонал».
    Staff,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Teachers, Role::Students, Role::Parents, Role::Staff];

    /// The code used in JSON, SQL and indicator names (`myschool.teachers`).
    pub fn code(self) -> &'static str {
        match self {
            Role::Teachers => "teachers",
            Role::Students => "students",
            Role::Parents => "parents",
            Role::Staff => "staff",
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
            Role::Staff => "работники",
        }
    }

    /// Russian singular, as in a list of people: «педагог».
    pub fn singular_ru(self) -> &'static str {
        match self {
            Role::Teachers => "педагог",
            Role::Students => "обучающийся",
            Role::Parents => "родитель",
            Role::Staff => "работник",
        }
    }

    /// Whether the registry may lack this role's headcount. Parents and staff have a share
    /// only where it gives one, so tables show their columns only where some school has it.
    pub fn contingent_optional(self) -> bool {
        matches!(self, Role::Parents | Role::Staff)
    }

    /// Recognises a role written by a person or a system, by word stem (SPEC §5.1). The
    /// first stem that matches wins, in the order teachers, students, parents, staff, so
    /// «Педагогический работник» is a teacher and not staff. `None` means "other"
    /// (administrator…), which is not an error.
    pub fn from_label(label: &str) -> Option<Role> {
        // Systems write «NEXT_OF_KIN» or «next-of-kin» for «next of kin».
        let label = label
            .trim()
            .to_lowercase()
            .replace('ё', "е")
            .replace(['_', '-'], " ");
        const STEMS: [(&str, Role); 22] = [
            ("учител", Role::Teachers),
            ("педагог", Role::Teachers),
            ("преподават", Role::Teachers),
            ("teacher", Role::Teachers),
            // ЕТД's word for a teacher.
            ("contributor", Role::Teachers),
            ("обучающ", Role::Students),
            ("ученик", Role::Students),
            ("учащ", Role::Students),
            ("школьник", Role::Students),
            ("student", Role::Students),
            ("pupil", Role::Students),
            ("родител", Role::Parents),
            ("законн", Role::Parents),
            ("parent", Role::Parents),
            ("next of kin", Role::Parents),
            ("legal representative", Role::Parents),
            ("сотрудник", Role::Staff),
            ("работник", Role::Staff),
            ("персонал", Role::Staff),
            // «Административно-хозяйственный» names the staff without the noun; an
            // administrator («администратор») stays "other".
            ("хозяйствен", Role::Staff),
            ("staff", Role::Staff),
            ("employee", Role::Staff),
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

/// One value per role; cheaper and clearer than a hash map for four keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoleMap<T>([T; 4]);

impl<T: Copy> RoleMap<T> {
    /// The same value for every role.
    pub fn splat(value: T) -> RoleMap<T> {
        RoleMap([value; 4])
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
            ("Contributor", Some(Role::Teachers)),
            ("PUPIL", Some(Role::Students)),
            ("Next of kin", Some(Role::Parents)),
            ("NEXT_OF_KIN", Some(Role::Parents)),
            ("legal-representative", Some(Role::Parents)),
            ("Сотрудник", Some(Role::Staff)),
            ("работник столовой", Some(Role::Staff)),
            ("Персонал", Some(Role::Staff)),
            ("Административно-хозяйственный", Some(Role::Staff)),
            ("административно-хозяйственный персонал", Some(Role::Staff)),
            ("staff", Some(Role::Staff)),
            ("Employee", Some(Role::Staff)),
            // The order of the groups decides a label with two stems: a teacher's or a
            // parent's word wins over a staff word.
            ("Педагогический работник", Some(Role::Teachers)),
            ("Сотрудник-преподаватель", Some(Role::Teachers)),
            ("Родитель (сотрудник)", Some(Role::Parents)),
            ("Администратор", None),
            ("Администратор ОО", None),
            ("Административный", None),
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

    #[test]
    fn optional_contingents() {
        let optional: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.contingent_optional())
            .collect();
        assert_eq!(optional, [Role::Parents, Role::Staff]);
    }
}
