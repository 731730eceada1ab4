//! `tsos report --format csv`: for Excel with a Russian locale — UTF-8 with BOM, `;`,
//! decimal commas, counts as plain integers.

use tsos_domain::{Level, Report, Role};

use crate::ru;

/// A CSV file as Excel with a Russian locale opens it: UTF-8 with a BOM, `;` between fields,
/// CRLF between records; `write` writes the records.
pub fn for_excel(write: impl FnOnce(&mut ::csv::Writer<&mut Vec<u8>>)) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = ::csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        write(&mut writer);
        writer.flush().expect("writing to memory");
    }
    out
}

pub fn to_bytes(report: &Report) -> Vec<u8> {
    for_excel(|writer| {
        let mut header: Vec<String> = match report.level {
            Level::School => vec![
                "ИНН",
                "Наименование ОО",
                "Муниципальное образование",
                "Регион",
            ],
            Level::Municipality => vec!["Муниципальное образование", "Регион", "Количество ОО"],
            Level::Region => vec!["Регион", "Количество ОО"],
        }
        .into_iter()
        .map(String::from)
        .collect();
        for role in Role::ALL {
            header.push(format!("Контингент: {}", role.title_ru()));
        }
        for platform in report.platforms.iter().filter(|p| p.present) {
            for role in Role::ALL {
                let prefix = format!("{}, {}", platform.platform.name, role.title_ru());
                header.push(format!("{prefix}: зарегистрировано"));
                if platform.platform.rule.requires_confirmed {
                    header.push(format!("{prefix}: подтверждено"));
                }
                header.push(format!("{prefix}: активных"));
                header.push(format!("{prefix}: доля, %"));
                header.push(format!("{prefix}: изменение, п.п."));
                header.push(format!("{prefix}: цель, %"));
                header.push(format!("{prefix}: статус"));
                header.push(format!("{prefix}: не хватает до цели"));
                match report.level {
                    Level::School => {
                        header.push(format!("{prefix}: место в МО"));
                        header.push(format!("{prefix}: место в регионе"));
                    }
                    Level::Municipality => header.push(format!("{prefix}: место в регионе")),
                    Level::Region => {}
                }
                header.push(format!("{prefix}: выбудут к следующему срезу"));
            }
        }
        writer.write_record(&header).expect("writing to memory");
        let number = |value: Option<u64>| value.map(|v| v.to_string()).unwrap_or_default();
        let decimal = |value: Option<f64>| value.map(|v| ru::decimal(v, 1)).unwrap_or_default();
        for row in &report.rows {
            let mut record: Vec<String> = match report.level {
                Level::School => vec![
                    row.id.clone(),
                    row.name.clone(),
                    row.municipality.clone(),
                    row.region.clone(),
                ],
                Level::Municipality => vec![
                    row.name.clone(),
                    row.region.clone(),
                    row.schools.to_string(),
                ],
                Level::Region => vec![row.name.clone(), row.schools.to_string()],
            };
            for (_, contingent) in row.contingent.iter() {
                record.push(number(*contingent));
            }
            for (platform, indicators) in report.platforms.iter().zip(&row.platforms) {
                let Some(indicators) = indicators else {
                    continue;
                };
                for role in Role::ALL {
                    let indicator = indicators.get(role);
                    record.push(number(indicator.registered));
                    if platform.platform.rule.requires_confirmed {
                        record.push(number(indicator.confirmed));
                    }
                    record.push(indicator.active.to_string());
                    record.push(decimal(indicator.share.map(|s| s * 100.0)));
                    record.push(decimal(indicator.delta_pp));
                    record.push(decimal(indicator.target.map(|t| t * 100.0)));
                    record.push(match indicator.status {
                        tsos_domain::Status::None => String::new(),
                        status => status.title_ru().to_string(),
                    });
                    record.push(number(indicator.gap));
                    let place = |p: Option<(usize, usize)>| {
                        p.map(|(rank, of)| format!("{rank} из {of}"))
                            .unwrap_or_default()
                    };
                    match report.level {
                        Level::School => {
                            record.push(place(indicator.rank.municipality));
                            record.push(place(indicator.rank.region));
                        }
                        Level::Municipality => record.push(place(indicator.rank.region)),
                        Level::Region => {}
                    }
                    record.push(number(indicator.leaving));
                }
            }
            writer.write_record(&record).expect("writing to memory");
        }
    })
}
