-- The official chats of schools (SPEC §10): every import of the chats registry is a snapshot
-- (dataset 'chats'), each row a dated state of one chat. A move is a new state.
CREATE TABLE chat_state (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshot(id),
    org_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    class_label  TEXT,
    platform     TEXT NOT NULL,
    domestic     INTEGER NOT NULL,
    members      INTEGER,
    active       INTEGER NOT NULL,
    confirmed_on TEXT,
    created_on   TEXT,
    moved_on     TEXT,
    replaces     TEXT
);
CREATE INDEX chat_state_snapshot ON chat_state(snapshot_id);
