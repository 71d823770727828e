-- 0002: the catalogue: document types, acquisition batches (general register, part I),
-- bibliographic records and their copies with accession numbers (số đăng ký cá biệt).

-- Document types are data: a deployment may add its own. Each names the accession register its
-- copies are numbered in (one ĐKCB series per register and school) and the prefix printed before
-- the number.
CREATE TABLE doc_types (
    code         TEXT PRIMARY KEY,
    name_vi      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    register     TEXT NOT NULL,
    loanable     INTEGER NOT NULL DEFAULT 1,
    sort         INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1
);
INSERT INTO doc_types (code, name_vi, name_en, register, loanable, sort) VALUES
    ('SGK',   'Sách giáo khoa',          'Textbook',                  'SGK', 1, 10),
    ('SNV',   'Sách nghiệp vụ',          'Teachers'' professional book', 'SNV', 1, 20),
    ('STK',   'Sách tham khảo',          'Reference book',            'STK', 1, 30),
    ('TN',    'Sách thiếu nhi',          'Children''s book',          'TN',  1, 40),
    ('BAO',   'Báo, tạp chí',            'Periodical',                'BAO', 0, 50),
    ('BD',    'Bản đồ',                  'Map',                       'TB',  0, 60),
    ('TRANH', 'Tranh ảnh giáo dục',      'Educational picture',       'TB',  0, 70),
    ('NGHE',  'Tài liệu nghe nhìn',      'Audio-visual material',     'TB',  1, 80),
    ('SDT',   'Sách điện tử',            'E-book',                    'SDT', 0, 90);

-- The next accession number of each register of each school. Numbers are taken with one
-- UPDATE ... RETURNING, so two librarians adding copies at once never get the same one, and
-- they are never reused: withdrawn copies keep theirs.
CREATE TABLE accession_counters (
    unit_id   BIGINT NOT NULL REFERENCES units(id),
    register  TEXT NOT NULL,
    last      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, register)
);

-- One intake batch (lần nhập): a line of part I of the general register. `number` is the
-- running number of the school's general register (số vào sổ tổng quát), never restarted.
CREATE TABLE acquisitions (
    id           @ID@,
    unit_id      BIGINT NOT NULL REFERENCES units(id),
    number       BIGINT NOT NULL,
    received     TEXT NOT NULL,            -- yyyy-mm-dd
    source       TEXT NOT NULL CHECK (source IN ('purchase', 'gift', 'allocation', 'other')),
    doc_number   TEXT NOT NULL DEFAULT '',
    doc_date     TEXT,
    supplier     TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES accounts(id),
    created_at   BIGINT NOT NULL,
    UNIQUE (unit_id, number)
);

-- One title in a school's catalogue. The fields a school librarian knows, the classification,
-- and (later) the full MARC21 record kept for a lossless round trip. *_fold columns hold
-- text_fold() of the text, computed in C, for search and duplicate checks.
CREATE TABLE biblios (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    doc_type        TEXT NOT NULL REFERENCES doc_types(code),
    title           TEXT NOT NULL,
    subtitle        TEXT NOT NULL DEFAULT '',
    authors         TEXT NOT NULL DEFAULT '',
    publisher       TEXT NOT NULL DEFAULT '',
    place           TEXT NOT NULL DEFAULT '',
    year            INTEGER,
    edition         TEXT NOT NULL DEFAULT '',
    isbn            TEXT NOT NULL DEFAULT '',   -- ISBN-13, digits only, or ''
    language        TEXT NOT NULL DEFAULT 'vie',
    pages           TEXT NOT NULL DEFAULT '',
    size            TEXT NOT NULL DEFAULT '',
    price           BIGINT NOT NULL DEFAULT 0,  -- đồng
    series          TEXT NOT NULL DEFAULT '',
    subjects        TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    class_number    TEXT NOT NULL DEFAULT '',   -- DDC or 19-class mark
    call_number     TEXT NOT NULL DEFAULT '',   -- ký hiệu xếp giá
    grade           INTEGER,
    marc            TEXT,
    title_fold      TEXT NOT NULL DEFAULT '',
    authors_fold    TEXT NOT NULL DEFAULT '',
    search_fold     TEXT NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES accounts(id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX biblios_unit ON biblios (unit_id);
CREATE INDEX biblios_isbn ON biblios (unit_id, isbn);
CREATE INDEX biblios_title ON biblios (unit_id, title_fold);

-- One copy (bản sách). accession_no is its number in its register; `accession` the printed form
-- ("STK-000123"); barcode defaults to the register and number ("STK000123").
CREATE TABLE items (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    biblio_id       BIGINT NOT NULL REFERENCES biblios(id),
    acquisition_id  BIGINT REFERENCES acquisitions(id),
    register        TEXT NOT NULL,
    accession_no    BIGINT NOT NULL,
    accession       TEXT NOT NULL,
    barcode         TEXT NOT NULL,
    price           BIGINT NOT NULL DEFAULT 0,
    location        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'available'
                    CHECK (status IN ('available', 'on_loan', 'in_library', 'lost', 'damaged', 'withdrawn')),
    note            TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    UNIQUE (unit_id, register, accession_no),
    UNIQUE (unit_id, barcode)
);
CREATE INDEX items_biblio ON items (biblio_id);
CREATE INDEX items_acquisition ON items (acquisition_id);
