-- The most common words, one bit each, and beside every conversation the bits of the
-- words it may hold a word beginning with (`store/words.rs`). A search for "the" walks
-- the view testing this column, where it seeked each conversation's rows for the
-- dozens of words "the" begins: thousands of conversations without the word on top of
-- a view took 100 ms.
--
-- A bit is set wherever such a word may be: -1 (every bit) until the conversation's
-- text is read (`sql/word_bits.rs` reads it in the background), and a bit no word
-- has yet stays set. Bit 63 says some text was read unsure (an accent, another
-- script): where it is clear, the bits are what the index holds.

CREATE TABLE common_words (
    bit  INTEGER PRIMARY KEY,
    word TEXT NOT NULL UNIQUE
);

ALTER TABLE conversations ADD COLUMN words INTEGER NOT NULL DEFAULT -1;
-- A message's own bits, from its text as it is written, for the trigger below.
ALTER TABLE messages ADD COLUMN words INTEGER NOT NULL DEFAULT -1;

-- The list index carries the bits, so a walk tests them without reading the row.
DROP INDEX conversations_list;
CREATE INDEX conversations_list ON conversations (org_id, archived, activity_at DESC, id DESC, num, words);

-- A message adds its words to its conversation's.
DROP TRIGGER search_message;
CREATE TRIGGER search_message AFTER INSERT ON messages WHEN NEW.kind IN ('reply', 'note', 'call') BEGIN
    UPDATE conversations SET search_rows = search_rows + 1, words = words | NEW.words
    WHERE id = NEW.conversation_id;
    INSERT INTO search (rowid, body)
    SELECT (c.num << 24) + c.search_rows, NEW.body || ' ' || coalesce(json_extract(NEW.call, '$.summary'), '')
    FROM conversations c
    WHERE c.id = NEW.conversation_id AND c.search_rows < 16777216;
END;
