-- Counts of use per school of a platform snapshot (issue 15, item 4): lessons, marks,
-- homework or any count a person mapped. `name` is what they are summed and compared by (a
-- kind's code or the normalised header), `header` the column as the file wrote it.
CREATE TABLE usage_count (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshot(id),
    org_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    header       TEXT NOT NULL,
    value        INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, org_id, name)
);
