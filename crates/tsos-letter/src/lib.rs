//! The documents officials send (SPEC §9): the monthly letter and the per-school notices.
//!
//! [`template`] fills the wording an authority can edit; [`content`] assembles what a letter
//! or notice says from the reports; [`docx`] writes it as a Word document and [`pdf`] as a
//! PDF. The letter's
//! registry and the follow-up live in storage and the application layer.

pub mod content;
pub mod docx;
pub mod pdf;
pub mod settings;
pub mod template;

pub use content::{
    Addressees, ChatRegister, DEFAULT_NOTICE_TEMPLATE, DEFAULT_TEMPLATE, Letter, LetterInput,
    Notice, Paper, Repeated, build_letter, build_notices,
};
pub use settings::{LetterSettings, PASSWORD_VAR, Security, SmtpSettings};
pub use template::{Block, TemplateError, TemplateKind};
