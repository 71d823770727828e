-- 0001: units, accounts, sessions, audit: the ground every other table stands on.
-- Portable SQL (SQLite 3.40 and PostgreSQL 15). @ID@ becomes the backend's integer identity
-- primary key; @BINARY@ a byte-by-byte collation (unit paths are compared as ranges:
-- "/1/4/" <= path < "/1/40" is the subtree of unit 4). Times are UTC seconds (BIGINT);
-- booleans are 0/1 integers.

-- The tree of units: department -> office (or ward) -> school, any depth. `path` is the
-- materialised path of ids, "/1/4/9/", so "is X inside my subtree" is a prefix test.
CREATE TABLE units (
    id            @ID@,
    parent_id     BIGINT REFERENCES units(id),
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    name_fold     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('department', 'office', 'cluster', 'school')),
    school_level  TEXT CHECK (school_level IN ('mn', 'th', 'thcs', 'thpt', 'lc')),
    path          TEXT @BINARY@ NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL
);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_path ON units (path);

-- Roles, widest first: sysadmin, unit_admin, inspector, leader (ban giám hiệu),
-- librarian (cán bộ thư viện), reader (bạn đọc).
CREATE TABLE accounts (
    id                    @ID@,
    unit_id               BIGINT NOT NULL REFERENCES units(id),
    username              TEXT NOT NULL UNIQUE,
    full_name             TEXT NOT NULL DEFAULT '',
    full_name_fold        TEXT NOT NULL DEFAULT '',
    role                  TEXT NOT NULL CHECK (role IN ('sysadmin', 'unit_admin', 'inspector',
                                                         'leader', 'librarian', 'reader')),
    password_hash         TEXT NOT NULL,
    must_change_password  INTEGER NOT NULL DEFAULT 1,
    failed_logins         INTEGER NOT NULL DEFAULT 0,
    locked_until          BIGINT NOT NULL DEFAULT 0,
    last_login            BIGINT,
    disabled              INTEGER NOT NULL DEFAULT 0,
    lang                  TEXT NOT NULL DEFAULT 'vi' CHECK (lang IN ('vi', 'en')),
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX accounts_unit ON accounts (unit_id);

-- A login session. The cookie holds a random token; only its hash is stored, so a copy of the
-- database does not let anyone log in.
CREATE TABLE sessions (
    id          @ID@,
    token_hash  TEXT NOT NULL UNIQUE,
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    ip          TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Append-only audit trail: who did what, when, to what. unit_path is the path of the unit the
-- action concerns, so a unit admin's page filters its subtree with a prefix test.
CREATE TABLE audit (
    id           @ID@,
    at           BIGINT NOT NULL,
    account_id   BIGINT,
    username     TEXT,
    unit_id      BIGINT,
    unit_path    TEXT @BINARY@ NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    entity       TEXT,
    entity_id    BIGINT,
    detail       TEXT,
    ip           TEXT
);
CREATE INDEX audit_path_id ON audit (unit_path, id);
CREATE INDEX audit_at ON audit (at);
