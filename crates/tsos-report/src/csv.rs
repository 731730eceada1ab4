//! CSV for Excel with a Russian locale — UTF-8 with BOM, `;`, decimal commas, counts as
//! plain integers — and `tsos report --format csv` written with it.
//!
//! Every CSV tsos writes goes through [`ExcelCsv`], which makes text safe to open: a text cell
//! that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be a formula in
//! Excel (`=HYPERLINK(…)` in a school's name, a person's name from an export), so it gets
//! OWASP's `'` in front. Only what tsos itself formats as a number is written as it is, and
//! a cell is text unless it is made a [`Field::number`].

use std::borrow::Cow;

use tsos_domain::{Level, Report, Role};

use crate::labels::Measure;
use crate::ru;

/// One cell of a record: text unless tsos formatted it as a number itself.
pub enum Field {
    Text(String),
    Number(String),
}

impl Field {
    /// A number as tsos writes it (`-3,1`, `1234`), kept as it is.
    pub fn number(text: impl Into<String>) -> Field {
        Field::Number(text.into())
    }
}

impl From<String> for Field {
    fn from(text: String) -> Field {
        Field::Text(text)
    }
}

impl From<&str> for Field {
    fn from(text: &str) -> Field {
        Field::Text(text.to_string())
    }
}

impl From<&String> for Field {
    fn from(text: &String) -> Field {
        Field::Text(text.clone())
    }
}

/// A text cell as it is safe to open in a spreadsheet.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Records of a CSV file for Excel.
pub struct ExcelCsv<'a> {
    writer: ::csv::Writer<&'a mut Vec<u8>>,
}

impl ExcelCsv<'_> {
    pub fn record<F: Into<Field>>(&mut self, fields: impl IntoIterator<Item = F>) {
        let fields: Vec<Field> = fields.into_iter().map(Into::into).collect();
        let cells = fields.iter().map(|field| match field {
            Field::Text(text) => neutralise(text),
            Field::Number(text) => Cow::Borrowed(text.as_str()),
        });
        self.writer
            .write_record(cells.map(|cell| cell.into_owned()))
            .expect("writing to memory");
    }
}

/// A CSV file as Excel with a Russian locale opens it: UTF-8 with a BOM, `;` between fields,
/// CRLF between records; `write` writes the records.
pub fn for_excel(write: impl FnOnce(&mut ExcelCsv<'_>)) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut csv = ExcelCsv {
            writer: ::csv::WriterBuilder::new()
                .delimiter(b';')
                .terminator(::csv::Terminator::CRLF)
                .from_writer(&mut out),
        };
        write(&mut csv);
        csv.writer.flush().expect("writing to memory");
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
                let mut measures = vec![Measure::Registered];
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
                    Level::School => {
                        measures.extend([Measure::RankMunicipality, Measure::RankRegion]);
                    }
                    Level::Municipality => measures.push(Measure::RankRegion),
                    Level::Region => {}
                }
                measures.push(Measure::Leaving);
                for measure in measures {
                    header.push(format!(
                        "{prefix}: {}",
                        measure.csv_title_for(&platform.platform.rule)
                    ));
                }
            }
        }
        writer.record(&header);
        let number =
            |value: Option<u64>| Field::number(value.map(|v| v.to_string()).unwrap_or_default());
        let decimal = |value: Option<f64>| {
            Field::number(value.map(|v| ru::decimal(v, 1)).unwrap_or_default())
        };
        for row in &report.rows {
            let mut record: Vec<Field> = match report.level {
                Level::School => vec![
                    (&row.id).into(),
                    (&row.name).into(),
                    (&row.municipality).into(),
                    (&row.region).into(),
                ],
                Level::Municipality => vec![
                    (&row.name).into(),
                    (&row.region).into(),
                    Field::number(row.schools.to_string()),
                ],
                Level::Region => vec![(&row.name).into(), Field::number(row.schools.to_string())],
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
                    record.push(number(indicator.active));
                    record.push(decimal(indicator.share.map(|s| s * 100.0)));
                    record.push(decimal(indicator.delta_pp));
                    record.push(decimal(indicator.target.map(|t| t * 100.0)));
                    record.push(match indicator.status {
                        tsos_domain::Status::None => "".into(),
                        status => status.title_ru().into(),
                    });
                    record.push(number(indicator.gap));
                    let place = |p: Option<(u32, u32)>| -> Field {
                        p.map(|(rank, of)| format!("{rank} из {of}"))
                            .unwrap_or_default()
                            .into()
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
            writer.record(record);
        }
    })
}
