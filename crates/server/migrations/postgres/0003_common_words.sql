-- The columns of SQLite's common words (its migration 0006), so the shared SQL writes
-- both engines alike; 0004 keeps them.

CREATE TABLE common_words (
    bit  BIGINT PRIMARY KEY,
    word TEXT NOT NULL UNIQUE
);

ALTER TABLE conversations ADD COLUMN words BIGINT NOT NULL DEFAULT -1;
ALTER TABLE messages ADD COLUMN words BIGINT NOT NULL DEFAULT -1;
