//! GET /downloads: the files an account may download, and the letters.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use tsos_domain::{Level, format_date_ru};

use crate::auth::CurrentUser;
use crate::data::AppState;
use crate::data::audit::Action;
use crate::handlers::empty;
use crate::http::error::WebError;
use crate::http::query::PageQuery;
use crate::http::response::html;
use crate::views::{Layout, Section};

#[derive(Template)]
#[template(path = "downloads.html")]
struct DownloadsPage {
    layout: Layout,
    date_label: String,
    date_query: String,
    levels: Vec<(&'static str, &'static str)>,
    letters: Vec<LetterView>,
    show_letters: bool,
    /// The open-data ZIP is for administrators.
    show_opendata: bool,
}

struct LetterView {
    title: String,
    files: Vec<(String, Option<String>)>,
}

/// GET /downloads
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    state
        .run(move |db| {
            let account = &user.account;
            let Some(when) = db.when(query.as_of.as_deref())? else {
                return empty(db, &user);
            };
            let levels = [
                (Level::School, "по школам"),
                (Level::Municipality, "по муниципалитетам"),
                (Level::Region, "по региону"),
            ]
            .into_iter()
            .filter(|(level, _)| account.sees_level(*level))
            .map(|(level, label)| (level.code(), label))
            .collect();
            let show_letters = account.sees_everything_in_data();
            let letters = if show_letters {
                db.store
                    .letters()?
                    .into_iter()
                    .rev()
                    .map(|letter| LetterView {
                        title: format!(
                            "№ {} от {} (данные на {}, срок {})",
                            letter.number,
                            format_date_ru(letter.date),
                            format_date_ru(letter.as_of),
                            format_date_ru(letter.deadline)
                        ),
                        files: letter
                            .files
                            .iter()
                            .enumerate()
                            .map(|(idx, path)| {
                                let name = std::path::Path::new(path).file_name().map_or_else(
                                    || path.clone(),
                                    |n| n.to_string_lossy().into_owned(),
                                );
                                let href = std::path::Path::new(path)
                                    .is_file()
                                    .then(|| format!("/download/letter/{}/{idx}", letter.id));
                                (name, href)
                            })
                            .collect(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let page = DownloadsPage {
                layout: Layout::new(
                    account,
                    &user.csrf,
                    Section::Downloads,
                    "Выгрузки".to_string(),
                )
                .with_dates(&when.dates, when.as_of),
                date_label: format_date_ru(when.as_of),
                date_query: format!("as_of={}", when.as_of),
                levels,
                letters,
                show_letters,
                show_opendata: account.is_admin(),
            };
            db.audit_read(&account.login, Action::View, "выгрузки");
            Ok(html(&page)?.into_response())
        })
        .await
}
