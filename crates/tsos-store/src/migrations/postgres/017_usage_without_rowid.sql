-- SQLite rebuilt its table of usage without rowids, so that a snapshot's rows lie in the
-- order of its key. PostgreSQL keeps rows apart from every index anyway; nothing to do here
-- but to count the migration, so that both engines are at the same version.
SELECT 1;
