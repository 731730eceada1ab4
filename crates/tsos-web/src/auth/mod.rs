//! Who is asking: logging in and out, sessions, CSRF protection and login throttling, and the
//! accounts themselves.
//!
//! - Passwords are Argon2id PHC strings ([`secret`]).
//! - A session is a random 256-bit token in an `HttpOnly; SameSite=Lax` cookie; the database
//!   keeps only its SHA-256, so a copy of the database opens no session ([`session`]).
//! - Every POST form carries a CSRF token: the session's own, or for the login form a
//!   double-submit cookie. Independently, a POST whose `Origin` is another site, or which a
//!   browser marks as cross-site, is refused before any handler runs ([`csrf`]).
//! - After [`MAX_FAILURES`] failed logins of one login within [`FAILURE_WINDOW`] seconds, the
//!   login is refused with 429 until the window passes, even with the right password
//!   ([`login`]).
//! - [`accounts`] creates accounts for `tsos user add`.
//! - API tokens, by `tsos token` and on the account page, open the API alone ([`tokens`]).

pub(crate) mod accounts;
mod csrf;
pub(crate) mod login;
mod secret;
mod session;
pub(crate) mod tokens;

pub(crate) use csrf::{CsrfFirst, CsrfForm, same_origin};
pub use login::{FAILURE_WINDOW, MAX_FAILURES};
pub(crate) use secret::random_token;
pub(crate) use session::CurrentUser;
pub(crate) use tokens::ApiUser;
