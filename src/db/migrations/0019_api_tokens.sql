-- 0019: API tokens for other systems (the sector database, a ward's dashboard) that read a unit's
-- subtree through the read-only JSON API under /api/v1/. A token is 32 random bytes shown once
-- as "tv_" + 64 hex digits; only its BLAKE2b hash is kept, so a copy of the database lets nobody
-- read. A unit admin creates and revokes the tokens of its subtree; revoked_at set means refused.
CREATE TABLE api_tokens (
    id            @ID@,
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_by    BIGINT REFERENCES accounts(id),
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_tokens_unit ON api_tokens (unit_id);
