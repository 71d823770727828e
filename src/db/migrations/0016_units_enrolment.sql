-- 0016: what the reports need to know about a school that no loan or copy records.
--
-- A unit is public (công lập) or private (ngoài công lập): the offices' roll-ups filter by it, and
-- the education sector database exports it with every school.
ALTER TABLE units ADD COLUMN ownership TEXT NOT NULL DEFAULT 'public'
    CHECK (ownership IN ('public', 'private'));

-- Enrolment and teachers of a school in a school year ("2025-2026"): the denominators of copies
-- per pupil, sets per teacher and the usage rate. Imported from the sector database's export
-- (`thuvien import enrolment`) or typed by the school; `source` says which, the audit says who.
CREATE TABLE unit_enrolment (
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    school_year   TEXT NOT NULL,
    pupils        BIGINT NOT NULL CHECK (pupils >= 0),
    teachers      BIGINT NOT NULL CHECK (teachers >= 0),
    classes       BIGINT NOT NULL DEFAULT 0 CHECK (classes >= 0),
    source        TEXT NOT NULL DEFAULT 'form' CHECK (source IN ('form', 'import')),
    updated_by    BIGINT REFERENCES accounts(id),
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (unit_id, school_year)
);
CREATE INDEX unit_enrolment_year ON unit_enrolment (school_year, unit_id);

-- How an intake batch was paid for: the intake table of every school report splits its value into
-- the state budget (ngân sách) and other funds (kinh phí khác: parents' association, projects,
-- gifts' estimated value). A purchase or an allocation is budget unless said otherwise; a gift is
-- other.
ALTER TABLE acquisitions ADD COLUMN funding TEXT NOT NULL DEFAULT 'budget'
    CHECK (funding IN ('budget', 'other'));
UPDATE acquisitions SET funding = 'other' WHERE source IN ('gift', 'other');

-- Which document types are printed books: the standards count "bản sách" per pupil over these
-- (held paper copies), leaving periodicals, maps, pictures, audio-visual material and e-books to
-- their own figures. Data, so a deployment that adds a type says which it is.
ALTER TABLE doc_types ADD COLUMN paper_book INTEGER NOT NULL DEFAULT 0;
UPDATE doc_types SET paper_book = 1 WHERE code IN ('SGK', 'SNV', 'STK', 'TN');
