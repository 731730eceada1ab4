//! End-to-end tests of the `tsos` binary on files written the way people and systems write
//! them. One test binary for the crate keeps link time down.

mod analytics;
mod backup;
mod bad_input;
mod chats;
mod documents;
mod engines;
mod events;
mod flows;
mod instances;
mod layouts;
mod letter;
mod logs;
mod mail;
mod max;
mod messy;
mod names;
mod old_formats;
mod publish;
mod replacement;
mod roles;
mod safe_csv;
mod settings;
mod snapshots;
mod tokens;
mod util;
mod web;
mod without_org;
