-- User flows without storing who (issue 15, SPEC §7): per snapshot, school and role, the
-- sorted keyed 64-bit hashes of the active users, as little-endian u64s. Never the ids.
-- `user_set_key` is the key's fingerprint: NULL where the import had no key (no sets), and
-- a chain of months ends where it changes.
ALTER TABLE snapshot ADD COLUMN user_set_key TEXT;
CREATE TABLE user_set (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
    org_id      TEXT NOT NULL,
    role        TEXT NOT NULL,
    hashes      BLOB NOT NULL,
    PRIMARY KEY (snapshot_id, org_id, role)
);
