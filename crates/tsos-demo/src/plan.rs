//! Which file is written for which month and in which form.
//!
//! The first months come as the ministry's per-school form (that is how monitoring started:
//! the platforms had no per-user exports yet), the later ones as per-user exports. Formats
//! rotate so that one demo run exercises every input path of SPEC §5.

use jiff::civil::Date;

use crate::sim::Service;
use crate::table::{CsvStyle, Encoding, MomentStyle, XlsxStyle};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserFormat {
    /// UTF-8 with BOM, `,`, ISO timestamps with offset, school names in ASCII quotes.
    Utf8Comma,
    /// Windows-1251, `;`, a title line and a blank line, Russian dates.
    Cp1251,
    /// UTF-8 without BOM, tab-separated, database-style timestamps.
    Utf8Tab,
    /// XLSX with a merged title, Excel date cells and ИНН in number cells.
    Xlsx,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SchoolFormat {
    /// `counts_as_text`: the contingent typed as text with no-break spaces.
    Xlsx { counts_as_text: bool },
    /// Saved from Excel as Windows-1251 `;` CSV; counts grouped by `thousands`.
    Cp1251 { thousands: char },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    Users(UserFormat),
    Schools(SchoolFormat),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Planned {
    /// Index of the monthly date.
    pub month: usize,
    pub service: Service,
    pub form: Form,
}

/// The files for `months` monthly dates, in import order: by date, My School first.
pub(crate) fn plan(months: usize) -> Vec<Planned> {
    // Up to three months of per-school forms, never the last month: the latest export is
    // per-user so that forecasts and user lists can be shown.
    let school_months = (months / 4).min(3);
    let mut files = Vec::with_capacity(months * 2);
    for month in 0..months {
        for service in Service::ALL {
            let form = if month < school_months {
                let k = month % 3;
                Form::Schools(match (service, k) {
                    (Service::MySchool, 1) => SchoolFormat::Cp1251 {
                        thousands: '\u{a0}',
                    },
                    (Service::MySchool, _) => SchoolFormat::Xlsx {
                        counts_as_text: k == 0,
                    },
                    (Service::Sferum, 1) => SchoolFormat::Xlsx {
                        counts_as_text: false,
                    },
                    (Service::Sferum, _) => SchoolFormat::Cp1251 {
                        thousands: if k == 0 { ' ' } else { '\u{a0}' },
                    },
                })
            } else {
                // My School's and Sferum's operators send different files, and each has
                // changed its format from time to time.
                let rotation = match service {
                    Service::MySchool => [
                        UserFormat::Cp1251,
                        UserFormat::Xlsx,
                        UserFormat::Utf8Comma,
                        UserFormat::Cp1251,
                    ],
                    Service::Sferum => [
                        UserFormat::Utf8Comma,
                        UserFormat::Xlsx,
                        UserFormat::Cp1251,
                        UserFormat::Utf8Tab,
                    ],
                };
                // Counted back from the last month, so that it is the same whatever the
                // length of the period.
                Form::Users(rotation[(months - 1 - month) % 4])
            };
            files.push(Planned {
                month,
                service,
                form,
            });
        }
    }
    files
}

impl Planned {
    pub fn file_name(&self, date: Date) -> String {
        let (kind, extension) = match self.form {
            Form::Users(UserFormat::Xlsx) => ("users", "xlsx"),
            Form::Users(_) => ("users", "csv"),
            Form::Schools(SchoolFormat::Xlsx { .. }) => ("schools", "xlsx"),
            Form::Schools(SchoolFormat::Cp1251 { .. }) => ("schools", "csv"),
        };
        format!("{date}_{}_{kind}.{extension}", self.service.code())
    }

    /// «Моя школа», по пользователям, CSV cp1251 (…)
    pub fn describe(&self) -> String {
        let service = match self.service {
            Service::MySchool => "«Моя школа»",
            Service::Sferum => "«Сферум»",
        };
        let what = match self.form {
            Form::Users(format) => match format {
                UserFormat::Utf8Comma => {
                    "по пользователям, CSV UTF-8 с BOM, разделитель «,», даты ISO 8601"
                }
                UserFormat::Cp1251 => {
                    "по пользователям, CSV cp1251, разделитель «;», строка заголовка"
                }
                UserFormat::Utf8Tab => "по пользователям, CSV UTF-8 без BOM, табуляция",
                UserFormat::Xlsx => "по пользователям, XLSX, даты ячейками Excel",
            },
            Form::Schools(SchoolFormat::Xlsx { counts_as_text }) => {
                if counts_as_text {
                    "по школам (форма министерства), XLSX, численность текстом"
                } else {
                    "по школам (форма министерства), XLSX"
                }
            }
            Form::Schools(SchoolFormat::Cp1251 { thousands }) => {
                if thousands == ' ' {
                    "по школам (форма министерства), CSV cp1251, разряды через пробел"
                } else {
                    "по школам (форма министерства), CSV cp1251, разряды через неразрывный пробел"
                }
            }
        };
        format!("{service}, {what}")
    }

    /// Per-user exports of some schools were taken a few days late; the ministry's form is
    /// computed on the date itself.
    pub fn late(&self) -> bool {
        matches!(self.form, Form::Users(_))
    }

    /// How the file is written: as CSV with a style, or as XLSX.
    pub fn layout(&self, created: Date) -> Layout {
        let csv = |encoding, delimiter, moments| CsvStyle {
            encoding,
            delimiter,
            crlf: false,
            title: false,
            padded: false,
            moments,
            thousands: None,
        };
        match self.form {
            Form::Users(UserFormat::Utf8Comma) => {
                Layout::Csv(csv(Encoding::Utf8Bom, ',', MomentStyle::IsoOffset))
            }
            Form::Users(UserFormat::Utf8Tab) => {
                Layout::Csv(csv(Encoding::Utf8, '\t', MomentStyle::IsoSpace))
            }
            Form::Users(UserFormat::Cp1251) => Layout::Csv(CsvStyle {
                crlf: true,
                title: true,
                ..csv(Encoding::Windows1251, ';', MomentStyle::Russian)
            }),
            Form::Schools(SchoolFormat::Cp1251 { thousands }) => Layout::Csv(CsvStyle {
                crlf: true,
                title: true,
                padded: true,
                thousands: Some(thousands),
                ..csv(Encoding::Windows1251, ';', MomentStyle::Russian)
            }),
            Form::Users(UserFormat::Xlsx) => Layout::Xlsx(XlsxStyle {
                sheet: "Пользователи",
                gap_after_title: false,
                created,
            }),
            Form::Schools(SchoolFormat::Xlsx { .. }) => Layout::Xlsx(XlsxStyle {
                sheet: "Мониторинг",
                gap_after_title: true,
                created,
            }),
        }
    }
}

pub(crate) enum Layout {
    Csv(CsvStyle),
    Xlsx(XlsxStyle),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months() {
        let files = plan(12);
        assert_eq!(files.len(), 24);
        let school_files = files
            .iter()
            .filter(|f| matches!(f.form, Form::Schools(_)))
            .count();
        assert_eq!(school_files, 6);
        assert!(
            files[..6]
                .iter()
                .all(|f| matches!(f.form, Form::Schools(_)))
        );
        let xlsx_months = files
            .iter()
            .filter(|f| f.form == Form::Users(UserFormat::Xlsx))
            .count();
        assert_eq!(
            xlsx_months, 4,
            "two months of per-user XLSX for both platforms"
        );
        let last = &files[22..];
        assert_eq!(last[0].form, Form::Users(UserFormat::Cp1251));
        assert_eq!(last[1].form, Form::Users(UserFormat::Utf8Comma));
    }

    #[test]
    fn short_periods_are_per_user() {
        assert!(plan(3).iter().all(|f| matches!(f.form, Form::Users(_))));
        assert!(plan(0).is_empty());
    }
}
