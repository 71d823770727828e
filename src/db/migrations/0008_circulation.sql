-- 0008: readers and circulation: readers (bạn đọc), their photos, loan rules, the school's
-- calendar of closed days, loans (mượn về nhà, sách giáo khoa cả năm, bộ sách lớp), holds,
-- in-library use (lượt đọc tại chỗ), lost and damaged copies, the end-of-year promotion.
--
-- Days are Vietnam days as text 'yyyy-mm-dd' (a due date is a day, not an instant); instants
-- are UTC seconds. Money is whole đồng.

-- A reader of one school. `code` is the card number printed as a barcode on the card (defaults
-- to the student code of the class list); `student_code` is the code of the school-management
-- software (Mã học sinh), the key a re-imported class list is matched on; `national_id` is the
-- national student id (mã định danh), unique in the whole city when given.
CREATE TABLE patrons (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    code            TEXT NOT NULL,
    student_code    TEXT NOT NULL DEFAULT '',
    national_id     TEXT,
    full_name       TEXT NOT NULL,
    name_fold       TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL DEFAULT 'student' CHECK (kind IN ('student', 'teacher', 'staff')),
    class_name      TEXT NOT NULL DEFAULT '',      -- "6A1"; a teacher's homeroom class or ''
    grade           INTEGER,                        -- 1..12, students only
    school_year     TEXT NOT NULL DEFAULT '',       -- "2025-2026": the year of the class
    gender          TEXT NOT NULL DEFAULT '' CHECK (gender IN ('', 'F', 'M')),
    birth_date      TEXT,                           -- yyyy-mm-dd
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'graduated', 'left', 'blocked')),
    status_note     TEXT NOT NULL DEFAULT '',       -- why blocked or left
    hide_history    INTEGER NOT NULL DEFAULT 0,     -- the reader asked to hide their reading history
    account_id      BIGINT REFERENCES accounts(id), -- the reader's login (My library), or NULL
    note            TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (unit_id, code)
);
CREATE UNIQUE INDEX patrons_national ON patrons (national_id);
CREATE UNIQUE INDEX patrons_student_code ON patrons (unit_id, student_code) WHERE student_code <> '';
CREATE INDEX patrons_class ON patrons (unit_id, class_name);
CREATE INDEX patrons_name ON patrons (unit_id, name_fold);
CREATE INDEX patrons_account ON patrons (account_id);

-- A reader's photo for the card: a JPEG or PNG, base64 (the database layer binds text only).
CREATE TABLE patron_photos (
    patron_id   BIGINT PRIMARY KEY REFERENCES patrons(id),
    mime        TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')),
    data        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- The column mapping a school chose for its class lists, remembered for the next import:
-- JSON {"full_name": "Họ và tên", "class_name": "Lớp", ...} (our field -> the file's header).
CREATE TABLE import_mappings (
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    kind        TEXT NOT NULL,                  -- 'patrons'
    mapping     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (unit_id, kind)
);

-- Loan rules: reader kind x document type -> at most max_items copies of that type on loan at
-- once, for loan_days days, renewed at most `renewals` times, holds allowed or not.
-- unit_id 0 holds the deployment's defaults; a school's own row wins. doc_type '*' is the rule
-- for every type without its own row.
CREATE TABLE loan_rules (
    unit_id         BIGINT NOT NULL DEFAULT 0,
    patron_kind     TEXT NOT NULL CHECK (patron_kind IN ('student', 'teacher', 'staff')),
    doc_type        TEXT NOT NULL,
    max_items       INTEGER NOT NULL CHECK (max_items >= 0),
    loan_days       INTEGER NOT NULL CHECK (loan_days >= 1),
    renewals        INTEGER NOT NULL CHECK (renewals >= 0),
    holds_allowed   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (unit_id, patron_kind, doc_type)
);
INSERT INTO loan_rules (unit_id, patron_kind, doc_type, max_items, loan_days, renewals, holds_allowed) VALUES
    (0, 'student', '*',   3, 14, 1, 1),
    (0, 'student', 'SGK', 20, 14, 1, 0),
    (0, 'student', 'SNV', 0, 14, 0, 0),
    (0, 'student', 'BAO', 0, 7, 0, 0),
    (0, 'teacher', '*',   10, 30, 2, 1),
    (0, 'teacher', 'SGK', 30, 30, 2, 1),
    (0, 'teacher', 'BAO', 5, 7, 1, 0),
    (0, 'staff',   '*',   5, 21, 1, 1);

-- Per-school circulation settings (a school without a row uses these defaults).
CREATE TABLE circ_settings (
    unit_id          BIGINT PRIMARY KEY REFERENCES units(id),
    closed_weekdays  TEXT NOT NULL DEFAULT '0',     -- days of the week the library is closed: 0 = Sunday .. 6
    year_end         TEXT NOT NULL DEFAULT '05-31', -- mm-dd: textbooks lent for the year are due then
    hold_days        INTEGER NOT NULL DEFAULT 7,    -- days a copy waits on the hold shelf
    hold_expiry_days INTEGER NOT NULL DEFAULT 60,   -- days a hold waits in the queue before it lapses
    block_overdue    INTEGER NOT NULL DEFAULT 1,    -- readers holding an overdue copy borrow nothing more
    fine_per_day     BIGINT NOT NULL DEFAULT 0,     -- đồng per day overdue; 0: no fines (the default)
    updated_at       BIGINT NOT NULL
);

-- Days the library is closed: a range of days (one day: first = last). unit_id 0 are the national
-- holidays, for every school (prefilled below); a school adds its breaks (Tết break, summer).
CREATE TABLE closed_days (
    id          @ID@,
    unit_id     BIGINT NOT NULL DEFAULT 0,
    first_day   TEXT NOT NULL,
    last_day    TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    CHECK (last_day >= first_day)
);
CREATE INDEX closed_days_unit ON closed_days (unit_id, first_day);
-- National public holidays (Bộ luật Lao động 2019, Art. 112): 1/1, Tết (5 days), Giỗ Tổ Hùng
-- Vương (10/3 lunar), 30/4, 1/5, Quốc khánh 2/9 plus one adjacent day. Tết and Hùng Vương are
-- lunar: the solar dates below are computed for 2025-2030; the government's yearly notice may
-- move the adjacent days off, and a deployment corrects them here (closed_days, unit 0).
INSERT INTO closed_days (unit_id, first_day, last_day, name) VALUES
    (0, '2025-01-01', '2025-01-01', 'Tết Dương lịch'),
    (0, '2025-01-25', '2025-02-02', 'Tết Nguyên đán'),
    (0, '2025-04-07', '2025-04-07', 'Giỗ Tổ Hùng Vương'),
    (0, '2025-04-30', '2025-05-01', 'Ngày Giải phóng miền Nam, Quốc tế Lao động'),
    (0, '2025-09-01', '2025-09-02', 'Quốc khánh'),
    (0, '2026-01-01', '2026-01-01', 'Tết Dương lịch'),
    (0, '2026-02-14', '2026-02-22', 'Tết Nguyên đán'),
    (0, '2026-04-26', '2026-04-27', 'Giỗ Tổ Hùng Vương'),
    (0, '2026-04-30', '2026-05-01', 'Ngày Giải phóng miền Nam, Quốc tế Lao động'),
    (0, '2026-09-01', '2026-09-02', 'Quốc khánh'),
    (0, '2027-01-01', '2027-01-01', 'Tết Dương lịch'),
    (0, '2027-02-05', '2027-02-09', 'Tết Nguyên đán'),
    (0, '2027-04-16', '2027-04-16', 'Giỗ Tổ Hùng Vương'),
    (0, '2027-04-30', '2027-05-01', 'Ngày Giải phóng miền Nam, Quốc tế Lao động'),
    (0, '2027-09-02', '2027-09-03', 'Quốc khánh'),
    (0, '2028-01-01', '2028-01-01', 'Tết Dương lịch'),
    (0, '2028-01-25', '2028-01-29', 'Tết Nguyên đán'),
    (0, '2028-04-04', '2028-04-04', 'Giỗ Tổ Hùng Vương'),
    (0, '2028-04-30', '2028-05-01', 'Ngày Giải phóng miền Nam, Quốc tế Lao động'),
    (0, '2028-09-01', '2028-09-02', 'Quốc khánh'),
    (0, '2029-01-01', '2029-01-01', 'Tết Dương lịch'),
    (0, '2029-02-12', '2029-02-16', 'Tết Nguyên đán'),
    (0, '2029-04-23', '2029-04-23', 'Giỗ Tổ Hùng Vương'),
    (0, '2029-04-30', '2029-05-01', 'Ngày Giải phóng miền Nam, Quốc tế Lao động'),
    (0, '2029-09-01', '2029-09-02', 'Quốc khánh'),
    (0, '2030-01-01', '2030-01-01', 'Tết Dương lịch'),
    (0, '2030-02-02', '2030-02-06', 'Tết Nguyên đán'),
    (0, '2030-04-12', '2030-04-12', 'Giỗ Tổ Hùng Vương'),
    (0, '2030-04-30', '2030-05-01', 'Ngày Giải phóng miền Nam, Quốc tế Lao động'),
    (0, '2030-09-01', '2030-09-02', 'Quốc khánh');

-- A loan. kind: home (mượn về nhà), textbook (sách giáo khoa cho cả năm học, due at the school
-- year's end), class_set (a set of copies lent to a teacher for a class). The copy's open loan
-- is unique (loans_open_item): two desks lending the same copy at once cannot both succeed,
-- whatever the code above does. Returned loans stay: registers and reports read them.
-- patron_kind, class_name and doc_type are copied at lending time, so reports by class or
-- document type count the loan where it was made even after a promotion or a re-cataloguing.
CREATE TABLE loans (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    item_id         BIGINT NOT NULL REFERENCES items(id),
    biblio_id       BIGINT NOT NULL REFERENCES biblios(id),
    patron_id       BIGINT NOT NULL REFERENCES patrons(id),
    kind            TEXT NOT NULL DEFAULT 'home' CHECK (kind IN ('home', 'textbook', 'class_set')),
    patron_kind     TEXT NOT NULL,
    class_name      TEXT NOT NULL DEFAULT '',
    doc_type        TEXT NOT NULL,
    out_at          BIGINT NOT NULL,
    out_day         TEXT NOT NULL,                  -- yyyy-mm-dd, Vietnam
    due             TEXT NOT NULL,                  -- yyyy-mm-dd, Vietnam
    renewals        INTEGER NOT NULL DEFAULT 0,
    returned_at     BIGINT,
    outcome         TEXT CHECK (outcome IN ('returned', 'lost', 'damaged')),
    out_by          BIGINT REFERENCES accounts(id),
    returned_by     BIGINT REFERENCES accounts(id)
);
-- Few indexes: every one is a page written by each loan and each return, and the desk is
-- measured in loans per second (bench/lending.sh). A reader's open loans are the range
-- (patron_id, NULL) of loans_patron; their history is the whole (patron_id) range.
CREATE UNIQUE INDEX loans_open_item ON loans (item_id) WHERE returned_at IS NULL;
CREATE INDEX loans_patron ON loans (patron_id, returned_at);
CREATE INDEX loans_unit_due ON loans (unit_id, due) WHERE returned_at IS NULL;
CREATE INDEX loans_unit_out ON loans (unit_id, out_at);

-- A hold (đặt mượn trước) on a title, queued by placed_at. waiting -> ready (a copy came back
-- and waits on the hold shelf until ready_until) -> fulfilled (lent to this reader); or
-- cancelled, or expired (not fetched in time, or the queue's expiry passed).
CREATE TABLE holds (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    biblio_id       BIGINT NOT NULL REFERENCES biblios(id),
    patron_id       BIGINT NOT NULL REFERENCES patrons(id),
    status          TEXT NOT NULL DEFAULT 'waiting'
                    CHECK (status IN ('waiting', 'ready', 'fulfilled', 'cancelled', 'expired')),
    placed_at       BIGINT NOT NULL,
    placed_by       BIGINT REFERENCES accounts(id),
    expires         TEXT NOT NULL,                  -- yyyy-mm-dd: the queue lapses after this day
    item_id         BIGINT REFERENCES items(id),    -- the copy set aside, when ready
    ready_at        BIGINT,
    ready_until     TEXT,                           -- yyyy-mm-dd: last day to fetch it
    closed_at       BIGINT
);
CREATE UNIQUE INDEX holds_one_open ON holds (biblio_id, patron_id) WHERE status IN ('waiting', 'ready');
CREATE INDEX holds_queue ON holds (biblio_id, status, placed_at);
CREATE INDEX holds_patron ON holds (patron_id, status);
CREATE INDEX holds_item ON holds (item_id) WHERE status = 'ready';

-- In-library use (lượt đọc tại chỗ): counted without a loan, by the desk (a copy read in the
-- reading room, or a head count). patron_id and item_id are optional; patron_kind and doc_type
-- may be given without them.
CREATE TABLE library_uses (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    day             TEXT NOT NULL,                  -- yyyy-mm-dd, Vietnam
    at              BIGINT NOT NULL,
    patron_id       BIGINT REFERENCES patrons(id),
    patron_kind     TEXT NOT NULL DEFAULT '',
    class_name      TEXT NOT NULL DEFAULT '',
    item_id         BIGINT REFERENCES items(id),
    doc_type        TEXT NOT NULL DEFAULT '',
    count           INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    created_by      BIGINT REFERENCES accounts(id)
);
CREATE INDEX library_uses_unit_day ON library_uses (unit_id, day);

-- What a reader owes or was charged for: a lost or damaged copy (its replacement value) or, where
-- a deployment turned fines on, an overdue fine. Settled (paid, replaced by a copy, waived) once.
CREATE TABLE charges (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    patron_id       BIGINT NOT NULL REFERENCES patrons(id),
    loan_id         BIGINT REFERENCES loans(id),
    item_id         BIGINT REFERENCES items(id),
    kind            TEXT NOT NULL CHECK (kind IN ('lost', 'damaged', 'fine')),
    amount          BIGINT NOT NULL CHECK (amount >= 0),
    note            TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    created_by      BIGINT REFERENCES accounts(id),
    settled         TEXT CHECK (settled IN ('paid', 'replaced', 'waived')),
    settled_at      BIGINT,
    settled_by      BIGINT REFERENCES accounts(id)
);
CREATE INDEX charges_patron ON charges (patron_id);
CREATE INDEX charges_unit ON charges (unit_id, created_at);

-- The end-of-year promotion (lên lớp): one reviewed operation per school and year; each changed
-- reader keeps a row with the values before, so the promotion can be undone until the school's
-- first loan after it.
CREATE TABLE promotions (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    from_year       TEXT NOT NULL,
    to_year         TEXT NOT NULL,
    final_grade     INTEGER NOT NULL,
    done_at         BIGINT NOT NULL,
    done_by         BIGINT REFERENCES accounts(id),
    promoted        INTEGER NOT NULL DEFAULT 0,
    graduated       INTEGER NOT NULL DEFAULT 0,
    undone_at       BIGINT,
    undone_by       BIGINT REFERENCES accounts(id)
);
CREATE INDEX promotions_unit ON promotions (unit_id, done_at);
CREATE TABLE promotion_rows (
    promotion_id    BIGINT NOT NULL REFERENCES promotions(id),
    patron_id       BIGINT NOT NULL REFERENCES patrons(id),
    old_class       TEXT NOT NULL,
    old_grade       INTEGER,
    old_year        TEXT NOT NULL,
    old_status      TEXT NOT NULL,
    PRIMARY KEY (promotion_id, patron_id)
);
