-- Schools' e-mail addresses as a registry gives them (issue 16): ', '-separated, NULL where
-- the file had no such column or the cell no good address.
ALTER TABLE school_version ADD COLUMN email TEXT;

-- Every attempt to e-mail a school its notice of a letter: sent, failed (the next run tries
-- again) or no address. Nothing is updated or deleted; the latest attempt per school is its
-- state.
CREATE TABLE notice_delivery (
    id           INTEGER PRIMARY KEY,
    letter_id    INTEGER NOT NULL REFERENCES letter(id),
    org_id       TEXT NOT NULL,
    address      TEXT NOT NULL,   -- '' where the school had none
    attempted_at TEXT NOT NULL,   -- UTC, RFC 3339
    result       TEXT NOT NULL,   -- 'sent' | 'failed' | 'no_address'
    answer       TEXT NOT NULL    -- the server's answer, or why nothing was sent
);
CREATE INDEX notice_delivery_letter ON notice_delivery(letter_id, org_id);
