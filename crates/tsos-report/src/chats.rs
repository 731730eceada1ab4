//! The official chats registry: the template a school fills in (XLSX with drop-down lists,
//! and a sheet for the list of classes), and the chat indicators as CSV, JSON or XLSX (SPEC
//! §10).

use rust_xlsxwriter::{DataValidation, Format, Workbook, XlsxError};
use serde_json::{Value, json};
use tsos_domain::chats::{
    CHAT_PLATFORMS, CLASS_HEADERS, CLASSES_SHEET, ChatRow, DeadlineStatus, PlatformClosing,
    Purpose, TEMPLATE_HEADERS,
};
use tsos_domain::{Level, format_date_ru};

use crate::csv::Field;
use crate::ru;

/// Rows of the template that get the drop-down lists.
const TEMPLATE_ROWS: u32 = 500;

/// The template: a title line with a date to fill in, the header, an example row, and lists
/// for purpose, platform and «Активен» on the rows below; then the sheet «Классы» for the
/// school's list of classes, with its header and an example row.
pub fn template(example_inn: &str) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Чаты")?;
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("DDEBF7");
    sheet.write_string_with_format(
        0,
        0,
        "Реестр официальных чатов общеобразовательной организации по состоянию на __.__.____",
        &bold,
    )?;
    sheet.write_string(
        1,
        0,
        "Один чат — одна строка. При переносе чата измените платформу и дату переноса; новый чат вместо старого — укажите старый в «Заменяет чат». Сферум в MAX — платформа «MAX»; «Сферум (VK Мессенджер)» — прежний Сферум. Список классов — на листе «Классы».",
    )?;
    for (col, title) in TEMPLATE_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *title, &header)?;
        sheet.set_column_width(col as u16, if col == 1 { 34 } else { 18 })?;
    }
    let example = [
        example_inn,
        "5А — родители",
        Purpose::Parents.title_ru(),
        "5А",
        "MAX",
        "27",
        "Да",
        "01.10.2023",
        "01.09.2022",
        "15.09.2023",
        "5А — родители (WhatsApp)",
    ];
    for (col, value) in example.iter().enumerate() {
        sheet.write_string(3, col as u16, *value)?;
    }
    let last = 3 + TEMPLATE_ROWS;
    let purposes: Vec<&str> = Purpose::ALL.iter().map(|p| p.title_ru()).collect();
    let platforms: Vec<&str> = CHAT_PLATFORMS.iter().map(|p| p.name).collect();
    let lists: [(u16, Vec<&str>, &str); 3] = [
        (2, purposes, "Назначение чата"),
        (4, platforms, "Где ведется чат"),
        (6, vec!["Да", "Нет"], "Используется ли чат"),
    ];
    for (col, values, title) in lists {
        let validation = DataValidation::new()
            .allow_list_strings(&values)?
            .set_input_title(title)?
            .set_input_message("Выберите из списка")?;
        sheet.add_data_validation(3, col, last, col, &validation)?;
    }
    sheet.set_freeze_panes(3, 0)?;
    let classes = workbook.add_worksheet().set_name(CLASSES_SHEET)?;
    classes.write_string_with_format(
        0,
        0,
        "Список классов общеобразовательной организации",
        &bold,
    )?;
    classes.write_string(
        1,
        0,
        "Один класс — одна строка. Классный чат на листе «Чаты» засчитывается классу, у которого тот же «Класс».",
    )?;
    for (col, title) in CLASS_HEADERS.iter().enumerate() {
        classes.write_string_with_format(2, col as u16, *title, &header)?;
        classes.set_column_width(col as u16, 18)?;
    }
    classes.write_string(3, 0, example_inn)?;
    classes.write_string(3, 1, "5А")?;
    classes.write_number(3, 2, 27.0)?;
    classes.set_freeze_panes(3, 0)?;
    workbook.save_to_buffer()
}

/// The classes and the classes without an official chat as text, both `empty` where no
/// school of the row gave a list: the figures are then unknown, not zero.
fn class_cells(row: &ChatRow, empty: &str) -> [String; 2] {
    match row.classes_without_chat {
        Some(without) => [row.classes.to_string(), without.to_string()],
        None => [empty.to_string(), empty.to_string()],
    }
}

/// «выполнено», «в работе», «просрочено на 3 дн.»; empty without a deadline.
fn deadline_text(status: Option<DeadlineStatus>) -> String {
    status.map(DeadlineStatus::title_ru).unwrap_or_default()
}

fn first_column(level: Level) -> &'static str {
    match level {
        Level::School => "ОО (ИНН)",
        Level::Municipality => "Муниципальное образование",
        Level::Region => "Регион",
    }
}

/// A row's cells as text, for the table and CSV.
fn cells(row: &ChatRow, level: Level) -> Vec<String> {
    let [classes, without_chat] = class_cells(row, "—");
    vec![
        match level {
            Level::School => format!("{} ({})", row.name, row.id),
            _ => row.name.clone(),
        },
        row.chats.to_string(),
        ru::percent(row.domestic_share()),
        row.foreign_open.to_string(),
        row.inactive_domestic.to_string(),
        row.schools_without_data.to_string(),
        row.schools_overdue.to_string(),
        deadline_text(row.deadline),
        classes,
        without_chat,
        row.schools_without_class_list.to_string(),
        row.closing_open.to_string(),
        row.schools_closing_overdue.to_string(),
        deadline_text(row.closing),
        row.schools_without_channel.to_string(),
    ]
}

/// «Сферум (VK Мессенджер) закрывается с 01.10.2025, срок — 31.12.2025», one per closing.
pub fn closing_notes(closings: &[PlatformClosing]) -> Vec<String> {
    closings
        .iter()
        .map(|c| {
            format!(
                "{} закрывается с {}, срок — {}",
                c.platform.name,
                format_date_ru(c.from),
                format_date_ru(c.deadline)
            )
        })
        .collect()
}

/// The columns after the first; newer ones come last (the classes, then the closing
/// platforms and the official channel), so that those before keep their places in files made
/// before them.
const COLUMNS: [&str; 14] = [
    "Чатов",
    "На отечественных платформах",
    "Открыто в иностранных",
    "Неактивных отечественных",
    "ОО без данных",
    "ОО с просрочкой",
    "Срок",
    "Классов",
    "Классов без официального чата",
    "ОО без списка классов",
    "Открыто на закрываемых платформах",
    "ОО с просрочкой закрытия",
    "Срок закрытия",
    "ОО без официального канала",
];

pub fn table(
    rows: &[ChatRow],
    level: Level,
    as_of: jiff::civil::Date,
    deadline: Option<jiff::civil::Date>,
    closings: &[PlatformClosing],
) -> String {
    let mut out = format!(
        "Официальные чаты на {}{}\n",
        format_date_ru(as_of),
        deadline
            .map(|d| format!(" (срок перехода — {})", format_date_ru(d)))
            .unwrap_or_default()
    );
    for note in closing_notes(closings) {
        out.push_str(&format!("{note}\n"));
    }
    out.push('\n');
    let header: Vec<String> = std::iter::once(first_column(level).to_string())
        .chain(COLUMNS.iter().map(|c| c.to_string()))
        .collect();
    let body: Vec<Vec<String>> = rows.iter().map(|r| cells(r, level)).collect();
    let mut widths = vec![0; header.len()];
    for line in std::iter::once(&header).chain(&body) {
        for (idx, cell) in line.iter().enumerate() {
            widths[idx] = widths[idx].max(cell.chars().count()).min(48);
        }
    }
    for line in std::iter::once(&header).chain(&body) {
        let cut: Vec<String> = line.iter().map(|c| c.chars().take(48).collect()).collect();
        out.push_str(&crate::table::format_line(&cut, &widths));
    }
    out.push_str("\nОтечественные платформы: Сферум (VK Мессенджер), MAX (Сферум в MAX), VK Мессенджер; иностранные мессенджеры запрещены для служебной переписки (149-ФЗ, ст. 10, ч. 8).\n");
    if !closings.is_empty() {
        out.push_str("Чат на закрываемой платформе с даты закрытия не считается отечественным: его нужно перенести до срока закрытия.\n");
    }
    out.push_str("Класс без официального чата — класс из списка классов ОО, у которого нет действующего классного чата на отечественной платформе; классы считаются только у ОО, представивших список («—» — ни одна не представила).\n");
    out
}

pub fn csv(rows: &[ChatRow], level: Level) -> Vec<u8> {
    crate::csv::for_excel(|writer| {
        let header: Vec<&str> = std::iter::once(first_column(level))
            .chain(COLUMNS)
            .collect();
        writer.record(header);
        for row in rows {
            let mut record = cells(row, level);
            record[2] = row
                .domestic_share()
                .map(|s| ru::decimal(s * 100.0, 1))
                .unwrap_or_default();
            [record[8], record[9]] = class_cells(row, "");
            // The name and the deadlines' words are text; every other column is a count or
            // a share tsos formatted.
            writer.record(record.into_iter().enumerate().map(|(idx, cell)| {
                if idx == 0 || idx == 7 || idx == 13 {
                    Field::Text(cell)
                } else {
                    Field::number(cell)
                }
            }));
        }
    })
}

pub fn json(
    rows: &[ChatRow],
    level: Level,
    as_of: jiff::civil::Date,
    deadline: Option<jiff::civil::Date>,
    closings: &[PlatformClosing],
) -> Value {
    json!({
        "as_of": as_of.to_string(),
        "level": level.code(),
        "deadline": deadline.map(|d| d.to_string()),
        "closings": closings.iter().map(|c| json!({
            "platform": c.platform.code,
            "platform_name": c.platform.name,
            "from": c.from.to_string(),
            "deadline": c.deadline.to_string(),
        })).collect::<Vec<_>>(),
        "rows": rows.iter().map(|row| json!({
            "id": row.id,
            "name": row.name,
            "municipality": row.municipality,
            "region": row.region,
            "schools": row.schools,
            "schools_without_data": row.schools_without_data,
            "chats": row.chats,
            "domestic": row.domestic,
            "domestic_share": row.domestic_share(),
            "foreign_open": row.foreign_open,
            "inactive_domestic": row.inactive_domestic,
            "schools_overdue": row.schools_overdue,
            "deadline_status": row.deadline.map(DeadlineStatus::code),
            "days_overdue": row.deadline.and_then(DeadlineStatus::days_overdue),
            "classes": row.classes,
            "classes_without_chat": row.classes_without_chat,
            "schools_without_class_list": row.schools_without_class_list,
            "closing_open": row.closing_open,
            "schools_closing_overdue": row.schools_closing_overdue,
            "closing_status": row.closing.map(DeadlineStatus::code),
            "closing_days_overdue": row.closing.and_then(DeadlineStatus::days_overdue),
            "schools_without_channel": row.schools_without_channel,
        })).collect::<Vec<_>>(),
    })
}

pub fn xlsx(
    rows: &[ChatRow],
    level: Level,
    as_of: jiff::civil::Date,
    closings: &[PlatformClosing],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Чаты")?;
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let red = Format::new().set_background_color("FFC7CE");
    sheet.write_string_with_format(
        0,
        0,
        format!("Официальные чаты на {}", format_date_ru(as_of)),
        &bold,
    )?;
    let notes = closing_notes(closings);
    if !notes.is_empty() {
        sheet.write_string(1, 0, notes.join("; "))?;
    }
    let header: Vec<&str> = std::iter::once(first_column(level))
        .chain(COLUMNS)
        .collect();
    for (col, title) in header.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *title, &bold)?;
        sheet.set_column_width(col as u16, if col == 0 { 44 } else { 16 })?;
    }
    for (idx, row) in rows.iter().enumerate() {
        let r = 3 + idx as u32;
        let cells = cells(row, level);
        sheet.write_string(r, 0, &cells[0])?;
        sheet.write_number(r, 1, row.chats as f64)?;
        if let Some(share) = row.domestic_share() {
            sheet.write_number_with_format(r, 2, share, &percent)?;
        }
        if row.foreign_open > 0 {
            sheet.write_number_with_format(r, 3, row.foreign_open as f64, &red)?;
        } else {
            sheet.write_number(r, 3, 0.0)?;
        }
        sheet.write_number(r, 4, row.inactive_domestic as f64)?;
        sheet.write_number(r, 5, row.schools_without_data as f64)?;
        sheet.write_number(r, 6, row.schools_overdue as f64)?;
        sheet.write_string(r, 7, &cells[7])?;
        // Left empty where no school gave a list: unknown, not zero.
        if let Some(without) = row.classes_without_chat {
            sheet.write_number(r, 8, row.classes as f64)?;
            if without > 0 {
                sheet.write_number_with_format(r, 9, without as f64, &red)?;
            } else {
                sheet.write_number(r, 9, 0.0)?;
            }
        }
        sheet.write_number(r, 10, row.schools_without_class_list as f64)?;
        if row.closing_open > 0 {
            sheet.write_number_with_format(r, 11, row.closing_open as f64, &red)?;
        } else {
            sheet.write_number(r, 11, 0.0)?;
        }
        sheet.write_number(r, 12, row.schools_closing_overdue as f64)?;
        sheet.write_string(r, 13, &cells[13])?;
        sheet.write_number(r, 14, row.schools_without_channel as f64)?;
    }
    sheet.set_freeze_panes(3, 1)?;
    sheet.autofilter(2, 0, 2 + rows.len() as u32, COLUMNS.len() as u16)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};
    use jiff::civil::date;

    use super::*;

    fn row(name: &str, classes: u64, without: Option<u64>) -> ChatRow {
        ChatRow {
            id: name.into(),
            name: name.into(),
            classes,
            classes_without_chat: without,
            schools_without_class_list: usize::from(without.is_none()),
            ..ChatRow::default()
        }
    }

    #[test]
    fn the_template_has_a_sheet_for_the_classes() {
        let bytes = template("0512345678").unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["Чаты", CLASSES_SHEET]);
        let classes = book.worksheet_range(CLASSES_SHEET).unwrap();
        let header: Vec<String> = (0..3)
            .map(|col| classes.get_value((2, col)).unwrap().to_string())
            .collect();
        assert_eq!(header, CLASS_HEADERS);
        assert_eq!(
            classes.get_value((3, 0)),
            Some(&Data::String("0512345678".into()))
        );
    }

    #[test]
    fn an_unknown_count_of_classes_is_empty_not_zero() {
        let rows = [row("С списком", 4, Some(0)), row("Без списка", 0, None)];
        let value = json(&rows, Level::School, date(2023, 10, 1), None, &[]);
        assert_eq!(value["rows"][0]["classes_without_chat"], 0);
        assert!(value["rows"][1]["classes_without_chat"].is_null());
        assert_eq!(value["rows"][1]["classes"], 0);
        let csv = String::from_utf8(csv(&rows, Level::School)).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].contains(";Классов;Классов без официального чата;ОО без списка классов;"));
        assert!(lines[1].contains(";4;0;0;"), "{}", lines[1]);
        assert!(lines[2].contains(";;;1;"), "{}", lines[2]);
        let table = table(&rows, Level::School, date(2023, 10, 1), None, &[]);
        let last: Vec<&str> = table.lines().nth(4).unwrap().split_whitespace().collect();
        // The closing's status is empty without a closing, so three figures follow.
        assert_eq!(
            last[last.len() - 6..last.len() - 3],
            ["—", "—", "1"],
            "{table}"
        );
    }

    #[test]
    fn the_closing_platform_is_shown_beside_the_foreign_messengers() {
        let closing =
            PlatformClosing::new("sferum_vk", date(2025, 10, 1), date(2025, 12, 31)).unwrap();
        let rows = [ChatRow {
            closing_open: 2,
            schools_closing_overdue: 1,
            closing: Some(DeadlineStatus::Overdue(5)),
            schools_without_channel: 1,
            ..row("Школа", 0, None)
        }];
        let as_of = date(2026, 1, 5);
        let table = table(
            &rows,
            Level::School,
            as_of,
            None,
            std::slice::from_ref(&closing),
        );
        assert!(
            table.contains("Сферум (VK Мессенджер) закрывается с 01.10.2025, срок — 31.12.2025"),
            "{table}"
        );
        let value = json(
            &rows,
            Level::School,
            as_of,
            None,
            std::slice::from_ref(&closing),
        );
        assert_eq!(value["closings"][0]["platform"], "sferum_vk");
        assert_eq!(value["closings"][0]["deadline"], "2025-12-31");
        let row = &value["rows"][0];
        assert_eq!(row["closing_open"], 2);
        assert_eq!(row["closing_status"], "overdue");
        assert_eq!(row["closing_days_overdue"], 5);
        assert_eq!(row["schools_without_channel"], 1);
        let csv = String::from_utf8(csv(&rows, Level::School)).unwrap();
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .ends_with(";2;1;просрочено на 5 дн.;1"),
            "{csv}"
        );
        let bytes = xlsx(&rows, Level::School, as_of, &[closing]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("Чаты").unwrap();
        let text = |r, c| sheet.get_value((r, c)).map(|v| v.to_string());
        assert_eq!(
            text(2, 11).as_deref(),
            Some("Открыто на закрываемых платформах")
        );
        assert_eq!(text(3, 11).as_deref(), Some("2"));
        assert_eq!(text(3, 13).as_deref(), Some("просрочено на 5 дн."));
        assert!(text(1, 0).unwrap().contains("срок — 31.12.2025"));
    }

    #[test]
    fn the_template_tells_where_sferum_in_max_goes() {
        let bytes = template("0512345678").unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("Чаты").unwrap();
        let note = sheet.get_value((1, 0)).unwrap().to_string();
        assert!(note.contains("Сферум в MAX — платформа «MAX»"), "{note}");
        assert_eq!(sheet.get_value((3, 4)), Some(&Data::String("MAX".into())));
    }
}
