//! API tokens of the dashboard's accounts: only each token's SHA-256 is kept. Whether a token
//! is live (not expired, not revoked) and what it may read are decided in `tsos-web`; this
//! module only stores and reads.

use crate::engine::{Row, Sql, args};
use crate::web::{USER_COLUMNS, user_from_row_at};
use crate::{Store, StoreError, WebUser};

/// A token to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    /// The first characters of the token, shown in lists.
    pub hint: &'a str,
    pub token_sha256: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// A stored token, with its account's login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub hint: String,
    /// Unix seconds, as the three below.
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The UTC day (YYYY-MM-DD) of the last use.
    pub used_on: Option<String>,
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, u.login, t.name, t.hint, t.created_at, \
                             t.expires_at, t.revoked_at, t.used_on";

fn token_from_row(row: &Row) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: row.get(0)?,
        user_id: row.get(1)?,
        login: row.get(2)?,
        name: row.get(3)?,
        hint: row.get(4)?,
        created_at: row.get(5)?,
        expires_at: row.get(6)?,
        revoked_at: row.get(7)?,
        used_on: row.get(8)?,
    })
}

impl Store {
    /// Stores a token and returns its number.
    pub fn create_api_token(&mut self, token: &NewApiToken<'_>) -> Result<i64, StoreError> {
        self.db
            .row(
                "INSERT INTO api_token (user_id, name, hint, token_sha256, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                args![
                    token.user_id,
                    token.name,
                    token.hint,
                    token.token_sha256,
                    token.created_at,
                    token.expires_at
                ],
            )?
            .get(0)
    }

    /// The tokens of the account `login`, or of every account, by login and number; revoked
    /// and expired ones too.
    pub fn api_tokens(&self, login: Option<&str>) -> Result<Vec<ApiToken>, StoreError> {
        // `?1 IS NULL` would leave PostgreSQL without the parameter's type: two statements.
        match login {
            Some(login) => self.db.map(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_token t JOIN web_user u ON u.id = t.user_id
                     WHERE u.login = ?1 ORDER BY u.login, t.id"
                ),
                args![login],
                token_from_row,
            ),
            None => self.db.map(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_token t JOIN web_user u ON u.id = t.user_id
                     ORDER BY u.login, t.id"
                ),
                args![],
                token_from_row,
            ),
        }
    }

    /// The token numbered `id`.
    pub fn api_token(&self, id: i64) -> Result<Option<ApiToken>, StoreError> {
        self.db
            .opt_row(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_token t JOIN web_user u ON u.id = t.user_id
                     WHERE t.id = ?1"
                ),
                args![id],
            )?
            .map(|row| token_from_row(&row))
            .transpose()
    }

    /// The token with the hash `token_sha256` and its account, live or not.
    pub fn api_token_by_hash(
        &self,
        token_sha256: &str,
    ) -> Result<Option<(ApiToken, WebUser)>, StoreError> {
        self.db
            .opt_row(
                &format!(
                    "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS}
                     FROM api_token t JOIN web_user u ON u.id = t.user_id
                     WHERE t.token_sha256 = ?1"
                ),
                args![token_sha256],
            )?
            .map(|row| Ok((token_from_row(&row)?, user_from_row_at(&row, 9)?)))
            .transpose()
    }

    /// Revokes the token `id` at `at`; false if it was revoked already.
    pub fn revoke_api_token(&mut self, id: i64, at: i64) -> Result<bool, StoreError> {
        let changed = self.db.execute(
            "UPDATE api_token SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            args![id, at],
        )?;
        Ok(changed > 0)
    }

    /// Records that the token `id` was used on `day`; true only for its first use that day,
    /// whoever else records the same day at the same time.
    pub fn mark_api_token_used(&mut self, id: i64, day: &str) -> Result<bool, StoreError> {
        let changed = self.db.execute(
            "UPDATE api_token SET used_on = ?2
             WHERE id = ?1 AND (used_on IS NULL OR used_on <> ?2)",
            args![id, day],
        )?;
        Ok(changed > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_by_hash_revoked_once_and_used_once_a_day() {
        crate::testing::each_engine(tokens_are_found_by_hash_revoked_once_and_used_once_a_day_in);
    }

    fn tokens_are_found_by_hash_revoked_once_and_used_once_a_day_in(mut store: Store) {
        store
            .upsert_web_user("bi", "$argon2id$a", "school", Some("0500000001"))
            .unwrap();
        let user = store.web_user("bi").unwrap().unwrap();
        let id = store
            .create_api_token(&NewApiToken {
                user_id: user.id,
                name: "BI",
                hint: "tsos_ab12",
                token_sha256: "hash",
                created_at: 1_000,
                expires_at: Some(2_000),
            })
            .unwrap();
        let (token, owner) = store.api_token_by_hash("hash").unwrap().unwrap();
        assert_eq!((token.id, token.name.as_str()), (id, "BI"));
        assert_eq!(token.expires_at, Some(2_000));
        assert_eq!(owner.scope.as_deref(), Some("0500000001"));
        assert!(store.api_token_by_hash("other").unwrap().is_none());

        assert!(store.mark_api_token_used(id, "2023-10-01").unwrap());
        assert!(!store.mark_api_token_used(id, "2023-10-01").unwrap());
        assert!(store.mark_api_token_used(id, "2023-10-02").unwrap());

        assert!(store.revoke_api_token(id, 1_500).unwrap());
        assert!(!store.revoke_api_token(id, 1_600).unwrap(), "already");
        let listed = store.api_tokens(Some("bi")).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].revoked_at, Some(1_500));
        assert_eq!(listed[0].used_on.as_deref(), Some("2023-10-02"));
        assert!(store.api_tokens(Some("other")).unwrap().is_empty());
        assert_eq!(store.api_tokens(None).unwrap().len(), 1);
        assert_eq!(store.api_token(id).unwrap().unwrap().login, "bi");
    }
}
