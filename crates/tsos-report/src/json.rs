//! `tsos report --format json`: one object, exactly as SPEC §8 shows. Tests and outside
//! scripts parse it; keys are only ever added.

use jiff::civil::Date;
use serde_json::{Map, Value, json};
use tsos_domain::dates::months_after;
use tsos_domain::indicators::share;
use tsos_domain::{Indicator, Level, Report, Role};

pub fn to_value(report: &Report) -> Value {
    let rows: Vec<Value> = report
        .rows
        .iter()
        .map(|row| {
            let mut object = Map::new();
            object.insert("id".into(), json!(row.id));
            object.insert("name".into(), json!(row.name));
            object.insert(
                "municipality".into(),
                match report.level {
                    Level::Region => Value::Null,
                    _ => json!(row.municipality),
                },
            );
            object.insert("region".into(), json!(row.region));
            if report.level != Level::School {
                object.insert("schools".into(), json!(row.schools));
            }
            let mut contingent = Map::new();
            for (role, value) in row.contingent.iter() {
                contingent.insert(role.code().into(), json!(value));
            }
            object.insert("contingent".into(), Value::Object(contingent));
            for (platform, indicators) in report.platforms.iter().zip(&row.platforms) {
                let value = match indicators {
                    None => Value::Null,
                    Some(indicators) => {
                        let mut roles = Map::new();
                        for role in Role::ALL {
                            roles.insert(
                                role.code().into(),
                                indicator(
                                    indicators.get(role),
                                    platform.platform.rule.requires_confirmed,
                                    report.level,
                                    months_after(report.as_of, 1),
                                ),
                            );
                        }
                        Value::Object(roles)
                    }
                };
                object.insert(platform.platform.code.clone(), value);
            }
            Value::Object(object)
        })
        .collect();
    let mut unknown_users = Map::new();
    let mut unknown_detail = Map::new();
    let mut platforms = Vec::new();
    for platform in &report.platforms {
        let code = platform.platform.code.clone();
        unknown_users.insert(
            code.clone(),
            json!(platform.unknown.as_ref().map(|u| u.users)),
        );
        unknown_detail.insert(
            code.clone(),
            match &platform.unknown {
                Some(unknown) => json!({
                    "organisations": unknown.ids.len(),
                    "users": unknown.users,
                    "ids": unknown.ids.iter().map(|id| id.as_str()).collect::<Vec<_>>(),
                }),
                None => Value::Null,
            },
        );
        platforms.push(json!({
            "code": code,
            "name": platform.platform.name,
            "present": platform.present,
            "previous_as_of": platform.previous.map(|d| d.to_string()),
        }));
    }
    json!({
        "as_of": report.as_of.to_string(),
        "level": report.level.code(),
        "rows": rows,
        "unknown_organisations": unknown_users,
        "unknown": unknown_detail,
        "platforms": platforms,
    })
}

fn indicator(indicator: &Indicator, with_confirmed: bool, level: Level, next: Date) -> Value {
    let mut object = Map::new();
    object.insert("registered".into(), json!(indicator.registered));
    if with_confirmed || indicator.confirmed.is_some() {
        object.insert("confirmed".into(), json!(indicator.confirmed));
    }
    object.insert("active".into(), json!(indicator.active));
    object.insert("share".into(), json!(indicator.share));
    object.insert("delta_pp".into(), json!(indicator.delta_pp));
    object.insert("target".into(), json!(indicator.target));
    object.insert("status".into(), json!(indicator.status.code()));
    object.insert("gap".into(), json!(indicator.gap));
    let (rank, of) = ranks(indicator, level);
    object.insert("rank".into(), rank);
    object.insert("of".into(), of);
    object.insert("leaving".into(), json!(indicator.leaving));
    object.insert(
        "forecast_next".into(),
        match indicator.active_next() {
            Some(active) => json!({
                "as_of": next.to_string(),
                "active": active,
                "share": share(active, indicator.contingent),
            }),
            None => Value::Null,
        },
    );
    Value::Object(object)
}

/// `{"municipality": 3, "region": 41}` and `{"municipality": 9, "region": 64}` for a school;
/// only `"region"` for a municipality; null without a share or at region level.
fn ranks(indicator: &Indicator, level: Level) -> (Value, Value) {
    let mut rank = Map::new();
    let mut of = Map::new();
    let groups = [
        ("municipality", indicator.rank.municipality),
        ("region", indicator.rank.region),
    ];
    for (name, place) in groups {
        if let Some((position, total)) = place {
            rank.insert(name.into(), json!(position));
            of.insert(name.into(), json!(total));
        }
    }
    if rank.is_empty() || level == Level::Region {
        (Value::Null, Value::Null)
    } else {
        (Value::Object(rank), Value::Object(of))
    }
}

pub fn to_string(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(report)).expect("JSON values serialise");
    text.push('\n');
    text
}
