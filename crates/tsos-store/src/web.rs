//! What the web dashboard keeps: accounts, sessions, failed logins for throttling, and the
//! audit log. The rules (who may see what, how long a session lasts, how many failures lock
//! a login) live in `tsos-web`; this module only stores and reads.

use crate::engine::{Begin, Dialect, Row, Sql, args};
use crate::{Store, StoreError, now};

/// An account as stored. `role` is one of `admin`, `region`, `municipality`, `school` (the
/// table's CHECK constraint holds it to those).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebUser {
    pub id: i64,
    pub login: String,
    pub password_hash: String,
    pub role: String,
    /// A region's or a municipality's name, or a school's ИНН; `None` for an admin.
    pub scope: Option<String>,
    pub created_at: String,
}

/// A live session and its account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    pub user: WebUser,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub login: Option<String>,
    pub action: String,
    pub detail: String,
}

/// A line for the audit log, written after the moment it records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    pub at: jiff::Timestamp,
    pub login: Option<String>,
    pub action: String,
    pub detail: String,
}

/// Whether [`Store::upsert_web_user`] created the account or replaced an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserSaved {
    Created,
    Updated,
}

impl Store {
    /// Creates the account, or replaces the password, role and scope of an existing one
    /// with the same login; its sessions end, since they were opened under the old terms.
    pub fn upsert_web_user(
        &mut self,
        login: &str,
        password_hash: &str,
        role: &str,
        scope: Option<&str>,
    ) -> Result<UserSaved, StoreError> {
        self.db.transaction(Begin::Deferred, |tx| {
            let existing: Option<i64> = tx
                .opt_row("SELECT id FROM web_user WHERE login = ?1", args![login])?
                .map(|row| row.get(0))
                .transpose()?;
            Ok(match existing {
                Some(id) => {
                    tx.execute(
                        "UPDATE web_user SET password_hash = ?1, role = ?2, scope = ?3, updated_at = ?4
                         WHERE id = ?5",
                        args![password_hash, role, scope, now(), id],
                    )?;
                    tx.execute("DELETE FROM web_session WHERE user_id = ?1", args![id])?;
                    UserSaved::Updated
                }
                None => {
                    let at = now();
                    tx.execute(
                        "INSERT INTO web_user (login, password_hash, role, scope, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                        args![login, password_hash, role, scope, at],
                    )?;
                    UserSaved::Created
                }
            })
        })
    }

    pub fn web_user(&self, login: &str) -> Result<Option<WebUser>, StoreError> {
        self.db
            .opt_row(
                "SELECT id, login, password_hash, role, scope, created_at FROM web_user
                 WHERE login = ?1",
                args![login],
            )?
            .map(|row| user_from_row(&row))
            .transpose()
    }

    /// Every account, by login.
    pub fn web_users(&self) -> Result<Vec<WebUser>, StoreError> {
        self.db.map(
            "SELECT id, login, password_hash, role, scope, created_at FROM web_user ORDER BY login",
            args![],
            user_from_row,
        )
    }

    /// Opens a session; expired sessions of every account are dropped on the way.
    pub fn create_web_session(
        &mut self,
        token_sha256: &str,
        user_id: i64,
        csrf_token: &str,
        now_unix: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.db.transaction(Begin::Deferred, |tx| {
            tx.execute(
                "DELETE FROM web_session WHERE expires_at <= ?1",
                args![now_unix],
            )?;
            tx.execute(
                "INSERT INTO web_session (token_sha256, user_id, csrf_token, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                args![token_sha256, user_id, csrf_token, now_unix, expires_at],
            )?;
            Ok(())
        })
    }

    /// The session of a token's hash, if it has not expired at `now_unix`.
    pub fn web_session(
        &self,
        token_sha256: &str,
        now_unix: i64,
    ) -> Result<Option<WebSession>, StoreError> {
        self.db
            .opt_row(
                "SELECT u.id, u.login, u.password_hash, u.role, u.scope, u.created_at,
                        s.csrf_token, s.expires_at
                 FROM web_session s JOIN web_user u ON u.id = s.user_id
                 WHERE s.token_sha256 = ?1 AND s.expires_at > ?2",
                args![token_sha256, now_unix],
            )?
            .map(|row| {
                Ok(WebSession {
                    user: user_from_row(&row)?,
                    csrf_token: row.get(6)?,
                    expires_at: row.get(7)?,
                })
            })
            .transpose()
    }

    pub fn delete_web_session(&mut self, token_sha256: &str) -> Result<(), StoreError> {
        self.db.execute(
            "DELETE FROM web_session WHERE token_sha256 = ?1",
            args![token_sha256],
        )?;
        Ok(())
    }

    /// Failed logins of `login` at or after `since` (Unix seconds).
    pub fn login_failures(&self, login: &str, since: i64) -> Result<u64, StoreError> {
        let count: i64 = self
            .db
            .row(
                "SELECT COUNT(*) FROM web_login_failure WHERE login = ?1 AND at >= ?2",
                args![login, since],
            )?
            .get(0)?;
        Ok(count.max(0) as u64)
    }

    /// Records a failed login at `now_unix` and forgets every failure before `since`, so the
    /// table holds only the current window whatever logins are tried.
    pub fn record_login_failure(
        &mut self,
        login: &str,
        now_unix: i64,
        since: i64,
    ) -> Result<(), StoreError> {
        self.db.transaction(Begin::Deferred, |tx| {
            tx.execute("DELETE FROM web_login_failure WHERE at < ?1", args![since])?;
            tx.execute(
                "INSERT INTO web_login_failure (login, at) VALUES (?1, ?2)",
                args![login, now_unix],
            )?;
            Ok(())
        })
    }

    pub fn clear_login_failures(&mut self, login: &str) -> Result<(), StoreError> {
        self.db.execute(
            "DELETE FROM web_login_failure WHERE login = ?1",
            args![login],
        )?;
        Ok(())
    }

    pub fn append_audit(
        &mut self,
        login: Option<&str>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO web_audit (at, login, action, detail) VALUES (?1, ?2, ?3, ?4)",
            args![now(), login, action, detail],
        )?;
        Ok(())
    }

    /// Appends `lines` in one transaction: one commit for many lines, where each line on its
    /// own would cost a commit (and its syncs to disk).
    pub fn append_audit_lines(&mut self, lines: &[AuditLine]) -> Result<(), StoreError> {
        self.db.transaction(Begin::Deferred, |tx| {
            for line in lines {
                tx.execute(
                    "INSERT INTO web_audit (at, login, action, detail) VALUES (?1, ?2, ?3, ?4)",
                    args![line.at.to_string(), line.login, line.action, line.detail],
                )?;
            }
            Ok(())
        })
    }

    /// The audit log, newest first: `limit` entries after skipping `offset`.
    pub fn audit_log(&self, limit: u32, offset: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.db.map(
            "SELECT id, at, login, action, detail FROM web_audit
             ORDER BY id DESC LIMIT ?1 OFFSET ?2",
            args![limit, offset],
            |row| {
                Ok(AuditEntry {
                    id: row.get(0)?,
                    at: row.get(1)?,
                    login: row.get(2)?,
                    action: row.get(3)?,
                    detail: row.get(4)?,
                })
            },
        )
    }

    pub fn audit_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .db
            .row("SELECT COUNT(*) FROM web_audit", args![])?
            .get(0)?;
        Ok(count.max(0) as u64)
    }

    /// A fingerprint of everything a report depends on: which snapshots are current, the
    /// targets, the settings and the dated events (each by its number and the moment it was
    /// added, since SQLite may give a removed last event's number to the next one). It changes whenever an import, a restore or a target change
    /// could change a figure, so the dashboard may keep reports until it does. It is read
    /// from the database at every call, so an import through another instance over the same
    /// PostgreSQL changes it too.
    pub fn figures_stamp(&self) -> Result<String, StoreError> {
        let sql = match self.db.dialect() {
            Dialect::Sqlite => {
                "SELECT (SELECT COUNT(*) || '.' || IFNULL(MAX(id), 0) || '.' || IFNULL(SUM(id * (superseded_by IS NULL)), 0)
                     FROM snapshot)
                 || '/' || (SELECT COUNT(*) || '.' || IFNULL(group_concat(id || ':' || value || ':' || from_date || ':' || IFNULL(level, '')), '')
                     FROM target)
                 || '/' || (SELECT IFNULL(group_concat(key || '=' || value), '') FROM setting)
                 || '/' || (SELECT IFNULL(group_concat(id || ':' || added_at), '') FROM event)"
            }
            // No group_concat, and no arithmetic on a truth value.
            Dialect::Postgres => {
                "SELECT (SELECT COUNT(*)::TEXT || '.' || COALESCE(MAX(id), 0)::TEXT || '.'
                        || COALESCE(SUM(CASE WHEN superseded_by IS NULL THEN id ELSE 0 END), 0)::TEXT
                     FROM snapshot)
                 || '/' || (SELECT COUNT(*)::TEXT || '.' || COALESCE(string_agg(id::TEXT || ':' || value::TEXT
                        || ':' || from_date || ':' || COALESCE(level, ''), ',' ORDER BY id), '')
                     FROM target)
                 || '/' || (SELECT COALESCE(string_agg(key || '=' || value, ',' ORDER BY key), '') FROM setting)
                 || '/' || (SELECT COALESCE(string_agg(id::TEXT || ':' || added_at, ',' ORDER BY id), '') FROM event)"
            }
        };
        self.db.row(sql, args![])?.get(0)
    }
}

/// The columns of `web_user u` that [`user_from_row_at`] reads.
pub(crate) const USER_COLUMNS: &str =
    "u.id, u.login, u.password_hash, u.role, u.scope, u.created_at";

fn user_from_row(row: &Row) -> Result<WebUser, StoreError> {
    user_from_row_at(row, 0)
}

/// The account whose columns begin at `first`.
pub(crate) fn user_from_row_at(row: &Row, first: usize) -> Result<WebUser, StoreError> {
    Ok(WebUser {
        id: row.get(first)?,
        login: row.get(first + 1)?,
        password_hash: row.get(first + 2)?,
        role: row.get(first + 3)?,
        scope: row.get(first + 4)?,
        created_at: row.get(first + 5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_end_when_the_account_changes() {
        crate::testing::each_engine(|mut store| {
            assert_eq!(
                store
                    .upsert_web_user("ivanova", "$argon2id$a", "school", Some("0500000001"))
                    .unwrap(),
                UserSaved::Created
            );
            let user = store.web_user("ivanova").unwrap().unwrap();
            store
                .create_web_session("hash", user.id, "csrf", 1_000, 2_000)
                .unwrap();
            let session = store.web_session("hash", 1_999).unwrap().unwrap();
            assert_eq!(session.user.scope.as_deref(), Some("0500000001"));
            assert_eq!(session.csrf_token, "csrf");
            assert!(
                store.web_session("hash", 2_000).unwrap().is_none(),
                "expired"
            );
            assert!(store.web_session("other", 1_500).unwrap().is_none());
            // A new password ends the sessions opened with the old one.
            assert_eq!(
                store
                    .upsert_web_user("ivanova", "$argon2id$b", "school", Some("0500000001"))
                    .unwrap(),
                UserSaved::Updated
            );
            assert!(store.web_session("hash", 1_500).unwrap().is_none());
            assert_eq!(store.web_users().unwrap().len(), 1);
        });
    }

    #[test]
    fn the_schema_holds_roles_to_the_four() {
        crate::testing::each_engine(|mut store| {
            assert!(store.upsert_web_user("x", "h", "superuser", None).is_err());
        });
    }

    #[test]
    fn failures_count_within_the_window() {
        crate::testing::each_engine(|mut store| {
            for at in [100, 200, 300] {
                store.record_login_failure("admin", at, 0).unwrap();
            }
            assert_eq!(store.login_failures("admin", 150).unwrap(), 2);
            assert_eq!(store.login_failures("other", 0).unwrap(), 0);
            // Recording prunes everything before the window, whatever the login.
            store.record_login_failure("other", 1_000, 250).unwrap();
            assert_eq!(store.login_failures("admin", 0).unwrap(), 1);
            store.clear_login_failures("admin").unwrap();
            assert_eq!(store.login_failures("admin", 0).unwrap(), 0);
        });
    }

    #[test]
    fn audit_newest_first() {
        crate::testing::each_engine(|mut store| {
            store.append_audit(Some("admin"), "login", "вход").unwrap();
            store.append_audit(None, "login_failed", "x").unwrap();
            let log = store.audit_log(10, 0).unwrap();
            assert_eq!(store.audit_count().unwrap(), 2);
            assert_eq!(log[0].action, "login_failed");
            assert_eq!(log[1].login.as_deref(), Some("admin"));
            assert_eq!(store.audit_log(10, 1).unwrap().len(), 1);
            let at: jiff::Timestamp = "2023-10-01T09:00:00Z".parse().unwrap();
            let line = |detail: &str| AuditLine {
                at,
                login: Some("admin".to_string()),
                action: "view".to_string(),
                detail: detail.to_string(),
            };
            store
                .append_audit_lines(&[line("первая"), line("вторая")])
                .unwrap();
            let log = store.audit_log(10, 0).unwrap();
            assert_eq!(store.audit_count().unwrap(), 4);
            assert_eq!(log[0].detail, "вторая");
            assert_eq!(
                log[1].at, "2023-10-01T09:00:00Z",
                "the time the line records"
            );
        });
    }

    #[test]
    fn the_stamp_follows_targets() {
        crate::testing::each_engine(|mut store| {
            let before = store.figures_stamp().unwrap();
            assert_eq!(before, store.figures_stamp().unwrap());
            store.set_yellow_band(5.0).unwrap();
            assert_ne!(before, store.figures_stamp().unwrap());
        });
    }

    #[test]
    fn the_stamp_follows_events_added_and_removed() {
        use tsos_domain::events::{Event, EventScope, EventText};
        crate::testing::each_engine(|mut store| {
            let event = Event {
                date: jiff::civil::date(2024, 4, 1),
                scope: EventScope::Region {
                    region: "Республика Дагестан".into(),
                },
                platform: None,
                text: EventText::new("Переход").unwrap(),
            };
            let empty = store.figures_stamp().unwrap();
            let first = store.add_event(&event, None, "event_add").unwrap();
            let one = store.figures_stamp().unwrap();
            assert_ne!(empty, one);
            store.remove_event(first.id, None, "event_remove").unwrap();
            assert_eq!(store.figures_stamp().unwrap(), empty);
            // Another event, perhaps under the same number, is another stamp.
            store.add_event(&event, None, "event_add").unwrap();
            assert_ne!(store.figures_stamp().unwrap(), one);
        });
    }
}
