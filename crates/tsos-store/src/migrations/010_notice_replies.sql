-- Schools' replies to their notices (issue 16): per indicator a letter named, a reply with its
-- reason, measures and expected date; the authority's reviews of each reply; a reply's one
-- attached file. Nothing is updated or deleted: a new reply or review is a new row, and the
-- latest is the state.
CREATE TABLE notice_reply (
    id          INTEGER PRIMARY KEY,
    letter_id   INTEGER NOT NULL REFERENCES letter(id),
    org_id      TEXT NOT NULL,
    platform    TEXT NOT NULL,
    role        TEXT NOT NULL,
    reason      TEXT NOT NULL,   -- ReplyReason::code
    text        TEXT NOT NULL,
    measures    TEXT NOT NULL,
    expected_by TEXT NOT NULL,   -- YYYY-MM-DD
    replied_at  TEXT NOT NULL,   -- UTC, RFC 3339
    login       TEXT NOT NULL
);
CREATE INDEX notice_reply_letter ON notice_reply(letter_id, org_id);

CREATE TABLE notice_reply_review (
    id          INTEGER PRIMARY KEY,
    reply_id    INTEGER NOT NULL REFERENCES notice_reply(id),
    decision    TEXT NOT NULL,   -- ReviewDecision::code
    comment     TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,   -- UTC, RFC 3339
    login       TEXT NOT NULL
);
CREATE INDEX notice_reply_review_reply ON notice_reply_review(reply_id);

-- The file is kept in the database, not in a folder: no name a browser sent becomes a path,
-- and a copy of the database is the whole record.
CREATE TABLE notice_reply_attachment (
    reply_id  INTEGER PRIMARY KEY REFERENCES notice_reply(id),
    file_name TEXT NOT NULL,     -- as uploaded, made a plain name
    kind      TEXT NOT NULL,     -- AttachmentKind::code, by content
    size      INTEGER NOT NULL,
    sha256    TEXT NOT NULL,
    content   BLOB NOT NULL
);

-- A notice's log also holds the reminders to reply (tsos notices remind): what each attempt
-- sent. Attempts logged before this migration were notices.
ALTER TABLE notice_delivery ADD COLUMN kind TEXT NOT NULL DEFAULT 'notice';
