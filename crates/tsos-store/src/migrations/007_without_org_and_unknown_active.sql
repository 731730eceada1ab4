-- Users of per-user rows that name no organisation (SPEC §5.1), by role code: {"teachers": 3}.
-- They are in no school's figures, and reported beside the unknown organisations.
ALTER TABLE snapshot ADD COLUMN without_org_json TEXT NOT NULL DEFAULT '{}';

-- A per-school export of registered and confirmed accounts gives no active users: `active`
-- may be unknown. SQLite cannot drop a NOT NULL, so the table is rebuilt with its rows.
CREATE TABLE usage_new (
    snapshot_id     INTEGER NOT NULL REFERENCES snapshot(id),
    org_id          TEXT NOT NULL,
    role            TEXT NOT NULL,
    registered      INTEGER,
    confirmed       INTEGER,
    active          INTEGER,
    file_contingent INTEGER,
    leaving         INTEGER,
    PRIMARY KEY (snapshot_id, org_id, role)
);
INSERT INTO usage_new (snapshot_id, org_id, role, registered, confirmed, active,
                       file_contingent, leaving)
SELECT snapshot_id, org_id, role, registered, confirmed, active, file_contingent, leaving
FROM usage;
DROP TABLE usage;
ALTER TABLE usage_new RENAME TO usage;
