//! The database as a whole: `tsos backup`.

use std::path::Path;

use super::Globals;

/// `tsos backup FILE`: SQLite's online backup of the database into a new file.
pub(super) fn backup(globals: &Globals, file: &Path) -> anyhow::Result<()> {
    let store = globals.open_store()?;
    store.backup(file)?;
    globals.written(file);
    Ok(())
}
