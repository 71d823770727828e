-- 0003: the staff search's index (src/catalog/search.c).
--
-- A query word matches a record when it is a prefix of one of the record's words. Words are the
-- runs of the folded search text (search_fold, text_fold() of title, authors, subjects, ...)
-- between ASCII characters other than a-z and 0-9: search_words holds them, each preceded and
-- followed by one space (" tieng viet lop 1 "), computed in C by catalog_biblio_create, so
-- "word w is a prefix of a word" is the portable `search_words LIKE '% w%'` on both backends, and
-- both return the same hits by construction. Each backend's index only narrows the candidates:
--   SQLite:     an FTS5 table over search_words (external content, kept in step by triggers),
--               tokenizer unicode61 with remove_diacritics 0 (the text is folded already; its own
--               diacritic removal would keep đ), queried with "w"* prefix terms;
--   PostgreSQL: a pg_trgm GIN index on search_words, which serves LIKE '% w%' directly. The
--               extension is created here: pg_trgm is a trusted extension (PostgreSQL 13+), so the
--               database's owner may create it; the package is postgresql-contrib.
-- Lines starting "-- sqlite: " or "-- postgresql: " are run on that backend only (migrate.c).

ALTER TABLE biblios ADD COLUMN search_words TEXT NOT NULL DEFAULT '';

-- Existing records: the same words, from search_fold (runs of spaces are harmless), in steps
-- (SQLite's parser refuses 32 nested calls).
UPDATE biblios SET search_words = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(search_fold,
        '!', ' '), '"', ' '), '#', ' '), '$', ' '), '%', ' '), '&', ' '), '''', ' '), '(', ' ');
UPDATE biblios SET search_words = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(search_words,
        ')', ' '), '*', ' '), '+', ' '), ',', ' '), '-', ' '), '.', ' '), '/', ' '), ':', ' ');
UPDATE biblios SET search_words = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(search_words,
        ';', ' '), '<', ' '), '=', ' '), '>', ' '), '?', ' '), '@', ' '), '[', ' '), '\', ' ');
UPDATE biblios SET search_words = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(search_words,
        ']', ' '), '^', ' '), '_', ' '), '`', ' '), '{', ' '), '|', ' '), '}', ' '), '~', ' ');
UPDATE biblios SET search_words = ' ' || search_words || ' ';

-- The direct lookups of the search: an ISBN, a copy's barcode or accession number, any school.
CREATE INDEX biblios_isbn_any ON biblios (isbn);
CREATE INDEX items_barcode ON items (barcode);
CREATE INDEX items_accession ON items (accession);

-- sqlite: CREATE VIRTUAL TABLE biblios_fts USING fts5(search_words, content = 'biblios',
-- sqlite:     content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 0');
-- sqlite: INSERT INTO biblios_fts (biblios_fts) VALUES ('rebuild');
-- sqlite: CREATE TRIGGER biblios_fts_insert AFTER INSERT ON biblios BEGIN
-- sqlite:     INSERT INTO biblios_fts (rowid, search_words) VALUES (new.id, new.search_words);
-- sqlite: END;
-- sqlite: CREATE TRIGGER biblios_fts_delete AFTER DELETE ON biblios BEGIN
-- sqlite:     INSERT INTO biblios_fts (biblios_fts, rowid, search_words)
-- sqlite:         VALUES ('delete', old.id, old.search_words);
-- sqlite: END;
-- sqlite: CREATE TRIGGER biblios_fts_update AFTER UPDATE OF search_words ON biblios BEGIN
-- sqlite:     INSERT INTO biblios_fts (biblios_fts, rowid, search_words)
-- sqlite:         VALUES ('delete', old.id, old.search_words);
-- sqlite:     INSERT INTO biblios_fts (rowid, search_words) VALUES (new.id, new.search_words);
-- sqlite: END;

-- The operator class is named with the extension's own schema: the extension may already exist
-- in a schema that is not on this connection's search_path (a second schema of the database).
-- postgresql: CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- postgresql: DO $$ BEGIN EXECUTE format('CREATE INDEX biblios_words_trgm ON biblios USING gin (search_words %s.gin_trgm_ops)', (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm')); END $$;
