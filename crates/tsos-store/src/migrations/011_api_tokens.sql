-- API tokens of the dashboard's accounts (issue 17): for scripts and BI, sent as
-- `Authorization: Bearer …` to /api/ only. Like sessions, only the SHA-256 of the token is
-- kept; `hint` is its first characters, shown in lists so that a person can tell which token
-- a script holds. A token reads with its account's role and scope as they are at each use.
-- Times are Unix seconds; a revoked token is kept, for the audit log's sake.
CREATE TABLE api_token (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES web_user(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hint         TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,                    -- NULL: until revoked
    revoked_at   INTEGER,
    used_on      TEXT                        -- the UTC day of the last use, YYYY-MM-DD
);
CREATE INDEX api_token_user ON api_token(user_id);
