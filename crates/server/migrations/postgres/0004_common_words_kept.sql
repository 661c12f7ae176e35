-- PostgreSQL keeps the common words' bits too (SQLite's 0006, `store/words.rs`): a
-- message adds its bits to its conversation's. The `UPDATE` takes the
-- conversation's row lock whatever it changes: the keeper (`sql/word_bits.rs`) reads
-- a conversation's messages under that lock, so a message another instance adds is
-- either read or adds its bits after the keeper's write, never lost between.

CREATE OR REPLACE FUNCTION search_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search (conversation_id, org_id, doc)
    VALUES (NEW.conversation_id, NEW.org_id,
            to_tsvector('frontdesk', NEW.body || ' ' || coalesce(NEW.call::jsonb ->> 'summary', '')));
    UPDATE conversations SET words = words | NEW.words WHERE id = NEW.conversation_id;
    RETURN NULL;
END $$;
