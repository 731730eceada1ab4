//! What a letter and a notice say, assembled from reports: the values of the template's
//! placeholders, the list of who is below target, and the requisites.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use tsos_domain::chats::{ChatStanding, ChatState, PlatformClosing};
use tsos_domain::dates::next_monthly;
use tsos_domain::indicators::{Cutoff, Lagging, lagging, share};
use tsos_domain::{Indicator, IndicatorRow, Report, Role, Shortfall, Status, format_date_ru};
use tsos_report::ru;

use crate::settings::LetterSettings;
use crate::template::{Block, Context, TemplateError, TemplateKind, render};

/// The built-in wording, in the structure and tone of the letter tsos was born from.
pub const DEFAULT_TEMPLATE: &str = include_str!("../templates/letter.txt");

/// The built-in wording of a notice to a school (`tsos letter --print-notice-template`).
pub const DEFAULT_NOTICE_TEMPLATE: &str = include_str!("../templates/notice.txt");

/// At most this many lines name lagging organisations in the letter; the rest are in the
/// appendix.
const MAX_NAMED: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addressees {
    Schools,
    Municipalities,
}

/// Organisations an earlier letter named that are still below target.
#[derive(Clone, Debug, PartialEq)]
pub struct Repeated {
    pub number: String,
    pub date: Date,
    pub names: Vec<String>,
    /// Of `names`, those that gave no reply to their notice either (issue 16).
    pub unanswered: Vec<String>,
}

pub struct LetterInput<'a> {
    pub settings: &'a LetterSettings,
    pub number: String,
    pub date: Date,
    pub deadline: Date,
    pub to: Addressees,
    /// Region level: the overall figures.
    pub overall: &'a Report,
    /// School level (letters to schools) or municipality level: who is named.
    pub details: &'a Report,
    /// The yellow band the statuses were computed with, to say so in the letter.
    pub yellow_band_pp: f64,
    pub repeated: Vec<Repeated>,
    /// The official chats at the report's date, when a chats registry was imported.
    pub chats: Option<ChatRegister<'a>>,
}

/// The official chats at a letter's date and the closings of domestic platforms (`tsos chats
/// closing`): a letter and its notices count each chat as the report does
/// ([`ChatStanding`]), so that a chat on a platform being closed is neither domestic in the
/// letter's share nor left unnamed in a school's notice.
#[derive(Clone, Copy, Debug)]
pub struct ChatRegister<'a> {
    pub states: &'a [ChatState],
    pub closings: &'a [PlatformClosing],
}

impl ChatRegister<'_> {
    fn standing(&self, chat: &ChatState, as_of: Date) -> ChatStanding {
        ChatStanding::of(chat, self.closings, as_of)
    }

    /// Active chats on a platform being closed at `as_of`, with their deadlines.
    fn closing_open(&self, as_of: Date) -> impl Iterator<Item = (&ChatState, Date)> {
        self.states
            .iter()
            .filter(|c| c.active)
            .filter_map(move |c| match self.standing(c, as_of) {
                ChatStanding::Closing { deadline } => Some((c, deadline)),
                ChatStanding::Domestic | ChatStanding::Foreign => None,
            })
    }
}

/// A page of an official letter, whatever it says: requisites, title, text, signature.
#[derive(Clone, Debug, PartialEq)]
pub struct Paper {
    pub authority: String,
    pub number: String,
    pub date: Date,
    pub addressee: String,
    pub title: String,
    pub blocks: Vec<Block>,
    pub signatory_position: String,
    pub signatory_name: String,
    pub executor: Option<String>,
}

/// A letter ready to be written as DOCX or PDF.
#[derive(Clone, Debug, PartialEq)]
pub struct Letter {
    pub paper: Paper,
    /// Every lagging indicator, for the letters' registry and the follow-up.
    pub named: Vec<Shortfall>,
}

/// A notice to one school below target.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub school_id: String,
    pub school_name: String,
    pub paper: Paper,
}

/// Fills the template with the figures of `input`.
pub fn build_letter(input: &LetterInput<'_>, template: &str) -> Result<Letter, TemplateError> {
    let entries = lagging(input.details, None, None, Cutoff::Target);
    let context = context(input, &entries);
    let blocks = render(TemplateKind::Letter, template, &context)?;
    let named = entries.iter().map(Lagging::to_shortfall).collect();
    Ok(Letter {
        paper: Paper {
            authority: input.settings.authority.clone(),
            number: input.number.clone(),
            date: input.date,
            addressee: match input.to {
                Addressees::Schools => input.settings.addressee.clone(),
                Addressees::Municipalities => input.settings.addressee_municipalities.clone(),
            },
            title: format!(
                "О результатах мониторинга использования {} по состоянию на {}",
                platform_names(input.overall),
                format_date_ru(input.overall.as_of)
            ),
            blocks,
            signatory_position: input.settings.signatory_position.clone(),
            signatory_name: input.settings.signatory_name.clone(),
            executor: input.settings.executor.clone(),
        },
        named,
    })
}

/// The notices' own lists and the placeholders each item of a list has: the two openings
/// (each a list of one item or none, so that a template says which one it prints), the
/// indicators below target, and the chats left in foreign messengers.
const NOTICE_LISTS: [(&str, &[&str]); 6] = [
    ("ниже_цели", &[]),
    ("только_чаты", &[]),
    ("только_закрываемые", &[]),
    (
        "показатели",
        &[
            "показатель",
            "платформа",
            "роль",
            "доля",
            "активных",
            "контингент",
            "цель",
            "не_хватает",
        ],
    ),
    ("чаты", &["число", "список"]),
    ("закрываемые", &["число", "список", "срок_переноса"]),
];

/// The placeholders of a notice outside its lists.
const NOTICE_VALUES: [&str; 7] = [
    "наименование",
    "инн",
    "дата",
    "платформы",
    "срок",
    "номер_письма",
    "дата_письма",
];

/// A notice's context with every placeholder known and each list empty: what a template is
/// checked against before any school's notice is made, so that a typo is found even when no
/// school gets one.
fn notice_names() -> Context {
    let mut context = Context::default();
    for name in NOTICE_VALUES {
        context.values.insert(name.to_string(), String::new());
    }
    for (list, names) in NOTICE_LISTS {
        context.lists.insert(list.to_string(), Vec::new());
        context.item_names.insert(
            list.to_string(),
            names.iter().map(|n| n.to_string()).collect(),
        );
    }
    context
}

/// Checks a notice's template, every placeholder and loop, without a school: what
/// [`build_notices`] does first, and what a letter does before it writes anything.
pub fn check_notice_template(template: &str) -> Result<(), TemplateError> {
    render(TemplateKind::Notice, template, &notice_names()).map(drop)
}

/// One notice per school with an indicator below target (red), or with chats left in foreign
/// messengers, in the wording of `template` ([`DEFAULT_NOTICE_TEMPLATE`] unless the settings
/// name another): its own figures, target, gap, rank in the municipality, change since the
/// last snapshot, who leaves the window by the next monthly date when known, and the
/// deadline. The template is checked once before any notice is made.
pub fn build_notices(
    schools: &Report,
    settings: &LetterSettings,
    letter_number: &str,
    date: Date,
    deadline: Date,
    chats: Option<ChatRegister<'_>>,
    template: &str,
) -> Result<Vec<Notice>, TemplateError> {
    check_notice_template(template)?;
    let next = format_date_ru(next_monthly(schools.as_of));
    let mut notices = Vec::new();
    for row in &schools.rows {
        let mut indicators_below = Vec::new();
        for (idx, (platform, indicators)) in
            schools.platforms.iter().zip(&row.platforms).enumerate()
        {
            let Some(indicators) = indicators else {
                continue;
            };
            for role in Role::ALL {
                let indicator = indicators.get(role);
                if indicator.status != Status::Red {
                    continue;
                }
                let share = ru::percent(indicator.share);
                let active = ru::optional_integer(indicator.active);
                let contingent = ru::optional_integer(indicator.contingent);
                let target = ru::percent(indicator.target);
                let gap = ru::optional_integer(indicator.gap);
                let mut text = format!(
                    "{}, {}: {share} ({active} из {contingent}) при целевом значении {target}; не хватает {} пользователей: {gap}",
                    platform.platform.name,
                    role.title_ru(),
                    platform.platform.rule.counted_ru(),
                );
                if let Some((rank, of)) = indicator.rank.municipality {
                    text.push_str(&format!("; место в муниципалитете: {rank} из {of}"));
                }
                if let Some(delta) = indicator.delta_pp {
                    text.push_str(&format!(
                        "; изменение с прошлого среза: {} п.п.",
                        ru::delta_pp(Some(delta))
                    ));
                    // A change that spans an event names it, so that a jump is not taken
                    // for the school's own doing.
                    let events: Vec<String> = schools
                        .delta_events(row, idx)
                        .into_iter()
                        .map(|event| tsos_report::marks::line(schools, event))
                        .collect();
                    if !events.is_empty() {
                        text.push_str(&format!(" (в этот период: {})", events.join("; ")));
                    }
                }
                if let Some(leaving) = indicator.leaving.filter(|n| *n > 0) {
                    text.push_str(&format!(
                        "; к {next} выйдут из окна активности, если не зайдут: {}",
                        ru::integer(leaving)
                    ));
                }
                if !text.ends_with('.') {
                    text.push('.');
                }
                indicators_below.push(BTreeMap::from([
                    ("показатель".to_string(), text),
                    ("платформа".to_string(), platform.platform.name.clone()),
                    ("роль".to_string(), role.title_ru().to_string()),
                    ("доля".to_string(), share),
                    ("активных".to_string(), active),
                    ("контингент".to_string(), contingent),
                    ("цель".to_string(), target),
                    ("не_хватает".to_string(), gap),
                ]));
            }
        }
        let open: Vec<String> = chats
            .map(|c| c.states)
            .unwrap_or_default()
            .iter()
            .filter(|c| c.org.as_str() == row.id && !c.domestic && c.active)
            .map(|c| format!("«{}» ({})", c.name, c.platform))
            .collect();
        let closing: Vec<(&ChatState, Date)> = chats
            .iter()
            .flat_map(|c| c.closing_open(schools.as_of))
            .filter(|(c, _)| c.org.as_str() == row.id)
            .collect();
        if indicators_below.is_empty() && open.is_empty() && closing.is_empty() {
            continue;
        }
        let once = |yes: bool| -> Vec<BTreeMap<String, String>> {
            if yes {
                vec![BTreeMap::new()]
            } else {
                Vec::new()
            }
        };
        let mut context = notice_names();
        for (name, value) in [
            ("наименование", row.name.clone()),
            ("инн", row.id.clone()),
            ("дата", format_date_ru(schools.as_of)),
            ("платформы", platform_names(schools)),
            ("срок", format_date_ru(deadline)),
            ("номер_письма", letter_number.to_string()),
            ("дата_письма", format_date_ru(date)),
        ] {
            context.values.insert(name.to_string(), value);
        }
        let lists = [
            ("ниже_цели", once(!indicators_below.is_empty())),
            (
                "только_чаты",
                once(indicators_below.is_empty() && !open.is_empty()),
            ),
            (
                "только_закрываемые",
                once(indicators_below.is_empty() && open.is_empty()),
            ),
            (
                "чаты",
                match open.is_empty() {
                    true => Vec::new(),
                    false => vec![BTreeMap::from([
                        ("число".to_string(), open.len().to_string()),
                        ("список".to_string(), open.join(", ")),
                    ])],
                },
            ),
            (
                "закрываемые",
                match closing.iter().map(|(_, deadline)| *deadline).min() {
                    None => Vec::new(),
                    Some(deadline) => vec![BTreeMap::from([
                        ("число".to_string(), closing.len().to_string()),
                        (
                            "список".to_string(),
                            closing
                                .iter()
                                .map(|(c, _)| format!("«{}» ({})", c.name, c.platform))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                        ("срок_переноса".to_string(), format_date_ru(deadline)),
                    ])],
                },
            ),
            ("показатели", indicators_below),
        ];
        for (name, items) in lists {
            context.lists.insert(name.to_string(), items);
        }
        let blocks = render(TemplateKind::Notice, template, &context)?;
        notices.push(Notice {
            school_id: row.id.clone(),
            school_name: row.name.clone(),
            paper: Paper {
                authority: settings.authority.clone(),
                number: letter_number.to_string(),
                date,
                addressee: format!("Руководителю {}", row.name),
                title: "Уведомление о результатах мониторинга цифровой образовательной среды"
                    .into(),
                blocks,
                signatory_position: settings.signatory_position.clone(),
                signatory_name: settings.signatory_name.clone(),
                executor: settings.executor.clone(),
            },
        });
    }
    Ok(notices)
}

/// «ФГИС «Моя школа» и ИКОП «Сферум»»: the platforms the report has data for.
pub fn platform_names(report: &Report) -> String {
    let names: Vec<&str> = report
        .platforms
        .iter()
        .filter(|p| p.present)
        .map(|p| p.platform.name.as_str())
        .collect();
    match names.as_slice() {
        [] => "сервисов цифровой образовательной среды".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} и {last}", init.join(", ")),
    }
}

/// Every placeholder a letter can use, with its value.
/// The values of the template's placeholders; `entries` are the details' lagging lines.
fn context(input: &LetterInput<'_>, entries: &[Lagging<'_>]) -> Context {
    let mut values = BTreeMap::new();
    let mut put = |name: &str, value: String| {
        values.insert(name.to_string(), value);
    };
    let settings = input.settings;
    put("орган", settings.authority.clone());
    put("основание", settings.basis.clone());
    put("дата", format_date_ru(input.overall.as_of));
    put("срок", format_date_ru(input.deadline));
    put("номер_письма", input.number.clone());
    put("дата_письма", format_date_ru(input.date));
    put(
        "следующий_срез",
        format_date_ru(next_monthly(input.overall.as_of)),
    );

    // Overall figures: the sums of every region of the report.
    for (idx, platform) in input.overall.platforms.iter().enumerate() {
        let code = &platform.platform.code;
        put(&format!("платформа {code}"), platform.platform.name.clone());
        put(
            &format!("определение {code}"),
            platform.platform.rule.describe_ru(),
        );
        for role in Role::ALL {
            let key = |what: &str| format!("{what} {code}.{}", role.code());
            let total = overall(&input.overall.rows, idx, role);
            let no_data = || "нет данных".to_string();
            match total {
                Some(total) => {
                    put(&key("доля"), ru::percent(total.share));
                    put(&key("активные"), ru::optional_integer(total.active));
                    put(&key("контингент"), ru::optional_integer(total.contingent));
                    put(
                        &key("цель"),
                        total
                            .target
                            .map(|t| ru::percent(Some(t)))
                            .unwrap_or_else(|| "не установлена".into()),
                    );
                    put(
                        &key("изменение"),
                        total
                            .delta_pp
                            .map(|d| format!("{} п.п.", ru::delta_pp(Some(d))))
                            .unwrap_or_else(|| "—".into()),
                    );
                }
                None => {
                    for what in ["доля", "активные", "контингент", "цель", "изменение"]
                    {
                        put(&key(what), no_data());
                    }
                }
            }
        }
    }

    let details = input.details;
    let kind = match input.to {
        Addressees::Schools => (
            "общеобразовательных организаций",
            "общеобразовательная организация",
        ),
        Addressees::Municipalities => ("муниципальных образований", "муниципальное образование"),
    };
    let n_total = details.rows.len();
    let n_all_green = details.rows.iter().filter(|row| all_green(row)).count();
    let n_not_green = n_total - n_all_green;
    put("число_организаций", n_total.to_string());
    put(
        "оценка",
        match n_not_green * 10 {
            n if n >= n_total * 8 => "крайне низкий",
            n if n >= n_total * 4 => "недостаточный",
            _ => "в целом удовлетворительный",
        }
        .to_string(),
    );
    put(
        "итог",
        if n_all_green == 0 {
            format!(
                "Ни одна из {n_total} {} не достигла целевых значений всех показателей.",
                kind.0
            )
        } else {
            format!(
                "Целевых значений всех показателей достигли {n_all_green} из {n_total} {}.",
                kind.0
            )
        },
    );
    let n_orgs: BTreeSet<&str> = entries.iter().map(|e| e.row.id.as_str()).collect();
    put("число_отстающих", n_orgs.len().to_string());
    let band = ru::decimal(input.yellow_band_pp, 1);
    put(
        "перечень",
        if entries.is_empty() {
            "Показателей ниже целевых значений более чем на полосу допуска нет.".to_string()
        } else {
            format!(
                "Ниже целевых значений более чем на {band} п.п. находятся показатели {} из {n_total} {}:",
                n_orgs.len(),
                kind.0
            )
        },
    );
    put(
        "остальные",
        match entries.len().saturating_sub(MAX_NAMED) {
            0 => String::new(),
            more => format!("…и еще {more} показателей — см. приложение."),
        },
    );
    put("чаты", chats_sentence(input.chats, input.overall.as_of));
    put("события", events_sentence(input.overall));
    put("потоки", flows_sentence(input.overall));
    put(
        "повторно",
        input
            .repeated
            .iter()
            .map(|r| {
                format!(
                    "Повторно не выполнены требования письма от {} № {}: {}.",
                    format_date_ru(r.date),
                    r.number,
                    r.names.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
    );
    put(
        "без_ответа",
        input
            .repeated
            .iter()
            .filter(|r| !r.unanswered.is_empty())
            .map(|r| {
                format!(
                    "Не выполнили требования письма от {} № {} и не дали ответа на уведомление: {}.",
                    format_date_ru(r.date),
                    r.number,
                    r.unanswered.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
    );

    let several_municipalities = details
        .rows
        .iter()
        .map(|r| r.municipality.as_str())
        .collect::<BTreeSet<_>>()
        .len()
        > 1;
    let items: Vec<BTreeMap<String, String>> = entries
        .iter()
        .take(MAX_NAMED)
        .enumerate()
        .map(|(idx, entry)| item(idx + 1, entry, input.to, several_municipalities))
        .collect();
    // The fixed cut-off's list, when the settings give one.
    let below = match input.settings.cutoff {
        Some(cut) => lagging(details, None, None, Cutoff::Below(cut)),
        None => Vec::new(),
    };
    let n_below: BTreeSet<&str> = below.iter().map(|e| e.row.id.as_str()).collect();
    values.insert("число_ниже_порога".to_string(), n_below.len().to_string());
    values.insert(
        "порог".to_string(),
        input
            .settings
            .cutoff
            .map_or_else(|| "не задан".to_string(), |cut| ru::percent(Some(cut))),
    );
    let below_items: Vec<BTreeMap<String, String>> = below
        .iter()
        .take(MAX_NAMED)
        .enumerate()
        .map(|(idx, entry)| item(idx + 1, entry, input.to, several_municipalities))
        .collect();
    let item_names: BTreeSet<String> = ITEM_NAMES.iter().map(|n| n.to_string()).collect();
    Context {
        values,
        lists: BTreeMap::from([
            ("отстающие".to_string(), items),
            ("ниже_порога".to_string(), below_items),
        ]),
        item_names: BTreeMap::from([
            ("отстающие".to_string(), item_names.clone()),
            ("ниже_порога".to_string(), item_names),
        ]),
    }
}

/// The placeholders of one pass of `{{#отстающие}}`.
const ITEM_NAMES: [&str; 9] = [
    "номер",
    "наименование",
    "инн",
    "муниципалитет",
    "где",
    "показатель",
    "доля",
    "цель",
    "не_хватает",
];

fn item(
    number: usize,
    entry: &Lagging<'_>,
    to: Addressees,
    where_: bool,
) -> BTreeMap<String, String> {
    let indicator = &entry.indicator;
    let place = match to {
        Addressees::Schools if where_ => format!(" ({})", entry.row.municipality),
        _ => String::new(),
    };
    BTreeMap::from([
        ("номер".to_string(), number.to_string()),
        ("наименование".to_string(), entry.row.name.clone()),
        ("инн".to_string(), entry.row.id.clone()),
        ("муниципалитет".to_string(), entry.row.municipality.clone()),
        ("где".to_string(), place),
        (
            "показатель".to_string(),
            format!("{}, {}", entry.platform.name, entry.role.title_ru()),
        ),
        ("доля".to_string(), ru::percent(indicator.share)),
        ("цель".to_string(), ru::percent(indicator.target)),
        (
            "не_хватает".to_string(),
            ru::optional_integer(indicator.gap),
        ),
    ])
}

/// The events the overall changes span, in a sentence: empty where there are none, so that
/// a letter without events reads as before.
fn events_sentence(overall: &Report) -> String {
    let mut seen: Vec<&tsos_domain::Event> = Vec::new();
    for row in &overall.rows {
        for event in overall.row_events(row) {
            if !seen.contains(&event) {
                seen.push(event);
            }
        }
    }
    if seen.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = seen
        .iter()
        .map(|event| tsos_report::marks::line(overall, event))
        .collect();
    format!(
        "Изменения показателей с прошлого среза охватывают {}: {}. Скачок показателя в этот период может объясняться {}, а не работой организаций.",
        if lines.len() == 1 {
            "событие"
        } else {
            "события"
        },
        lines.join("; "),
        if lines.len() == 1 { "им" } else { "ими" },
    )
}

/// The user flows of the whole area since the previous monthly snapshot, per platform and
/// role that has them (SPEC §7): empty where none has, so that a letter without flows reads
/// as before.
fn flows_sentence(overall: &Report) -> String {
    let titles = tsos_report::labels::FLOW_TITLES;
    let mut parts = Vec::new();
    for (idx, platform) in overall.platforms.iter().enumerate() {
        for role in Role::ALL {
            let mut sum: Option<tsos_domain::Flows> = None;
            for row in &overall.rows {
                if let Some(flows) = row
                    .platforms
                    .get(idx)
                    .and_then(Option::as_ref)
                    .and_then(|p| p.get(role).flows)
                {
                    sum.get_or_insert_default().add(flows);
                }
            }
            let Some(sum) = sum.filter(|f| f.active_now() + f.active_before() > 0) else {
                continue;
            };
            let values = tsos_report::labels::flow_values(&sum);
            let counts: Vec<String> = titles
                .iter()
                .zip(values)
                .map(|(title, n)| format!("{title} – {}", ru::integer(n)))
                .collect();
            let since = platform
                .previous
                .map(|d| format!(" (с {})", format_date_ru(d)))
                .unwrap_or_default();
            parts.push(format!(
                "{}{since}, {}: {}",
                platform.platform.name,
                role.title_ru(),
                counts.join(", ")
            ));
        }
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        "Пользователи с прошлого месячного среза: {}. Новые – впервые активны, вернувшиеся – активны ранее, но не в прошлом месяце, ушедшие – активны в прошлом месяце, но не сейчас.",
        parts.join("; ")
    )
}

/// What the chats registry says, for the letter: the chats still open in foreign messengers,
/// the share on domestic platforms (a platform being closed is not one, as in the report) and
/// the chats left on a platform being closed with its deadline; empty without a registry.
fn chats_sentence(chats: Option<ChatRegister<'_>>, as_of: Date) -> String {
    let Some(register) = chats.filter(|c| !c.states.is_empty()) else {
        return String::new();
    };
    let chats = register.states;
    let foreign: Vec<&ChatState> = chats.iter().filter(|c| !c.domestic && c.active).collect();
    let domestic = chats
        .iter()
        .filter(|c| register.standing(c, as_of) == ChatStanding::Domestic)
        .count();
    let share = ru::percent(share(Some(domestic as u64), Some(chats.len() as u64)));
    let closing: Vec<(&ChatState, Date)> = register.closing_open(as_of).collect();
    // The prepositional case: «в 1 организации», «в 2 организациях».
    let in_schools = |n: u64| {
        format!(
            "в {n} {}",
            ru::plural(n, "организации", "организациях", "организациях")
        )
    };
    let mut text = if foreign.is_empty() && closing.is_empty() {
        format!(
            "По данным реестра официальных чатов на {} все служебные чаты ведутся на отечественных платформах ({share}).",
            format_date_ru(as_of)
        )
    } else if foreign.is_empty() {
        format!(
            "По данным реестра официальных чатов на {} служебных чатов в иностранных мессенджерах нет; доля чатов на отечественных платформах – {share}.",
            format_date_ru(as_of)
        )
    } else {
        let schools: BTreeSet<&str> = foreign.iter().map(|c| c.org.as_str()).collect();
        format!(
            "По данным реестра официальных чатов на {} служебных чатов в иностранных мессенджерах – {} ({}); доля чатов на отечественных платформах – {share}.",
            format_date_ru(as_of),
            foreign.len(),
            in_schools(schools.len() as u64),
        )
    };
    if !closing.is_empty() {
        let schools: BTreeSet<&str> = closing.iter().map(|(c, _)| c.org.as_str()).collect();
        let platforms: BTreeSet<(&str, Date)> =
            closing.iter().map(|(c, d)| (c.platform, *d)).collect();
        let n = closing.len() as u64;
        text.push_str(&format!(
            " На закрываемых платформах остаются {n} {} ({}): {}.",
            ru::plural(n, "чат", "чата", "чатов"),
            in_schools(schools.len() as u64),
            platforms
                .iter()
                .map(|(platform, deadline)| format!(
                    "{platform} – перенести до {}",
                    format_date_ru(*deadline)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    text
}

/// A row whose every indicator with a target is green.
fn all_green(row: &IndicatorRow) -> bool {
    row.platforms
        .iter()
        .flatten()
        .flat_map(|p| Role::ALL.map(|r| p.get(r).status))
        .all(|status| matches!(status, Status::Green | Status::None))
}

/// The sums over every region row of the report, with the share of the sums.
fn overall(rows: &[IndicatorRow], platform_idx: usize, role: Role) -> Option<Indicator> {
    let mut total: Option<Indicator> = None;
    for row in rows {
        let Some(indicators) = row.platforms.get(platform_idx).and_then(Option::as_ref) else {
            continue;
        };
        let one = indicators.get(role);
        let sum = total.get_or_insert_with(|| Indicator {
            target: one.target,
            delta_pp: one.delta_pp,
            ..Indicator::default()
        });
        if let Some(active) = one.active {
            sum.active = Some(sum.active.unwrap_or(0) + active);
        }
        sum.contingent = match (sum.contingent, one.contingent) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        if rows.len() > 1 {
            // A change over several regions is not a sum of changes.
            sum.delta_pp = None;
        }
    }
    total.map(|mut sum| {
        sum.share = share(sum.active, sum.contingent);
        sum
    })
}
