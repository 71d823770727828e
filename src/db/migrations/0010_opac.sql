-- 0010: the public catalogue (OPAC), reader self-service and discovery (src/opac/).
--
-- The union catalogue. Schools catalogue on their own (a biblio belongs to one school); the city
-- sees one *work* per title: biblios with the same work_key are the same work. The key is
-- 'i' + the ISBN-13 when the record has one, else 't' + folded title + '|' + folded authors.
-- Works are attached by the OPAC's sync (src/opac/sync.c), an incremental, restartable job the
-- server runs every second: it picks the biblios whose work_sync is 1 (every new row starts so,
-- whoever inserts it: the catalogue, an import, the shell, a bench generator; an edit of a record
-- sets it again), attaches them, and refreshes the works they touched. So the librarian's write
-- path pays nothing for the union catalogue, and the OPAC shows a new record within a second or
-- two (the visible lag). The search index lives in the server's memory (src/opac/index.c) and is
-- refreshed from the rows whose rev is above what it has read.
CREATE TABLE works (
    id              @ID@,
    work_key        TEXT @BINARY@ NOT NULL UNIQUE,
    biblio_id       BIGINT NOT NULL,                -- the record whose description stands for the work
    title           TEXT NOT NULL,
    authors         TEXT NOT NULL DEFAULT '',
    year            INTEGER,
    doc_type        TEXT NOT NULL,
    language        TEXT NOT NULL DEFAULT 'vie',
    class_number    TEXT NOT NULL DEFAULT '',
    grade           INTEGER,
    title_fold      TEXT NOT NULL DEFAULT '',
    search_words    TEXT NOT NULL DEFAULT '',
    schools         INTEGER NOT NULL DEFAULT 0,     -- schools holding it (0: none left; the index drops it)
    loans           BIGINT NOT NULL DEFAULT 0,      -- home loans of every school, counted by the sync
    first_seen      BIGINT NOT NULL,                -- when the city first catalogued it (new arrivals)
    rev             BIGINT NOT NULL                 -- the sync's revision that last changed it
);
CREATE INDEX works_rev ON works (rev);

ALTER TABLE biblios ADD COLUMN work_id BIGINT REFERENCES works(id);
ALTER TABLE biblios ADD COLUMN work_sync INTEGER NOT NULL DEFAULT 1;
ALTER TABLE biblios ADD COLUMN loans BIGINT NOT NULL DEFAULT 0; -- home loans of this record, by the sync
CREATE INDEX biblios_work ON biblios (work_id, unit_id);
CREATE INDEX biblios_work_sync ON biblios (id) WHERE work_sync = 1;

-- The sync's own state: 'rev' (the last revision given out), 'loans_seen' (the highest loans.id
-- already counted into biblios.loans and works.loans).
CREATE TABLE opac_state (
    name            TEXT PRIMARY KEY,
    value           BIGINT NOT NULL
);
INSERT INTO opac_state (name, value) VALUES ('rev', 0), ('loans_seen', 0);

-- Whether anyone may search a school's catalogue without logging in (the default), or only its
-- own readers and staff. A school that closes it is also left out of anonymous union searches.
ALTER TABLE units ADD COLUMN opac_public INTEGER NOT NULL DEFAULT 1;

-- A reader's login: an account of role reader tied to the reader's record, so "My library" and
-- holds placed from the catalogue know who they are. One account per reader at most.
ALTER TABLE accounts ADD COLUMN patron_id BIGINT REFERENCES patrons(id);
CREATE UNIQUE INDEX accounts_patron ON accounts (patron_id) WHERE patron_id IS NOT NULL;

-- Teachers' reading lists (danh mục sách giới thiệu): made by a teacher (a reader of kind
-- teacher, or a librarian) for a class of their school, shown to that class's students; an empty
-- class_name shows it to every reader of the school.
CREATE TABLE reading_lists (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    owner_id        BIGINT NOT NULL REFERENCES accounts(id),
    title           TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    class_name      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX reading_lists_unit ON reading_lists (unit_id, class_name);
CREATE TABLE reading_list_items (
    list_id         BIGINT NOT NULL REFERENCES reading_lists(id),
    biblio_id       BIGINT NOT NULL REFERENCES biblios(id),
    position        INTEGER NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list_id, biblio_id)
);

-- Readers' reviews and star ratings, shown once a librarian of the school approves them. Shown
-- without the reader's name (as "bạn đọc lớp 7A1"): anonymous visitors see no reader's name.
CREATE TABLE reviews (
    id              @ID@,
    unit_id         BIGINT NOT NULL REFERENCES units(id),
    biblio_id       BIGINT NOT NULL REFERENCES biblios(id),
    patron_id       BIGINT NOT NULL REFERENCES patrons(id),
    rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at      BIGINT NOT NULL,
    decided_by      BIGINT REFERENCES accounts(id),
    decided_at      BIGINT,
    UNIQUE (biblio_id, patron_id)
);
CREATE INDEX reviews_unit_status ON reviews (unit_id, status, created_at);
