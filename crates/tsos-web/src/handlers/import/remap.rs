//! POST /import/remap: the preview again, with the meanings a person chose for columns.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use tsos_ingest::header::{Mapping, MappingSource, Meaning, normalize};

use super::{field, show_preview, take_pending};
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::data::uploads::Pending;
use crate::http::error::WebError;
use crate::http::response::html;

/// POST /import/remap: the preview again, with the meanings a person chose for columns.
pub(crate) async fn apply(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (token, mut pending) = take_pending(&state, &user, &form)?;
    if let Some(mapping) = remapped(&pending, &form)? {
        pending.mapping = Some(mapping);
    }
    state
        .run(move |db| {
            let dataset = pending.dataset.clone();
            let page = show_preview(db, &user, pending, token, None)?;
            db.audit_read(
                &user.account.login,
                Action::View,
                &format!(
                    "предпросмотр импорта {} ({dataset}) с разметкой столбцов",
                    page.file_name()
                ),
            );
            Ok(html(&page)?.into_response())
        })
        .await
}

/// The mapping after the drop-downs of `form`, or `None` where no meaning changed. A column
/// whose drop-down still shows its reading keeps what gave it; only a changed one becomes the
/// person's word. Starting from the mapping the reading applied keeps a saved layout's other
/// columns as they were.
fn remapped(pending: &Pending, form: &[(String, String)]) -> Result<Option<Mapping>, WebError> {
    let mut entries = pending
        .mapping
        .as_ref()
        .or(pending.shown.applied.as_ref())
        .map(|mapping| mapping.entries.clone())
        .unwrap_or_default();
    let mut changed = false;
    for (idx, text, shown) in &pending.shown.columns {
        let Some(chosen) = field(form, &format!("col{idx}")) else {
            continue;
        };
        if chosen == shown {
            continue;
        }
        let meaning = Meaning::parse(chosen).map_err(WebError::BadRequest)?;
        let key = normalize(text);
        entries.retain(|(header, _)| normalize(header) != key);
        entries.push((text.clone(), meaning));
        changed = true;
    }
    Ok(changed.then_some(Mapping {
        entries,
        source: MappingSource::Given,
    }))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tsos_ingest::header::Meaning;

    use super::*;
    use crate::data::uploads::{Shown, UploadFile};

    fn pending(applied: Option<Mapping>, columns: &[(usize, &str, &str)]) -> Pending {
        let dir = tempfile::tempdir().expect("a folder").keep();
        Pending {
            file: UploadFile::in_folder(dir, "файл.csv"),
            login: "admin".to_string(),
            dataset: "sferum".to_string(),
            as_of: None,
            sheet: None,
            skip_invalid: false,
            mapping: None,
            choices: Vec::new(),
            shown: Shown {
                columns: columns
                    .iter()
                    .map(|(idx, text, code)| (*idx, text.to_string(), code.to_string()))
                    .collect(),
                applied,
                names: Vec::new(),
            },
            created: Instant::now(),
        }
    }

    fn form(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_a_changed_meaning_is_the_persons_word_and_a_saved_layout_stays() {
        use tsos_ingest::Column;
        let columns = [
            (0, "Код школы", "organisation"),
            (1, "Всего учеников", "contingent:students"),
            (2, "Прочее", "ignore"),
        ];
        // Nothing changed: no mapping of the person's, whatever the form repeats.
        let unchanged = pending(None, &columns);
        let same = form(&[("col0", "organisation"), ("col1", "contingent:students")]);
        assert_eq!(remapped(&unchanged, &same).unwrap(), None);
        // A saved layout read «Код школы»; a change of another column keeps it.
        let saved = Mapping {
            entries: vec![("Код школы".to_string(), Meaning::Column(Column::Org))],
            source: MappingSource::Profile(3),
        };
        let with_profile = pending(Some(saved), &columns);
        let changed = form(&[("col0", "organisation"), ("col1", "registered:students")]);
        let mapping = remapped(&with_profile, &changed)
            .unwrap()
            .expect("a change");
        assert_eq!(mapping.source, MappingSource::Given);
        let codes: Vec<(String, String)> = mapping
            .entries
            .iter()
            .map(|(header, meaning)| (header.clone(), meaning.code()))
            .collect();
        assert_eq!(
            codes,
            [
                ("Код школы".to_string(), "organisation".to_string()),
                (
                    "Всего учеников".to_string(),
                    "registered:students".to_string()
                )
            ]
        );
        let unknown = form(&[("col2", "школа")]);
        assert!(matches!(
            remapped(&with_profile, &unknown),
            Err(WebError::BadRequest(_))
        ));
    }
}
