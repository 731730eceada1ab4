//! GET /snapshots: every import with its lineage.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use tsos_domain::format_date_ru;
use tsos_report::ru;
use tsos_store::SnapshotInfo;

use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::views::{Layout, Section, moscow_time};

#[derive(Template)]
#[template(path = "snapshots.html")]
struct SnapshotsPage {
    layout: Layout,
    snapshots: Vec<SnapshotView>,
}

struct SnapshotView {
    id: i64,
    dataset: String,
    as_of: String,
    kind: &'static str,
    file_name: String,
    sha256: String,
    sha_short: String,
    imported_at: String,
    rows: String,
    rejected: Vec<String>,
    warnings: Vec<String>,
    status: String,
    current: bool,
}

/// GET /snapshots: every import with its lineage.
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    if !user.account.sees_everything_in_data() {
        return Err(WebError::Forbidden(
            "список снимков доступен администратору и региону".to_string(),
        ));
    }
    state
        .run(move |db| {
            let mut list = db.store.snapshots()?;
            // The latest imports first: that is what one checks after importing.
            list.sort_by_key(|s| std::cmp::Reverse(s.id));
            let catalogue = db.catalogue();
            let snapshots = list.iter().map(|s| snapshot_view(s, catalogue)).collect();
            let page = SnapshotsPage {
                layout: Layout::new(
                    &user.account,
                    &user.csrf,
                    Section::Snapshots,
                    "Снимки и их происхождение".to_string(),
                ),
                snapshots,
            };
            db.audit_read(&user.account.login, Action::View, "снимки");
            Ok(html(&page)?.into_response())
        })
        .await
}

fn snapshot_view(s: &SnapshotInfo, catalogue: &tsos_domain::Catalogue) -> SnapshotView {
    SnapshotView {
        id: s.id,
        dataset: if s.dataset == tsos_store::REGISTRY {
            tsos_report::labels::REGISTRY.to_string()
        } else {
            catalogue
                .get(&s.dataset)
                .map_or_else(|| s.dataset.clone(), |p| p.name.clone())
        },
        as_of: format_date_ru(s.as_of),
        kind: s.kind.title_ru(),
        file_name: s.file_name.clone(),
        sha_short: s.sha256.chars().take(12).collect(),
        sha256: s.sha256.clone(),
        imported_at: moscow_time(&s.imported_at),
        rows: format!(
            "прочитано {}, пропущено {}, отклонено {}",
            ru::integer(s.rows_read),
            ru::integer(s.rows_skipped),
            ru::integer(s.rows_rejected)
        ),
        rejected: s
            .rejected
            .iter()
            .map(|(reason, n)| format!("{reason}: {}", ru::integer(*n)))
            .collect(),
        warnings: s.warnings.clone(),
        status: match s.superseded_by {
            None => "действующий".to_string(),
            Some(by) => format!(
                "заменен снимком №{by}{}",
                s.superseded_at
                    .as_deref()
                    .map(|at| format!(" {}", moscow_time(at)))
                    .unwrap_or_default()
            ),
        },
        current: s.is_current(),
    }
}
