//! What a query or a form asks for: a date, a level, the date a page shows. A value that
//! cannot be read is a 400 that names it.

use jiff::civil::Date;
use serde::Deserialize;
use tsos_domain::Level;
use tsos_domain::indicators::Cutoff;

use super::error::WebError;

/// The query of a report's page: its date, the column its table is sorted by, the page of a
/// long list.
#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    pub as_of: Option<String>,
    pub sort: Option<String>,
    pub page: Option<u32>,
    /// A fixed cut-off for an area's lagging list instead of the targets: «20», «20 %», «0,2».
    pub below: Option<String>,
}

impl PageQuery {
    /// The cut-off the query asks for, if any; an empty field asks for none.
    pub fn cutoff(&self) -> Result<Cutoff, WebError> {
        match self.below.as_deref().map(str::trim) {
            None | Some("") => Ok(Cutoff::Target),
            Some(text) => tsos_domain::targets::parse_value(text)
                .map(Cutoff::Below)
                .map_err(|err| WebError::BadRequest(format!("порог доли: {err}"))),
        }
    }
}

/// The query of a report's download or API call.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportQuery {
    /// Отчетная дата: 2023-10-01 или 01.10.2023; без нее — последняя дата с данными.
    pub as_of: Option<String>,
    /// Уровень: school (по умолчанию), municipality или region.
    pub level: Option<String>,
}

/// A date the user gave in a query or a form, «01.10.2023» or «2023-10-01»; `what` names it in
/// the error.
pub(crate) fn parse_date(what: &str, text: &str) -> Result<Date, WebError> {
    tsos_domain::parse_cli_date(text).map_err(|err| WebError::BadRequest(format!("{what}: {err}")))
}

/// The level a query asks for; schools when it asks for none.
pub(crate) fn parse_level(level: Option<&str>) -> Result<Level, WebError> {
    Ok(chosen_level(level)?.unwrap_or(Level::School))
}

/// The level a query asks for, if any.
pub(crate) fn chosen_level(level: Option<&str>) -> Result<Option<Level>, WebError> {
    match level {
        None | Some("") => Ok(None),
        Some(code) => Level::from_code(code).map(Some).ok_or_else(|| {
            WebError::BadRequest(format!(
                "уровень «{code}» неизвестен; есть: school, municipality, region"
            ))
        }),
    }
}

/// The date a page shows, and whether the user picked it.
pub(crate) struct When {
    pub as_of: Date,
    /// The date the user picked; links carry it only then, so that they otherwise follow
    /// the newest data.
    pub chosen: Option<Date>,
    /// The dates with data a page offers to pick from, ascending; empty where any day may be
    /// asked for.
    pub dates: Vec<Date>,
}

impl When {
    /// The date `as_of` names among `dates`, the dates with data, ascending; the latest of
    /// them when it names none. `None` when nothing is imported yet.
    pub fn among(dates: Vec<Date>, as_of: Option<&str>) -> Result<Option<When>, WebError> {
        let chosen = picked(as_of)?;
        let Some(&latest) = dates.last() else {
            return Ok(None);
        };
        Ok(Some(When {
            as_of: chosen.unwrap_or(latest),
            chosen,
            dates,
        }))
    }

    /// The date `as_of` names, or `today`: chats are recorded on any day, not on the dates of
    /// the exports.
    pub fn any_day(as_of: Option<&str>, today: Date) -> Result<When, WebError> {
        let chosen = picked(as_of)?;
        Ok(When {
            as_of: chosen.unwrap_or(today),
            chosen,
            dates: Vec::new(),
        })
    }
}

/// The date a query names; none when it names none or leaves the field empty.
fn picked(as_of: Option<&str>) -> Result<Option<Date>, WebError> {
    as_of
        .filter(|text| !text.is_empty())
        .map(|text| parse_date("дата", text))
        .transpose()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn a_page_shows_the_date_picked_else_the_latest_or_today() {
        let dates = vec![date(2023, 9, 1), date(2023, 10, 1)];
        let latest = When::among(dates.clone(), None).unwrap().unwrap();
        assert_eq!((latest.as_of, latest.chosen), (date(2023, 10, 1), None));
        let picked = When::among(dates, Some("01.09.2023")).unwrap().unwrap();
        assert_eq!(picked.chosen, Some(date(2023, 9, 1)));
        assert!(When::among(Vec::new(), Some("")).unwrap().is_none());
        assert!(matches!(
            When::among(Vec::new(), Some("вчера")),
            Err(WebError::BadRequest(_))
        ));
        let today = When::any_day(Some(""), date(2024, 2, 29)).unwrap();
        assert_eq!((today.as_of, today.chosen), (date(2024, 2, 29), None));
    }
}
