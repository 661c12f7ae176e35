-- Ingestion places its own rows in the full-text index (`sql/ingest.rs`): a batch
-- gives the conversations it opens their numbers in their INSERT, its messages their
-- search rows, and each conversation its count of rows and its bits in the batch's
-- one summary update. The triggers did that with an UPDATE of the conversation per
-- message (and one more per conversation opened): each rewrote the row and its list
-- index entry, only for the summary to rewrite them again.
--
-- A writer that gives neither (a single message, a bulk load) is numbered and placed
-- by the triggers as before.

ALTER TABLE messages ADD COLUMN search_row INTEGER;

DROP TRIGGER search_conversation;
CREATE TRIGGER search_conversation AFTER INSERT ON conversations BEGIN
    UPDATE conversations SET num = (SELECT coalesce(max(num), 0) + 1 FROM conversations)
    WHERE rowid = NEW.rowid AND NEW.num IS NULL;
    INSERT INTO search (rowid, body)
    SELECT c.num << 24, coalesce(NEW.subject, '') || ' ' || ct.name || ' ' || ct.handle
           || ' ' || coalesce(ct.email, '') || ' ' || coalesce(ct.company, '')
    FROM conversations c JOIN contacts ct ON ct.id = NEW.contact_id
    WHERE c.rowid = NEW.rowid;
END;

DROP TRIGGER search_message;
CREATE TRIGGER search_message AFTER INSERT ON messages
WHEN NEW.kind IN ('reply', 'note', 'call') AND NEW.search_row IS NULL BEGIN
    UPDATE conversations SET search_rows = search_rows + 1, words = words | NEW.words
    WHERE id = NEW.conversation_id;
    INSERT INTO search (rowid, body)
    SELECT (c.num << 24) + c.search_rows, NEW.body || ' ' || coalesce(json_extract(NEW.call, '$.summary'), '')
    FROM conversations c
    WHERE c.id = NEW.conversation_id AND c.search_rows < 16777216;
END;

-- Placed by its writer, who counts it and adds its bits to its conversation.
CREATE TRIGGER search_message_placed AFTER INSERT ON messages
WHEN NEW.kind IN ('reply', 'note', 'call') AND NEW.search_row IS NOT NULL BEGIN
    INSERT INTO search (rowid, body)
    VALUES (NEW.search_row, NEW.body || ' ' || coalesce(json_extract(NEW.call, '$.summary'), ''));
END;
