//! What became of an indicator a letter named, once its deadline has passed (SPEC §9).

use jiff::civil::Date;

use crate::indicators::Shortfall;
use crate::targets::{Status, status};

/// One line of the follow-up: an indicator a letter named, then and after the deadline.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowupLine {
    pub item: Shortfall,
    /// The first snapshot after the deadline with this platform, and the share then.
    pub after: Option<(Date, Option<f64>)>,
    pub outcome: FollowupOutcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowupOutcome {
    Met,
    NotMet,
    NoDataYet,
}

impl FollowupOutcome {
    /// The outcome of a share against the target the letter set: met at or above it, with no
    /// tolerance band.
    pub fn of(share: Option<f64>, target: Option<f64>) -> FollowupOutcome {
        match status(share, target, 0.0) {
            Status::Green => FollowupOutcome::Met,
            _ => FollowupOutcome::NotMet,
        }
    }

    /// As in JSON.
    pub fn code(self) -> &'static str {
        match self {
            FollowupOutcome::Met => "met",
            FollowupOutcome::NotMet => "not_met",
            FollowupOutcome::NoDataYet => "no_data_yet",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            FollowupOutcome::Met => "выполнено",
            FollowupOutcome::NotMet => "не выполнено",
            FollowupOutcome::NoDataYet => "данных еще нет",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn met_is_at_or_above_the_target_with_no_band() {
        assert_eq!(
            FollowupOutcome::of(Some(0.8), Some(0.8)),
            FollowupOutcome::Met
        );
        assert_eq!(
            FollowupOutcome::of(Some(0.799), Some(0.8)),
            FollowupOutcome::NotMet
        );
        assert_eq!(
            FollowupOutcome::of(None, Some(0.8)),
            FollowupOutcome::NotMet
        );
    }
}
