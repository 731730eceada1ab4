//! Where the secret key of the user flows lives (SPEC §7): a file named by `--key-file` /
//! `$TSOS_KEY_FILE`, else `tsos.key` beside a SQLite database; created on first use with 32
//! random bytes and mode 0600. The key never enters the database: a copy of the database
//! without the key cannot tell whose hashes it holds, and a new key starts a new chain.

use std::io::Write;
use std::path::{Path, PathBuf};

use tsos_ingest::FlowKey;
use tsos_ingest::flow_key::KEY_BYTES;
use tsos_store::DbLocation;

use crate::AppError;

/// The key file's name beside a SQLite database.
pub const KEY_FILE_NAME: &str = "tsos.key";

/// Where the key is, or why there is none: a PostgreSQL database has no directory of its
/// own, so its key must be named.
pub fn key_path(given: Option<&Path>, db: &DbLocation) -> Option<PathBuf> {
    if let Some(path) = given {
        return Some(path.to_path_buf());
    }
    let db = db.path()?;
    let dir = db.parent().filter(|dir| !dir.as_os_str().is_empty());
    Some(dir.map_or_else(
        || PathBuf::from(KEY_FILE_NAME),
        |dir| dir.join(KEY_FILE_NAME),
    ))
}

/// The key at `path`, made there first if there is no file yet.
pub fn load_or_create(path: &Path) -> Result<FlowKey, AppError> {
    let err = |detail: String| AppError::FlowKey {
        path: path.display().to_string(),
        detail,
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            let key: [u8; KEY_BYTES] = bytes.as_slice().try_into().map_err(|_| {
                err(format!(
                    "в файле {} байт, а ключ — ровно {KEY_BYTES} байта",
                    bytes.len()
                ))
            })?;
            Ok(FlowKey::new(&key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; KEY_BYTES];
            getrandom::fill(&mut key)
                .map_err(|e| err(format!("нет источника случайных чисел: {e}")))?;
            write_new(path, &key).map_err(|e| err(e.to_string()))?;
            tracing::info!(path = %path.display(), "создан ключ потоков пользователей");
            Ok(FlowKey::new(&key))
        }
        Err(e) => Err(err(e.to_string())),
    }
}

/// The key for a database, if there is one to use: named, or beside a SQLite file.
pub fn for_database(given: Option<&Path>, db: &DbLocation) -> Result<Option<FlowKey>, AppError> {
    key_path(given, db)
        .map(|path| load_or_create(&path))
        .transpose()
}

/// Writes a new file readable by its owner only; never over an existing one, so that two
/// imports at once cannot end with two keys.
fn write_new(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(key)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_beside_the_database_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = DbLocation::Sqlite(dir.path().join("tsos.db"));
        let path = key_path(None, &db).unwrap();
        assert_eq!(path, dir.path().join(KEY_FILE_NAME));
        let first = for_database(None, &db).unwrap().unwrap();
        assert_eq!(std::fs::read(&path).unwrap().len(), KEY_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Read back, not made anew: the same user hashes to the same value.
        let again = for_database(None, &db).unwrap().unwrap();
        assert_eq!(first.hash(b"42"), again.hash(b"42"));
    }

    #[test]
    fn postgres_needs_a_named_key_and_a_wrong_file_is_an_error() {
        let db = DbLocation::Postgres("postgres://localhost/tsos".into());
        assert!(for_database(None, &db).unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let named = dir.path().join("ключ");
        assert!(for_database(Some(&named), &db).unwrap().is_some());
        std::fs::write(&named, b"short").unwrap();
        let err = for_database(Some(&named), &db).unwrap_err().to_string();
        assert!(err.contains("ключ") && err.contains("5 байт"), "{err}");
    }
}
