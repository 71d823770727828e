-- 0012: the librarian's paperwork (src/registers/, src/stock/, src/serials/, src/stocktake/,
-- src/weeding/): the electronic registers (sổ đăng ký tổng quát, cá biệt, SGK, báo–tạp chí),
-- the existing stock of the paper registers (hồi cố), periodicals, stocktakes and weeding.
--
-- The registers are not tables of their own: each is read from the rows that make it (an intake
-- batch is a line of part I, an approved withdrawal a line of part II, a closed whole-library
-- stocktake a line of part III, a copy a line of its ĐKCB register), so a register and the data
-- it describes cannot disagree. `thuvien check` verifies the rules they rest on.

-- How each register of a school numbers its copies: 'type' (one series per register, the ĐKCB
-- number; the default) or 'title' (a series per title and volume, as many schools number their
-- textbooks: "Vật lý 8, tập 1: 1-40"). items.accession_no is always the register's own series
-- (the copy's identity and its default barcode); items.title_no is the copy's number within its
-- title, which a register numbered by title prints instead.
CREATE TABLE register_settings (
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    register    TEXT NOT NULL,
    numbering   TEXT NOT NULL DEFAULT 'type' CHECK (numbering IN ('type', 'title')),
    PRIMARY KEY (unit_id, register)
);

ALTER TABLE items ADD COLUMN title_no BIGINT;
-- The day the copy was written into its register (ngày vào sổ) when it differs from its intake
-- batch's day: copies of the paper registers keep their own dates. NULL: the batch's day.
ALTER TABLE items ADD COLUMN entered TEXT;
-- The approved withdrawal that took the copy out of stock (status 'withdrawn'), else NULL.
ALTER TABLE items ADD COLUMN withdrawal_id BIGINT;
UPDATE items SET title_no = (SELECT COUNT(*) FROM items j
                              WHERE j.biblio_id = items.biblio_id AND j.id <= items.id);
CREATE UNIQUE INDEX items_title_no ON items (biblio_id, title_no) WHERE title_no IS NOT NULL;
CREATE INDEX items_unit_register ON items (unit_id, register, accession_no);

-- Intake batches that are lines of the paper general register, entered as existing stock.
ALTER TABLE acquisitions ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0;

-- Part I splits each intake line by content (phân theo nội dung). The groups are data: a copy
-- falls in the group whose `firsts` holds the first character of its record's class number
-- (DDC and the 19-class table share their main classes 0-9: 0-3 generalities, philosophy,
-- religion and social sciences; 4 language; 5-6 sciences and technology; 7-8 arts and
-- literature; 9 history and geography); a copy without a class number falls in 'KHAC'. The
-- grouping of printed registers varies by publisher; a deployment edits these rows.
CREATE TABLE content_groups (
    code        TEXT PRIMARY KEY,
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    firsts      TEXT NOT NULL DEFAULT '',
    sort        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO content_groups (code, name_vi, name_en, firsts, sort) VALUES
    ('XH',   'Chính trị – xã hội', 'Politics and society', '0123', 10),
    ('NN',   'Ngôn ngữ',           'Language',             '4',    20),
    ('TN',   'Tự nhiên – kỹ thuật', 'Science and technology', '56', 30),
    ('VH',   'Văn học – nghệ thuật', 'Literature and arts', '78',  40),
    ('LS',   'Lịch sử – địa lý',   'History and geography', '9',   50),
    ('KHAC', 'Khác',               'Other',                '',     60);

-- Periodicals (báo, tạp chí). A title a school takes; a subscription per school year; the
-- issues expected by its frequency, each received (with the copies that came) or claimed.
-- Bound volumes become copies of the title's catalogue record (biblio_id, document type BAO).
CREATE TABLE periodicals (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    title           TEXT NOT NULL,
    title_fold      TEXT NOT NULL DEFAULT '',
    issn            TEXT NOT NULL DEFAULT '',       -- "1234-567X" or ''
    kind            TEXT NOT NULL DEFAULT 'newspaper' CHECK (kind IN ('newspaper', 'magazine')),
    frequency       TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'biweekly', 'monthly',
                                                        'bimonthly', 'quarterly', 'irregular')),
    publisher       TEXT NOT NULL DEFAULT '',
    biblio_id       BIGINT REFERENCES biblios(id),  -- the record bound volumes are copies of
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    UNIQUE (unit_id, title_fold)
);
CREATE TABLE subscriptions (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    periodical_id   BIGINT NOT NULL REFERENCES periodicals(id),
    school_year     TEXT NOT NULL,                  -- "2025-2026"
    start_day       TEXT NOT NULL,                  -- yyyy-mm-dd
    end_day         TEXT NOT NULL,
    copies          INTEGER NOT NULL DEFAULT 1 CHECK (copies >= 1),
    supplier        TEXT NOT NULL DEFAULT '',
    price           BIGINT NOT NULL DEFAULT 0,      -- đồng, the whole subscription
    funding         TEXT NOT NULL DEFAULT 'budget' CHECK (funding IN ('budget', 'other')),
    note            TEXT NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES accounts(id),
    created_at      BIGINT NOT NULL,
    UNIQUE (periodical_id, school_year)
);
CREATE INDEX subscriptions_unit ON subscriptions (unit_id, school_year);
CREATE TABLE serial_issues (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    subscription_id BIGINT NOT NULL REFERENCES subscriptions(id),
    expected        TEXT NOT NULL,                  -- yyyy-mm-dd
    label           TEXT NOT NULL DEFAULT '',       -- "Số 45", as printed on the issue
    received_day    TEXT,                           -- NULL: not (yet) received
    copies          INTEGER NOT NULL DEFAULT 0,     -- copies received
    received_by     BIGINT REFERENCES accounts(id),
    claimed_day     TEXT,                           -- the day a claim was sent, NULL: none
    claim_note      TEXT NOT NULL DEFAULT '',
    bound_item_id   BIGINT REFERENCES items(id),    -- the bound volume it went into
    UNIQUE (subscription_id, expected)
);

-- Stocktakes (kiểm kê). scope: 'all', 'register:STK', 'location:<text>' or 'class:<from>-<to>'
-- (class numbers compared as text). Scans are deduplicated per session by barcode; a scan of
-- a copy that is in the school but outside the scope is 'misplaced', a barcode no copy of the
-- school has is 'unknown'. Closing freezes the counts, writes a mark per copy in scope for the
-- school year (C: present, M: missing) and, for a whole-library session, a line of part III.
CREATE TABLE stocktakes (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    school_year     TEXT NOT NULL,
    scope           TEXT NOT NULL DEFAULT 'all',
    note            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
    opened_by       BIGINT REFERENCES accounts(id),
    opened_at       BIGINT NOT NULL,
    closed_by       BIGINT REFERENCES accounts(id),
    closed_at       BIGINT,
    closed_day      TEXT,
    expected        BIGINT NOT NULL DEFAULT 0,      -- the counts, frozen at close
    found           BIGINT NOT NULL DEFAULT 0,
    on_loan         BIGINT NOT NULL DEFAULT 0,
    missing         BIGINT NOT NULL DEFAULT 0,
    misplaced       BIGINT NOT NULL DEFAULT 0,
    unknown         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX stocktakes_unit ON stocktakes (unit_id, status);
CREATE TABLE stocktake_scans (
    stocktake_id    BIGINT NOT NULL REFERENCES stocktakes(id),
    barcode         TEXT NOT NULL,
    item_id         BIGINT REFERENCES items(id),
    result          TEXT NOT NULL CHECK (result IN ('found', 'on_loan', 'misplaced', 'unknown')),
    scans           INTEGER NOT NULL DEFAULT 1,
    first_at        BIGINT NOT NULL,
    scanned_by      BIGINT REFERENCES accounts(id),
    PRIMARY KEY (stocktake_id, barcode)
);
CREATE TABLE stocktake_marks (
    item_id         BIGINT NOT NULL REFERENCES items(id),
    school_year     TEXT NOT NULL,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    mark            TEXT NOT NULL CHECK (mark IN ('C', 'M')),
    stocktake_id    BIGINT NOT NULL REFERENCES stocktakes(id),
    PRIMARY KEY (item_id, school_year)
);
-- Part III of the general register: one line per closed whole-library stocktake.
CREATE TABLE stock_balances (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    stocktake_id    BIGINT NOT NULL UNIQUE REFERENCES stocktakes(id),
    school_year     TEXT NOT NULL,
    day             TEXT NOT NULL,                  -- "hiện còn đến ngày"
    in_copies       BIGINT NOT NULL,                -- since the previous line
    in_value        BIGINT NOT NULL,
    out_copies      BIGINT NOT NULL,
    out_value       BIGINT NOT NULL,
    on_hand_copies  BIGINT NOT NULL,
    on_hand_value   BIGINT NOT NULL
);
CREATE INDEX stock_balances_unit ON stock_balances (unit_id, day);

-- Weeding (thanh lọc). Reasons are data. A withdrawal is proposed by the librarian (draft, then
-- proposed), approved by the school's leader with a decision number and day (it then takes the
-- next running number of part II and withdraws its copies) or sent back (returned, editable
-- again). Approved withdrawals are never edited; their list is public until publish_until.
CREATE TABLE withdrawal_reasons (
    code        TEXT PRIMARY KEY,
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    sort        INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1
);
INSERT INTO withdrawal_reasons (code, name_vi, name_en, sort) VALUES
    ('MAT',    'Mất',              'Lost',                 10),
    ('RACH',   'Rách nát',         'Worn out',             20),
    ('LACHAU', 'Lạc hậu',          'Outdated',             30),
    ('MOI',    'Mối mọt',          'Damaged by insects',   40),
    ('CTCU',   'Chương trình cũ',  'Superseded curriculum', 50),
    ('BAOCU',  'Báo, tạp chí hết hạn lưu', 'Periodical past keeping', 60),
    ('KHAC',   'Khác',             'Other',                90);
CREATE TABLE withdrawals (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    number          BIGINT,                         -- part II running number, given on approval
    status          TEXT NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'proposed', 'approved', 'returned')),
    title           TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES accounts(id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    proposed_at     BIGINT,
    decision_no     TEXT,                           -- "12/QĐ-THCS"
    decision_day    TEXT,                           -- yyyy-mm-dd
    approved_by     BIGINT REFERENCES accounts(id),
    approved_at     BIGINT,
    approved_day    TEXT,                           -- the line's day in part II
    return_reason   TEXT NOT NULL DEFAULT '',
    publish_until   TEXT,                           -- yyyy-mm-dd: the public list's last day
    UNIQUE (unit_id, number)
);
CREATE INDEX withdrawals_unit ON withdrawals (unit_id, status);
CREATE TABLE withdrawal_items (
    withdrawal_id   BIGINT NOT NULL REFERENCES withdrawals(id),
    item_id         BIGINT NOT NULL REFERENCES items(id),
    reason          TEXT NOT NULL REFERENCES withdrawal_reasons(code),
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (withdrawal_id, item_id)
);
CREATE INDEX withdrawal_items_item ON withdrawal_items (item_id);
CREATE INDEX items_withdrawal ON items (withdrawal_id) WHERE withdrawal_id IS NOT NULL;
