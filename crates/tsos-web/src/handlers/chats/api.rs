//! GET /api/chats and /api/chats/schools/{inn}: the chats as JSON.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use jiff::civil::Date;
use tsos_domain::format_date_ru;

use super::{Asked, ChatsQuery, school_in_scope, scoped_rows};
use crate::auth::ApiUser;
use crate::data::AppState;
use crate::http::error::WebError;
use crate::http::openapi::{ApiErrors, ChatsReportJson, SchoolChatsJson};
use crate::http::query::parse_level;
use crate::http::response::json;

fn json_value(value: &serde_json::Value) -> Response {
    json(tsos_report::json::pretty(value).into_bytes())
}

/// GET /api/chats?level=…&as_of=…&deadline=…: the object of `tsos chats report --format
/// json`, with only the rows the account may see.
#[utoipa::path(
    get,
    path = "/api/chats",
    operation_id = "chats_report",
    tag = "Чаты",
    summary = "Официальные чаты на дату",
    params(
        ("as_of" = Option<String>, Query, description = "Дата: 2023-10-01 или 01.10.2023; без нее — сегодня"),
        ("deadline" = Option<String>, Query, description = "Срок перехода; без него — 01.03.2023, пустой — без срока"),
        ("level" = Option<String>, Query, description = "Уровень: school (по умолчанию), municipality или region"),
    ),
    responses((status = 200, description = "Чаты по строкам уровня", body = ChatsReportJson), ApiErrors)
)]
pub(crate) async fn report(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let run = async move {
        let asked = Asked::of(&query)?;
        state
            .run(move |db| {
                let account = &user.account;
                let level = parse_level(query.level.as_deref())?;
                let rows = scoped_rows(db, account, &asked, level)?;
                user.audit_read(
                    db,
                    &format!(
                        "API: официальные чаты ({}) на {}",
                        level.code(),
                        format_date_ru(asked.when.as_of)
                    ),
                );
                Ok(json_value(&tsos_report::chats::json(
                    &rows,
                    level,
                    asked.when.as_of,
                    asked.deadline,
                    &tsos_app::chats::closings(db.store)?,
                )))
            })
            .await
    };
    run.await.map_err(WebError::api)
}

/// GET /api/chats/schools/{inn}?as_of=…: the school's chats, each in its latest state.
#[utoipa::path(
    get,
    path = "/api/chats/schools/{inn}",
    operation_id = "school_chats",
    tag = "Чаты",
    summary = "Чаты одной школы",
    params(
        ("inn" = String, Path, description = "ИНН школы"),
        ("as_of" = Option<String>, Query, description = "Дата: 2023-10-01 или 01.10.2023; без нее — сегодня"),
    ),
    responses((status = 200, description = "Чаты школы в последнем состоянии на дату", body = SchoolChatsJson), ApiErrors)
)]
pub(crate) async fn school(
    State(state): State<AppState>,
    user: ApiUser,
    Path(inn): Path<String>,
    Query(query): Query<ChatsQuery>,
) -> Result<Response, WebError> {
    let run = async move {
        let asked = Asked::of(&query)?;
        state
            .run(move |db| {
                let account = &user.account;
                let school = school_in_scope(db, account, &inn, asked.when.as_of)?;
                let chats = tsos_app::chats::school_chats(
                    db.store,
                    &school,
                    asked.when.as_of,
                    asked.deadline,
                )?
                .current;
                let iso = |d: Option<Date>| d.map(|d| d.to_string());
                let value = serde_json::json!({
                    "as_of": asked.when.as_of.to_string(),
                    "school": {
                        "id": school.id.as_str(),
                        "name": school.name,
                        "municipality": school.municipality,
                        "region": school.region,
                    },
                    "chats": chats.iter().map(|c| serde_json::json!({
                        "name": c.name,
                        "purpose": c.purpose.code(),
                        "class": c.class_label,
                        "platform": c.platform,
                        "domestic": c.domestic,
                        "members": c.members,
                        "active": c.active,
                        "confirmed_on": iso(c.confirmed_on),
                        "created_on": iso(c.created_on),
                        "moved_on": iso(c.moved_on),
                        "replaces": c.replaces,
                        "since": c.as_of.to_string(),
                    })).collect::<Vec<_>>(),
                });
                user.audit_read(
                    db,
                    &format!(
                        "API: официальные чаты школы {inn} на {}",
                        format_date_ru(asked.when.as_of)
                    ),
                );
                Ok(json_value(&value))
            })
            .await
    };
    run.await.map_err(WebError::api)
}
