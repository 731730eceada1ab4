//! GET /import: the upload form.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::datasets;
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::views::{Layout, Section};

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    datasets: Vec<(String, String)>,
}

/// GET /import
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    user.account.require_admin()?;
    let page = ImportPage {
        layout: Layout::new(
            &user.account,
            &user.csrf,
            Section::Import,
            "Импорт выгрузки".to_string(),
        ),
        datasets: datasets(state.catalogue()),
    };
    Ok(html(&page)?.into_response())
}
