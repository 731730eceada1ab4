//! The follow-up of a letter in the dashboard (SPEC §9, issue 16): per school and indicator the
//! letter named, the figure then and after the deadline, whether the notice reached the school
//! by e-mail, and where its reply stands — what `tsos followup` prints, in the account's scope.
//! An administrator sends a notice that did not arrive again, through `tsos_app::notices`, the
//! path of `tsos notices send`.
//!
//! The actions: [`show`], [`resend`].

pub(crate) mod resend;
pub(crate) mod show;

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tsos_app::AppError;
use tsos_domain::email::DeliveryResult;
use tsos_domain::{Level, format_date_ru};
use tsos_report::ru;

use crate::auth::CurrentUser;
use crate::data::Db;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::views::replies::indicator_label;
use crate::views::{Layout, Section};

#[derive(Deserialize, Default)]
pub(crate) struct FollowupQuery {
    /// The letter's id; the latest letter when absent.
    pub letter: Option<i64>,
}

/// What the page says above its table.
enum Notice {
    None,
    Done(String),
    Error(String),
}

struct LetterChoice {
    id: i64,
    label: String,
    selected: bool,
}

struct LineView {
    school: String,
    inn: String,
    indicator: String,
    target: String,
    then: String,
    after: String,
    outcome: &'static str,
    outcome_title: &'static str,
    delivery: &'static str,
    reply: &'static str,
    reply_title: &'static str,
    expected_by: String,
    /// Whether an administrator may send the notice again: it has not arrived.
    resend: bool,
}

#[derive(Template)]
#[template(path = "followup.html")]
struct FollowupPage {
    layout: Layout,
    summary: String,
    letters: Vec<LetterChoice>,
    lines: Vec<LineView>,
    letter_id: i64,
    done: String,
    error: String,
}

/// The follow-up page of letter `letter` (the latest when `None`), with only the lines the
/// account may see, and `notice` above them.
fn followup_page(
    db: &mut Db<'_>,
    user: &CurrentUser,
    letter: Option<i64>,
    notice: Notice,
) -> Result<Response, WebError> {
    let account = &user.account;
    let followup = match tsos_app::letters::followup(db.store, db.catalogue(), letter) {
        Ok(followup) => Some(followup),
        Err(AppError::NoLetter(None)) => None,
        Err(AppError::NoLetter(Some(_))) => return Err(WebError::NotFound),
        Err(err) => return Err(err.into()),
    };
    let mut layout = Layout::new(
        account,
        &user.csrf,
        Section::Notices,
        "Контроль исполнения".to_string(),
    );
    let Some(followup) = followup else {
        let page = FollowupPage {
            layout,
            summary:
                "Писем еще нет: контроль исполнения появится после первого письма (tsos letter)."
                    .to_string(),
            letters: vec![],
            lines: vec![],
            letter_id: 0,
            done: String::new(),
            error: String::new(),
        };
        return Ok(html(&page)?.into_response());
    };
    let (done, error) = match notice {
        Notice::None => (String::new(), String::new()),
        Notice::Done(text) => (text, String::new()),
        Notice::Error(text) => (String::new(), text),
    };
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let letter = &followup.letter;
    let level = if letter.addressees == "municipalities" {
        Level::Municipality
    } else {
        Level::School
    };
    let places: HashMap<String, (String, String)> = db
        .store
        .schools_at(letter.as_of)?
        .into_iter()
        .map(|s| (s.id.as_str().to_string(), (s.municipality, s.region)))
        .collect();
    let region_of_municipality: HashMap<&str, &str> = places
        .values()
        .map(|(m, r)| (m.as_str(), r.as_str()))
        .collect();
    let sees = |org: &str| match level {
        Level::School => {
            let (m, r) = places.get(org).cloned().unwrap_or_default();
            account.sees_row(level, org, &m, &r)
        }
        _ => {
            let region = region_of_municipality.get(org).copied().unwrap_or_default();
            account.sees_row(level, org, org, region)
        }
    };
    let lines = followup
        .lines
        .iter()
        .filter(|line| sees(&line.item.org_id))
        .map(|line| {
            let item = &line.item;
            LineView {
                school: item.name.clone(),
                inn: item.org_id.clone(),
                indicator: indicator_label(db.catalogue(), &item.platform, item.role.title_ru()),
                target: ru::percent(item.target),
                then: ru::percent(item.share),
                after: match line.after {
                    Some((date, share)) => {
                        format!("{} на {}", ru::percent(share), format_date_ru(date))
                    }
                    None => "—".to_string(),
                },
                outcome: line.outcome.code(),
                outcome_title: line.outcome.title_ru(),
                delivery: line.delivery.map_or("не отправлялось", |d| d.title_ru()),
                reply: line.reply.code(),
                reply_title: line.reply.title_ru(),
                expected_by: line
                    .expected_by
                    .map(format_date_ru)
                    .unwrap_or_else(|| "—".to_string()),
                resend: account.is_admin()
                    && level == Level::School
                    && line.delivery != Some(DeliveryResult::Sent),
            }
        })
        .collect();
    layout.title = format!(
        "Контроль исполнения письма № {} от {}",
        letter.number,
        format_date_ru(letter.date)
    );
    let page = FollowupPage {
        layout,
        summary: format!(
            "Срез письма {}, срок {}. «Стало» — первый срез после срока.",
            format_date_ru(letter.as_of),
            format_date_ru(letter.deadline)
        ),
        letters: db
            .store
            .letters()?
            .into_iter()
            .rev()
            .map(|l| LetterChoice {
                selected: l.id == letter.id,
                label: format!("№ {} от {}", l.number, format_date_ru(l.date)),
                id: l.id,
            })
            .collect(),
        lines,
        letter_id: letter.id,
        done,
        error,
    };
    db.audit_read(
        &account.login,
        Action::View,
        &format!("контроль исполнения письма № {}", letter.number),
    );
    Ok((status, html(&page)?).into_response())
}
