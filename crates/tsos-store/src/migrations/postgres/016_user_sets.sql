-- User flows without storing who (issue 15, SPEC §7): per snapshot, school and role, the
-- sorted keyed 64-bit hashes of the active users. Never the ids. A snapshot's sets are written
-- as a few values of about a megabyte, `part` 0, 1, … (their layout: `user_sets.rs` in
-- tsos-store): the flows read a snapshot's sets whole, and a row per school and role cost a
-- national import 0.19 s of its one-threaded write against 0.06 s for few rows, while one
-- value of 28 MB was held three times over while written.
-- `user_set_key` is the key's fingerprint: NULL where the import had no key (no sets), and
-- a chain of months ends where it changes.
ALTER TABLE snapshot ADD COLUMN user_set_key TEXT;
CREATE TABLE user_set (
    snapshot_id BIGINT NOT NULL REFERENCES snapshot(id),
    part        BIGINT NOT NULL,
    sets        BYTEA NOT NULL,
    PRIMARY KEY (snapshot_id, part)
);
