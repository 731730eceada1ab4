//! The follow-up of a letter in the dashboard (SPEC §9, issue 16): per school and indicator the
//! letter named, the figure then and after the deadline, whether the notice reached the school
//! by e-mail, and where its reply stands — what `tsos followup` prints, in the account's scope.
//!
//! The action: [`show`].

pub(crate) mod show;
