//! The floor for reading an XLSX export: calamine alone streaming every cell of the first
//! sheet, doing nothing with them. `bench/run.sh` compares `tsos import` of the same file with
//! this.
//!
//! `cargo run --release -p tsos-ingest --example calamine_floor -- FILE.xlsx`

use calamine::{Reader, Xlsx, open_workbook};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: calamine_floor FILE.xlsx")?;
    let mut workbook: Xlsx<_> = open_workbook(&path)?;
    let sheet = workbook.sheet_names().first().cloned().ok_or("no sheet")?;
    let mut cells = workbook.worksheet_cells_reader(&sheet)?;
    let mut n_cells = 0u64;
    let mut n_rows = 0u64;
    let mut last_row = u32::MAX;
    while let Some(cell) = cells.next_cell()? {
        n_cells += 1;
        if cell.get_position().0 != last_row {
            last_row = cell.get_position().0;
            n_rows += 1;
        }
    }
    println!("{n_rows} rows, {n_cells} cells");
    Ok(())
}
