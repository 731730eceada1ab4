-- A snapshot is one imported file: a registry version, or one platform at one date.
CREATE TABLE snapshot (
    id            INTEGER PRIMARY KEY,
    dataset       TEXT NOT NULL,            -- 'registry' or a platform code
    as_of         TEXT NOT NULL,            -- YYYY-MM-DD
    kind          TEXT NOT NULL,            -- 'registry' | 'per_user' | 'per_school'
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    imported_at   TEXT NOT NULL,            -- UTC, RFC 3339
    superseded_by INTEGER REFERENCES snapshot(id),
    superseded_at TEXT,
    has_confirmed INTEGER NOT NULL DEFAULT 0, -- the export gave confirmation (per-user)
    rows_read     INTEGER NOT NULL,
    rows_skipped  INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    skipped_json  TEXT NOT NULL,            -- {"title": n, "blank": n, "totals": n}
    rejected_json TEXT NOT NULL,            -- {"reason": n}
    warnings_json TEXT NOT NULL             -- ["…"]
);
CREATE INDEX snapshot_current ON snapshot(dataset, as_of) WHERE superseded_by IS NULL;

-- The registry: what a snapshot says about a school. Registry snapshots give every school;
-- a per-school export adds the schools the registry lacked (SPEC §3).
CREATE TABLE school_version (
    snapshot_id          INTEGER NOT NULL REFERENCES snapshot(id),
    org_id               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    municipality         TEXT NOT NULL,
    region               TEXT NOT NULL,
    contingent_teachers  INTEGER,
    contingent_students  INTEGER,
    contingent_parents   INTEGER,
    PRIMARY KEY (snapshot_id, org_id)
);
CREATE INDEX school_version_org ON school_version(org_id);

-- Aggregates of a platform snapshot per school and role. No people: SPEC §7.
CREATE TABLE usage (
    snapshot_id     INTEGER NOT NULL REFERENCES snapshot(id),
    org_id          TEXT NOT NULL,
    role            TEXT NOT NULL,
    registered      INTEGER,
    confirmed       INTEGER,
    active          INTEGER NOT NULL,
    file_contingent INTEGER,
    PRIMARY KEY (snapshot_id, org_id, role)
);
