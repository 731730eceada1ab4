//! The month's figures as open data for the authority's website (`tsos publish`): a static
//! page with the tables and SVG charts, and the same tables as CSV in the manner of the
//! Russian open-data methodical recommendations — UTF-8, a comma, a header of Latin field
//! names, a structure file describing each field, and a passport (`meta.csv`) with the set's
//! title, description, creator, dates and files.
//!
//! Only the report's rows go out: schools by ИНН and name, municipalities, the region. No
//! user, account, e-mail or unknown organisation is in a report's rows, so none is here.
//! Shares are fractions written in full (`{}` of an `f64` reads back as the same number),
//! so that a re-read CSV equals the report. Text that Excel would take for a formula gets a
//! `'` in front ([`crate::csv::neutralise`]), as in every CSV tsos writes.

use std::fmt::Write;

use jiff::civil::Date;
use tsos_domain::{Level, Report, Role, format_date_ru};

use crate::csv::neutralise;
use crate::ru;

/// A file of the publication: its name in the folder and its bytes.
pub struct Published {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The data file of `level`.
pub fn data_file(level: Level) -> &'static str {
    match level {
        Level::School => "schools.csv",
        Level::Municipality => "municipalities.csv",
        Level::Region => "region.csv",
    }
}

/// A column of the tables: its Latin name, its meaning and its format, for the structure file.
struct Column {
    name: String,
    title: String,
    format: &'static str,
}

/// The columns of every table, the same at every level.
fn columns(report: &Report) -> Vec<Column> {
    let column = |name: &str, title: &str, format| Column {
        name: name.to_string(),
        title: title.to_string(),
        format,
    };
    let mut columns = vec![
        column(
            "id",
            "ИНН школы или название муниципалитета, региона",
            "string",
        ),
        column("name", "Наименование", "string"),
        column("municipality", "Муниципальное образование", "string"),
        column("region", "Регион", "string"),
        column("schools", "Количество школ", "integer"),
    ];
    for role in Role::ALL {
        columns.push(column(
            &format!("contingent_{}", role.code()),
            &format!("Контингент: {}", role.title_ru()),
            "integer",
        ));
    }
    for platform in report.platforms.iter().filter(|p| p.present) {
        for role in Role::ALL {
            let prefix = format!("{}_{}", platform.platform.code, role.code());
            let title = format!("{}, {}", platform.platform.name, role.title_ru());
            for (measure, what, format) in [
                ("registered", "зарегистрировано", "integer"),
                ("active", "активных", "integer"),
                ("share", "доля активных от контингента, дробью", "number"),
                (
                    "delta_pp",
                    "изменение доли с прошлого среза, п. п.",
                    "number",
                ),
                ("target", "цель, дробью", "number"),
            ] {
                columns.push(Column {
                    name: format!("{prefix}_{measure}"),
                    title: format!("{title}: {what}"),
                    format,
                });
            }
        }
    }
    columns
}

fn count(value: Option<u64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The table of `report` as open-data CSV.
fn data_csv(report: &Report) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = columns(report).into_iter().map(|c| c.name).collect();
    let mut records = vec![header];
    for row in &report.rows {
        // Text that Excel would take for a formula gets its `'`, as in every CSV of tsos.
        let text = |text: &str| neutralise(text).into_owned();
        let mut record = vec![
            text(&row.id),
            text(&row.name),
            if report.level == Level::Region {
                String::new()
            } else {
                text(&row.municipality)
            },
            text(&row.region),
            row.schools.to_string(),
        ];
        record.extend(row.contingent.iter().map(|(_, c)| count(*c)));
        for (platform, figures) in report.platforms.iter().zip(&row.platforms) {
            if !platform.present {
                continue;
            }
            for role in Role::ALL {
                let indicator = figures.as_ref().map(|f| f.get(role));
                record.extend([
                    count(indicator.and_then(|i| i.registered)),
                    count(indicator.and_then(|i| i.active)),
                    number(indicator.and_then(|i| i.share)),
                    number(indicator.and_then(|i| i.delta_pp)),
                    number(indicator.and_then(|i| i.target)),
                ]);
            }
        }
        records.push(record);
    }
    for record in records {
        writer.write_record(&record).expect("writing to memory");
    }
    writer.into_inner().expect("writing to memory")
}

fn csv_of(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).expect("writing to memory");
    }
    writer.into_inner().expect("writing to memory")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar per row of `report` for one platform and role: its share, and the target as a line.
fn chart(report: &Report, platform: usize, role: Role, title: &str) -> String {
    let bars: Vec<(&str, f64, Option<f64>)> = report
        .rows
        .iter()
        .filter_map(|row| {
            let indicator = row.platforms[platform].as_ref()?.get(role);
            Some((row.name.as_str(), indicator.share?, indicator.target))
        })
        .collect();
    let (label_width, bar_width, row_height) = (260.0, 400.0, 22.0);
    let height = 40.0 + row_height * bars.len() as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" \
         viewBox=\"0 0 {w} {height}\" font-family=\"sans-serif\" font-size=\"12\">\
         <title>{}</title><text x=\"0\" y=\"16\" font-weight=\"bold\">{}</text>",
        html_escape(title),
        html_escape(title),
        w = label_width + bar_width + 60.0,
    );
    for (i, (name, share, target)) in bars.iter().enumerate() {
        let y = 30.0 + row_height * i as f64;
        let width = bar_width * share.clamp(0.0, 1.0);
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"{label_width}\" y=\"{y}\" width=\"{width:.1}\" \
             height=\"{}\" fill=\"#1f5fa8\"/><text x=\"{:.1}\" y=\"{}\">{}</text>",
            y + 14.0,
            html_escape(&ru::truncate(name, 40)),
            row_height - 6.0,
            label_width + width + 4.0,
            y + 14.0,
            html_escape(&ru::percent(Some(*share))),
        );
        if let Some(target) = target {
            let x = label_width + bar_width * target.clamp(0.0, 1.0);
            let _ = write!(
                svg,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#c62828\" stroke-width=\"2\"/>",
                y - 2.0,
                y + row_height - 4.0
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn level_title(level: Level) -> &'static str {
    match level {
        Level::Region => "Регион",
        Level::Municipality => "Муниципальные образования",
        Level::School => "Школы",
    }
}

/// The page: a table per level with each platform's shares, targets and changes, and the
/// charts of the municipalities.
fn page(reports: &[Report], as_of: Date, charts: &[(String, String)]) -> String {
    let mut html = format!(
        "<!doctype html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Мониторинг ЦОС на {date}</title>\n<style>body{{font-family:sans-serif;max-width:1100px;\
         margin:1rem auto;padding:0 1rem}}table{{border-collapse:collapse;margin:0.5rem 0 1.5rem}}\
         th,td{{border:1px solid #d9dee6;padding:0.25rem 0.5rem}}td.num{{text-align:right}}</style>\n\
         </head>\n<body>\n<h1>Использование ФГИС «Моя школа» и ИКОП «Сферум» на {date}</h1>\n\
         <p>Доля активных пользователей от контингента, цель и изменение с прошлого среза. \
         Открытые данные: <a href=\"meta.csv\">паспорт набора</a>, таблицы \
         <a href=\"region.csv\">region.csv</a>, <a href=\"municipalities.csv\">municipalities.csv</a>, \
         <a href=\"schools.csv\">schools.csv</a> и их <a href=\"structure.csv\">структура</a>.</p>\n",
        date = format_date_ru(as_of)
    );
    for (name, title) in charts {
        let _ = writeln!(
            html,
            "<figure><img src=\"{name}\" alt=\"{}\"></figure>",
            html_escape(title)
        );
    }
    for report in reports {
        let _ = writeln!(
            html,
            "<h2>{}</h2>\n<table>\n<tr><th>Наименование</th>",
            level_title(report.level)
        );
        let present: Vec<usize> = (0..report.platforms.len())
            .filter(|&i| report.platforms[i].present)
            .collect();
        for &p in &present {
            for role in [Role::Teachers, Role::Students] {
                let _ = write!(
                    html,
                    "<th>{}, {}: доля (цель; изменение)</th>",
                    html_escape(&report.platforms[p].platform.name),
                    role.title_ru()
                );
            }
        }
        html.push_str("</tr>\n");
        for row in &report.rows {
            let _ = write!(html, "<tr><td>{}</td>", html_escape(&row.name));
            for &p in &present {
                for role in [Role::Teachers, Role::Students] {
                    let cell = row.platforms[p].as_ref().map(|f| f.get(role)).map(|i| {
                        format!(
                            "{} ({}; {})",
                            ru::percent(i.share),
                            ru::percent(i.target),
                            ru::delta_pp(i.delta_pp)
                        )
                    });
                    let _ = write!(html, "<td class=\"num\">{}</td>", cell.unwrap_or_default());
                }
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// Who publishes, when no one is named: the region (or regions) of the reports, as the
/// registry names them.
pub fn default_creator(reports: &[Report]) -> String {
    let mut regions: Vec<&str> = reports
        .iter()
        .filter(|r| r.level == Level::Region)
        .flat_map(|r| r.rows.iter().map(|row| row.name.as_str()))
        .collect();
    regions.dedup();
    regions.join(", ")
}

/// Every file of the publication of `reports` (the three levels of one date), made on
/// `published` by `creator` (the authority, as the passport names it).
pub fn publication(reports: &[Report], published: Date, creator: &str) -> Vec<Published> {
    let as_of = reports.first().map_or(published, |r| r.as_of);
    let stamp = |date: Date| date.strftime("%Y%m%d").to_string();
    let mut files = Vec::new();
    let mut charts = Vec::new();
    if let Some(municipalities) = reports.iter().find(|r| r.level == Level::Municipality) {
        for (p, platform) in municipalities.platforms.iter().enumerate() {
            if !platform.present {
                continue;
            }
            for role in [Role::Teachers, Role::Students] {
                let name = format!("chart-{}-{}.svg", platform.platform.code, role.code());
                let title = format!(
                    "{}, {}: доля активных по муниципалитетам",
                    platform.platform.name,
                    role.title_ru()
                );
                files.push(Published {
                    name: name.clone(),
                    bytes: chart(municipalities, p, role, &title).into_bytes(),
                });
                charts.push((name, title));
            }
        }
    }
    files.push(Published {
        name: "index.html".to_string(),
        bytes: page(reports, as_of, &charts).into_bytes(),
    });
    let mut structure = vec![vec![
        "file".to_string(),
        "field name".to_string(),
        "english description".to_string(),
        "russian description".to_string(),
        "format".to_string(),
    ]];
    for report in reports {
        files.push(Published {
            name: data_file(report.level).to_string(),
            bytes: data_csv(report),
        });
        for column in columns(report) {
            structure.push(vec![
                data_file(report.level).to_string(),
                column.name.clone(),
                column.name.replace('_', " "),
                column.title,
                column.format.to_string(),
            ]);
        }
    }
    files.push(Published {
        name: "structure.csv".to_string(),
        bytes: csv_of(&structure),
    });
    let property = |name: &str, value: String| vec![name.to_string(), value];
    let meta = vec![
        property("property", "value".to_string()),
        property(
            "standardversion",
            "http://opendata.gosmonitor.ru/standard/3.0".to_string(),
        ),
        property("identifier", format!("tsos-monitoring-{}", stamp(as_of))),
        property(
            "title",
            format!(
                "Использование ФГИС «Моя школа» и ИКОП «Сферум» школами на {}",
                format_date_ru(as_of)
            ),
        ),
        property(
            "description",
            "Доли активных педагогов и обучающихся от контингента по школам, муниципальным \
             образованиям и региону, цели и изменения с прошлого среза. Персональных данных нет."
                .to_string(),
        ),
        property("creator", creator.to_string()),
        property("created", stamp(published)),
        property("modified", stamp(published)),
        property(
            "subject",
            "образование, цифровая образовательная среда".to_string(),
        ),
        property("format", "csv".to_string()),
        property(
            "data",
            reports
                .iter()
                .map(|r| data_file(r.level))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        property("valid", stamp(as_of)),
        property("structure", "structure.csv".to_string()),
    ];
    files.push(Published {
        name: "meta.csv".to_string(),
        bytes: csv_of(&meta),
    });
    files
}
