-- The columns of SQLite's common words (its migration 0006), so the shared SQL writes
-- both engines alike. PostgreSQL does not keep them yet: no word has a bit, and every
-- conversation's bits stay -1 ("may hold any word"), which no search reads.

CREATE TABLE common_words (
    bit  BIGINT PRIMARY KEY,
    word TEXT NOT NULL UNIQUE
);

ALTER TABLE conversations ADD COLUMN words BIGINT NOT NULL DEFAULT -1;
ALTER TABLE messages ADD COLUMN words BIGINT NOT NULL DEFAULT -1;
