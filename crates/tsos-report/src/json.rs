//! `tsos report --format json`: one object, exactly as SPEC §8 shows. Tests and outside
//! scripts parse it; keys are only ever added.

use serde_json::{Map, Value, json};
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

fn indicator(indicator: &Indicator, with_confirmed: bool) -> Value {
    let mut object = Map::new();
    object.insert("registered".into(), json!(indicator.registered));
    if with_confirmed || indicator.confirmed.is_some() {
        object.insert("confirmed".into(), json!(indicator.confirmed));
    }
    object.insert("active".into(), json!(indicator.active));
    object.insert("share".into(), json!(indicator.share));
    object.insert("delta_pp".into(), json!(indicator.delta_pp));
    Value::Object(object)
}

pub fn to_string(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(report)).expect("JSON values serialise");
    text.push('\n');
    text
}
