//! GET /audit: the audit log (admins only).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::query::PageQuery;
use crate::http::response::html;
use crate::views::{Layout, Section, moscow_time};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditView>,
    page: u32,
    pages: u32,
}

struct AuditView {
    at: String,
    login: String,
    action: &'static str,
    detail: String,
}

const AUDIT_PAGE: u32 = 100;

/// GET /audit: who logged in, viewed, imported and downloaded what (admins only).
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    user.account.require_admin()?;
    state
        .run(move |db| {
            // The lines of reading still queued belong to the log being read.
            db.flush_audit()?;
            let total = db.store.audit_count()?;
            let pages = (total.div_ceil(u64::from(AUDIT_PAGE)).max(1)) as u32;
            let page = query.page.unwrap_or(1).clamp(1, pages);
            let entries = db
                .store
                .audit_log(AUDIT_PAGE, (page - 1) * AUDIT_PAGE)?
                .into_iter()
                .map(|entry| AuditView {
                    at: moscow_time(&entry.at),
                    login: entry.login.unwrap_or_else(|| "—".to_string()),
                    action: Action::from_code(&entry.action).map_or("другое", Action::title_ru),
                    detail: entry.detail,
                })
                .collect();
            let page = AuditPage {
                layout: Layout::new(
                    &user.account,
                    &user.csrf,
                    Section::Audit,
                    "Журнал действий".to_string(),
                ),
                entries,
                page,
                pages,
            };
            Ok(html(&page)?.into_response())
        })
        .await
}
