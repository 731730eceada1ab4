//! The domain of tsos: what a school, a role, a platform and an active user are, and how
//! the indicators of the monthly monitoring are computed from counts.
//!
//! This crate is pure: it knows nothing about files, SQL or HTTP. Ingestion turns files into
//! the values defined here, storage keeps them, outputs format them.
//!
//! Reading order: [`role`], [`org`], [`dates`], [`registry`] (a school as the registry gives
//! it), [`level`] (school, municipality, region), [`platform`] (the active-user rules),
//! [`users`] (merging per-user rows into counts), [`targets`] (targets, statuses, the gap to
//! target), [`indicators`] (shares, roll-ups, deltas, ranks).

pub mod chats;
pub mod counts;
pub mod dates;
pub mod email;
pub mod events;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod flows;
pub mod followup;
pub mod indicators;
pub mod level;
pub mod names;
pub mod org;
pub mod platform;
pub mod quality;
pub mod reconcile;
pub mod registry;
pub mod replacement;
pub mod replies;
pub mod role;
pub mod snapshot;
pub mod targets;
pub mod users;

pub use counts::{CountColumn, CountIndicator, CountKind, CountTargets, SchoolCount, UseCounts};
pub use dates::{format_date_ru, parse_cli_date, parse_date_text};
pub use events::{Event, EventScope, EventText};
pub use flows::Flows;
pub use indicators::{
    Indicator, IndicatorRow, PlatformCounts, Report, ReportPlatform, RoleCounts, Shortfall,
    UnknownOrgs,
};
pub use level::Level;
pub use org::OrgId;
pub use platform::{ActiveRule, Catalogue, Platform, Window};
pub use quality::{Finding, FindingKind};
pub use registry::SchoolInfo;
pub use role::{Role, RoleMap};
pub use snapshot::SnapshotKind;
pub use targets::{CountRate, IndicatorId, RateTarget, Status, Target, TargetBook};
pub use users::{OrgTally, PerUserCounts, Tally, UserAggregate, UserKey, UserState};
