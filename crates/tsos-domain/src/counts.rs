//! Depth-of-use counts (issue 15, item 4): lessons given, marks set, homework assigned — per
//! school, as a platform's per-school export gives them. They are counts, not shares: a
//! school's count is its own, a municipality's and a region's the sum of their schools'.

use std::collections::BTreeMap;

use crate::targets::{CountRate, RateTarget};

/// The counts tsos recognises by their header words; any other is named by its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CountKind {
    /// «Уроков проведено».
    Lessons,
    /// «Выставлено оценок».
    Marks,
    /// «Домашних заданий».
    Homework,
}

impl CountKind {
    pub const ALL: [CountKind; 3] = [CountKind::Lessons, CountKind::Marks, CountKind::Homework];

    /// The count's name where it is stored and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            CountKind::Lessons => "lessons",
            CountKind::Marks => "marks",
            CountKind::Homework => "homework",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            CountKind::Lessons => "Уроков проведено",
            CountKind::Marks => "Выставлено оценок",
            CountKind::Homework => "Домашних заданий",
        }
    }

    pub fn from_code(code: &str) -> Option<CountKind> {
        CountKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Recognises a normalised header (lower case, ё→е, words): урок…, оцен…, домашн… задан….
    pub fn from_label(norm: &str) -> Option<CountKind> {
        if norm.contains("домашн") && norm.contains("задан") {
            Some(CountKind::Homework)
        } else if norm.contains("урок") {
            Some(CountKind::Lessons)
        } else if norm.contains("оцен") {
            Some(CountKind::Marks)
        } else {
            None
        }
    }
}

/// One count of one school in a per-school export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchoolCount {
    /// The name it is kept and summed by: a [`CountKind`]'s code, or the normalised header
    /// of a column a person mapped to `count`.
    pub name: String,
    /// The header as the file wrote it, for people.
    pub header: String,
    pub value: u64,
}

/// A count of use of a report's row: the school's own value, or the sum of its schools', with
/// rates from the registry's contingent and the change since the platform's previous snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CountIndicator {
    pub value: u64,
    /// value × 100 / students; `None` where the students' contingent is unknown or 0.
    pub per_100_students: Option<f64>,
    /// value / teachers; `None` where the teachers' contingent is unknown or 0.
    pub per_teacher: Option<f64>,
    /// value − the previous snapshot's; `None` where that one had no such count for the row.
    pub delta: Option<i64>,
    /// The change in % of the previous value; `None` where there is none or it was 0.
    pub delta_pct: Option<f64>,
    /// The targets in force on its rates, where the user set some.
    pub targets: CountTargets,
}

impl CountIndicator {
    pub fn rate(&self, rate: CountRate) -> Option<f64> {
        match rate {
            CountRate::Per100Students => self.per_100_students,
            CountRate::PerTeacher => self.per_teacher,
        }
    }
}

/// A count's targets, one per rate; `None` where no target is set on that rate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CountTargets {
    pub per_100_students: Option<RateTarget>,
    pub per_teacher: Option<RateTarget>,
}

impl CountTargets {
    pub fn get(&self, rate: CountRate) -> Option<RateTarget> {
        match rate {
            CountRate::Per100Students => self.per_100_students,
            CountRate::PerTeacher => self.per_teacher,
        }
    }

    pub fn get_mut(&mut self, rate: CountRate) -> &mut Option<RateTarget> {
        match rate {
            CountRate::Per100Students => &mut self.per_100_students,
            CountRate::PerTeacher => &mut self.per_teacher,
        }
    }

    pub fn is_empty(&self) -> bool {
        CountRate::ALL.iter().all(|rate| self.get(*rate).is_none())
    }
}

/// A row's counts of use of one platform, by name.
pub type UseCounts = BTreeMap<String, CountIndicator>;

/// A count the report shows as a column: its name and how outputs title it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountColumn {
    pub name: String,
    pub title: String,
}

/// The counts a platform's snapshot gives, as columns: the recognised kinds in their order,
/// then the mapped ones by name.
pub fn count_columns<'a>(counts: impl IntoIterator<Item = &'a SchoolCount>) -> Vec<CountColumn> {
    let mut columns: Vec<CountColumn> = Vec::new();
    for count in counts {
        if !columns.iter().any(|c| c.name == count.name) {
            columns.push(CountColumn {
                name: count.name.clone(),
                title: count_title(&count.name, &count.header),
            });
        }
    }
    let order = |name: &str| {
        CountKind::from_code(name)
            .and_then(|kind| CountKind::ALL.iter().position(|k| *k == kind))
            .unwrap_or(CountKind::ALL.len())
    };
    columns.sort_by(|a, b| {
        order(&a.name)
            .cmp(&order(&b.name))
            .then_with(|| a.name.cmp(&b.name))
    });
    columns
}

/// Adds a school's counts to a row's.
pub fn add_counts<'a>(uses: &mut UseCounts, counts: impl IntoIterator<Item = &'a SchoolCount>) {
    for count in counts {
        let entry = uses.entry(count.name.clone()).or_default();
        entry.value += count.value;
    }
}

/// Sets the rates of every count from the row's contingent of teachers and students.
pub fn set_rates(uses: &mut UseCounts, teachers: Option<u64>, students: Option<u64>) {
    let per = |value: u64, by: Option<u64>, scale: f64| {
        by.filter(|n| *n > 0)
            .map(|n| value as f64 * scale / n as f64)
    };
    for count in uses.values_mut() {
        count.per_100_students = per(count.value, students, 100.0);
        count.per_teacher = per(count.value, teachers, 1.0);
    }
}

/// Sets the change of every count against the previous snapshot's counts of the same row.
pub fn set_deltas(uses: &mut UseCounts, previous: &UseCounts) {
    for (name, count) in uses.iter_mut() {
        let Some(before) = previous.get(name) else {
            count.delta = None;
            count.delta_pct = None;
            continue;
        };
        let delta = count.value as i64 - before.value as i64;
        count.delta = Some(delta);
        count.delta_pct = (before.value > 0).then(|| delta as f64 * 100.0 / before.value as f64);
    }
}

/// How to call a count in outputs: the title of a recognised one, else its header.
pub fn count_title(name: &str, header: &str) -> String {
    match CountKind::from_code(name) {
        Some(kind) => kind.title_ru().to_string(),
        None => header.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_their_words() {
        assert_eq!(
            CountKind::from_label("уроков проведено"),
            Some(CountKind::Lessons)
        );
        assert_eq!(
            CountKind::from_label("выставлено оценок"),
            Some(CountKind::Marks)
        );
        assert_eq!(
            CountKind::from_label("домашних заданий"),
            Some(CountKind::Homework)
        );
        // «Задания к урокам» are lessons only where no homework word is.
        assert_eq!(
            CountKind::from_label("выдано домашних заданий к урокам"),
            Some(CountKind::Homework)
        );
        assert_eq!(CountKind::from_label("заданий"), None);
        for kind in CountKind::ALL {
            assert_eq!(CountKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(count_title("lessons", "Уроки"), "Уроков проведено");
        assert_eq!(count_title("вебинаров", "Вебинаров"), "Вебинаров");
    }

    fn school_count(name: &str, value: u64) -> SchoolCount {
        SchoolCount {
            name: name.into(),
            header: name.to_uppercase(),
            value,
        }
    }

    #[test]
    fn sums_rates_and_changes() {
        let mut uses = UseCounts::new();
        add_counts(
            &mut uses,
            &[school_count("lessons", 30), school_count("x", 1)],
        );
        add_counts(&mut uses, &[school_count("lessons", 12)]);
        assert_eq!(uses["lessons"].value, 42);
        set_rates(&mut uses, Some(4), Some(0));
        assert_eq!(uses["lessons"].per_teacher, Some(10.5));
        // No students, no rate per 100 of them: not infinity, not 0.
        assert_eq!(uses["lessons"].per_100_students, None);
        set_rates(&mut uses, None, Some(200));
        assert_eq!(uses["lessons"].per_100_students, Some(21.0));
        assert_eq!(uses["lessons"].per_teacher, None);

        let mut before = UseCounts::new();
        add_counts(
            &mut before,
            &[school_count("lessons", 56), school_count("x", 0)],
        );
        set_deltas(&mut uses, &before);
        assert_eq!(uses["lessons"].delta, Some(-14));
        assert_eq!(uses["lessons"].delta_pct, Some(-25.0));
        // From 0: a change, but no percentage of nothing.
        assert_eq!((uses["x"].delta, uses["x"].delta_pct), (Some(1), None));
        set_deltas(&mut uses, &UseCounts::new());
        assert_eq!(uses["lessons"].delta, None);
    }

    #[test]
    fn columns_known_kinds_first_then_mapped_by_name() {
        let counts = [
            school_count("вебинаров", 1),
            school_count("homework", 1),
            school_count("lessons", 1),
            school_count("lessons", 2),
            school_count("анкет", 1),
        ];
        let names: Vec<(String, String)> = count_columns(&counts)
            .into_iter()
            .map(|c| (c.name, c.title))
            .collect();
        assert_eq!(
            names,
            [
                ("lessons".into(), "Уроков проведено".into()),
                ("homework".into(), "Домашних заданий".into()),
                ("анкет".into(), "АНКЕТ".into()),
                ("вебинаров".into(), "ВЕБИНАРОВ".into()),
            ]
        );
    }
}
