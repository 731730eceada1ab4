-- Every letter tsos wrote, and what it said about each organisation it named (SPEC §9): the
-- follow-up compares those figures with the first snapshot after the deadline.
CREATE TABLE letter (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL,
    letter_date TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    addressees  TEXT NOT NULL,   -- 'schools' | 'municipalities'
    created_at  TEXT NOT NULL,
    files_json  TEXT NOT NULL    -- ["…docx", …]
);

CREATE TABLE letter_item (
    letter_id  INTEGER NOT NULL REFERENCES letter(id),
    org_id     TEXT NOT NULL,     -- ИНН, or the municipality's name
    name       TEXT NOT NULL,
    platform   TEXT NOT NULL,
    role       TEXT NOT NULL,
    share      REAL,
    target     REAL,
    active     INTEGER NOT NULL,
    contingent INTEGER
);
CREATE INDEX letter_item_letter ON letter_item(letter_id);
