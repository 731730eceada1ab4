//! What a per-school export says about one role of one school, set against the registry
//! (SPEC §3, §5.2): which headcount counts, the active users where the file gives only a
//! share, and what is worth a data-quality finding.

use crate::indicators::RoleCounts;

/// A file's contingent further than this fraction from the registry's is a finding; the
/// registry's is used (SPEC §3).
pub const CONTINGENT_TOLERANCE: f64 = 0.05;

/// Shares in files are rounded to whole percent or tenths: one further than this from its
/// file's active / contingent disagrees with the counts.
pub const SHARE_TOLERANCE: f64 = 0.005;

/// The figures a per-school row gives for one role, each where its column has a value.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FileFigures {
    pub contingent: Option<u64>,
    pub active: Option<u64>,
    pub confirmed: Option<u64>,
    pub registered: Option<u64>,
    pub share: Option<f64>,
}

impl FileFigures {
    /// The figures under a `connected` rule (MAX), where an account counts once it exists:
    /// a registered count («Зарегистрировано в MAX») is the connected, that is active, count,
    /// and a connected one («Подключено», «Подключились к MAX») the registered count.
    pub fn connected(self) -> FileFigures {
        FileFigures {
            active: self.active.or(self.registered),
            registered: self.registered.or(self.active),
            ..self
        }
    }
}

/// One role of one school after reconciliation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reconciled {
    pub counts: RoleCounts,
    /// Active users were worked out as share × contingent.
    pub from_share: bool,
    /// The file's share disagrees with its own counts.
    pub share_disagrees: bool,
    /// The file's contingent differs from the registry's by more than the tolerance.
    pub contingent_differs: bool,
}

/// Reconciles what a file gives for one role with the registry's contingent. `None` where the
/// file gives nothing for the role: no active users, no share to work them out from, and no
/// accounts either.
pub fn reconcile(file: FileFigures, registry_contingent: Option<u64>) -> Option<Reconciled> {
    let contingent_differs = match (file.contingent, registry_contingent) {
        (Some(file), Some(registry)) if registry > 0 => {
            (file as f64 - registry as f64).abs() / registry as f64 > CONTINGENT_TOLERANCE
        }
        _ => false,
    };
    // The registry's headcount wins; the file's serves where the registry has none.
    let contingent = registry_contingent.or(file.contingent);
    let (active, from_share, share_disagrees) = match (file.active, file.share, contingent) {
        (Some(active), share, _) => {
            let disagrees = match (share, file.contingent) {
                (Some(share), Some(c)) if c > 0 => {
                    // A hair's tolerance, so that a share exactly on the rounding edge agrees.
                    (share - active as f64 / c as f64).abs() > SHARE_TOLERANCE + 1e-9
                }
                _ => false,
            };
            (Some(active), false, disagrees)
        }
        (None, Some(share), Some(contingent)) => {
            (Some(active_from_share(share, contingent)), true, false)
        }
        // A file of registered and confirmed accounts gives no active users.
        _ if file.registered.is_some() || file.confirmed.is_some() => (None, false, false),
        _ => return None,
    };
    Some(Reconciled {
        counts: RoleCounts {
            registered: file.registered,
            confirmed: file.confirmed,
            active,
            leaving: None,
        },
        from_share,
        share_disagrees,
        contingent_differs,
    })
}

/// Active users of a share of a headcount, to the nearest whole one.
pub fn active_from_share(share: f64, contingent: u64) -> u64 {
    (share * contingent as f64).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(active: Option<u64>, share: Option<f64>, contingent: Option<u64>) -> FileFigures {
        FileFigures {
            active,
            share,
            contingent,
            ..FileFigures::default()
        }
    }

    #[test]
    fn the_registry_s_headcount_wins_and_a_far_one_is_a_finding() {
        let r = reconcile(figures(None, Some(0.5), Some(100)), Some(104)).unwrap();
        assert_eq!((r.counts.active, r.from_share), (Some(52), true));
        assert!(!r.contingent_differs, "4 % is within 5 %");
        let r = reconcile(figures(None, Some(0.5), Some(100)), Some(106)).unwrap();
        assert!(r.contingent_differs, "6 % is not");
        // Without the registry's, the file's own serves.
        let r = reconcile(figures(None, Some(0.5), Some(100)), None).unwrap();
        assert_eq!(r.counts.active, Some(50));
    }

    #[test]
    fn a_share_rounded_to_tenths_agrees_with_its_counts() {
        // 46 / 57 = 80,70 %: 80,7 % and 81 % agree, 82 % does not.
        for (share, disagrees) in [(0.807, false), (0.81, false), (0.82, true)] {
            let r = reconcile(figures(Some(46), Some(share), Some(57)), None).unwrap();
            assert_eq!(r.share_disagrees, disagrees, "{share}");
        }
    }

    #[test]
    fn accounts_without_active_users_and_nothing_at_all() {
        let accounts = FileFigures {
            registered: Some(500),
            confirmed: Some(380),
            ..FileFigures::default()
        };
        let r = reconcile(accounts, Some(600)).unwrap();
        assert_eq!(r.counts.active, None);
        assert_eq!(r.counts.registered, Some(500));
        assert_eq!(reconcile(FileFigures::default(), Some(600)), None);
        // A share without any headcount gives nothing either.
        assert_eq!(reconcile(figures(None, Some(0.5), None), None), None);
    }
}
