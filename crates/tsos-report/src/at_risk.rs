//! `tsos at-risk` as CSV and as a workbook: the users of one school who leave the active
//! window soon unless they come back.
//!
//! The list is read by `tsos_app::at_risk`, which this crate sits below (`tsos-app` uses it),
//! so it arrives as the plain borrowed data of [`AtRisk`].

use jiff::civil::Date;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use tsos_domain::{OrgId, Role, format_date_ru};

/// One school's users who leave the window before `horizon_end`, soonest first.
pub struct AtRisk<'a> {
    pub platform_name: &'a str,
    pub school: &'a OrgId,
    pub as_of: Date,
    pub horizon_end: Date,
    pub users: Vec<Person<'a>>,
}

/// A user as the export names them: the name and id may be missing.
pub struct Person<'a> {
    pub full_name: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub role: Role,
    pub last: Date,
    /// The last day they still count as active if they do not come back.
    pub active_until: Date,
}

const HEADER: [&str; 5] = ["ФИО", "ID", "Роль", "Последний вход", "Активен по"];

pub fn csv(list: &AtRisk<'_>) -> Vec<u8> {
    crate::csv::for_excel(|writer| {
        writer.record(HEADER);
        for user in &list.users {
            // Names and ids come from an export: text, made safe by the writer.
            writer.record([
                user.full_name.unwrap_or(""),
                user.user_id.unwrap_or(""),
                user.role.singular_ru(),
                &format_date_ru(user.last),
                &format_date_ru(user.active_until),
            ]);
        }
    })
}

/// The list as a workbook a school administrator can open and tick off.
pub fn xlsx(list: &AtRisk<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Выпадают из окна")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{}: пользователи ОО {}, которые выпадут из окна активности до {} (на {})",
            list.platform_name,
            list.school,
            format_date_ru(list.horizon_end),
            format_date_ru(list.as_of)
        ),
        &bold,
    )?;
    for (col, title) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *title, &bold)?;
    }
    let excel_date =
        |d: Date| ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8);
    for (idx, user) in list.users.iter().enumerate() {
        let row = idx as u32 + 3;
        sheet.write_string(row, 0, user.full_name.unwrap_or(""))?;
        sheet.write_string(row, 1, user.user_id.unwrap_or(""))?;
        sheet.write_string(row, 2, user.role.singular_ru())?;
        sheet.write_datetime_with_format(row, 3, excel_date(user.last)?, &date)?;
        sheet.write_datetime_with_format(row, 4, excel_date(user.active_until)?, &date)?;
    }
    sheet.set_freeze_panes(3, 0)?;
    sheet.set_column_width(0, 36)?;
    sheet.set_column_width(1, 16)?;
    sheet.set_column_width(2, 14)?;
    sheet.set_column_width(3, 16)?;
    sheet.set_column_width(4, 14)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};
    use jiff::civil::date;

    use super::*;

    #[test]
    fn a_name_from_the_export_is_text_and_a_date_is_a_date() {
        let school = OrgId::normalize("0512345678").unwrap();
        let list = AtRisk {
            platform_name: "ФГИС «Моя школа»",
            school: &school,
            as_of: date(2023, 10, 1),
            horizon_end: date(2023, 10, 31),
            users: vec![Person {
                full_name: Some("=Иванов"),
                user_id: None,
                role: Role::Teachers,
                last: date(2022, 10, 20),
                active_until: date(2023, 10, 19),
            }],
        };
        let text = String::from_utf8(csv(&list)).unwrap();
        assert_eq!(
            text.lines().nth(1),
            Some("'=Иванов;;педагог;20.10.2022;19.10.2023")
        );
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx(&list).unwrap())).unwrap();
        let sheet = book.worksheet_range("Выпадают из окна").unwrap();
        assert!(
            matches!(sheet.get_value((0, 0)), Some(Data::String(title)) if title.contains("ОО 0512345678")),
            "{:?}",
            sheet.get_value((0, 0))
        );
        assert_eq!(
            sheet.get_value((2, 4)),
            Some(&Data::String("Активен по".into()))
        );
        assert_eq!(
            sheet.get_value((3, 0)),
            Some(&Data::String("=Иванов".into()))
        );
        assert!(matches!(sheet.get_value((3, 4)), Some(Data::DateTime(_))));
    }
}
