//! Uploads awaiting their confirmation: each file in a private folder under a random token
//! bound to its uploader ([`UploadFile`]), with what its person chose so far ([`Pending`]).
//! The folder is deleted with the files when the server stops.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use tsos_app::import::ImportRequest;
use tsos_domain::OrgId;
use tsos_ingest::header::Mapping;

use crate::http::error::WebError;

/// An upload not confirmed within this time is deleted.
const PENDING_FOR: Duration = Duration::from_secs(3600);

/// Uploaded files awaiting confirmation, in a private folder that is deleted with them.
pub(crate) struct Uploads {
    dir: tempfile::TempDir,
    pending: Mutex<HashMap<String, Pending>>,
}

/// An upload awaiting its confirmation, with what its person chose so far.
pub(crate) struct Pending {
    pub file: UploadFile,
    pub login: String,
    pub dataset: String,
    pub as_of: Option<Date>,
    pub sheet: Option<String>,
    /// Asked for in the upload form.
    pub skip_invalid: bool,
    /// The meanings the person gave to columns in the preview; the import saves them as the
    /// layout profile of the header.
    pub mapping: Option<Mapping>,
    /// The schools the person chose for names without ИНН at a refused confirmation, shown
    /// chosen again.
    pub choices: Vec<(String, OrgId)>,
    /// What the last preview showed.
    pub shown: Shown,
    pub created: Instant,
}

/// What the last preview of an upload showed, to read the next form of its page against.
#[derive(Default)]
pub(crate) struct Shown {
    /// (column index, header text, code of the meaning shown)
    pub columns: Vec<(usize, String, String)>,
    /// The mapping the reading applied, given or saved: what a change of a meaning starts
    /// from.
    pub applied: Option<Mapping>,
    /// The names without ИНН offered for a choice, in the order of their drop-downs.
    pub names: Vec<String>,
}

impl Pending {
    /// The import of this upload, as the preview reads it and the confirmation saves it.
    pub fn request<'p>(
        &'p self,
        skip_invalid: bool,
        replace: bool,
        name_matches: &'p [(String, OrgId)],
        sample: usize,
        flow_key: Option<&'p tsos_ingest::FlowKey>,
    ) -> ImportRequest<'p> {
        ImportRequest {
            dataset: &self.dataset,
            path: self.file.path(),
            as_of: self.as_of,
            skip_invalid,
            sheet: self.sheet.as_deref(),
            progress: None,
            replace,
            mapping: self.mapping.as_ref(),
            name_matches,
            sample,
            flow_key,
        }
    }
}

/// An uploaded file in a folder of its own, deleted with the folder when dropped: an upload
/// that fails, is refused, or whose request panics leaves nothing behind. Only the pending
/// list keeps one beyond its request, until it is confirmed or too old.
pub(crate) struct UploadFile {
    dir: PathBuf,
    path: PathBuf,
}

impl UploadFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file named `file_name` in the folder `dir`, which is the file's own.
    #[cfg(test)]
    pub fn in_folder(dir: PathBuf, file_name: &str) -> UploadFile {
        UploadFile {
            path: dir.join(file_name),
            dir,
        }
    }
}

impl Drop for UploadFile {
    fn drop(&mut self) {
        if let Err(err) = std::fs::remove_dir_all(&self.dir)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.dir.display(), error = %err, "загрузка не удалена");
        }
    }
}

impl Uploads {
    /// A private folder for uploads in `parent`, or in the system's temporary folder.
    pub fn new(parent: Option<&Path>) -> Result<Uploads, WebError> {
        let builder = tempfile::Builder::new().prefix("tsos-upload-").clone();
        let dir = match parent {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        Ok(Uploads {
            dir,
            pending: Mutex::new(HashMap::new()),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Deletes every upload and the folder, when the server stops: a request still running
    /// cannot keep them.
    pub fn remove_all(&self) {
        self.lock().clear();
        if let Err(err) = std::fs::remove_dir_all(self.dir.path())
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.dir.path().display(), error = %err, "папка загрузок не удалена");
        }
    }

    /// A new, empty file named `file_name` under the random `token`.
    pub async fn create(&self, token: &str, file_name: &str) -> Result<UploadFile, WebError> {
        let dir = self.dir.path().join(token);
        tokio::fs::create_dir(&dir).await?;
        let path = dir.join(file_name);
        Ok(UploadFile { dir, path })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets uploads older than [`PENDING_FOR`], deleting their files.
    pub fn prune(&self) {
        self.lock().retain(|_, p| p.created.elapsed() < PENDING_FOR);
    }

    /// The upload of `token`, if `login` made it.
    pub fn take(&self, token: &str, login: &str) -> Option<Pending> {
        let mut pending = self.lock();
        match pending.get(token) {
            Some(p) if p.login == login => pending.remove(token),
            _ => None,
        }
    }

    /// Keeps `pending` for its confirmation under `token`.
    pub fn keep(&self, token: String, pending: Pending) {
        self.lock().insert(token, pending);
    }
}
