-- Users of per-user rows that name no organisation (SPEC §5.1), by role code: {"teachers": 3}.
-- They are in no school's figures, and reported beside the unknown organisations.
ALTER TABLE snapshot ADD COLUMN without_org_json TEXT NOT NULL DEFAULT '{}';
