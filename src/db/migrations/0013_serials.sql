-- 0013: periodicals (src/serials/). A scan finds a school's title by its ISSN, so an ISSN names
-- one title of a school (titles without one keep ''); serials_create checks it first, this
-- index makes two librarians saving at once unable to break it. The open claims of a school are
-- read by their own small index (an issue is claimed and not received), not by every issue.
CREATE UNIQUE INDEX periodicals_issn ON periodicals (unit_id, issn) WHERE issn <> '';
CREATE INDEX serial_issues_open_claims ON serial_issues (unit_id)
    WHERE claimed_day IS NOT NULL AND received_day IS NULL;
