-- Of the active users of a per-user snapshot, those whose last date leaves the window before
-- the next monthly date (SPEC §6 "Forecast"); NULL for per-school snapshots.
ALTER TABLE usage ADD COLUMN leaving INTEGER;

-- Data-quality findings found at import: [{"kind": …, "count": n, "orgs": […]}].
ALTER TABLE snapshot ADD COLUMN findings_json TEXT NOT NULL DEFAULT '[]';

-- Targets per indicator (`myschool.teachers`), per level (NULL: every level), from a date.
CREATE TABLE target (
    id        INTEGER PRIMARY KEY,
    indicator TEXT NOT NULL,
    level     TEXT,
    from_date TEXT NOT NULL,
    value     REAL NOT NULL,
    set_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX target_key ON target(indicator, IFNULL(level, ''), from_date);

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
