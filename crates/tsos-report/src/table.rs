//! `tsos report --format table`: a readable table for the terminal, in Russian.

use tsos_domain::{CountIndicator, CountRate, Level, Report, Status, format_date_ru};

use crate::labels::{COUNTS_TITLE, CountMeasure, EVENT_MARK, EVENTS_TITLE};
use crate::{labels, marks, ru};

const NAME_WIDTH: usize = 44;

pub fn render(report: &Report) -> String {
    let present: Vec<usize> = (0..report.platforms.len())
        .filter(|&idx| report.platforms[idx].present)
        .collect();
    let roles = crate::shown_roles(report);

    let mut groups: Vec<String> = vec![String::new()];
    let mut header: Vec<String> = vec![match report.level {
        Level::School => "Организация (ИНН)".to_string(),
        Level::Municipality => "Муниципальное образование".to_string(),
        Level::Region => "Регион".to_string(),
    }];
    if report.level != Level::School {
        groups.push(String::new());
        header.push("ОО".to_string());
    }
    for &idx in &present {
        for (n, role) in roles.iter().enumerate() {
            groups.push(if n == 0 {
                report.platforms[idx].platform.name.clone()
            } else {
                String::new()
            });
            groups.push(String::new());
            header.push(role.title_ru().to_string());
            header.push("Δ п.п.".to_string());
        }
    }
    let mut body: Vec<Vec<String>> = Vec::new();
    for row in &report.rows {
        let label = match report.level {
            Level::School => format!("{} ({})", row.name, row.id),
            _ => row.name.clone(),
        };
        let mut cells = vec![ru::truncate(&label, NAME_WIDTH)];
        if report.level != Level::School {
            cells.push(row.schools.to_string());
        }
        for &idx in &present {
            let indicators = row.platforms[idx].as_ref();
            for &role in &roles {
                let indicator = indicators.map(|p| *p.get(role)).unwrap_or_default();
                cells.push(match indicator.share {
                    Some(_) => format!(
                        "{} ({}){}",
                        ru::percent(indicator.share),
                        ru::optional_integer(indicator.active),
                        status_mark(indicator.status)
                    ),
                    None => "—".to_string(),
                });
                cells.push(format!(
                    "{}{}",
                    ru::delta_pp(indicator.delta_pp),
                    marks::marker(&marks::delta_numbers(report, row, idx))
                ));
            }
        }
        body.push(cells);
    }

    let n_columns = header.len();
    let mut widths = vec![0usize; n_columns];
    for line in std::iter::once(&header).chain(&body) {
        for (idx, cell) in line.iter().enumerate() {
            widths[idx] = widths[idx].max(cell.chars().count());
        }
    }
    // A platform's name spans its columns; widen the last of them if it does not fit.
    let mut idx = 0;
    while idx < n_columns {
        if !groups[idx].is_empty() {
            let span = (idx..n_columns)
                .take_while(|&i| i == idx || groups[i].is_empty())
                .take(roles.len() * 2)
                .count();
            let available: usize = widths[idx..idx + span].iter().sum::<usize>() + 2 * (span - 1);
            let needed = groups[idx].chars().count();
            if needed > available {
                widths[idx + span - 1] += needed - available;
            }
            idx += span;
        } else {
            idx += 1;
        }
    }

    let mut out = String::new();
    out.push_str(&format!(
        "Мониторинг ЦОС на {} — {}\n\n",
        format_date_ru(report.as_of),
        report.level.title_ru()
    ));
    let mut group_line = String::new();
    let mut idx = 0;
    while idx < n_columns {
        if groups[idx].is_empty() {
            group_line.push_str(&" ".repeat(widths[idx] + 2));
            idx += 1;
        } else {
            let span = roles.len() * 2;
            let width: usize = widths[idx..idx + span].iter().sum::<usize>() + 2 * span;
            group_line.push_str(&pad_right(&groups[idx], width));
            idx += span;
        }
    }
    out.push_str(group_line.trim_end());
    out.push('\n');
    out.push_str(&format_line(&header, &widths));
    out.push_str(&format_line(
        &widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>(),
        &widths,
    ));
    for line in &body {
        out.push_str(&format_line(line, &widths));
    }
    out.push('\n');
    for &idx in &present {
        out.push_str(&render_counts(report, idx));
    }
    for &idx in &present {
        out.push_str(&labels::rule_note(&report.platforms[idx].platform));
        out.push('\n');
    }
    out.push_str(&format!(
        "Доля — {} от контингента (в скобках — их число).\n",
        labels::share_counts(present.iter().map(|&idx| &report.platforms[idx].platform))
    ));
    let targets: Vec<String> = present
        .iter()
        .flat_map(|&idx| {
            let platform = &report.platforms[idx];
            roles.iter().filter_map(move |&role| {
                // The first row's target is the level's target for the indicator.
                let target = report.rows.first()?.platforms[idx]
                    .as_ref()?
                    .get(role)
                    .target?;
                Some(format!(
                    "{}, {} — {}",
                    platform.platform.name,
                    role.title_ru(),
                    ru::percent(Some(target))
                ))
            })
        })
        .collect();
    if !targets.is_empty() {
        out.push_str(&format!(
            "Цели: {}. Отметки: ✓ цель достигнута, ~ ниже цели не более чем на полосу допуска, ✗ ниже цели.\n",
            targets.join("; ")
        ));
    }
    let previous: Vec<String> = present
        .iter()
        .filter_map(|&idx| {
            let platform = &report.platforms[idx];
            platform
                .previous
                .map(|date| format!("{} — с {}", platform.platform.name, format_date_ru(date)))
        })
        .collect();
    if !previous.is_empty() {
        out.push_str(&format!(
            "Δ — изменение доли в п.п. ({}); это сдвиг скользящего окна, а не число новых пользователей.\n",
            previous.join(", ")
        ));
    }
    if let Some(line) = crate::labels::flows_absent_line(report) {
        out.push_str(&line);
        out.push('\n');
    }
    let events = marks::listed(report);
    if !events.is_empty() {
        out.push_str(&format!(
            "{}: {} у изменения — оно охватывает событие, и скачок может объясняться им.\n",
            EVENTS_TITLE, EVENT_MARK
        ));
        for (mark, line) in events {
            out.push_str(&format!("  {mark} {line}\n"));
        }
    }
    for &idx in &present {
        let platform = &report.platforms[idx];
        if let Some(unknown) = &platform.unknown
            && !unknown.ids.is_empty()
        {
            out.push_str(&format!(
                "{}: организаций нет в реестре — {} ({} польз.), в таблицу не вошли.\n",
                platform.platform.name,
                unknown.ids.len(),
                ru::integer(unknown.users)
            ));
        }
        if let Some(unknown) = &platform.unknown
            && unknown.users_without_org() > 0
        {
            out.push_str(&format!(
                "{}: пользователей без организации — {}, в таблицу не вошли.\n",
                platform.platform.name,
                ru::integer(unknown.users_without_org())
            ));
        }
    }
    let absent: Vec<&str> = report
        .platforms
        .iter()
        .filter(|p| !p.present && p.imported)
        .map(|p| p.platform.name.as_str())
        .collect();
    if !absent.is_empty() {
        out.push_str(&format!("Нет данных на эту дату: {}.\n", absent.join(", ")));
    }
    out
}

/// The section of a platform's counts of use: per row, each count with its rates and change;
/// nothing where the platform's snapshot gives no counts.
fn render_counts(report: &Report, idx: usize) -> String {
    let columns = &report.platforms[idx].counts;
    if columns.is_empty() {
        return String::new();
    }
    let mut header = vec![String::new()];
    for column in columns {
        for measure in CountMeasure::ALL {
            header.push(match measure {
                CountMeasure::Value => column.title.clone(),
                other => other.title().to_string(),
            });
        }
    }
    let mut body: Vec<Vec<String>> = Vec::new();
    for row in &report.rows {
        let label = match report.level {
            Level::School => format!("{} ({})", row.name, row.id),
            _ => row.name.clone(),
        };
        let mut cells = vec![ru::truncate(&label, NAME_WIDTH)];
        for column in columns {
            let count = row.uses[idx].get(&column.name);
            for measure in CountMeasure::ALL {
                cells.push(match (count, measure) {
                    (None, _) => "—".to_string(),
                    (Some(c), CountMeasure::Value) => ru::integer(c.value),
                    (Some(c), CountMeasure::Per100Students) => {
                        rate_cell(c, CountRate::Per100Students)
                    }
                    (Some(c), CountMeasure::PerTeacher) => rate_cell(c, CountRate::PerTeacher),
                    (Some(c), CountMeasure::Delta) => ru::signed_integer(c.delta),
                    (Some(c), CountMeasure::DeltaPct) => ru::delta_pp(c.delta_pct),
                });
            }
        }
        body.push(cells);
    }
    let mut widths = vec![0usize; header.len()];
    for line in std::iter::once(&header).chain(&body) {
        for (n, cell) in line.iter().enumerate() {
            widths[n] = widths[n].max(cell.chars().count());
        }
    }
    let mut out = format!(
        "{}: {}\n",
        COUNTS_TITLE, report.platforms[idx].platform.name
    );
    out.push_str(&format_line(&header, &widths));
    out.push_str(&format_line(
        &widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>(),
        &widths,
    ));
    for line in &body {
        out.push_str(&format_line(line, &widths));
    }
    out.push_str(
        "Счетчики — числа, а не доли: у МО и региона — суммы по школам; на 100 обучающихся и на 1 педагога — по контингенту реестра; изменение — с прошлого среза платформы.\n",
    );
    // The level's target of each rate that has one: the same on every row that has the count.
    let targets: Vec<String> = columns
        .iter()
        .flat_map(|column| CountRate::ALL.map(|rate| (column, rate)))
        .filter_map(|(column, rate)| {
            let target = report
                .rows
                .iter()
                .find_map(|row| row.uses[idx].get(&column.name)?.targets.get(rate))?;
            Some(format!(
                "{} {} — {}",
                column.title,
                rate.title_ru(),
                ru::short_decimal(target.target)
            ))
        })
        .collect();
    if !targets.is_empty() {
        out.push_str(&format!(
            "Цели счетчиков: {}. Отметки: ✓ цель достигнута, ~ ниже цели не более чем на полосу допуска (в процентах от цели), ✗ ниже цели.\n",
            targets.join("; ")
        ));
    }
    out.push('\n');
    out
}

/// A count's rate, with its status mark where a target is set on the rate.
fn rate_cell(count: &CountIndicator, rate: CountRate) -> String {
    format!(
        "{}{}",
        ru::rate(count.rate(rate)),
        count
            .targets
            .get(rate)
            .map_or("", |target| status_mark(target.status))
    )
}

fn status_mark(status: Status) -> &'static str {
    match status {
        Status::Green => " ✓",
        Status::Yellow => " ~",
        Status::Red => " ✗",
        Status::None => "",
    }
}

/// One line of a text table: the first column left-aligned, the others right-aligned.
pub(crate) fn format_line(cells: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (idx, cell) in cells.iter().enumerate() {
        if idx == 0 {
            line.push_str(&pad_right(cell, widths[idx]));
        } else {
            line.push_str("  ");
            line.push_str(&pad_left(cell, widths[idx]));
        }
    }
    line.truncate(line.trim_end().len());
    line.push('\n');
    line
}

fn pad_right(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

fn pad_left(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{}{text}", " ".repeat(width.saturating_sub(n)))
}
