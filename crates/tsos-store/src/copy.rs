//! A whole database copied into an empty one of either engine (`tsos db copy`): from the
//! embedded file to a server and back. Every table is copied with its ids, so snapshots keep
//! their numbers and lineage, letters their numbers, accounts their sessions; the copy is one
//! transaction, and the rows of every table are counted on both sides after it.

use crate::engine::{Begin, Column, Dialect, Param, Sql, Tx, args};
use crate::{Store, StoreError};

/// A table: its name, its columns in the order both schemas give them, the column that keeps
/// the order of its rows, and whether its rows belong to a snapshot (copied a snapshot at a
/// time, so that memory holds one snapshot's rows, not the database's).
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Column)],
    order: &'static str,
    per_snapshot: bool,
}

use Column::{Bytes, Int, Real, Text};

/// Every table, parents before children. `snapshot.superseded_by` points either way between
/// snapshots, so it is set once every snapshot is there.
const TABLES: &[Table] = &[
    Table {
        name: "snapshot",
        columns: &[
            ("id", Int),
            ("dataset", Text),
            ("as_of", Text),
            ("kind", Text),
            ("file_name", Text),
            ("sha256", Text),
            ("imported_at", Text),
            ("superseded_at", Text),
            ("has_confirmed", Int),
            ("rows_read", Int),
            ("rows_skipped", Int),
            ("rows_rejected", Int),
            ("skipped_json", Text),
            ("rejected_json", Text),
            ("warnings_json", Text),
            ("findings_json", Text),
            ("without_org_json", Text),
            ("user_set_key", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "school_version",
        columns: crate::SCHOOL_VERSION_COLUMNS,
        order: "org_id",
        per_snapshot: true,
    },
    Table {
        name: "usage",
        columns: crate::USAGE_COLUMNS,
        order: "org_id, role",
        per_snapshot: true,
    },
    Table {
        name: "usage_count",
        columns: crate::USAGE_COUNT_COLUMNS,
        order: "org_id, name",
        per_snapshot: true,
    },
    Table {
        name: "chat_state",
        columns: crate::CHAT_STATE_COLUMNS,
        order: "rowid",
        per_snapshot: true,
    },
    Table {
        name: "school_class",
        columns: crate::SCHOOL_CLASS_COLUMNS,
        order: "rowid",
        per_snapshot: true,
    },
    Table {
        name: "user_set",
        columns: crate::user_sets::USER_SET_COLUMNS,
        order: "snapshot_id, part",
        per_snapshot: true,
    },
    Table {
        name: "chat_closing",
        columns: &[
            ("platform", Text),
            ("closing_from", Text),
            ("deadline", Text),
            ("set_at", Text),
        ],
        order: "platform",
        per_snapshot: false,
    },
    Table {
        name: "target",
        columns: &[
            ("id", Int),
            ("indicator", Text),
            ("level", Text),
            ("from_date", Text),
            ("value", Real),
            ("set_at", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "setting",
        columns: &[("key", Text), ("value", Text)],
        order: "key",
        per_snapshot: false,
    },
    Table {
        name: "letter",
        columns: &[
            ("id", Int),
            ("number", Text),
            ("letter_date", Text),
            ("as_of", Text),
            ("deadline", Text),
            ("addressees", Text),
            ("created_at", Text),
            ("files_json", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "letter_item",
        columns: &[
            ("letter_id", Int),
            ("org_id", Text),
            ("name", Text),
            ("platform", Text),
            ("role", Text),
            ("share", Real),
            ("target", Real),
            ("active", Int),
            ("contingent", Int),
        ],
        order: "rowid",
        per_snapshot: false,
    },
    Table {
        name: "web_user",
        columns: &[
            ("id", Int),
            ("login", Text),
            ("password_hash", Text),
            ("role", Text),
            ("scope", Text),
            ("created_at", Text),
            ("updated_at", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "api_token",
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("hint", Text),
            ("token_sha256", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("revoked_at", Int),
            ("used_on", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "web_session",
        columns: &[
            ("token_sha256", Text),
            ("user_id", Int),
            ("csrf_token", Text),
            ("created_at", Int),
            ("expires_at", Int),
        ],
        order: "token_sha256",
        per_snapshot: false,
    },
    Table {
        name: "web_login_failure",
        columns: &[("login", Text), ("at", Int)],
        order: "login, at",
        per_snapshot: false,
    },
    Table {
        name: "web_audit",
        columns: &[
            ("id", Int),
            ("at", Text),
            ("login", Text),
            ("action", Text),
            ("detail", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "event",
        columns: crate::events::EVENT_COLUMNS,
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "layout_profile",
        columns: &[
            ("id", Int),
            ("header_key", Text),
            ("dataset", Text),
            ("mapping_json", Text),
            ("file_name", Text),
            ("saved_at", Text),
            ("used_at", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "school_name_match",
        columns: &[
            ("name_key", Text),
            ("municipality_key", Text),
            ("org_id", Text),
            ("saved_at", Text),
        ],
        order: "name_key, municipality_key",
        per_snapshot: false,
    },
    Table {
        name: "notice_delivery",
        columns: &[
            ("id", Int),
            ("letter_id", Int),
            ("org_id", Text),
            ("address", Text),
            ("attempted_at", Text),
            ("result", Text),
            ("answer", Text),
            ("kind", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "notice_reply",
        columns: &[
            ("id", Int),
            ("letter_id", Int),
            ("org_id", Text),
            ("platform", Text),
            ("role", Text),
            ("reason", Text),
            ("text", Text),
            ("measures", Text),
            ("expected_by", Text),
            ("replied_at", Text),
            ("login", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "notice_reply_review",
        columns: &[
            ("id", Int),
            ("reply_id", Int),
            ("decision", Text),
            ("comment", Text),
            ("reviewed_at", Text),
            ("login", Text),
        ],
        order: "id",
        per_snapshot: false,
    },
    Table {
        name: "notice_reply_attachment",
        columns: &[
            ("reply_id", Int),
            ("file_name", Text),
            ("kind", Text),
            ("size", Int),
            ("sha256", Text),
            ("content", Bytes),
        ],
        order: "reply_id",
        per_snapshot: false,
    },
];

/// How many rows a table has on each side after a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopiedTable {
    pub table: &'static str,
    pub rows: u64,
}

impl Store {
    /// Copies every row of `self` into `to`, which must be empty, in one transaction of `to`,
    /// then counts the rows of every table on both sides: a difference is an error.
    pub fn copy_to(&self, to: &mut Store) -> Result<Vec<CopiedTable>, StoreError> {
        for table in TABLES {
            if count(&to.db, table.name)? > 0 {
                return Err(StoreError::CopyTargetNotEmpty(table.name));
            }
        }
        let snapshots: Vec<i64> =
            self.db
                .map("SELECT id FROM snapshot ORDER BY id", args![], |row| {
                    row.get(0)
                })?;
        to.db.transaction(Begin::Immediate, |tx| {
            for table in TABLES {
                let names = table
                    .columns
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ");
                if table.per_snapshot {
                    for id in &snapshots {
                        let rows = self.db.rows(
                            &format!(
                                "SELECT {names} FROM {} WHERE snapshot_id = ?1 ORDER BY {}",
                                table.name, table.order
                            ),
                            args![id],
                        )?;
                        tx.bulk_insert(table.name, table.columns, rows.iter().map(|r| r.params()))?;
                    }
                } else {
                    let rows = self.db.rows(
                        &format!(
                            "SELECT {names} FROM {} ORDER BY {}",
                            table.name, table.order
                        ),
                        args![],
                    )?;
                    tx.bulk_insert(table.name, table.columns, rows.iter().map(|r| r.params()))?;
                }
            }
            let lineage = self.db.rows(
                "SELECT id, superseded_by FROM snapshot WHERE superseded_by IS NOT NULL",
                args![],
            )?;
            for row in &lineage {
                let (id, by): (i64, i64) = (row.get(0)?, row.get(1)?);
                tx.execute(
                    "UPDATE snapshot SET superseded_by = ?1 WHERE id = ?2",
                    args![by, id],
                )?;
            }
            restart_ids(tx)
        })?;
        let mut counted = Vec::new();
        for table in TABLES {
            let (from, copied) = (count(&self.db, table.name)?, count(&to.db, table.name)?);
            if from != copied {
                return Err(StoreError::CopyMismatch {
                    table: table.name,
                    from,
                    to: copied,
                });
            }
            counted.push(CopiedTable {
                table: table.name,
                rows: from,
            });
        }
        Ok(counted)
    }
}

fn count(db: &impl Sql, table: &str) -> Result<u64, StoreError> {
    Ok(db
        .row(&format!("SELECT COUNT(*) FROM {table}"), args![])?
        .u64(0)?
        .unwrap_or(0))
}

/// PostgreSQL's identities do not follow ids given explicitly: each starts again after the
/// greatest id copied, so that the next snapshot, letter or account gets a new one. SQLite
/// takes the greatest id plus one by itself.
fn restart_ids(tx: &Tx<'_>) -> Result<(), StoreError> {
    if tx.dialect() == Dialect::Sqlite {
        return Ok(());
    }
    for table in TABLES {
        if table.columns.first().is_some_and(|(name, _)| *name == "id") {
            tx.rows(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE(MAX(id), 0) + 1, false)
                     FROM {0}",
                    table.name
                ),
                &[] as &[Param<'_>],
            )?;
        }
    }
    Ok(())
}
