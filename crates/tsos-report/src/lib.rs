//! Outputs of a [`tsos_domain::Report`]: [`json`] (the machine interface, SPEC §8),
//! [`csv`] (for Excel: UTF-8 with BOM, `;`), [`table`] (a terminal table in Russian), and
//! the Russian formatting they share ([`ru`]).
//!
//! Architecture invariant: outputs only format; every figure comes computed in the report.

pub mod chats;
pub mod csv;
pub mod json;
pub mod ru;
pub mod table;
pub mod xlsx;

#[cfg(test)]
mod tests;
