//! HTTP tests of the dashboard through `tower::ServiceExt::oneshot`: no sockets. One test
//! binary for the crate keeps link time down; a module per resource, and [`util::TestApp`]
//! for every request.
//!
//! The dataset is small and made by [`util::dataset`]: four schools in two municipalities of
//! one region, a registry, two monthly per-user exports of «Моя школа» and a per-school
//! export of «Сферум», imported with the application's own import. Accounts: an admin, the
//! region, each municipality and two schools (one per municipality).

mod accounts;
mod api;
mod chats;
mod downloads;
mod events;
mod failsafe;
mod health;
mod import;
mod openapi;
mod overview;
mod replies;
mod scope;
mod sessions;
mod targets;
mod tokens;
mod util;
