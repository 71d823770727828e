-- 0017: counters for the reports and roll-ups (docs/ARCHITECTURE.md, "Counters").
--
-- A roll-up of a Department (2,500 schools, 30 million loans a year) must answer in under a
-- second, so no report scans loans, items or patrons of more than one school. These tables hold
-- each school's figures at the finest grain the reports ask for; a roll-up sums the rows of the
-- schools in a subtree. They are kept by triggers (0018), in the same transaction as the loan,
-- copy, use or reader that changes them, so a counter is never behind and never ahead; `thuvien
-- stats rebuild` recomputes them from the rows they count (after a bulk load, or to repair) and
-- `thuvien stats verify` / `thuvien check` compare the two.
--
-- Keys are the finest grain, never a label that can be edited: the document type's code, the
-- first character of the record's class number (kclass: '0'-'9', '' without one; content groups
-- are applied when reading, so a deployment may regroup them), the month 'yyyy-mm' (Vietnam time)
-- of an event. '' stands for "none" in text keys, 0 in grade.

-- State: the copies on hand (items whose status is not 'withdrawn' or 'lost') and their value
-- (the copy's price, else its record's: CATALOG_COPY_VALUE_SQL).
CREATE TABLE stat_holdings (
    unit_id     BIGINT NOT NULL,
    doc_type    TEXT NOT NULL,
    kclass      TEXT NOT NULL,
    language    TEXT NOT NULL,
    source      TEXT NOT NULL,    -- the intake batch's source; '' for a copy without one
    funding     TEXT NOT NULL,    -- the intake batch's funding; '' for a copy without one
    copies      BIGINT NOT NULL DEFAULT 0,
    value       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, doc_type, kclass, language, source, funding)
);

-- State: titles on hand (records with at least one copy on hand), by document type; and each
-- record's copies on hand, from which the first is kept.
CREATE TABLE stat_titles (
    unit_id     BIGINT NOT NULL,
    doc_type    TEXT NOT NULL,
    titles      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, doc_type)
);
CREATE TABLE stat_title_copies (
    biblio_id   BIGINT PRIMARY KEY,
    unit_id     BIGINT NOT NULL,
    doc_type    TEXT NOT NULL,
    copies      BIGINT NOT NULL DEFAULT 0
);

-- Events: copies entering the stock ('in', in the month of the copy's entry: items.entered, else
-- its batch's day, else the day it was created), leaving it ('withdrawn', in the month its
-- withdrawal was approved) and found lost ('lost', the month it was marked; a lost copy found
-- again counts -1 in the month it is found). By document type and the batch's source and funding.
CREATE TABLE stat_stock_flows (
    unit_id     BIGINT NOT NULL,
    month       TEXT NOT NULL,
    event       TEXT NOT NULL CHECK (event IN ('in', 'withdrawn', 'lost')),
    doc_type    TEXT NOT NULL,
    source      TEXT NOT NULL,
    funding     TEXT NOT NULL,
    copies      BIGINT NOT NULL DEFAULT 0,
    value       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month, event, doc_type, source, funding)
);

-- Events: loans made (renewals are not loans), by the month they went out.
CREATE TABLE stat_loans (
    unit_id     BIGINT NOT NULL,
    month       TEXT NOT NULL,
    loan_kind   TEXT NOT NULL,    -- loans.kind: home, textbook, class_set
    patron_kind TEXT NOT NULL,    -- student, teacher, staff
    class_name  TEXT NOT NULL,
    grade       INTEGER NOT NULL, -- the reader's grade, 0 for none
    doc_type    TEXT NOT NULL,
    kclass      TEXT NOT NULL,
    loans       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month, loan_kind, patron_kind, class_name, grade, doc_type, kclass)
);

-- Events: in-library use (library_uses): visits (rows) and uses (their counts), by month.
CREATE TABLE stat_uses (
    unit_id     BIGINT NOT NULL,
    month       TEXT NOT NULL,
    patron_kind TEXT NOT NULL,    -- '' for a use not tied to a reader
    class_name  TEXT NOT NULL,
    doc_type    TEXT NOT NULL,
    visits      BIGINT NOT NULL DEFAULT 0,
    uses        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month, patron_kind, class_name, doc_type)
);

-- State: registered readers (patrons with status 'active'), by kind, class and grade; events:
-- readers registered (created) in a month.
CREATE TABLE stat_readers (
    unit_id     BIGINT NOT NULL,
    patron_kind TEXT NOT NULL,
    class_name  TEXT NOT NULL,
    grade       INTEGER NOT NULL,
    readers     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, patron_kind, class_name, grade)
);
CREATE TABLE stat_reader_flows (
    unit_id     BIGINT NOT NULL,
    month       TEXT NOT NULL,
    patron_kind TEXT NOT NULL,
    registered  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month, patron_kind)
);

-- Distinct readers active in a school year (a loan, or an in-library use in their name), by
-- kind and class as they were at their first activity of the year; stat_patron_years holds who
-- has been counted.
CREATE TABLE stat_active (
    unit_id     BIGINT NOT NULL,
    school_year TEXT NOT NULL,
    patron_kind TEXT NOT NULL,
    class_name  TEXT NOT NULL,
    readers     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, school_year, patron_kind, class_name)
);
CREATE TABLE stat_patron_years (
    patron_id   BIGINT NOT NULL,
    school_year TEXT NOT NULL,
    PRIMARY KEY (patron_id, school_year)
);

-- State: loans not returned, by due day: overdue on a day is the sum of the rows due before it.
CREATE TABLE stat_open_loans (
    unit_id     BIGINT NOT NULL,
    due         TEXT NOT NULL,
    patron_kind TEXT NOT NULL,
    loans       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, due, patron_kind)
);
