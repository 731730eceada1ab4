//! GET /api/municipalities/{name}

use axum::extract::{Path, Query, State};
use axum::response::Response;
use tsos_domain::Level;

use super::one_row;
use crate::auth::ApiUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::query::ReportQuery;

/// GET /api/municipalities/{name}: the municipality-level report with the one municipality.
pub(crate) async fn show(
    state: State<AppState>,
    user: ApiUser,
    Path(name): Path<String>,
    query: Query<ReportQuery>,
) -> Result<Response, WebError> {
    one_row(state, user, Level::Municipality, name, query).await
}
