-- Dated events that explain a jump (issue 15, item 5): a platform switch, a law, a move of
-- the chats. `level` is the scope's level (`region`, `municipality`, `school`); every scope
-- names its region, a municipality's and a school's their municipality, a school's its ИНН.
-- `platform` is a platform's code, NULL for every platform. `on_date` is YYYY-MM-DD.
-- Adding and removing are written to `web_audit` in the same transaction.
CREATE TABLE event (
    id           INTEGER PRIMARY KEY,
    on_date      TEXT NOT NULL,
    level        TEXT NOT NULL,
    region       TEXT NOT NULL,
    municipality TEXT,
    school       TEXT,
    platform     TEXT,
    text         TEXT NOT NULL,
    added_at     TEXT NOT NULL,
    added_by     TEXT
);
CREATE INDEX event_date ON event(on_date);
