-- Layouts a person mapped once (SPEC §5.3): the meanings given to the columns of a header,
-- keyed by the header's normalised cells, applied to later files with the same header.
CREATE TABLE layout_profile (
    id           INTEGER PRIMARY KEY,
    header_key   TEXT NOT NULL UNIQUE,
    dataset      TEXT NOT NULL,
    -- [["Всего учеников", "registered"], …]
    mapping_json TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    saved_at     TEXT NOT NULL,
    used_at      TEXT
);

-- Schools a file names without ИНН, matched by a person to the registry (SPEC §5.2): by the
-- normalised name and the normalised municipality ('' where the file gives none).
CREATE TABLE school_name_match (
    name_key         TEXT NOT NULL,
    municipality_key TEXT NOT NULL,
    org_id           TEXT NOT NULL,
    saved_at         TEXT NOT NULL,
    PRIMARY KEY (name_key, municipality_key)
);
