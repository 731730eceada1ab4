-- The headcount of staff who are not teachers («Работников», «Сотрудников»), the
-- denominator of the staff role's share (issue 15), beside the optional parents' one.
ALTER TABLE school_version ADD COLUMN contingent_staff INTEGER;
