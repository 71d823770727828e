-- 0020: school reports and periodic reporting (issue 8, items 2 and 4).
--
-- Report templates are data: files in data/reports/ (one JSON object each: code, version, names,
-- period kind, title, number suffix, sections of tables, figures, charts and narrative fields
-- bound to indicators by id; docs/REPORTS.md), loaded here with @TEXT:...@ (migrate.c). A new
-- version of a template is a new migration that updates its row the same way.
CREATE TABLE report_templates (
    code        TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    period      TEXT NOT NULL CHECK (period IN ('month', 'semester', 'year')),
    body        TEXT NOT NULL,          -- the JSON file
    active      INTEGER NOT NULL DEFAULT 1
);
INSERT INTO report_templates (code, version, period, body) VALUES
    ('thang',   1, 'month',    @TEXT:data/reports/thang.json@),
    ('hocky',   1, 'semester', @TEXT:data/reports/hocky.json@),
    ('namhoc',  1, 'year',     @TEXT:data/reports/namhoc.json@),
    ('tk_tt18', 1, 'year',     @TEXT:data/reports/tk_tt18.json@);

-- A report of a school for a period: months from-to ("2025-11"), within one school year. Its
-- number ("Số: 12/BC-TV"), place and day line and the narrative fields its template declares
-- (JSON object: field -> text) are typed in the page and kept. While it is a draft its figures
-- are computed live; `figures` holds them (JSON) once it is final, and never changes after.
CREATE TABLE school_reports (
    id            @ID@,
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    template_code TEXT NOT NULL REFERENCES report_templates(code),
    school_year   TEXT NOT NULL,
    month_from    TEXT NOT NULL,
    month_to      TEXT NOT NULL,
    number        TEXT NOT NULL DEFAULT '',
    place         TEXT NOT NULL DEFAULT '',
    report_day    TEXT,                 -- yyyy-mm-dd: the date line
    narrative     TEXT NOT NULL DEFAULT '{}',
    figures       TEXT,                 -- frozen figures (JSON), NULL while a draft
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'final')),
    created_by    BIGINT REFERENCES accounts(id),
    created_at    BIGINT NOT NULL,
    updated_by    BIGINT REFERENCES accounts(id),
    updated_at    BIGINT NOT NULL,
    UNIQUE (unit_id, template_code, month_from, month_to)
);

-- Periodic reporting (báo cáo định kỳ): an office or the Department asks the units below it for a
-- report of a template and a period by a deadline.
CREATE TABLE report_periods (
    id            @ID@,
    unit_id       BIGINT NOT NULL REFERENCES units(id),      -- who asks
    template_code TEXT NOT NULL REFERENCES report_templates(code),
    school_year   TEXT NOT NULL,
    month_from    TEXT NOT NULL,
    month_to      TEXT NOT NULL,
    title         TEXT NOT NULL,
    deadline      TEXT NOT NULL,                              -- yyyy-mm-dd, Vietnam: the day's end
    note          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by    BIGINT REFERENCES accounts(id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX report_periods_unit ON report_periods (unit_id, school_year);

-- The units that must submit (schools, or offices that consolidate their own schools), and what
-- each has done. A submission is frozen: `figures` (and the narrative) are written when it is
-- submitted and never change; reopening (by the asking unit, with a reason) lets the unit
-- submit again, which replaces them and keeps the count of submissions.
CREATE TABLE report_submissions (
    id            @ID@,
    period_id     BIGINT NOT NULL REFERENCES report_periods(id),
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'draft', 'approved', 'submitted', 'reopened')),
    narrative     TEXT NOT NULL DEFAULT '{}',
    figures       TEXT,
    prepared_by   BIGINT REFERENCES accounts(id),
    prepared_at   BIGINT,
    approved_by   BIGINT REFERENCES accounts(id),
    approved_at   BIGINT,
    submitted_by  BIGINT REFERENCES accounts(id),
    submitted_at  BIGINT,
    submissions   INTEGER NOT NULL DEFAULT 0,
    late          INTEGER NOT NULL DEFAULT 0,
    reopened_by   BIGINT REFERENCES accounts(id),
    reopened_at   BIGINT,
    reopen_reason TEXT NOT NULL DEFAULT '',
    reminded_at   BIGINT,
    UNIQUE (period_id, unit_id)
);
CREATE INDEX report_submissions_unit ON report_submissions (unit_id, status);
