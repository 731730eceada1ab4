//! What became of an indicator a letter named, once its deadline has passed (SPEC §9): the
//! figure then and after, whether the school's notice reached it by e-mail, and where its
//! reply stands (issue 16).

use jiff::civil::Date;

use crate::email::DeliveryResult;
use crate::indicators::Shortfall;
use crate::replies::ReplyState;
use crate::targets::{Status, status};

/// One line of the follow-up: an indicator a letter named, then and after the deadline.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowupLine {
    pub item: Shortfall,
    /// The first snapshot after the deadline with this platform, and the share then.
    pub after: Option<(Date, Option<f64>)>,
    pub outcome: FollowupOutcome,
    /// What became of the notice by e-mail ([`delivery_of`]); `None` where none was tried.
    pub delivery: Option<DeliveryResult>,
    /// Where the school's replies about this indicator stand.
    pub reply: ReplyState,
    /// The day the latest reply said the target would be met.
    pub expected_by: Option<Date>,
}

/// What became of a school's notice after the attempts `results`, oldest first: delivered once
/// is delivered (a run never sends it again), else the latest attempt says.
pub fn delivery_of(results: &[DeliveryResult]) -> Option<DeliveryResult> {
    if results.contains(&DeliveryResult::Sent) {
        Some(DeliveryResult::Sent)
    } else {
        results.last().copied()
    }
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
    fn delivered_once_is_delivered() {
        use DeliveryResult::*;
        assert_eq!(delivery_of(&[]), None);
        assert_eq!(delivery_of(&[Failed, Sent]), Some(Sent));
        assert_eq!(delivery_of(&[Sent, Failed]), Some(Sent));
        assert_eq!(delivery_of(&[Sent, NoAddress]), Some(Sent));
        assert_eq!(delivery_of(&[Failed, NoAddress]), Some(NoAddress));
    }

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
