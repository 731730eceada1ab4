//! Depth-of-use counts (issue 15, item 4): lessons given, marks set, homework assigned — per
//! school, as a platform's per-school export gives them. They are counts, not shares: a
//! school's count is its own, a municipality's and a region's the sum of their schools'.

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
}
