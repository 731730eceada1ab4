//! Recognising columns by their header words (SPEC §5.1, §5.2), and finding the header row
//! among title lines.

use jiff::civil::Date;
use tsos_domain::Role;

use crate::error::IngestError;
use crate::source::{Cell, Row, Source};
use crate::{RowStats, title};

/// How many rows from the top may hold the header.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// What the search for a header row found.
pub enum Search<H> {
    Found {
        header: H,
        /// The header's line (or row) number.
        line: u64,
        /// The as-of date of a title line above the header.
        title_date: Option<Date>,
    },
    /// Nothing but blank rows.
    Empty,
    /// Rows, but none `recognise` accepted: the rows read, for the error to quote.
    NotFound(Vec<Row>),
}

/// Finds the header: the first row among the first [`HEADER_SEARCH_ROWS`] that `recognise`
/// accepts. The rows above it are title or blank lines, counted in `stats`; a title line may
/// give the as-of date («… по состоянию на 01.10.2023»).
pub fn find_header<H>(
    source: &mut Source,
    stats: &mut RowStats,
    mut recognise: impl FnMut(&Row) -> Option<H>,
) -> Result<Search<H>, IngestError> {
    let mut before: Vec<Row> = Vec::new();
    while before.len() < HEADER_SEARCH_ROWS {
        let Some(row) = source.next_row()? else {
            break;
        };
        stats.read += 1;
        if let Some(header) = recognise(&row) {
            for row in &before {
                if row.is_blank() {
                    stats.blank += 1;
                } else {
                    stats.title += 1;
                }
            }
            let title_date = before.iter().find_map(|row| {
                let text: Vec<String> = row.cells.iter().map(Cell::to_text).collect();
                title::date_in_title(&text.join(" "))
            });
            return Ok(Search::Found {
                header,
                line: row.loc.number(),
                title_date,
            });
        }
        before.push(row);
    }
    if before.iter().all(Row::is_blank) {
        Ok(Search::Empty)
    } else {
        Ok(Search::NotFound(before))
    }
}

/// What a per-school column counts for its role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// A share; cross-checked, or used where active counts are missing.
    Share,
    Active,
    Confirmed,
    Registered,
    /// The official headcount.
    Contingent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    UserId,
    Role,
    Org,
    Confirmed,
    LastDate,
    FullName,
    Name,
    Municipality,
    Region,
    Measure(Role, Measure),
}

impl Column {
    /// The meaning in Russian, for previews and messages.
    pub fn describe_ru(self) -> String {
        match self {
            Column::UserId => "идентификатор пользователя".into(),
            Column::Role => "роль".into(),
            Column::Org => "ИНН организации".into(),
            Column::Confirmed => "подтвержденная УЗ".into(),
            Column::LastDate => "дата последней активности".into(),
            Column::FullName => "ФИО".into(),
            Column::Name => "наименование ОО".into(),
            Column::Municipality => "муниципалитет".into(),
            Column::Region => "регион".into(),
            Column::Measure(role, measure) => {
                let measure = match measure {
                    Measure::Share => "доля активных",
                    Measure::Active => "активные",
                    Measure::Confirmed => "подтвержденные",
                    Measure::Registered => "зарегистрированные",
                    Measure::Contingent => "контингент",
                };
                format!("{measure}: {}", role.title_ru())
            }
        }
    }
}

/// Lower case, ё→е, punctuation and underscores to spaces, spaces collapsed.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c == 'ё' { 'е' } else { c };
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn has_word(norm: &str, word: &str) -> bool {
    norm.split(' ').any(|w| w == word)
}

/// Recognises one header cell; `None` for columns tsos ignores (№, ФИО, anything else).
pub fn classify(raw: &str) -> Option<Column> {
    let norm = normalize(raw);
    if norm.is_empty() {
        return None;
    }
    let starts = |prefix: &str| norm.starts_with(prefix);
    let contains = |part: &str| norm.contains(part);
    if has_word(&norm, "инн")
        || starts("код оо")
        || norm == "org id"
        || norm == "org"
        || (starts("идентификатор") && contains("организац"))
    {
        return Some(Column::Org);
    }
    if norm == "роль" || starts("роль ") || starts("тип пользователя") || norm == "role"
    {
        return Some(Column::Role);
    }
    // Negated and rejected states are not measures: «Не подтвержденные ученики» must not be
    // read as confirmed students, nor «Отклоненные» as a contingent.
    let negated = contains("не подтвержд") || contains("неподтвержд") || contains("отклон");
    if let Some(role) = Role::from_label(&norm) {
        if negated {
            return None;
        }
        let measure = if contains("доля") || raw.contains('%') || has_word(&norm, "процент")
        {
            Measure::Share
        } else if contains("актив") || contains("использ") {
            Measure::Active
        } else if contains("подтвержд") {
            Measure::Confirmed
        } else if contains("зарегистр") {
            Measure::Registered
        } else {
            Measure::Contingent
        };
        return Some(Column::Measure(role, measure));
    }
    if contains("подтвержд")
        || starts("статус уз")
        || starts("статус учетной записи")
        || norm == "confirmed"
    {
        return (!negated).then_some(Column::Confirmed);
    }
    if contains("последн") || norm == "last login" || norm == "last activity" {
        return Some(Column::LastDate);
    }
    if norm == "id"
        || starts("id ")
        || starts("идентификатор")
        || norm == "user id"
        || norm == "uid"
        || starts("ид пользователя")
    {
        return Some(Column::UserId);
    }
    if norm == "фио" || starts("фио ") || starts("фамилия") || norm == "full name" {
        return Some(Column::FullName);
    }
    // Before the name: «Наименование муниципального образования» is a municipality.
    if contains("муниципал")
        || contains("район")
        || has_word(&norm, "мо")
        || contains("городской округ")
    {
        return Some(Column::Municipality);
    }
    if contains("наименование") || contains("название") || norm == "оо" || norm == "школа"
    {
        return Some(Column::Name);
    }
    if contains("регион") || contains("субъект") {
        return Some(Column::Region);
    }
    None
}

/// The recognised columns of a header row, in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Header {
    /// (column index, header text, meaning)
    pub columns: Vec<(usize, String, Column)>,
    /// Every non-empty header text, recognised or not, for messages.
    pub all: Vec<String>,
    /// The header text of each column by its index, empty where the cell is.
    pub texts: Vec<String>,
}

impl Header {
    pub fn from_row(row: &Row) -> Header {
        let mut header = Header::default();
        for (idx, cell) in row.cells.iter().enumerate() {
            let text = match cell {
                Cell::Text(_) => cell.to_text(),
                _ => String::new(),
            };
            header.texts.push(text.clone());
            if text.is_empty() {
                continue;
            }
            if let Some(column) = classify(&text) {
                // The first column of a kind wins; a repeated one is ignored.
                if !header.columns.iter().any(|(_, _, c)| *c == column) {
                    header.columns.push((idx, text.clone(), column));
                }
            }
            header.all.push(text);
        }
        header
    }

    pub fn find(&self, column: Column) -> Option<(usize, &str)> {
        self.columns
            .iter()
            .find(|(_, _, c)| *c == column)
            .map(|(idx, text, _)| (*idx, text.as_str()))
    }

    /// How to name column `idx` in a message: its header, or its letters where it has none.
    pub fn text_of(&self, idx: usize) -> String {
        match self.texts.get(idx) {
            Some(text) if !text.is_empty() => text.clone(),
            _ => format!("столбец {}", crate::error::column_letters(idx)),
        }
    }

    pub fn has(&self, column: Column) -> bool {
        self.find(column).is_some()
    }

    pub fn measures(&self) -> impl Iterator<Item = (usize, &str, Role, Measure)> {
        self.columns.iter().filter_map(|(idx, text, c)| match c {
            Column::Measure(role, measure) => Some((*idx, text.as_str(), *role, *measure)),
            _ => None,
        })
    }

    /// A header row names an organisation column and either a role (per-user) or some
    /// measure (per-school, registry).
    pub fn is_plausible(&self) -> bool {
        self.has(Column::Org)
            && (self.has(Column::Role)
                || self.has(Column::LastDate)
                || self.measures().next().is_some()
                || self.has(Column::Name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization() {
        assert_eq!(normalize("  Подтверждённая  УЗ! "), "подтвержденная уз");
        assert_eq!(normalize("user_id"), "user id");
        assert_eq!(
            normalize("Доля активных педагогов, %"),
            "доля активных педагогов"
        );
    }

    #[test]
    fn per_user_headers() {
        let cases = [
            ("ID", Column::UserId),
            ("ID пользователя", Column::UserId),
            ("Идентификатор", Column::UserId),
            ("user_id", Column::UserId),
            ("Роль", Column::Role),
            ("Тип пользователя", Column::Role),
            ("role", Column::Role),
            ("ИНН", Column::Org),
            ("ИНН ОО", Column::Org),
            ("ИНН организации", Column::Org),
            ("Код ОО", Column::Org),
            ("org_id", Column::Org),
            ("Подтвержденная УЗ", Column::Confirmed),
            ("УЗ подтверждена", Column::Confirmed),
            ("Статус УЗ", Column::Confirmed),
            ("Статус учетной записи", Column::Confirmed),
            ("confirmed", Column::Confirmed),
            ("Дата последней авторизации", Column::LastDate),
            ("Последняя активность", Column::LastDate),
            ("Последний вход", Column::LastDate),
            ("last_login", Column::LastDate),
            ("last_activity", Column::LastDate),
            ("ФИО", Column::FullName),
            ("Наименование ОО", Column::Name),
        ];
        for (text, expected) in cases {
            assert_eq!(classify(text), Some(expected), "{text}");
        }
        assert_eq!(classify("№"), None);
        assert_eq!(classify("№ п/п"), None);
    }

    #[test]
    fn per_school_headers() {
        use Measure::*;
        let cases = [
            (
                "Доля активных педагогов, %",
                Column::Measure(Role::Teachers, Share),
            ),
            (
                "Количество активных педагогов",
                Column::Measure(Role::Teachers, Active),
            ),
            (
                "Используют ФГИС учителя",
                Column::Measure(Role::Teachers, Active),
            ),
            (
                "Подтвержденные ученики",
                Column::Measure(Role::Students, Confirmed),
            ),
            (
                "Зарегистрировано обучающихся",
                Column::Measure(Role::Students, Registered),
            ),
            (
                "Численность педагогических работников",
                Column::Measure(Role::Teachers, Contingent),
            ),
            (
                "Численность обучающихся",
                Column::Measure(Role::Students, Contingent),
            ),
            (
                "Всего учеников",
                Column::Measure(Role::Students, Contingent),
            ),
            (
                "Количество родителей",
                Column::Measure(Role::Parents, Contingent),
            ),
            ("% учащихся", Column::Measure(Role::Students, Share)),
            ("Полное наименование ОО", Column::Name),
            ("Муниципальное образование", Column::Municipality),
            ("Район", Column::Municipality),
            (
                "Наименование муниципального образования",
                Column::Municipality,
            ),
            ("Идентификатор организации", Column::Org),
            ("МО", Column::Municipality),
            ("Субъект РФ", Column::Region),
            ("Регион", Column::Region),
        ];
        for (text, expected) in cases {
            assert_eq!(classify(text), Some(expected), "{text}");
        }
        assert_eq!(classify("Не подтвержденные ученики"), None);
        assert_eq!(classify("Отклоненные преподаватели"), None);
    }
}
