//! GET /region/{name}

use axum::extract::{Path, Query, State};
use axum::response::Response;
use tsos_domain::Level;

use super::show_area;
use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::query::PageQuery;

/// GET /region/{name}
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    show_area(state, user, Level::Region, name, query).await
}
