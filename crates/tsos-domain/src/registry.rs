//! The registry of schools (SPEC §3): each school as the registry gives it for a date.

use crate::org::OrgId;
use crate::role::RoleMap;

/// A school of the registry, as resolved for a date.
#[derive(Clone, Debug, PartialEq)]
pub struct SchoolInfo {
    pub id: OrgId,
    pub name: String,
    pub municipality: String,
    pub region: String,
    /// Official headcount per role: the denominator. `None` where unknown.
    pub contingent: RoleMap<Option<u64>>,
}
