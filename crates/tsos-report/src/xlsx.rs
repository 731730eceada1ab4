//! `tsos report --format xlsx`: the XLSX appendix of the monthly letter (SPEC §9) — one sheet
//! per level, a title with the date, a note on what the figures mean, a frozen two-row header
//! with an autofilter, counts and shares as numbers (shares percent-formatted), traffic-light
//! fills, a totals row, and a print setup for A4 landscape.
//!
//! Sheets are written row by row in constant-memory mode: a region of 40,000 schools would
//! otherwise hold millions of cells in memory until the file is saved.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use tsos_domain::indicators::total_row;
use tsos_domain::{
    CountRate, Indicator, IndicatorRow, Level, Report, ReportPlatform, Role, Status, format_date_ru,
};

use crate::labels::{COUNTS_TITLE, CountMeasure, EVENT_MARK, EVENTS_TITLE, Measure, capitalised};
use crate::marks;

/// Rows of every sheet (zero-based): the title, the note, the platform and role groups, the
/// measure names, then the data.
const TITLE_ROW: u32 = 0;
const NOTE_ROW: u32 = 1;
const GROUP_ROW: u32 = 2;
const HEADER_ROW: u32 = 3;
const FIRST_DATA_ROW: u32 = 4;

/// Row heights in points. Excel never grows a merged cell or a row of explicit height to fit
/// wrapped text, so the heights are set here.
const TITLE_HEIGHT: f64 = 24.0;
const LINE_HEIGHT: f64 = 15.0;
const GROUP_HEIGHT: f64 = 32.0;
const HEADER_HEIGHT: f64 = 48.0;

/// A4 in Excel's paper codes.
const PAPER_A4: u8 = 9;

/// The traffic lights: Excel's own "good", "neutral" and "bad" cell styles, so the colours read
/// as they do in any other official spreadsheet.
const GREEN_FILL: u32 = 0xC6EFCE;
const GREEN_TEXT: u32 = 0x006100;
const YELLOW_FILL: u32 = 0xFFEB9C;
const YELLOW_TEXT: u32 = 0x9C5700;
const RED_FILL: u32 = 0xFFC7CE;
const RED_TEXT: u32 = 0x9C0006;
const HEADER_FILL: u32 = 0xDDEBF7;

/// The appendix: one sheet per report, in the order given (normally school, municipality,
/// region for the same date).
pub fn to_bytes(reports: &[Report]) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    for report in reports {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        write_sheet(sheet, report, &formats)?;
    }
    for report in reports {
        for (platform, _) in report
            .platforms
            .iter()
            .enumerate()
            .filter(|(_, p)| p.present && !p.counts.is_empty())
        {
            let sheet = workbook.add_worksheet_with_constant_memory()?;
            write_counts_sheet(sheet, report, platform, &formats)?;
        }
    }
    let mut events: Vec<(String, String)> = Vec::new();
    for report in reports {
        for listed in marks::listed(report) {
            if !events.contains(&listed) {
                events.push(listed);
            }
        }
    }
    if !events.is_empty() {
        write_events(workbook.add_worksheet(), &events, &formats)?;
    }
    workbook.save_to_buffer()
}

/// The sheet's name by level.
fn sheet_name(level: Level) -> &'static str {
    match level {
        Level::School => "ОО",
        Level::Municipality => "Муниципалитеты",
        Level::Region => "Регион",
    }
}

/// What a column shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// ИНН, as text: it is an identifier, and a number would lose the leading zero.
    Id,
    Name,
    Municipality,
    Schools,
    Contingent(Role),
    /// A measure of the indicator of `report.platforms[platform]` and a role.
    Indicator {
        platform: usize,
        role: Role,
        measure: Measure,
    },
    /// The dated events the row's changes span, with their numbers.
    Events,
    /// A measure of the count of use `report.platforms[platform].counts[count]`.
    Use {
        platform: usize,
        count: usize,
        measure: CountMeasure,
    },
}

struct SheetColumn {
    field: Field,
    /// The label above the column in the group row; columns with the same label side by side
    /// share one merged cell. `None`: the column's title spans both header rows.
    group: Option<String>,
    title: String,
    width: f64,
}

/// The columns of a report, and the index of the column panes are frozen to the right of.
fn columns(report: &Report) -> (Vec<SheetColumn>, u16) {
    let plain = |field, title: &str, width| SheetColumn {
        field,
        group: None,
        title: title.to_string(),
        width,
    };
    let (mut columns, name_col) = match report.level {
        Level::School => (
            vec![
                plain(Field::Id, "ИНН", 13.0),
                plain(Field::Name, "Наименование ОО", 40.0),
                plain(Field::Municipality, "Муниципальное образование", 28.0),
            ],
            1,
        ),
        Level::Municipality => (
            vec![
                plain(Field::Name, "Муниципальное образование", 30.0),
                plain(Field::Schools, "Количество ОО", 12.0),
            ],
            0,
        ),
        Level::Region => (
            vec![
                plain(Field::Name, "Регион", 30.0),
                plain(Field::Schools, "Количество ОО", 12.0),
            ],
            0,
        ),
    };
    let roles = crate::shown_roles(report);
    for &role in &roles {
        let title = capitalised(role.title_ru());
        columns.push(SheetColumn {
            field: Field::Contingent(role),
            group: Some("Контингент".to_string()),
            width: header_width(&title),
            title,
        });
    }
    for (platform_idx, platform) in report.platforms.iter().enumerate() {
        if !platform.present {
            continue;
        }
        for &role in &roles {
            let any = |has: fn(&Indicator) -> bool| {
                report
                    .rows
                    .iter()
                    .any(|row| indicator(row, platform_idx, role).is_some_and(has))
            };
            let mut measures = Vec::new();
            // A per-school export may give no registered users, and only per-user exports give
            // who leaves the window: a column nobody has would be blank from top to bottom.
            if any(|i| i.registered.is_some()) {
                measures.push(Measure::Registered);
            }
            if platform.platform.rule.requires_confirmed {
                measures.push(Measure::Confirmed);
            }
            measures.extend([
                Measure::Active,
                Measure::Share,
                Measure::Delta,
                Measure::Target,
                Measure::Status,
                Measure::Gap,
            ]);
            match report.level {
                Level::School => measures.extend([Measure::RankMunicipality, Measure::RankRegion]),
                Level::Municipality => measures.push(Measure::RankRegion),
                Level::Region => {}
            }
            if any(|i| i.leaving.is_some()) {
                measures.push(Measure::Leaving);
            }
            let group = format!("{} — {}", platform.platform.name, role.title_ru());
            for measure in measures {
                columns.push(SheetColumn {
                    field: Field::Indicator {
                        platform: platform_idx,
                        role,
                        measure,
                    },
                    group: Some(group.clone()),
                    title: measure.title_for(&platform.platform.rule).to_string(),
                    width: header_width(measure.title_for(&platform.platform.rule)),
                });
            }
        }
    }
    if !marks::listed(report).is_empty() {
        columns.push(SheetColumn {
            field: Field::Events,
            group: None,
            title: EVENTS_TITLE.to_string(),
            width: 60.0,
        });
    }
    (columns, name_col)
}

/// Teachers and students always; parents only where some row has a parents' share, that is
/// where a parents contingent exists (SPEC §6).
/// Wide enough for the longest word of a wrapped header, within 12–40 characters.
fn header_width(title: &str) -> f64 {
    let longest = title
        .split_whitespace()
        .map(|word| word.chars().count())
        .max()
        .unwrap_or(0);
    (longest as f64 + 2.0).clamp(12.0, 40.0)
}

fn indicator(row: &IndicatorRow, platform: usize, role: Role) -> Option<&Indicator> {
    row.platforms
        .get(platform)
        .and_then(Option::as_ref)
        .map(|p| p.get(role))
}

/// Formats of the cells of one kind of row: the data rows, or the totals row.
struct CellFormats {
    text: Format,
    count: Format,
    percent: Format,
    delta: Format,
    /// A rate of a count of use: «12,3».
    rate: Format,
    /// A change of a count of use, signed: «+1 234».
    change: Format,
}

struct Formats {
    title: Format,
    note: Format,
    header: Format,
    body: CellFormats,
    total: CellFormats,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let body = CellFormats {
            text: cell.clone(),
            count: cell.clone().set_num_format("#,##0"),
            percent: cell.clone().set_num_format("0.0%"),
            delta: cell.clone().set_num_format("+0.0;-0.0;0.0"),
            rate: cell.clone().set_num_format("0.0"),
            change: cell.clone().set_num_format("+#,##0;-#,##0;0"),
        };
        let total = |format: &Format| {
            format
                .clone()
                .set_bold()
                .set_border_top(FormatBorder::Medium)
        };
        let total = CellFormats {
            text: total(&body.text),
            count: total(&body.count),
            percent: total(&body.percent),
            delta: total(&body.delta),
            rate: total(&body.rate),
            change: total(&body.change),
        };
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::VerticalCenter),
            note: Format::new()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_font_size(10),
            header: cell
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(HEADER_FILL)),
            body,
            total,
        }
    }
}

/// `format` with the fill and text colour of a status. The fill is part of the cell's own
/// format rather than a conditional format, so every viewer and printer shows it.
fn lit(format: &Format, status: Status) -> Format {
    let (fill, text) = match status {
        Status::Green => (GREEN_FILL, GREEN_TEXT),
        Status::Yellow => (YELLOW_FILL, YELLOW_TEXT),
        Status::Red => (RED_FILL, RED_TEXT),
        Status::None => return format.clone(),
    };
    format
        .clone()
        .set_background_color(Color::RGB(fill))
        .set_font_color(Color::RGB(text))
}

/// Beyond this many columns, fitting a sheet to one A4 page wide makes its text unreadable.
const MAX_COLUMNS_ON_ONE_PAGE: usize = 24;

fn write_sheet(sheet: &mut Worksheet, report: &Report, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(sheet_name(report.level))?;
    let (columns, name_col) = columns(report);
    write_table(
        sheet,
        report,
        &columns,
        name_col,
        &title(report),
        &note(report),
        formats,
    )
}

/// The sheet of a platform's counts of use at a level: the rows' names and contingent, then
/// each count with its rates and change.
fn write_counts_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    platform: usize,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let code = &report.platforms[platform].platform.code;
    let short = match report.level {
        Level::School => "ОО",
        Level::Municipality => "МО",
        Level::Region => "регион",
    };
    // Excel's limit is 31 characters; a platform's code is short.
    let name: String = format!("Счетчики {short} {code}")
        .chars()
        .take(31)
        .collect();
    sheet.set_name(name)?;
    let (mut columns, name_col) = columns(report);
    columns.retain(|c| {
        matches!(
            c.field,
            Field::Id | Field::Name | Field::Municipality | Field::Schools
        ) || matches!(c.field, Field::Contingent(Role::Teachers | Role::Students))
    });
    for (nth, count) in report.platforms[platform].counts.iter().enumerate() {
        for measure in CountMeasure::ALL {
            columns.push(SheetColumn {
                field: Field::Use {
                    platform,
                    count: nth,
                    measure,
                },
                group: Some(count.title.clone()),
                title: capitalised(measure.title()),
                width: header_width(measure.title()),
            });
        }
    }
    let platform_name = &report.platforms[platform].platform.name;
    let title = format!(
        "{COUNTS_TITLE}: {platform_name} на {}",
        format_date_ru(report.as_of)
    );
    let since = report.platforms[platform]
        .previous
        .map(|date| format!(" (с {})", format_date_ru(date)))
        .unwrap_or_default();
    let note = format!(
        "Счетчики — числа, а не доли: у муниципалитета и региона — суммы по школам. На 100 обучающихся и на 1 педагога — по контингенту реестра, пусто без него. Изменение — с прошлого среза платформы{since}."
    );
    write_table(sheet, report, &columns, name_col, &title, &note, formats)
}

/// A sheet of `columns` over the rows of `report`: the title, the note, the two header rows,
/// the data and, below school and municipality level, the totals row.
fn write_table(
    sheet: &mut Worksheet,
    report: &Report,
    columns: &[SheetColumn],
    name_col: u16,
    title: &str,
    note: &str,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let last_col = (columns.len() - 1) as u16;
    let last_data_row = HEADER_ROW + report.rows.len() as u32;

    for (idx, column) in columns.iter().enumerate() {
        sheet.set_column_width(idx as u16, column.width)?;
    }
    sheet.set_landscape();
    sheet.set_paper_size(PAPER_A4);
    // One page wide when the columns still read at that scale; a wide sheet (two platforms,
    // three roles) prints across pages instead, its names repeated on each.
    if columns.len() <= MAX_COLUMNS_ON_ONE_PAGE {
        sheet.set_print_fit_to_pages(1, 0);
    } else {
        sheet.set_repeat_columns(0, name_col)?;
    }
    sheet.set_repeat_rows(GROUP_ROW, HEADER_ROW)?;
    sheet.set_freeze_panes(FIRST_DATA_ROW, name_col + 1)?;
    // The totals row stays outside the filter, so sorting never moves it among the schools.
    sheet.autofilter(HEADER_ROW, 0, last_data_row, last_col)?;

    sheet.set_row_height(TITLE_ROW, TITLE_HEIGHT)?;
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last_col, title, &formats.title)?;

    let table_width: f64 = columns.iter().map(|c| c.width).sum();
    let lines: f64 = note
        .lines()
        .map(|line| (line.chars().count() as f64 / table_width).ceil().max(1.0))
        .sum();
    sheet.set_row_height(NOTE_ROW, lines * LINE_HEIGHT)?;
    sheet.merge_range(NOTE_ROW, 0, NOTE_ROW, last_col, note, &formats.note)?;

    write_header(sheet, columns, &formats.header)?;

    for (offset, row) in report.rows.iter().enumerate() {
        write_row(
            sheet,
            FIRST_DATA_ROW + offset as u32,
            columns,
            row,
            &formats.body,
            &report.platforms,
            Some(report),
        )?;
    }
    if report.level != Level::Region && !report.rows.is_empty() {
        let totals = totals(report);
        write_row(
            sheet,
            last_data_row + 1,
            columns,
            &totals,
            &formats.total,
            &report.platforms,
            None,
        )?;
    }
    Ok(())
}

/// «Мониторинг использования ФГИС «Моя школа» и ИКОП «Сферум» по состоянию на 01.10.2023».
fn title(report: &Report) -> String {
    let names: Vec<&str> = report
        .platforms
        .iter()
        .filter(|p| p.present)
        .map(|p| p.platform.name.as_str())
        .collect();
    let platforms = match names.split_last() {
        None => "цифровых платформ".to_string(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} и {last}", rest.join(", ")),
    };
    format!(
        "Мониторинг использования {platforms} по состоянию на {}",
        format_date_ru(report.as_of)
    )
}

/// What the figures mean: who counts as active on each platform, and what the change is.
fn note(report: &Report) -> String {
    let present: Vec<_> = report.platforms.iter().filter(|p| p.present).collect();
    let mut lines = Vec::new();
    if !present.is_empty() {
        let rules: Vec<String> = present
            .iter()
            .map(|p| format!("{} — {}", p.platform.name, p.platform.rule.describe_ru()))
            .collect();
        let who = crate::labels::share_counts(present.iter().map(|p| &p.platform));
        lines.push(format!(
            "{} пользователи: {}. Доля — {who} пользователи от контингента.",
            capitalised(who),
            rules.join("; "),
        ));
    }
    let previous: Vec<String> = present
        .iter()
        .filter_map(|p| {
            p.previous
                .map(|date| format!("{} — с {}", p.platform.name, format_date_ru(date)))
        })
        .collect();
    let since = if previous.is_empty() {
        String::new()
    } else {
        format!(" ({})", previous.join(", "))
    };
    lines.push(format!(
        "Изменение — разница долей со скользящим окном, а не число новых пользователей{since}."
    ));
    let absent: Vec<&str> = report
        .platforms
        .iter()
        .filter(|p| !p.present && p.imported)
        .map(|p| p.platform.name.as_str())
        .collect();
    if !absent.is_empty() {
        lines.push(format!("Нет данных на эту дату: {}.", absent.join(", ")));
    }
    if !marks::listed(report).is_empty() {
        lines.push(format!(
            "{EVENT_MARK}N у изменения — оно охватывает событие N (столбец и лист «{EVENTS_TITLE}»), и скачок может объясняться им."
        ));
    }
    lines.join("\n")
}

/// The sheet «События»: each event a table marks, with its number.
fn write_events(
    sheet: &mut Worksheet,
    events: &[(String, String)],
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(EVENTS_TITLE)?;
    sheet.set_column_width(0, 8.0)?;
    sheet.set_column_width(1, 100.0)?;
    sheet.write_string_with_format(0, 0, "№", &formats.header)?;
    sheet.write_string_with_format(0, 1, "Событие", &formats.header)?;
    for (offset, (mark, line)) in events.iter().enumerate() {
        let at = 1 + offset as u32;
        sheet.write_string_with_format(at, 0, mark, &formats.body.text)?;
        sheet.write_string_with_format(at, 1, line, &formats.body.text)?;
    }
    Ok(())
}

/// Two header rows: groups (contingent, platform and role) over measure names; a column
/// without a group has one title over both rows.
fn write_header(
    sheet: &mut Worksheet,
    columns: &[SheetColumn],
    format: &Format,
) -> Result<(), XlsxError> {
    sheet.set_row_height(GROUP_ROW, GROUP_HEIGHT)?;
    sheet.set_row_height(HEADER_ROW, HEADER_HEIGHT)?;
    let mut start = 0;
    while start < columns.len() {
        let group = &columns[start].group;
        let end = start
            + columns[start..]
                .iter()
                .take_while(|c| group.is_some() && &c.group == group)
                .count()
                .max(1)
            - 1;
        let (first, last) = (start as u16, end as u16);
        match group {
            None => {
                sheet.merge_range(
                    GROUP_ROW,
                    first,
                    HEADER_ROW,
                    first,
                    &columns[start].title,
                    format,
                )?;
            }
            Some(label) if first == last => {
                sheet.write_string_with_format(GROUP_ROW, first, label, format)?;
            }
            Some(label) => {
                sheet.merge_range(GROUP_ROW, first, GROUP_ROW, last, label, format)?;
            }
        }
        start = end + 1;
    }
    for (idx, column) in columns.iter().enumerate() {
        if column.group.is_some() {
            sheet.write_string_with_format(HEADER_ROW, idx as u16, &column.title, format)?;
        }
    }
    Ok(())
}

fn write_row(
    sheet: &mut Worksheet,
    at: u32,
    columns: &[SheetColumn],
    row: &IndicatorRow,
    formats: &CellFormats,
    platforms: &[ReportPlatform],
    // The report of a data row, for its events; `None` for the totals row, which has none.
    events_of: Option<&Report>,
) -> Result<(), XlsxError> {
    for (idx, column) in columns.iter().enumerate() {
        let col = idx as u16;
        let text = |sheet: &mut Worksheet, value: &str| -> Result<(), XlsxError> {
            if value.is_empty() {
                sheet.write_blank(at, col, &formats.text)?;
            } else {
                sheet.write_string_with_format(at, col, value, &formats.text)?;
            }
            Ok(())
        };
        let number = |sheet: &mut Worksheet, value: Option<f64>, format: &Format| {
            match value {
                Some(value) => sheet.write_number_with_format(at, col, value, format),
                None => sheet.write_blank(at, col, format),
            }
            .map(|_| ())
        };
        let count = |value: Option<u64>| value.map(|v| v as f64);
        match column.field {
            Field::Id => text(sheet, &row.id)?,
            Field::Name => text(sheet, &row.name)?,
            Field::Municipality => text(sheet, &row.municipality)?,
            Field::Schools => number(sheet, Some(row.schools as f64), &formats.count)?,
            Field::Contingent(role) => {
                number(sheet, count(*row.contingent.get(role)), &formats.count)?;
            }
            Field::Events => {
                let lines: Vec<String> = events_of
                    .map(|report| {
                        report
                            .row_events(row)
                            .into_iter()
                            .map(|event| {
                                format!(
                                    "{} {}",
                                    marks::marker(&marks::row_numbers_of(report, event)),
                                    marks::line(report, event)
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                text(sheet, &lines.join("; "))?;
            }
            Field::Use {
                platform,
                count: nth,
                measure,
            } => {
                let name = &platforms[platform].counts[nth].name;
                let Some(value) = row.uses[platform].get(name) else {
                    sheet.write_blank(at, col, &formats.text)?;
                    continue;
                };
                match measure {
                    CountMeasure::Value => {
                        number(sheet, count(Some(value.value)), &formats.count)?;
                    }
                    CountMeasure::Per100Students | CountMeasure::PerTeacher => {
                        let rate = match measure {
                            CountMeasure::Per100Students => CountRate::Per100Students,
                            _ => CountRate::PerTeacher,
                        };
                        // Lit by its status where a target is set on the rate, as a share is.
                        let format = match value.targets.get(rate) {
                            Some(target) => lit(&formats.rate, target.status),
                            None => formats.rate.clone(),
                        };
                        number(sheet, value.rate(rate), &format)?;
                    }
                    CountMeasure::Delta => {
                        number(sheet, value.delta.map(|d| d as f64), &formats.change)?;
                    }
                    CountMeasure::DeltaPct => number(sheet, value.delta_pct, &formats.delta)?,
                }
            }
            Field::Indicator {
                platform,
                role,
                measure,
            } => {
                let Some(indicator) = indicator(row, platform, role) else {
                    sheet.write_blank(at, col, &formats.text)?;
                    continue;
                };
                match measure {
                    Measure::Registered => {
                        number(sheet, count(indicator.registered), &formats.count)?;
                    }
                    Measure::Confirmed => {
                        number(sheet, count(indicator.confirmed), &formats.count)?;
                    }
                    Measure::Active => {
                        number(sheet, count(indicator.active), &formats.count)?;
                    }
                    Measure::Share => {
                        let format = lit(&formats.percent, indicator.status);
                        number(sheet, indicator.share, &format)?;
                    }
                    Measure::Delta => {
                        let numbers = events_of
                            .map(|report| marks::delta_numbers(report, row, platform))
                            .unwrap_or_default();
                        if numbers.is_empty() {
                            number(sheet, indicator.delta_pp, &formats.delta)?;
                        } else {
                            // The mark is part of the number's format: the cell stays a
                            // number that sorts and sums, and reads «+3,1*1».
                            let mark = marks::marker(&numbers);
                            let format = formats.delta.clone().set_num_format(format!(
                                "+0.0\"{mark}\";-0.0\"{mark}\";0.0\"{mark}\""
                            ));
                            match indicator.delta_pp {
                                Some(value) => {
                                    sheet.write_number_with_format(at, col, value, &format)?;
                                }
                                None => {
                                    sheet.write_string_with_format(
                                        at,
                                        col,
                                        &mark,
                                        &formats.text,
                                    )?;
                                }
                            }
                        }
                    }
                    Measure::Target => number(sheet, indicator.target, &formats.percent)?,
                    Measure::Status => match indicator.status {
                        Status::None => text(sheet, "")?,
                        status => {
                            let format = lit(&formats.text, status);
                            sheet.write_string_with_format(at, col, status.title_ru(), &format)?;
                        }
                    },
                    Measure::Gap => number(sheet, count(indicator.gap), &formats.count)?,
                    Measure::RankMunicipality => {
                        rank(sheet, at, col, indicator.rank.municipality, formats)?;
                    }
                    Measure::RankRegion => rank(sheet, at, col, indicator.rank.region, formats)?,
                    Measure::Leaving => number(sheet, count(indicator.leaving), &formats.count)?,
                }
            }
        }
    }
    Ok(())
}

/// A place among peers as a number, so the column sorts, shown as «3 из 9» by its number
/// format, so it reads like the other outputs.
fn rank(
    sheet: &mut Worksheet,
    at: u32,
    col: u16,
    place: Option<(u32, u32)>,
    formats: &CellFormats,
) -> Result<(), XlsxError> {
    match place {
        Some((place, of)) => {
            let format = formats
                .count
                .clone()
                .set_num_format(format!("0\" из {of}\""));
            sheet.write_number_with_format(at, col, f64::from(place), &format)?;
        }
        None => {
            sheet.write_blank(at, col, &formats.count)?;
        }
    }
    Ok(())
}

/// The «Итого» row: counts summed over the rows, shares as the sum of active users over the
/// sum of contingents (the rule of the roll-up, never an average of shares). The report has no
/// such row, so it is computed here; change, target, status, gap and rank stay blank, as
/// they belong to the level above.
fn totals(report: &Report) -> IndicatorRow {
    let mut total = total_row(&report.rows, report.platforms.len());
    // The label goes in the first column, which is the name column on every sheet but the
    // schools', where it is the ИНН.
    match report.level {
        Level::School => total.id = "Итого".to_string(),
        Level::Municipality | Level::Region => total.name = "Итого".to_string(),
    }
    total
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Style, Xlsx};
    use jiff::civil::date;
    use tsos_domain::fixtures::{ReportFixture, per_user_counts, put, school};
    use tsos_domain::{PlatformCounts, RoleCounts};

    use super::*;

    const MYSCHOOL: usize = 0;
    const SFERUM: usize = 1;

    /// (ИНН, role, registered, confirmed, active, leaving)
    type Line = (
        &'static str,
        Role,
        Option<u64>,
        Option<u64>,
        u64,
        Option<u64>,
    );

    fn counts(lines: &[Line]) -> PlatformCounts {
        let mut counts = per_user_counts();
        for &(id, role, registered, confirmed, active, leaving) in lines {
            let figures = RoleCounts {
                registered,
                confirmed,
                active: Some(active),
                leaving,
            };
            put(&mut counts, id, role, figures);
        }
        counts
    }

    /// СОШ №1 (57 teachers, 640 students) and СОШ №2 (40 teachers) of Буйнакский район, the
    /// gymnasium (25 and 300) of Дербентский район.
    fn three_schools() -> [tsos_domain::SchoolInfo; 3] {
        [
            school(
                "0500000001",
                "МБОУ «СОШ №1»",
                "Буйнакский район",
                &[(Role::Teachers, 57), (Role::Students, 640)],
            ),
            school(
                "0500000002",
                "МБОУ «СОШ №2»",
                "Буйнакский район",
                &[(Role::Teachers, 40)],
            ),
            school(
                "0500000003",
                "МКОУ «Гимназия»",
                "Дербентский район",
                &[(Role::Teachers, 25), (Role::Students, 300)],
            ),
        ]
    }

    /// Three schools in two municipalities. Against targets of 80 % for teachers and 50 % for
    /// students of «Моя школа»: СОШ №1 teachers 46/57 green and students 300/640 yellow,
    /// СОШ №2 teachers 10/40 red and students without a contingent (no share), the gymnasium
    /// 20/25 and 240/300 green. «Сферум» comes per school: no registered users, nobody leaving.
    fn report(level: Level) -> Report {
        let schools = three_schools();
        let myschool = counts(&[
            (
                "0500000001",
                Role::Teachers,
                Some(55),
                Some(50),
                46,
                Some(4),
            ),
            (
                "0500000001",
                Role::Students,
                Some(400),
                Some(350),
                300,
                Some(20),
            ),
            (
                "0500000002",
                Role::Teachers,
                Some(20),
                Some(15),
                10,
                Some(1),
            ),
            ("0500000002", Role::Students, Some(9), Some(7), 5, Some(0)),
            (
                "0500000003",
                Role::Teachers,
                Some(22),
                Some(21),
                20,
                Some(0),
            ),
            (
                "0500000003",
                Role::Students,
                Some(260),
                Some(250),
                240,
                Some(3),
            ),
        ]);
        let sferum = counts(&[
            ("0500000001", Role::Teachers, None, None, 30, None),
            ("0500000003", Role::Students, None, None, 100, None),
        ]);
        let mut report = ReportFixture::new(date(2023, 10, 1), schools.into())
            .platform(Some(myschool))
            .platform(Some(sferum))
            .target("myschool.teachers", 0.8)
            .target("myschool.students", 0.5)
            .previous(date(2023, 9, 1))
            .build(level);
        if level == Level::School {
            report.rows[0].platforms[MYSCHOOL]
                .as_mut()
                .unwrap()
                .get_mut(Role::Teachers)
                .delta_pp = Some(3.1);
        }
        report
    }

    /// The report of [`report`] with counts of use of «Моя школа»: lessons in СОШ №1 and the
    /// gymnasium, and a mapped count in СОШ №1 only.
    fn with_uses(level: Level) -> Report {
        uses_fixture().build(level)
    }

    fn uses_fixture() -> ReportFixture {
        let mut myschool = counts(&[("0500000001", Role::Teachers, None, None, 46, None)]);
        let mut add = |id: &str, name: &str, header: &str, value: u64| {
            myschool
                .uses
                .entry(tsos_domain::OrgId::normalize(id).unwrap())
                .or_default()
                .push(tsos_domain::SchoolCount {
                    name: name.into(),
                    header: header.into(),
                    value,
                });
        };
        add("0500000001", "lessons", "Уроков проведено", 800);
        add("0500000001", "вебинаров", "Вебинаров", 3);
        add("0500000003", "lessons", "Уроков проведено", 100);
        ReportFixture::new(date(2023, 10, 1), three_schools().to_vec()).platform(Some(myschool))
    }

    #[test]
    fn a_rate_with_a_target_is_lit_by_its_status() {
        // 800 lessons of 57 teachers is 14,0 per teacher: green against 14; the gymnasium's
        // 100 lessons are far below it: red.
        let report = uses_fixture()
            .target("myschool.count.lessons.per_teacher", 14.0)
            .build(Level::School);
        let mut book = open(std::slice::from_ref(&report));
        let sheet = Sheet::read(&mut book, "Счетчики ОО myschool");
        let per_100 = sheet.col("Уроков проведено", "На 100 обуч.");
        let per_teacher = sheet.col("Уроков проведено", "На 1 пед.");
        let mut seen = Vec::new();
        for (offset, row) in report.rows.iter().enumerate() {
            let Some(count) = row.uses[MYSCHOOL].get("lessons") else {
                continue;
            };
            let at = FIRST_DATA_ROW + offset as u32;
            let status = count.targets.per_teacher.unwrap().status;
            let fill = match status {
                Status::Green => rgb(GREEN_FILL),
                Status::Yellow => rgb(YELLOW_FILL),
                Status::Red => rgb(RED_FILL),
                Status::None => None,
            };
            assert_eq!(sheet.fill(at, per_teacher), fill, "{}", row.name);
            assert_eq!(sheet.num_format(at, per_teacher), "0.0");
            assert_eq!(sheet.fill(at, per_100), None, "no target on this rate");
            seen.push(status);
        }
        assert_eq!(seen, [Status::Green, Status::Red]);
    }

    #[test]
    fn counts_of_use_have_a_sheet_of_their_own_per_level() {
        let reports: Vec<Report> = Level::ALL.into_iter().map(with_uses).collect();
        let mut book = open(&reports);
        let names = book.sheet_names();
        assert!(
            names.contains(&"Счетчики ОО myschool".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"Счетчики регион myschool".to_string()));
        // Sheets of a report without counts stay as they were.
        let plain = open(&all_levels()).sheet_names();
        assert!(
            !plain.iter().any(|n| n.starts_with("Счетчики")),
            "{plain:?}"
        );

        let sheet = Sheet::read(&mut book, "Счетчики ОО myschool");
        let title = sheet.get(TITLE_ROW, 0).to_string();
        assert!(title.starts_with("Счетчики использования: ФГИС «Моя школа» на 01.10.2023"));
        let value = sheet.col("Уроков проведено", "Всего");
        let per_100 = sheet.col("Уроков проведено", "На 100 обуч.");
        let per_teacher = sheet.col("Уроков проведено", "На 1 пед.");
        assert!(sheet.has("Вебинаров", "Всего"));
        // Rows in the report's order: СОШ №1, СОШ №2, the gymnasium, then «Итого».
        let first = FIRST_DATA_ROW;
        assert_eq!(sheet.number(first, value), 800.0);
        assert_eq!(sheet.number(first, per_100), 125.0);
        assert_eq!(sheet.num_format(first, per_100), "0.0");
        assert_eq!(sheet.num_format(first, value), "#,##0");
        assert!((sheet.number(first, per_teacher) - 800.0 / 57.0).abs() < 1e-9);
        // A school the file gave no count: blank, not zero.
        assert_eq!(sheet.get(first + 1, value), Data::Empty);
        // Totals sum the counts and divide the sums.
        assert_eq!(sheet.get(first + 3, 0).to_string(), "Итого");
        assert_eq!(sheet.number(first + 3, value), 900.0);
        assert!((sheet.number(first + 3, per_teacher) - 900.0 / 122.0).abs() < 1e-9);

        let sheet = Sheet::read(&mut book, "Счетчики МО myschool");
        let value = sheet.col("Уроков проведено", "Всего");
        let per_100 = sheet.col("Уроков проведено", "На 100 обуч.");
        assert_eq!(sheet.get(FIRST_DATA_ROW, 0).to_string(), "Буйнакский район");
        assert_eq!(sheet.number(FIRST_DATA_ROW, value), 800.0);
        assert_eq!(sheet.number(FIRST_DATA_ROW, per_100), 125.0);
        assert_eq!(sheet.number(FIRST_DATA_ROW + 1, value), 100.0);
    }

    fn all_levels() -> Vec<Report> {
        Level::ALL.into_iter().map(report).collect()
    }

    fn open(reports: &[Report]) -> Xlsx<Cursor<Vec<u8>>> {
        let bytes = to_bytes(reports).unwrap();
        Xlsx::new(Cursor::new(bytes)).unwrap()
    }

    /// A sheet's cells by absolute position, and its columns as (group, title).
    struct Sheet {
        cells: calamine::Range<Data>,
        styles: calamine::StyleRange,
        columns: Vec<(String, String)>,
    }

    impl Sheet {
        fn read(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Sheet {
            let cells = book.worksheet_range(name).unwrap();
            let styles = book.worksheet_style(name).unwrap();
            let mut columns = Vec::new();
            let mut group = String::new();
            for col in 0..cells.end().unwrap().1 + 1 {
                let top = cells
                    .get_value((GROUP_ROW, col))
                    .cloned()
                    .unwrap_or_default();
                let below = cells
                    .get_value((HEADER_ROW, col))
                    .cloned()
                    .unwrap_or_default();
                if below == Data::Empty {
                    columns.push((String::new(), top.to_string()));
                    group.clear();
                    continue;
                }
                if top != Data::Empty {
                    group = top.to_string();
                }
                columns.push((group.clone(), below.to_string()));
            }
            Sheet {
                cells,
                styles,
                columns,
            }
        }

        fn col(&self, group: &str, title: &str) -> u32 {
            self.columns
                .iter()
                .position(|(g, t)| g == group && t == title)
                .unwrap_or_else(|| panic!("no column {group} / {title}: {:?}", self.columns))
                as u32
        }

        fn has(&self, group: &str, title: &str) -> bool {
            self.columns.iter().any(|(g, t)| g == group && t == title)
        }

        fn get(&self, row: u32, col: u32) -> Data {
            self.cells
                .get_value((row, col))
                .cloned()
                .unwrap_or_default()
        }

        fn number(&self, row: u32, col: u32) -> f64 {
            match self.get(row, col) {
                Data::Float(value) => value,
                Data::Int(value) => value as f64,
                other => panic!("cell ({row}, {col}) is not a number: {other:?}"),
            }
        }

        fn style(&self, row: u32, col: u32) -> &Style {
            self.styles.get((row, col)).expect("a styled cell")
        }

        fn num_format(&self, row: u32, col: u32) -> String {
            self.style(row, col)
                .number_format
                .as_ref()
                .map(|f| f.format_code.clone())
                .unwrap_or_default()
        }

        fn fill(&self, row: u32, col: u32) -> Option<(u8, u8, u8)> {
            let fill = self.style(row, col).fill.as_ref()?;
            fill.is_visible()
                .then(|| fill.get_color())
                .flatten()
                .map(|c| (c.red, c.green, c.blue))
        }
    }

    fn group(platform: usize, role: Role) -> String {
        let catalogue = tsos_domain::Catalogue::builtin();
        let name = &catalogue.iter().nth(platform).unwrap().name;
        format!("{name} — {}", role.title_ru())
    }

    fn rgb(color: u32) -> Option<(u8, u8, u8)> {
        Some(((color >> 16) as u8, (color >> 8) as u8, color as u8))
    }

    /// The reports of every level with an event of «Буйнакский район» between the two dates.
    fn with_event() -> Vec<Report> {
        let mut reports = all_levels();
        for report in &mut reports {
            report.events.push(tsos_domain::Event {
                date: date(2023, 9, 15),
                scope: tsos_domain::EventScope::Municipality {
                    region: tsos_domain::fixtures::REGION.into(),
                    municipality: "Буйнакский район".into(),
                },
                platform: Some("myschool".into()),
                text: tsos_domain::EventText::new("Переход на региональный узел").unwrap(),
            });
        }
        reports
    }

    #[test]
    fn a_delta_that_spans_an_event_is_marked_and_the_event_listed() {
        let mut book = open(&with_event());
        assert_eq!(
            book.sheet_names(),
            ["ОО", "Муниципалитеты", "Регион", "События"]
        );
        let line = "15.09.2023 — муниципалитет «Буйнакский район», ФГИС «Моя школа»: Переход на региональный узел";
        let schools = Sheet::read(&mut book, "ОО");
        let row_of = |id: &str| {
            (FIRST_DATA_ROW..FIRST_DATA_ROW + 3)
                .find(|&row| schools.get(row, 0) == Data::String(id.into()))
                .unwrap()
        };
        let delta = schools.col(&group(MYSCHOOL, Role::Teachers), "Изменение, п.п.");
        let events = schools.col("", "События");
        // СОШ №1's Δ stays a number, marked by its format; the school's event is named.
        let first = row_of("0500000001");
        assert_eq!(schools.number(first, delta), 3.1);
        assert_eq!(
            schools.num_format(first, delta),
            "+0.0\"*1\";-0.0\"*1\";0.0\"*1\""
        );
        assert_eq!(
            schools.get(first, events),
            Data::String(format!("*1 {line}"))
        );
        // A Δ without a value still shows the mark; «Сферум»'s Δ does not span the event.
        assert_eq!(
            schools.get(row_of("0500000002"), delta),
            Data::String("*1".into())
        );
        let sferum = schools.col(&group(SFERUM, Role::Teachers), "Изменение, п.п.");
        assert_eq!(schools.get(first, sferum), Data::Empty);
        // The gymnasium is in another municipality.
        let gymnasium = row_of("0500000003");
        assert_eq!(schools.get(gymnasium, delta), Data::Empty);
        assert_eq!(schools.get(gymnasium, events), Data::Empty);
        assert!(
            schools
                .get(NOTE_ROW, 0)
                .to_string()
                .contains("*N у изменения")
        );
        // The region is above the municipality: not marked, so its sheet has no column.
        let region = Sheet::read(&mut book, "Регион");
        assert!(!region.has("", "События"));
        let list = book.worksheet_range("События").unwrap();
        assert_eq!(list.get_value((1, 0)), Some(&Data::String("*1".into())));
        assert_eq!(list.get_value((1, 1)), Some(&Data::String(line.into())));
    }

    #[test]
    fn one_sheet_per_level_with_title_and_note() {
        let mut book = open(&all_levels());
        assert_eq!(book.sheet_names(), ["ОО", "Муниципалитеты", "Регион"]);
        for name in book.sheet_names() {
            let sheet = Sheet::read(&mut book, &name);
            assert_eq!(
                sheet.get(TITLE_ROW, 0),
                Data::String(
                    "Мониторинг использования ФГИС «Моя школа» и ИКОП «Сферум» по состоянию на 01.10.2023"
                        .into()
                )
            );
            let note = sheet.get(NOTE_ROW, 0).to_string();
            assert!(
                note.contains("ФГИС «Моя школа» — хотя бы один раз авторизовались за последние 365 дней и имеют подтвержденную учетную запись"),
                "{note}"
            );
            assert!(
                note.contains("ИКОП «Сферум» — проявляли активность"),
                "{note}"
            );
            assert!(
                note.contains(
                    "Изменение — разница долей со скользящим окном, а не число новых пользователей"
                ),
                "{note}"
            );
            let width = sheet.columns.len() as u32;
            let merged = book.merge_cells_by_sheet_name(&name).unwrap();
            for row in [TITLE_ROW, NOTE_ROW] {
                assert!(
                    merged
                        .iter()
                        .any(|d| d.start == (row, 0) && d.end == (row, width - 1)),
                    "row {row} of {name} spans the table: {merged:?}"
                );
            }
            assert_eq!(
                sheet.style(TITLE_ROW, 0).font.as_ref().map(|f| f.is_bold()),
                Some(true)
            );
        }
    }

    #[test]
    fn columns_by_level_and_data() {
        let mut book = open(&all_levels());
        let schools = Sheet::read(&mut book, "ОО");
        let names: Vec<&str> = schools
            .columns
            .iter()
            .take(5)
            .map(|(_, t)| t.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "ИНН",
                "Наименование ОО",
                "Муниципальное образование",
                "Педагоги",
                "Обучающиеся"
            ]
        );
        let my_teachers = group(MYSCHOOL, Role::Teachers);
        for title in [
            "Зарегистрировано",
            "Подтверждено",
            "Активных",
            "Доля активных",
            "Изменение, п.п.",
            "Цель",
            "Статус",
            "Не хватает до цели",
            "Место в МО",
            "Место в регионе",
            "Выбудут к следующему срезу",
        ] {
            assert!(schools.has(&my_teachers, title), "{title}");
        }
        let sferum_students = group(SFERUM, Role::Students);
        assert!(schools.has(&sferum_students, "Активных"));
        assert!(
            !schools.has(&sferum_students, "Зарегистрировано"),
            "nobody has it"
        );
        assert!(
            !schools.has(&sferum_students, "Подтверждено"),
            "not in the rule"
        );
        assert!(!schools.has(&sferum_students, "Выбудут к следующему срезу"));
        assert!(
            !schools.columns.iter().any(|(g, _)| g.contains("родители")),
            "no parents contingent, no parents columns"
        );

        let municipalities = Sheet::read(&mut book, "Муниципалитеты");
        assert_eq!(municipalities.columns[0].1, "Муниципальное образование");
        assert_eq!(municipalities.columns[1].1, "Количество ОО");
        assert!(municipalities.has(&my_teachers, "Место в регионе"));
        assert!(!municipalities.has(&my_teachers, "Место в МО"));
        assert_eq!(
            municipalities.get(FIRST_DATA_ROW, 0),
            Data::String("Буйнакский район".into())
        );
        assert_eq!(municipalities.number(FIRST_DATA_ROW, 1), 2.0);

        let region = Sheet::read(&mut book, "Регион");
        assert_eq!(region.columns[0].1, "Регион");
        assert!(!region.has(&my_teachers, "Место в регионе"));
        assert_eq!(region.number(FIRST_DATA_ROW, 1), 3.0);
    }

    #[test]
    fn counts_are_numbers_and_shares_are_fractions() {
        let report = report(Level::School);
        let mut book = open(std::slice::from_ref(&report));
        let sheet = Sheet::read(&mut book, "ОО");
        let mut null_shares = 0;
        for (offset, row) in report.rows.iter().enumerate() {
            let at = FIRST_DATA_ROW + offset as u32;
            assert_eq!(
                sheet.get(at, 0),
                Data::String(row.id.clone()),
                "ИНН as text"
            );
            assert_eq!(sheet.get(at, 1), Data::String(row.name.clone()));
            let teachers = sheet.col("Контингент", "Педагоги");
            assert_eq!(
                sheet.number(at, teachers),
                row.contingent.get(Role::Teachers).unwrap() as f64
            );
            for (platform, role) in [
                (MYSCHOOL, Role::Teachers),
                (MYSCHOOL, Role::Students),
                (SFERUM, Role::Teachers),
                (SFERUM, Role::Students),
            ] {
                let expected = row.platforms[platform].as_ref().unwrap().get(role);
                let group = group(platform, role);
                assert_eq!(
                    sheet.number(at, sheet.col(&group, "Активных")),
                    expected.active.unwrap() as f64
                );
                let share = sheet.col(&group, "Доля активных");
                match expected.share {
                    Some(expected) => {
                        let value = sheet.number(at, share);
                        assert!((0.0..=1.0).contains(&value), "{value}");
                        assert_eq!(value, expected, "the exact fraction, not a rounded text");
                    }
                    None => {
                        assert_eq!(sheet.get(at, share), Data::Empty);
                        null_shares += 1;
                    }
                }
                if platform == MYSCHOOL {
                    let registered = sheet.col(&group, "Зарегистрировано");
                    assert_eq!(
                        sheet.number(at, registered),
                        expected.registered.unwrap() as f64
                    );
                    let confirmed = sheet.col(&group, "Подтверждено");
                    assert_eq!(
                        sheet.number(at, confirmed),
                        expected.confirmed.unwrap() as f64
                    );
                    let col = sheet.col(&group, "Не хватает до цели");
                    match expected.gap {
                        Some(gap) => assert_eq!(sheet.number(at, col), gap as f64),
                        None => assert_eq!(sheet.get(at, col), Data::Empty),
                    }
                }
            }
        }
        assert_eq!(
            null_shares, 2,
            "СОШ №2 has no students contingent, on either platform"
        );
        let delta = sheet.col(&group(MYSCHOOL, Role::Teachers), "Изменение, п.п.");
        assert_eq!(sheet.number(FIRST_DATA_ROW, delta), 3.1);
        assert_eq!(sheet.get(FIRST_DATA_ROW + 1, delta), Data::Empty);
        let target = sheet.col(&group(MYSCHOOL, Role::Students), "Цель");
        assert_eq!(sheet.number(FIRST_DATA_ROW, target), 0.5);
    }

    #[test]
    fn totals_sum_counts_and_divide_the_sums() {
        let reports = all_levels();
        let region = &reports[2].rows[0];
        let mut book = open(&reports);
        for (name, label_col) in [("ОО", 0), ("Муниципалитеты", 0)] {
            let sheet = Sheet::read(&mut book, name);
            let rows = reports
                .iter()
                .find(|r| sheet_name(r.level) == name)
                .unwrap()
                .rows
                .len();
            let at = FIRST_DATA_ROW + rows as u32;
            assert_eq!(
                sheet.get(at, label_col),
                Data::String("Итого".into()),
                "{name}"
            );
            assert_eq!(
                sheet.cells.end().unwrap().0,
                at,
                "the totals row is the last"
            );
            let students = sheet.col("Контингент", "Обучающиеся");
            assert_eq!(sheet.number(at, students), 940.0, "640 + unknown + 300");
            for (platform, role) in [
                (MYSCHOOL, Role::Teachers),
                (MYSCHOOL, Role::Students),
                (SFERUM, Role::Teachers),
                (SFERUM, Role::Students),
            ] {
                let expected = region.platforms[platform].as_ref().unwrap().get(role);
                let group = group(platform, role);
                assert_eq!(
                    sheet.number(at, sheet.col(&group, "Активных")),
                    expected.active.unwrap() as f64
                );
                let share = sheet.number(at, sheet.col(&group, "Доля активных"));
                assert_eq!(Some(share), expected.share, "{name}: {group}");
                for blank in ["Изменение, п.п.", "Цель", "Статус", "Место в регионе"]
                {
                    assert_eq!(
                        sheet.get(at, sheet.col(&group, blank)),
                        Data::Empty,
                        "{blank}"
                    );
                }
            }
            let teachers = group(MYSCHOOL, Role::Teachers);
            assert_eq!(
                sheet.number(at, sheet.col(&teachers, "Зарегистрировано")),
                97.0
            );
            assert_eq!(
                sheet.number(at, sheet.col(&teachers, "Выбудут к следующему срезу")),
                5.0
            );
            // 545 active of 940 known students: the sum over the sum, not the mean of
            // 46,9 % and 80 %.
            let students = sheet.number(
                at,
                sheet.col(&group(MYSCHOOL, Role::Students), "Доля активных"),
            );
            assert_eq!(students, 545.0 / 940.0);
        }
        assert_eq!(
            Sheet::read(&mut book, "Муниципалитеты").number(FIRST_DATA_ROW + 2, 1),
            3.0,
            "schools summed"
        );
        let region_sheet = Sheet::read(&mut book, "Регион");
        assert_eq!(
            region_sheet.cells.end().unwrap().0,
            FIRST_DATA_ROW,
            "no totals row"
        );
    }

    #[test]
    fn shares_are_percent_formatted_and_lit_by_status() {
        let report = report(Level::School);
        let mut book = open(std::slice::from_ref(&report));
        let sheet = Sheet::read(&mut book, "ОО");
        let mut seen = Vec::new();
        for (offset, row) in report.rows.iter().enumerate() {
            let at = FIRST_DATA_ROW + offset as u32;
            for role in [Role::Teachers, Role::Students] {
                let expected = row.platforms[MYSCHOOL].as_ref().unwrap().get(role);
                let group = group(MYSCHOOL, role);
                let share = sheet.col(&group, "Доля активных");
                assert_eq!(sheet.num_format(at, share), "0.0%");
                let (fill, title) = match expected.status {
                    Status::Green => (rgb(GREEN_FILL), "достигнуто"),
                    Status::Yellow => (rgb(YELLOW_FILL), "близко к цели"),
                    Status::Red => (rgb(RED_FILL), "ниже цели"),
                    Status::None => (None, ""),
                };
                assert_eq!(sheet.fill(at, share), fill, "{} {group}", row.name);
                let status = sheet.col(&group, "Статус");
                match title {
                    "" => assert_eq!(sheet.get(at, status), Data::Empty),
                    title => assert_eq!(sheet.get(at, status), Data::String(title.into())),
                }
                seen.push(expected.status);
            }
        }
        for status in [Status::Green, Status::Yellow, Status::Red, Status::None] {
            assert!(seen.contains(&status), "the test covers {status:?}");
        }
        let teachers = group(MYSCHOOL, Role::Teachers);
        assert_eq!(
            sheet.num_format(FIRST_DATA_ROW, sheet.col(&teachers, "Изменение, п.п.")),
            "+0.0;-0.0;0.0"
        );
        assert_eq!(
            sheet.num_format(FIRST_DATA_ROW, sheet.col(&teachers, "Цель")),
            "0.0%"
        );
        let totals = FIRST_DATA_ROW + report.rows.len() as u32;
        let share = sheet.col(&teachers, "Доля активных");
        assert_eq!(sheet.num_format(totals, share), "0.0%");
        assert_eq!(
            sheet.fill(totals, share),
            None,
            "a total has no status of its own"
        );
    }

    #[test]
    fn places_sort_as_numbers_and_read_as_place_of_peers() {
        let mut book = open(&[report(Level::School)]);
        let sheet = Sheet::read(&mut book, "ОО");
        let teachers = group(MYSCHOOL, Role::Teachers);
        let in_municipality = sheet.col(&teachers, "Место в МО");
        let in_region = sheet.col(&teachers, "Место в регионе");
        // Teachers: СОШ №1 80,7 % is first of two in its municipality; СОШ №2 25 % is last
        // of three in the region, after the gymnasium's 80 %.
        assert_eq!(sheet.number(FIRST_DATA_ROW, in_municipality), 1.0);
        assert_eq!(
            sheet.num_format(FIRST_DATA_ROW, in_municipality),
            "0\" из 2\""
        );
        assert_eq!(sheet.number(FIRST_DATA_ROW + 1, in_region), 3.0);
        assert_eq!(
            sheet.num_format(FIRST_DATA_ROW + 1, in_region),
            "0\" из 3\""
        );
    }

    #[test]
    fn filter_and_printed_header_are_defined() {
        let book = open(&all_levels());
        let names: Vec<&str> = book
            .defined_names()
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert!(names.contains(&"_xlnm._FilterDatabase"), "{names:?}");
        assert!(names.contains(&"_xlnm.Print_Titles"), "{names:?}");
    }

    #[test]
    fn title_names_only_the_platforms_present() {
        let mut report = report(Level::Region);
        report.platforms[SFERUM].present = false;
        for row in &mut report.rows {
            row.platforms[SFERUM] = None;
        }
        let mut book = open(&[report]);
        let sheet = Sheet::read(&mut book, "Регион");
        assert_eq!(
            sheet.get(TITLE_ROW, 0).to_string(),
            "Мониторинг использования ФГИС «Моя школа» по состоянию на 01.10.2023"
        );
        let note = sheet.get(NOTE_ROW, 0).to_string();
        assert!(!note.contains("проявляли активность"), "{note}");
        assert!(
            note.contains("Нет данных на эту дату: ИКОП «Сферум»."),
            "{note}"
        );
        assert!(!sheet.columns.iter().any(|(g, _)| g.contains("Сферум")));
    }
}
