//! The handlers: a folder per resource and a file per action, as crates.io lays them out.
//! Each handler reads its request (the account, the query, the form), does its work on a
//! blocking thread with a connection ([`crate::data::Db`]), logs it in the audit log and
//! answers. What several actions of one resource share lives in the resource's `mod.rs`;
//! what several resources share lives here or in [`crate::http`], never in another handler.
//!
//! - [`area`]: the account's own area, the drill-down region → municipality → school;
//! - [`snapshots`], [`quality`], [`audit`]: the snapshots' lineage, data quality, the log;
//! - [`downloads`]: the page of files and the files themselves;
//! - [`import`]: upload, preview, remap, confirm;
//! - [`chats`]: official chats, their pages, edits, uploads, files and API;
//! - [`notices`]: notices, the schools' replies and their review; [`followup`]: a letter's
//!   follow-up with delivery and replies;
//! - [`api`]: the JSON API of the reports;
//! - [`account`]: the account's own API tokens;
//! - [`events`]: the dated events that explain jumps, edited by an administrator;
//! - [`targets`]: the targets of the indicators, set and removed by an administrator;
//! - [`assets`]: the stylesheet and the script;
//! - [`health`]: `/healthz` and `/readyz` for a load balancer.

pub(crate) mod account;
pub(crate) mod api;
pub(crate) mod area;
pub(crate) mod assets;
pub(crate) mod audit;
pub(crate) mod chats;
pub(crate) mod downloads;
pub(crate) mod events;
pub(crate) mod followup;
pub(crate) mod health;
pub(crate) mod import;
pub(crate) mod notices;
pub(crate) mod quality;
pub(crate) mod snapshots;
pub(crate) mod targets;

use askama::Template;
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;
use crate::data::Db;
use crate::data::audit::Action;
use crate::http::error::WebError;
use crate::http::response::html;
use crate::views::{Layout, Section};

#[derive(Template)]
#[template(path = "empty.html")]
struct EmptyPage {
    layout: Layout,
    message: String,
    can_import: bool,
}

/// The page of a date-bound section before any platform's export is imported.
pub(crate) fn empty(db: &mut Db<'_>, user: &CurrentUser) -> Result<Response, WebError> {
    let account = &user.account;
    let page = EmptyPage {
        layout: Layout::new(account, &user.csrf, Section::Overview, "Обзор".to_string()),
        message: "Данных пока нет: ни одна выгрузка платформ еще не импортирована.".to_string(),
        can_import: account.is_admin(),
    };
    db.audit_read(&account.login, Action::View, "обзор (данных нет)");
    Ok(html(&page)?.into_response())
}
