-- Accounts of the web dashboard. The password is an Argon2id PHC string; the scope is what
-- the account may see: a region's or a municipality's name, or a school's ИНН (none for admin).
CREATE TABLE web_user (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'region', 'municipality', 'school')),
    scope         TEXT,
    created_at    TEXT NOT NULL,             -- UTC, RFC 3339
    updated_at    TEXT NOT NULL
);

-- Server-side sessions. Only the SHA-256 of the cookie's random token is kept, so a copy of
-- the database does not let anyone in. Times are Unix seconds, compared as numbers.
CREATE TABLE web_session (
    token_sha256 TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES web_user(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX web_session_user ON web_session(user_id);

-- Failed logins, one row each, for throttling; rows older than the window are pruned.
CREATE TABLE web_login_failure (
    login TEXT NOT NULL,                     -- as typed, lower-cased
    at    INTEGER NOT NULL                   -- Unix seconds
);
CREATE INDEX web_login_failure_login ON web_login_failure(login, at);

-- Who logged in, viewed, imported or downloaded what, and when.
CREATE TABLE web_audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,                    -- UTC, RFC 3339
    login  TEXT,                             -- NULL before a login succeeds
    action TEXT NOT NULL,                    -- login, login_failed, logout, view, import, download
    detail TEXT NOT NULL
);
