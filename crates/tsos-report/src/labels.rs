//! Words more than one output shows, written once: the table, the CSV, the XLSX appendix and
//! the web dashboard call a thing by the same words.

use tsos_domain::platform::{ActiveRule, Platform};

/// The registry of schools, as a dataset is named to a person.
pub const REGISTRY: &str = "Реестр ОО";

/// A measure of an indicator, shown as a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Registered,
    Confirmed,
    Active,
    Share,
    Delta,
    Target,
    Status,
    Gap,
    RankMunicipality,
    RankRegion,
    Leaving,
}

impl Measure {
    /// The column's title where the cell carries its own unit (XLSX percent cells, pages).
    pub fn title(self) -> &'static str {
        match self {
            Measure::Registered => "Зарегистрировано",
            Measure::Confirmed => "Подтверждено",
            Measure::Active => "Активных",
            Measure::Share => "Доля активных",
            Measure::Delta => "Изменение, п.п.",
            Measure::Target => "Цель",
            Measure::Status => "Статус",
            Measure::Gap => "Не хватает до цели",
            Measure::RankMunicipality => "Место в МО",
            Measure::RankRegion => "Место в регионе",
            Measure::Leaving => "Выбудут к следующему срезу",
        }
    }

    /// The column's title for a platform counted by `rule`: where it counts connected
    /// accounts (MAX), its users are «подключенных», not «активных».
    pub fn title_for(self, rule: &ActiveRule) -> &'static str {
        match (self, rule.is_connected()) {
            (Measure::Active, true) => "Подключенных",
            (Measure::Share, true) => "Доля подключенных",
            (other, _) => other.title(),
        }
    }

    /// The column's title in a CSV, after its indicator: lower case, and with the unit where
    /// the number is a percent, since a CSV cell has no format to say it.
    pub fn csv_title_for(self, rule: &ActiveRule) -> String {
        match self {
            Measure::Share => "доля, %".to_string(),
            Measure::Target => "цель, %".to_string(),
            // «МО» stays upper case.
            Measure::RankMunicipality => "место в МО".to_string(),
            other => lowercase_first(other.title_for(rule)),
        }
    }
}

/// Who a share counts, for the sentence that says what a share is: «активные», and where a
/// platform of `connected` rule is among `platforms` (MAX), «активные (подключенные)».
pub fn share_counts<'a>(mut platforms: impl Iterator<Item = &'a Platform>) -> &'static str {
    if platforms.any(|p| p.rule.is_connected()) {
        "активные (подключенные)"
    } else {
        "активные"
    }
}

/// What a platform's figures count, as the note under a table or page says it: «Активные,
/// ФГИС «Моя школа»: хотя бы один раз авторизовались…».
pub fn rule_note(platform: &Platform) -> String {
    let who = if platform.rule.is_connected() {
        "Подключенные"
    } else {
        "Активные"
    };
    format!("{who}, {}: {}.", platform.name, platform.rule.describe_ru())
}

/// The title of the section or sheet of counts of use (lessons, marks…).
pub const COUNTS_TITLE: &str = "Счетчики использования";

/// A measure of a count of use, shown as a column after the count's own title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountMeasure {
    Value,
    Per100Students,
    PerTeacher,
    Delta,
    DeltaPct,
}

impl CountMeasure {
    pub const ALL: [CountMeasure; 5] = [
        CountMeasure::Value,
        CountMeasure::Per100Students,
        CountMeasure::PerTeacher,
        CountMeasure::Delta,
        CountMeasure::DeltaPct,
    ];

    /// The column's title, after the count's (the value's column is the count's title).
    pub fn title(self) -> &'static str {
        match self {
            CountMeasure::Value => "всего",
            CountMeasure::Per100Students => "на 100 обуч.",
            CountMeasure::PerTeacher => "на 1 пед.",
            CountMeasure::Delta => "изменение",
            CountMeasure::DeltaPct => "изменение, %",
        }
    }
}

/// The text with its first letter in upper case: «педагоги» → «Педагоги».
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A count's rate as people read it: «уроков проведено на 1 педагога»; `count` is the count's
/// stored name (a mapped count is called by it).
pub fn rate_title(count: &str, rate: tsos_domain::CountRate) -> String {
    format!(
        "{} {}",
        lowercase_first(&tsos_domain::counts::count_title(count, count)),
        rate.title_ru()
    )
}

/// An indicator as people read it: «ФГИС «Моя школа», педагоги», «ФГИС «Моя школа»: уроков
/// проведено на 1 педагога»; a platform the catalogue does not know by its code.
pub fn indicator_title(
    catalogue: &tsos_domain::Catalogue,
    indicator: &tsos_domain::IndicatorId,
) -> String {
    let platform = catalogue
        .get(indicator.platform())
        .map_or(indicator.platform(), |p| p.name.as_str());
    match indicator {
        tsos_domain::IndicatorId::Share { role, .. } => format!("{platform}, {}", role.title_ru()),
        tsos_domain::IndicatorId::Rate { count, rate, .. } => {
            format!("{platform}: {}", rate_title(count, *rate))
        }
    }
}

/// A target in one line, as the command line lists it and the audit log keeps it:
/// «myschool.count.lessons.per_teacher (ФГИС «Моя школа»: уроков проведено на 1 педагога) = 20
/// с 01.09.2023, все уровни»; a share's id is words enough.
pub fn target_line(target: &tsos_domain::Target, catalogue: &tsos_domain::Catalogue) -> String {
    let words = match &target.indicator {
        tsos_domain::IndicatorId::Share { .. } => String::new(),
        rate @ tsos_domain::IndicatorId::Rate { .. } => {
            format!(" ({})", indicator_title(catalogue, rate))
        }
    };
    format!(
        "{}{words} = {} с {}, {}",
        target.indicator,
        target_value(&target.indicator, target.value),
        tsos_domain::format_date_ru(target.from),
        match target.level {
            Some(level) => format!("уровень: {}", level.title_ru()),
            None => "все уровни".to_string(),
        }
    )
}

/// A target's value as people read it: a share's in percent («90,0 %»), a rate's as the
/// number it is («20», «12,5»).
pub fn target_value(indicator: &tsos_domain::IndicatorId, value: f64) -> String {
    match indicator {
        tsos_domain::IndicatorId::Share { .. } => crate::ru::percent(Some(value)),
        tsos_domain::IndicatorId::Rate { .. } => crate::ru::short_decimal(value),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The marker put next to a Δ that spans a dated event; the events are listed beside.
pub const EVENT_MARK: &str = "*";

/// The title of the list of events under a table, of the XLSX sheet and of the page.
pub const EVENTS_TITLE: &str = "События";

/// One event as every output names it: «01.04.2024 — регион «…», ФГИС «Моя школа»: текст».
/// `platform` is the platform's name, `None` for an event of every platform.
pub fn event_line(event: &tsos_domain::Event, platform: Option<&str>) -> String {
    format!(
        "{} — {}, {}: {}",
        tsos_domain::format_date_ru(event.date),
        event.scope.title_ru(),
        platform.unwrap_or("все платформы"),
        event.text.as_str()
    )
}

/// The four flows as every output names them, in the order they are shown.
pub const FLOW_TITLES: [&str; 4] = ["новые", "вернувшиеся", "удержанные", "ушедшие"];

/// The numbers of [`FLOW_TITLES`], in their order.
pub fn flow_values(flows: &tsos_domain::Flows) -> [u64; 4] {
    [flows.new, flows.returned, flows.retained, flows.lost]
}

/// Once per report: why the platforms present at its date have no user flows, or `None`
/// where every one has them.
pub fn flows_absent_line(report: &tsos_domain::Report) -> Option<String> {
    let reasons: Vec<String> = report
        .platforms
        .iter()
        .filter(|p| p.present && p.imported)
        .filter_map(|p| {
            let absence = p.flows_absent?;
            Some(format!("{} — {}", p.platform.name, absence.title_ru()))
        })
        .collect();
    (!reasons.is_empty()).then(|| {
        format!(
            "Потоки пользователей ({}) не рассчитаны: {}.",
            FLOW_TITLES.join(", "),
            reasons.join("; ")
        )
    })
}
