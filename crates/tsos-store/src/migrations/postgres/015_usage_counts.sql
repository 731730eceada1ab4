-- Counts of use per school of a platform snapshot (issue 15, item 4): lessons, marks,
-- homework or any count a person mapped. `name` is what they are summed and compared by (a
-- kind's code or the normalised header), `header` the column as the file wrote it.
CREATE TABLE usage_count (
    snapshot_id  BIGINT NOT NULL REFERENCES snapshot(id),
    org_id       TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    header       TEXT NOT NULL,
    value        BIGINT NOT NULL,
    PRIMARY KEY (snapshot_id, org_id, name)
);
