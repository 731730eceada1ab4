//! What kind of file a snapshot was made of (SPEC §5.4: its lineage says so).

/// A snapshot's kind, as stored and as shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnapshotKind {
    /// The registry of schools.
    Registry,
    /// A platform's export of one row per account.
    PerUser,
    /// A platform's export of one row per school.
    PerSchool,
    /// Official chats and lists of classes.
    Chats,
}

impl SnapshotKind {
    pub const ALL: [SnapshotKind; 4] = [
        SnapshotKind::Registry,
        SnapshotKind::PerUser,
        SnapshotKind::PerSchool,
        SnapshotKind::Chats,
    ];

    /// As stored and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            SnapshotKind::Registry => "registry",
            SnapshotKind::PerUser => "per_user",
            SnapshotKind::PerSchool => "per_school",
            SnapshotKind::Chats => "chats",
        }
    }

    pub fn from_code(code: &str) -> Option<SnapshotKind> {
        SnapshotKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
    }

    /// «по пользователям», as a person reads it in a list of snapshots.
    pub fn title_ru(self) -> &'static str {
        match self {
            SnapshotKind::Registry => "реестр",
            SnapshotKind::PerUser => "по пользователям",
            SnapshotKind::PerSchool => "по школам",
            SnapshotKind::Chats => "чаты и классы",
        }
    }

    /// Whether the snapshot is one of a platform's usage, dated as the platform's figures.
    pub fn is_usage(self) -> bool {
        matches!(self, SnapshotKind::PerUser | SnapshotKind::PerSchool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_back() {
        for kind in SnapshotKind::ALL {
            assert_eq!(SnapshotKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(SnapshotKind::from_code("other"), None);
    }
}
