-- 0015: the stocktake marks by school and session. `thuvien check` reads a school's marks (one
-- school: a range, not the whole table) and the marks of the sessions with a narrower scope than
-- 'all' from their session (the scope rule evaluated on those marks alone), instead of scanning
-- every mark of the city for each: src/check/check.c SQL_MARKS. It holds every column those
-- reads need but the mark itself, so they never visit the table's rows.
CREATE INDEX stocktake_marks_unit ON stocktake_marks (unit_id, stocktake_id, school_year, item_id);
