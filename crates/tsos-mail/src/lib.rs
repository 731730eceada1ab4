//! Notices by e-mail (issue 16): a school's notice as a message — a short Russian text with the
//! notice's PDF and DOCX attached — and the ways it leaves: an SMTP server ([`Smtp`]) or, for a
//! dry run, `.eml` files in a folder ([`EmlFolder`]).
//!
//! Which schools get mail, the files attached and the log of attempts are `tsos-app`'s and
//! `tsos-store`'s; this crate knows no SQL and no figures. It is a crate of its own so that
//! `lettre` and TLS are built only into what sends mail.

mod message;
mod outbox;

pub use message::{
    DOCX, Mail, NoticeMail, PDF, ReminderMail, Sender, attachment_name, body, build,
    build_reminder, reminder_body, reminder_subject, subject,
};
pub use outbox::{EmlFolder, Outbox, Refusal, Smtp};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum MailError {
    #[error("в настройках SMTP отправитель from «{from}» — не адрес электронной почты: {detail}")]
    BadFrom { from: String, detail: String },
    #[error("адрес «{address}» не принят: {detail}")]
    BadAddress { address: String, detail: String },
    #[error("не удалось составить письмо: {0}")]
    Build(String),
    #[error(
        "в настройках SMTP задан login, но нет пароля: задайте его в переменной окружения {}",
        tsos_letter::PASSWORD_VAR
    )]
    NoPassword,
    #[error(
        "в настройках SMTP security = \"none\" и задан login: пароль ушел бы по сети открытым текстом; укажите security = \"starttls\" или \"tls\""
    )]
    PasswordInClear,
    #[error("сертификат ca_file {path}: {detail}")]
    CaFile { path: String, detail: String },
    #[error("SMTP-сервер {server}: {detail}")]
    Connect { server: String, detail: String },
    #[error("не удалось создать папку {path}: {detail}")]
    Folder { path: String, detail: String },
}
