-- The lists of classes schools give with their chats (SPEC §10), for the count of classes
-- without an official class chat. Each row is one class of one school's list in a snapshot of
-- kind 'chats'; a school's list in a later snapshot replaces its earlier list whole.
CREATE TABLE school_class (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshot(id),
    org_id       TEXT NOT NULL,
    class_label  TEXT NOT NULL,
    students     INTEGER
);
CREATE INDEX school_class_snapshot ON school_class(snapshot_id);
