//! The database as a whole: `tsos backup` and `tsos db copy`.

use std::path::Path;

use tsos_store::{DbLocation, Store};

use super::Globals;

/// `tsos backup FILE`: SQLite's online backup of the database into a new file.
pub(super) fn backup(globals: &Globals, file: &Path) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    store.backup(file)?;
    globals.written(file);
    Ok(())
}

/// `tsos db copy --from A --to B`: every row of A into the empty B, counted on both sides.
pub(super) fn copy(globals: &Globals, from: &DbLocation, to: &DbLocation) -> anyhow::Result<()> {
    let source = Store::connect(from)?;
    let mut target = Store::connect(to)?;
    let tables = source.copy_to(&mut target)?;
    if !globals.quiet {
        let width = tables.iter().map(|t| t.table.len()).max().unwrap_or(0);
        for table in &tables {
            println!("{:<width$}  {:>10}", table.table, table.rows);
        }
    }
    let rows: u64 = tables.iter().map(|t| t.rows).sum();
    println!("Скопировано: {from} → {to}, строк: {rows}; число строк каждой таблицы сходится.");
    Ok(())
}
