//! Outputs of a [`tsos_domain::Report`]: [`json`] (the machine interface, SPEC §8),
//! [`csv`] (for Excel: UTF-8 with BOM, `;`), [`table`] (a terminal table in Russian),
//! [`xlsx`] (the appendix), and what they share: the Russian formatting ([`ru`]) and the words
//! every output calls a thing by ([`labels`]). Beside the report: the lists printed as JSON
//! ([`lists`]), the users about to leave the active window ([`at_risk`]) and the chats
//! registry ([`chats`]).
//!
//! Architecture invariant: outputs only format; every figure comes computed in the report.

pub mod at_risk;
pub mod chats;
pub mod csv;
pub mod flows;
pub mod json;
pub mod labels;
pub mod lists;
pub mod marks;
pub mod opendata;
pub mod ru;
pub mod table;
pub mod xlsx;

#[cfg(test)]
mod tests;

use tsos_domain::{Report, Role};

/// The roles a table of `report` shows: teachers and students always, parents only where
/// some row has a parents' share (their contingent is optional).
fn shown_roles(report: &Report) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|&role| {
            !role.contingent_optional()
                || report.rows.iter().any(|row| {
                    row.platforms
                        .iter()
                        .flatten()
                        .any(|p| p.get(role).share.is_some())
                })
        })
        .collect()
}

/// The threads an output may write on: the machine's cores.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}
