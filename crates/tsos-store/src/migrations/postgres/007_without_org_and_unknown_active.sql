ALTER TABLE snapshot ADD COLUMN without_org_json TEXT COLLATE "C" NOT NULL DEFAULT '{}';

-- PostgreSQL drops a NOT NULL in place, where SQLite rebuilds the table.
ALTER TABLE usage ALTER COLUMN active DROP NOT NULL;
