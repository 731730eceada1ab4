//! `tsos flows`: the user flows of a report's rows (SPEC §7) — new, returned, retained and
//! lost users per platform and role since the previous monthly snapshot — as a terminal table
//! or JSON. The figures come computed in the report; here they are only laid out.

use serde_json::{Value, json};
use tsos_domain::{Report, Role, format_date_ru};

use crate::json::pretty;
use crate::labels::{FLOW_TITLES, flow_values, flows_absent_line};
use crate::ru;
use crate::table::format_line;

/// One line per row, platform and role with any flow; then why flows are absent, once.
pub fn table(report: &Report) -> String {
    let mut out = format!(
        "Потоки пользователей на {} — {}\n\n",
        format_date_ru(report.as_of),
        report.level.title_ru()
    );
    let mut lines: Vec<Vec<String>> = vec![
        ["Название", "Платформа", "Роль"]
            .into_iter()
            .map(str::to_string)
            .chain(FLOW_TITLES.iter().map(|t| t.to_string()))
            .collect(),
    ];
    for row in &report.rows {
        for (platform, indicators) in report.platforms.iter().zip(&row.platforms) {
            let Some(indicators) = indicators else {
                continue;
            };
            for role in Role::ALL {
                let Some(flows) = indicators.get(role).flows else {
                    continue;
                };
                if flows.active_now() + flows.active_before() == 0 {
                    continue;
                }
                let mut line = vec![
                    row.name.clone(),
                    platform.platform.name.clone(),
                    role.title_ru().to_string(),
                ];
                line.extend(flow_values(&flows).map(ru::integer));
                lines.push(line);
            }
        }
    }
    if lines.len() > 1 {
        let mut widths = vec![0; lines[0].len()];
        for line in &lines {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for line in &lines {
            out.push_str(&format_line(line, &widths));
        }
        out.push('\n');
        let since: Vec<String> = report
            .platforms
            .iter()
            .filter(|p| p.present && p.flows_absent.is_none())
            .filter_map(|p| {
                Some(format!(
                    "{} — с {}",
                    p.platform.name,
                    format_date_ru(p.previous?)
                ))
            })
            .collect();
        out.push_str(&format!(
            "Новые — впервые активны в цепочке месячных выгрузок, вернувшиеся — активны раньше, но не в прошлом месяце, удержанные — активны и в прошлом месяце, ушедшие — активны в прошлом месяце, но не сейчас ({}).\n",
            since.join(", ")
        ));
    }
    if let Some(line) = flows_absent_line(report) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `{"as_of", "level", "rows": [{"id", "name", "municipality", "region", "<platform>":
/// {"<role>": {"new", "returned", "retained", "lost"}}}], "platforms": [{"code", "name",
/// "previous_as_of", "flows_absent"}]}`: a platform without flows is left out of the rows.
pub fn json(report: &Report) -> String {
    let rows: Vec<Value> = report
        .rows
        .iter()
        .map(|row| {
            let mut value = json!({
                "id": row.id,
                "name": row.name,
                "municipality": row.municipality,
                "region": row.region,
            });
            for (platform, indicators) in report.platforms.iter().zip(&row.platforms) {
                let Some(indicators) = indicators else {
                    continue;
                };
                let roles: serde_json::Map<String, Value> = Role::ALL
                    .into_iter()
                    .filter_map(|role| {
                        let flows = indicators.get(role).flows?;
                        Some((role.code().to_string(), json!(flows)))
                    })
                    .collect();
                if !roles.is_empty() {
                    value[&platform.platform.code] = Value::Object(roles);
                }
            }
            value
        })
        .collect();
    let platforms: Vec<Value> = report
        .platforms
        .iter()
        .filter(|p| p.imported)
        .map(|p| {
            json!({
                "code": p.platform.code,
                "name": p.platform.name,
                "present": p.present,
                "previous_as_of": p.previous.map(|d| d.to_string()),
                "flows_absent": p.flows_absent.map(|a| a.code()),
            })
        })
        .collect();
    pretty(&json!({
        "as_of": report.as_of.to_string(),
        "level": report.level.code(),
        "rows": rows,
        "platforms": platforms,
    }))
}
