//! Recognising columns by their header words (SPEC §5.1, §5.2), the meanings a person gives
//! them (SPEC §5.3), and how each column was read.

use tsos_domain::{ActiveRule, CountKind, Role};

use crate::row::{Cell, Row, column_letters};

/// What a per-school column gives for its role: a count, a share or the headcount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchoolFigure {
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
    /// The school's e-mail, where notices go (registry).
    Email,
    Figure(Role, SchoolFigure),
    /// A count of use per school (lessons, marks, homework…): a recognised kind, or `None`
    /// for a column a person mapped to `count`, named by its header.
    Count(Option<CountKind>),
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
            Column::Email => "адрес электронной почты".into(),
            Column::Count(Some(kind)) => format!("счетчик: {}", kind.title_ru()),
            Column::Count(None) => "счетчик использования (по заголовку)".into(),
            Column::Figure(role, measure) => {
                let measure = match measure {
                    SchoolFigure::Share => "доля активных",
                    SchoolFigure::Active => "активные",
                    SchoolFigure::Confirmed => "подтвержденные",
                    SchoolFigure::Registered => "зарегистрированные",
                    SchoolFigure::Contingent => "контингент",
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
    classify_why(raw).0
}

/// Recognises one header cell and says by which words, for the readings an import shows.
pub fn classify_why(raw: &str) -> (Option<Column>, &'static str) {
    let norm = normalize(raw);
    if norm.is_empty() {
        return (None, "пустой заголовок");
    }
    let starts = |prefix: &str| norm.starts_with(prefix);
    let contains = |part: &str| norm.contains(part);
    if has_word(&norm, "инн")
        || starts("код оо")
        || norm == "org id"
        || norm == "org"
        || (starts("идентификатор") && contains("организац"))
    {
        return (Some(Column::Org), "слово «ИНН» или «Код ОО»");
    }
    // Before the roles and places: «Электронная почта» names none, but «E-mail МО» would.
    // «Почтовый адрес» is a postal address, not this.
    if contains("e mail")
        || has_word(&norm, "email")
        || has_word(&norm, "mail")
        || has_word(&norm, "почта")
        || (contains("электрон") && (contains("почт") || contains("адрес")))
    {
        return (
            Some(Column::Email),
            "«Электронная почта», «E-mail» или «Адрес электронной почты»",
        );
    }
    if norm == "роль" || starts("роль ") || starts("тип пользователя") || norm == "role"
    {
        return (Some(Column::Role), "«Роль» или «Тип пользователя»");
    }
    // Before the roles: «ФИО сотрудника» names a person, not a staff headcount.
    if norm == "фио" || starts("фио ") || starts("фамилия") || norm == "full name" {
        return (Some(Column::FullName), "«ФИО»");
    }
    // Before the roles: «Оценок выставлено учителями» counts marks, not teachers; a share
    // («Доля учителей, выставивших оценки») stays a role's figure.
    let share_words = contains("доля") || raw.contains('%') || has_word(&norm, "процент");
    if !share_words && let Some(kind) = CountKind::from_label(&norm) {
        return (
            Some(Column::Count(Some(kind))),
            "«урок…», «оцен…» или «домашн… задан…»: счетчик использования",
        );
    }
    // Negated and rejected states are not measures: «Не подтвержденные ученики» must not be
    // read as confirmed students, nor «Отклоненные» as a contingent.
    let negated = contains("не подтвержд") || contains("неподтвержд") || contains("отклон");
    if let Some(role) = Role::from_label(&norm) {
        if negated {
            return (None, "неподтвержденные или отклоненные УЗ: не показатель");
        }
        let (measure, why) = if contains("доля") || raw.contains('%') || has_word(&norm, "процент")
        {
            (SchoolFigure::Share, "роль и «доля» или «%»")
        } else if contains("актив") || contains("использ") || contains("подключ")
        {
            // «Подключено к MAX»: connected accounts, the active ones of a `connected` rule.
            (
                SchoolFigure::Active,
                "роль и «актив…», «использ…» или «подключ…»",
            )
        } else if contains("подтвержд") {
            (SchoolFigure::Confirmed, "роль и «подтвержд…»")
        } else if contains("зарегистр") {
            (SchoolFigure::Registered, "роль и «зарегистр…»")
        } else {
            (
                SchoolFigure::Contingent,
                "роль без слова меры («количество», «численность», «всего»)",
            )
        };
        return (Some(Column::Figure(role, measure)), why);
    }
    if contains("подтвержд")
        || starts("статус уз")
        || starts("статус учетной записи")
        || norm == "confirmed"
    {
        return if negated {
            (None, "неподтвержденные или отклоненные УЗ: не показатель")
        } else {
            (Some(Column::Confirmed), "«подтвержд…» или «Статус УЗ»")
        };
    }
    if contains("последн") || norm == "last login" || norm == "last activity" {
        return (Some(Column::LastDate), "«последн…»");
    }
    if norm == "id"
        || starts("id ")
        || starts("идентификатор")
        || norm == "user id"
        || norm == "uid"
        || starts("ид пользователя")
    {
        return (Some(Column::UserId), "«ID» или «Идентификатор»");
    }
    // Before the name: «Наименование муниципального образования» is a municipality.
    if contains("муниципал")
        || contains("район")
        || has_word(&norm, "мо")
        || contains("городской округ")
    {
        return (Some(Column::Municipality), "«муниципал…», «район» или «МО»");
    }
    if contains("наименование") || contains("название") || norm == "оо" || norm == "школа"
    {
        return (Some(Column::Name), "«наименование», «название» или «школа»");
    }
    if contains("регион") || contains("субъект") {
        return (Some(Column::Region), "«регион» или «субъект»");
    }
    (
        None,
        "не похож ни на один известный столбец: не учитывается",
    )
}

/// What a person says a column means: `--map "ЗАГОЛОВОК=СМЫСЛ"`, a saved profile, or the web
/// preview's choice (SPEC §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    Column(Column),
    /// A measure whose role is read from the header's own words.
    Figure(SchoolFigure),
    Ignore,
}

/// The meanings by their codes, as `--map` takes them; a measure may add `:ROLE`.
const MEANINGS: [(&str, Meaning); 16] = [
    ("organisation", Meaning::Column(Column::Org)),
    ("role", Meaning::Column(Column::Role)),
    ("user_id", Meaning::Column(Column::UserId)),
    ("confirmed", Meaning::Column(Column::Confirmed)),
    ("last_date", Meaning::Column(Column::LastDate)),
    ("registered", Meaning::Figure(SchoolFigure::Registered)),
    ("confirmed_count", Meaning::Figure(SchoolFigure::Confirmed)),
    ("active", Meaning::Figure(SchoolFigure::Active)),
    ("share", Meaning::Figure(SchoolFigure::Share)),
    ("contingent", Meaning::Figure(SchoolFigure::Contingent)),
    ("name", Meaning::Column(Column::Name)),
    ("municipality", Meaning::Column(Column::Municipality)),
    ("region", Meaning::Column(Column::Region)),
    ("email", Meaning::Column(Column::Email)),
    ("count", Meaning::Column(Column::Count(None))),
    ("ignore", Meaning::Ignore),
];

impl Meaning {
    /// `active`, `active:teachers`, `organisation`, `ignore`…
    pub fn parse(code: &str) -> Result<Meaning, String> {
        let code = code.trim();
        let (base, role) = match code.split_once(':') {
            Some((base, role)) => (base.trim(), Some(role.trim())),
            None => (code, None),
        };
        let roles = Role::ALL.map(Role::code).join(", ");
        let unknown = || {
            format!(
                "неизвестный смысл столбца «{code}»; возможны: {} (для показателей можно указать роль, например active:teachers; роли: {roles})",
                MEANINGS
                    .iter()
                    .map(|(c, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let meaning = MEANINGS
            .iter()
            .find(|(c, _)| *c == base)
            .map(|(_, m)| *m)
            .ok_or_else(unknown)?;
        match (meaning, role) {
            (meaning, None) => Ok(meaning),
            (Meaning::Figure(measure), Some(role)) => Role::from_code(role)
                .map(|role| Meaning::Column(Column::Figure(role, measure)))
                .ok_or_else(|| format!("неизвестная роль «{role}»; возможны: {roles}")),
            (_, Some(_)) => Err(format!("роль указывается только для показателей: «{code}»")),
        }
    }

    /// The code `--map` takes for this meaning.
    pub fn code(self) -> String {
        let measure_code = |measure: SchoolFigure| {
            MEANINGS
                .iter()
                .find(|(_, m)| *m == Meaning::Figure(measure))
                .map_or("", |(c, _)| *c)
        };
        match self {
            Meaning::Column(Column::Figure(role, measure)) => {
                format!("{}:{}", measure_code(measure), role.code())
            }
            Meaning::Figure(measure) => measure_code(measure).to_string(),
            Meaning::Column(Column::Count(_)) => "count".to_string(),
            other => MEANINGS
                .iter()
                .find(|(_, m)| *m == other)
                .map_or(String::new(), |(c, _)| c.to_string()),
        }
    }
}

/// The meanings a person gave to columns, by header text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    /// (header as given, meaning)
    pub entries: Vec<(String, Meaning)>,
    /// Where it comes from, for the readings: `--map`, or the saved profile it was.
    pub source: MappingSource,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MappingSource {
    #[default]
    Given,
    Profile(i64),
}

impl Mapping {
    /// Parses `ЗАГОЛОВОК=СМЫСЛ`; the header's last `=` splits, since a header may hold one.
    pub fn parse_entry(arg: &str) -> Result<(String, Meaning), String> {
        let (header, meaning) = arg.rsplit_once('=').ok_or_else(|| {
            format!("«{arg}»: ожидается ЗАГОЛОВОК=СМЫСЛ, например «Всего учеников=registered»")
        })?;
        if normalize(header).is_empty() {
            return Err(format!("«{arg}»: не указан заголовок столбца"));
        }
        Ok((header.trim().to_string(), Meaning::parse(meaning)?))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn get(&self, norm: &str) -> Option<Meaning> {
        self.entries
            .iter()
            .find(|(header, _)| normalize(header) == norm)
            .map(|(_, meaning)| *meaning)
    }
}

/// The key of a header row for saved profiles: its cells normalised, in order.
pub fn header_key(row: &Row) -> String {
    let mut cells: Vec<String> = row.cells.iter().map(|c| normalize(&c.to_text())).collect();
    while cells.last().is_some_and(String::is_empty) {
        cells.pop();
    }
    cells.join(" | ")
}

/// How one header cell was read, and why: what an import shows before it reads a row, and
/// when it cannot go on.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub idx: usize,
    pub text: String,
    /// `None`: not used.
    pub column: Option<Column>,
    pub why: String,
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
    /// How every non-empty cell was read, and why.
    pub readings: Vec<Reading>,
    /// The header's key for saved profiles ([`header_key`]).
    pub key: String,
    /// The mapping that was applied, if any.
    pub mapping: Option<Mapping>,
}

impl Header {
    pub fn from_row(row: &Row) -> Header {
        Header::read(row, None)
    }

    /// Reads a header row with the meanings a person gave (`mapping`) over the words tsos
    /// knows.
    pub fn read(row: &Row, mapping: Option<&Mapping>) -> Header {
        let mut header = Header {
            key: header_key(row),
            mapping: mapping.filter(|m| !m.is_empty()).cloned(),
            ..Header::default()
        };
        for (idx, cell) in row.cells.iter().enumerate() {
            let text = match cell {
                Cell::Text(_) => cell.to_text(),
                _ => String::new(),
            };
            header.texts.push(text.clone());
            if text.is_empty() {
                continue;
            }
            let given = mapping.and_then(|m| Some((m.get(&normalize(&text))?, m.source)));
            let (column, why) = match given {
                Some((meaning, source)) => {
                    let column = match meaning {
                        // A mapped count whose header names a known kind is that kind, so
                        // that it is summed and compared with the recognised one.
                        Meaning::Column(Column::Count(None)) => {
                            Some(Column::Count(CountKind::from_label(&normalize(&text))))
                        }
                        Meaning::Column(column) => Some(column),
                        Meaning::Figure(measure) => Role::from_label(&normalize(&text))
                            .map(|role| Column::Figure(role, measure)),
                        Meaning::Ignore => None,
                    };
                    let by = match source {
                        MappingSource::Given => "задано".to_string(),
                        MappingSource::Profile(id) => format!("по сохраненной разметке №{id}"),
                    };
                    let why = match (meaning, column) {
                        (Meaning::Figure(_), None) => format!(
                            "{by} «{}», но в заголовке нет роли: укажите ее, например {}:teachers",
                            meaning.code(),
                            meaning.code()
                        ),
                        _ => format!("{by}: {}", meaning.code()),
                    };
                    (column, why)
                }
                None => {
                    let (column, why) = classify_why(&text);
                    (column, why.to_string())
                }
            };
            header.readings.push(Reading {
                idx,
                text: text.clone(),
                column,
                why,
            });
            header.all.push(text);
        }
        header.read_totals_of_confirmation_as_registered();
        for reading in &header.readings {
            if let Some(column) = reading.column
                // The first column of a kind wins; a repeat is a problem the import names.
                && !header
                    .columns
                    .iter()
                    .any(|(_, text, c)| same_column((*c, text), (column, &reading.text)))
            {
                header
                    .columns
                    .push((reading.idx, reading.text.clone(), column));
            }
        }
        header
    }

    /// «Всего учеников» beside «Подтвержденные ученики» or «Не подтвержденные ученики» counts
    /// accounts, not the headcount: the per-school confirmation export (SPEC §5.2).
    fn read_totals_of_confirmation_as_registered(&mut self) {
        let confirmation_roles: Vec<Role> = self
            .readings
            .iter()
            .filter_map(|reading| {
                let norm = normalize(&reading.text);
                match reading.column {
                    Some(Column::Figure(role, SchoolFigure::Confirmed)) => Some(role),
                    None if norm.contains("подтвержд") || norm.contains("отклон") => {
                        Role::from_label(&norm)
                    }
                    _ => None,
                }
            })
            .collect();
        for reading in &mut self.readings {
            if let Some(Column::Figure(role, SchoolFigure::Contingent)) = reading.column
                && normalize(&reading.text).starts_with("всего")
                && confirmation_roles.contains(&role)
                && !reading.why.starts_with("задано")
                && !reading.why.starts_with("по сохраненной")
            {
                reading.column = Some(Column::Figure(role, SchoolFigure::Registered));
                reading.why = "«Всего …» рядом с подтвержденными УЗ той же роли: зарегистрированные, не контингент".into();
            }
        }
    }

    /// Columns read the same way where one is expected: which of them is meant is for a
    /// person to say. Names and ФИО may repeat harmlessly.
    pub fn repeats(&self) -> Vec<(Column, Vec<&Reading>)> {
        let mut out: Vec<(Column, Vec<&Reading>)> = Vec::new();
        for reading in &self.readings {
            let Some(column) = reading.column else {
                continue;
            };
            if matches!(
                column,
                Column::Name | Column::FullName | Column::Municipality | Column::Region
            ) {
                continue;
            }
            match out
                .iter_mut()
                .find(|(c, first)| same_column((*c, &first[0].text), (column, &reading.text)))
            {
                Some((_, readings)) => readings.push(reading),
                None => out.push((column, vec![reading])),
            }
        }
        out.retain(|(_, readings)| readings.len() > 1);
        out
    }

    /// The columns a per-user export needs, or those it lacks: an organisation, a role, a
    /// last date unless the rule is `connected` (every account counts, dates or not), and a
    /// confirmation where the rule `requires_confirmed`.
    pub(crate) fn user_columns(&self, rule: &ActiveRule) -> Result<UserColumns, Vec<Column>> {
        let column = |c| self.find(c).map(|(idx, _)| idx);
        let confirmed = column(Column::Confirmed);
        let last = column(Column::LastDate);
        let requires_last = !rule.is_connected();
        match (column(Column::Org), column(Column::Role)) {
            (Some(org), Some(role))
                if (confirmed.is_some() || !rule.requires_confirmed)
                    && (last.is_some() || !requires_last) =>
            {
                Ok(UserColumns {
                    org,
                    role,
                    last,
                    confirmed,
                    id: column(Column::UserId),
                })
            }
            _ => Err([Column::Org, Column::Role]
                .into_iter()
                .chain(requires_last.then_some(Column::LastDate))
                .chain(rule.requires_confirmed.then_some(Column::Confirmed))
                .filter(|c| !self.has(*c))
                .collect()),
        }
    }

    /// The title of column `idx` in a row error: its header as recognised, else as
    /// [`Header::text_of`] names it.
    pub(crate) fn title_of(&self, idx: usize) -> String {
        self.columns
            .iter()
            .find(|(i, _, _)| *i == idx)
            .map_or_else(|| self.text_of(idx), |(_, text, _)| text.clone())
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
            _ => format!("столбец {}", column_letters(idx)),
        }
    }

    pub fn has(&self, column: Column) -> bool {
        self.find(column).is_some()
    }

    pub fn measures(&self) -> impl Iterator<Item = (usize, &str, Role, SchoolFigure)> {
        self.columns.iter().filter_map(|(idx, text, c)| match c {
            Column::Figure(role, measure) => Some((*idx, text.as_str(), *role, *measure)),
            _ => None,
        })
    }

    /// The count columns: (column index, header text, the count's name — a kind's code, or
    /// the normalised header of a mapped column).
    pub fn counts(&self) -> impl Iterator<Item = (usize, &str, String)> {
        self.columns.iter().filter_map(|(idx, text, c)| match c {
            Column::Count(Some(kind)) => Some((*idx, text.as_str(), kind.code().to_string())),
            Column::Count(None) => Some((*idx, text.as_str(), normalize(text))),
            _ => None,
        })
    }

    /// A header row names an organisation column and either a role (per-user) or some
    /// measure or count (per-school, registry); or it names schools by name beside one.
    pub fn is_plausible(&self) -> bool {
        let measures = self.measures().next().is_some() || self.counts().next().is_some();
        (self.has(Column::Org)
            && (self.has(Column::Role)
                || self.has(Column::LastDate)
                || measures
                || self.has(Column::Name)))
            || (self.has(Column::Name) && measures)
    }
}

/// Where the columns a per-user export needs are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UserColumns {
    pub org: usize,
    pub role: usize,
    /// Absent only for a `connected` rule, where dates do not matter.
    pub last: Option<usize>,
    pub confirmed: Option<usize>,
    pub id: Option<usize>,
}

impl UserColumns {
    /// How many fields of a line the reading needs.
    pub(crate) fn n_needed(&self) -> usize {
        [
            Some(self.org),
            Some(self.role),
            self.last,
            self.confirmed,
            self.id,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0)
            + 1
    }
}

/// Whether two columns, each with its header, are one and the same: the same reading, and for
/// counts a person mapped, also the same header (they are told apart by it).
fn same_column((a, a_text): (Column, &str), (b, b_text): (Column, &str)) -> bool {
    a == b && (a != Column::Count(None) || normalize(a_text) == normalize(b_text))
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
        use SchoolFigure::*;
        let cases = [
            (
                "Доля активных педагогов, %",
                Column::Figure(Role::Teachers, Share),
            ),
            (
                "Количество активных педагогов",
                Column::Figure(Role::Teachers, Active),
            ),
            (
                "Используют ФГИС учителя",
                Column::Figure(Role::Teachers, Active),
            ),
            (
                "Подтвержденные ученики",
                Column::Figure(Role::Students, Confirmed),
            ),
            (
                "Зарегистрировано обучающихся",
                Column::Figure(Role::Students, Registered),
            ),
            (
                "Численность педагогических работников",
                Column::Figure(Role::Teachers, Contingent),
            ),
            (
                "Численность обучающихся",
                Column::Figure(Role::Students, Contingent),
            ),
            ("Всего учеников", Column::Figure(Role::Students, Contingent)),
            (
                "Количество родителей",
                Column::Figure(Role::Parents, Contingent),
            ),
            ("% учащихся", Column::Figure(Role::Students, Share)),
            // Headcounts of staff and parents (issue 15), and staff's usage figures.
            ("Работников", Column::Figure(Role::Staff, Contingent)),
            ("Сотрудников", Column::Figure(Role::Staff, Contingent)),
            (
                "Численность административно-хозяйственного персонала",
                Column::Figure(Role::Staff, Contingent),
            ),
            ("Родителей", Column::Figure(Role::Parents, Contingent)),
            (
                "Законных представителей",
                Column::Figure(Role::Parents, Contingent),
            ),
            (
                "Количество активных сотрудников",
                Column::Figure(Role::Staff, Active),
            ),
            ("Доля работников, %", Column::Figure(Role::Staff, Share)),
            // A teacher's word wins over a staff word (SPEC §5.1's order).
            (
                "Количество активных педагогических работников",
                Column::Figure(Role::Teachers, Active),
            ),
            ("ФИО сотрудника", Column::FullName),
            // MAX's connection figures (issue 15).
            (
                "Подключено к MAX работников",
                Column::Figure(Role::Staff, Active),
            ),
            (
                "Подключились к MAX (родители)",
                Column::Figure(Role::Parents, Active),
            ),
            (
                "Зарегистрировано в MAX обучающихся",
                Column::Figure(Role::Students, Registered),
            ),
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
            ("Электронная почта", Column::Email),
            ("E-mail", Column::Email),
            ("Email ОО", Column::Email),
            ("Адрес электронной почты", Column::Email),
            ("Эл. почта", Column::Email),
            ("Электронный адрес ОО", Column::Email),
        ];
        for (text, expected) in cases {
            assert_eq!(classify(text), Some(expected), "{text}");
        }
        // Counts of use (issue 15), before the roles they may name.
        for (text, kind) in [
            ("Уроков проведено", CountKind::Lessons),
            ("Выставлено оценок", CountKind::Marks),
            ("Оценок выставлено учителями", CountKind::Marks),
            ("Домашних заданий", CountKind::Homework),
        ] {
            assert_eq!(classify(text), Some(Column::Count(Some(kind))), "{text}");
        }
        assert_eq!(
            classify("Доля учителей, выставивших оценки, %"),
            Some(Column::Figure(Role::Teachers, SchoolFigure::Share))
        );
        assert_eq!(classify("Не подтвержденные ученики"), None);
        assert_eq!(classify("Отклоненные преподаватели"), None);
        assert_eq!(classify("Почтовый адрес"), None);
        assert_eq!(classify("Юридический адрес"), None);
    }

    fn row(texts: &[&str]) -> Row {
        Row::new(
            crate::RowLoc::Line(1),
            texts.iter().map(|t| Cell::Text(t.to_string())).collect(),
        )
    }

    #[test]
    fn totals_beside_confirmations_are_registered_accounts() {
        let header = Header::from_row(&row(&[
            "ИНН",
            "Всего учеников",
            "Не подтвержденные ученики",
            "Подтвержденные ученики",
            "Всего преподавателей",
        ]));
        assert_eq!(
            header
                .find(Column::Figure(Role::Students, SchoolFigure::Registered))
                .map(|c| c.0),
            Some(1)
        );
        assert_eq!(
            header
                .find(Column::Figure(Role::Students, SchoolFigure::Confirmed))
                .map(|c| c.0),
            Some(3)
        );
        // Teachers have no confirmation column here: their «Всего» stays the headcount.
        assert_eq!(
            header
                .find(Column::Figure(Role::Teachers, SchoolFigure::Contingent))
                .map(|c| c.0),
            Some(4)
        );
        assert!(header.readings[1].why.contains("зарегистрированные"));
        // A confirmation column without its «Всего» changes nothing else.
        let header = Header::from_row(&row(&["ИНН", "Всего учеников", "Отклоненные ученики"]));
        assert!(header.has(Column::Figure(Role::Students, SchoolFigure::Registered)));
    }

    #[test]
    fn meanings_parse_and_a_mapping_wins_over_words() {
        assert_eq!(Meaning::parse("ignore"), Ok(Meaning::Ignore));
        assert_eq!(
            Meaning::parse("active:teachers"),
            Ok(Meaning::Column(Column::Figure(
                Role::Teachers,
                SchoolFigure::Active
            )))
        );
        assert_eq!(
            Meaning::parse("registered"),
            Ok(Meaning::Figure(SchoolFigure::Registered))
        );
        assert!(Meaning::parse("organisation:teachers").is_err());
        assert!(Meaning::parse("active:pupils").is_err());
        for code in [
            "organisation",
            "confirmed_count:students",
            "share",
            "ignore",
        ] {
            assert_eq!(Meaning::parse(code).unwrap().code(), code);
        }
        assert_eq!(
            Mapping::parse_entry("Доля, % = учителя=share"),
            Ok((
                "Доля, % = учителя".to_string(),
                Meaning::Figure(SchoolFigure::Share)
            ))
        );
        assert!(Mapping::parse_entry("без знака").is_err());

        let mapping = Mapping {
            entries: vec![
                ("Код школы".into(), Meaning::Column(Column::Org)),
                (
                    "Всего учеников".into(),
                    Meaning::Figure(SchoolFigure::Contingent),
                ),
                ("ИНН учредителя".into(), Meaning::Ignore),
            ],
            source: MappingSource::Profile(7),
        };
        let header = Header::read(
            &row(&[
                "КОД ШКОЛЫ",
                "Всего учеников",
                "Подтвержденные ученики",
                "ИНН учредителя",
            ]),
            Some(&mapping),
        );
        assert_eq!(header.find(Column::Org).map(|c| c.0), Some(0));
        // Given as the headcount, it is not turned into registered accounts.
        assert!(header.has(Column::Figure(Role::Students, SchoolFigure::Contingent)));
        assert_eq!(header.readings[3].column, None);
        assert!(
            header.readings[0]
                .why
                .contains("по сохраненной разметке №7")
        );
        assert!(header.repeats().is_empty());
        assert_eq!(
            header.key,
            "код школы | всего учеников | подтвержденные ученики | инн учредителя"
        );
    }
}
