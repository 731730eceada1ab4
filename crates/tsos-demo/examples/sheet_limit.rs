//! Writes a per-user My School export as XLSX at Excel's sheet limit (1,048,576 rows: the
//! header and 1,048,575 users), for the benchmark of `bench/run.sh`.
//!
//! `cargo run --release -p tsos-demo --example sheet_limit -- OUT.xlsx`

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

fn main() -> Result<(), XlsxError> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sheet_limit.xlsx".to_string());
    let mut rng = fastrand::Rng::with_seed(20231001);
    let mut workbook = Workbook::new();
    // Constant memory: rows go to a temporary file as they are written, so writing a million
    // rows takes no more memory than writing ten.
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let header = [
        "ID",
        "Роль",
        "ИНН ОО",
        "Подтвержденная УЗ",
        "Дата последней авторизации",
    ];
    for (col, text) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *text)?;
    }
    let roles = [
        "Учитель",
        "Обучающийся",
        "Обучающийся",
        "Обучающийся",
        "Родитель",
    ];
    for row in 1..1_048_576u32 {
        // About 460 users per school, the rows of a school together.
        let school = 500_000_000 + u64::from(row / 460);
        sheet.write_number(row, 0, f64::from(row) + 1e6)?;
        sheet.write_string(row, 1, roles[rng.usize(..roles.len())])?;
        sheet.write_string(row, 2, format!("0{school}"))?;
        sheet.write_string(row, 3, if rng.u8(..10) < 8 { "Да" } else { "Нет" })?;
        if rng.u8(..10) < 9 {
            let day = ExcelDateTime::from_ymd(2022, 10, 1)?;
            let serial = day.to_excel() + f64::from(rng.u16(..400));
            sheet.write_number_with_format(row, 4, serial, &date)?;
        }
    }
    workbook.save(&out)?;
    println!("{out}");
    Ok(())
}
