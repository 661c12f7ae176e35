-- Full-text search that names its conversation by itself, so a common word is found
-- without reading a row per hit.
--
-- A search row's rowid is its conversation's number shifted left 24 bits, plus the
-- row's place in that conversation (0 for the subject and contact, then 1, 2, … per
-- indexed message). `rowid >> 24` is the conversation, with no row read; and the
-- hits come in conversation order, so gathering them into a set is an append.
--
-- The number is a column of its own, never the table's rowid: VACUUM may renumber
-- the rowids of a table without an INTEGER PRIMARY KEY, and the index would then
-- point at other conversations.
--
-- The table is contentless: the text is in conversations, contacts and messages
-- already. (Prefix indexes for short words were tried: seeding 100,000 conversations
-- took 27 s instead of 17, for one kind of query.)

ALTER TABLE conversations ADD COLUMN num INTEGER;
ALTER TABLE conversations ADD COLUMN search_rows INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET num = rowid;
CREATE UNIQUE INDEX conversations_num ON conversations (num);

-- The list index carries the number, so walking a view and testing each row against
-- the hits never reads the row itself.
DROP INDEX conversations_list;
CREATE INDEX conversations_list ON conversations (org_id, archived, activity_at DESC, id DESC, num);

DROP TRIGGER search_conversation;
DROP TRIGGER search_message;
DROP TABLE search;
CREATE VIRTUAL TABLE search USING fts5 (
    body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- In rowid order: FTS5 appends rows that come in order, and writes a segment for
-- each one that does not (a merge debt the next writes would pay).
INSERT INTO search (rowid, body)
SELECT n, body FROM (
    SELECT c.num << 24 AS n, coalesce(c.subject, '') || ' ' || ct.name || ' ' || ct.handle
           || ' ' || coalesce(ct.email, '') || ' ' || coalesce(ct.company, '') AS body
    FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
    UNION ALL
    SELECT (c.num << 24) + m.place, m.body || ' ' || coalesce(json_extract(m.call, '$.summary'), '')
    FROM (SELECT conversation_id, body, call,
                 row_number() OVER (PARTITION BY conversation_id ORDER BY seq) AS place
          FROM messages WHERE kind IN ('reply', 'note', 'call')) AS m
    JOIN conversations c ON c.id = m.conversation_id
    WHERE m.place < 16777216
) ORDER BY n;

UPDATE conversations SET search_rows = (
    SELECT count(*) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.kind IN ('reply', 'note', 'call')
);

-- A new conversation takes the next number; its subject and contact are row 0.
CREATE TRIGGER search_conversation AFTER INSERT ON conversations BEGIN
    UPDATE conversations SET num = (SELECT coalesce(max(num), 0) + 1 FROM conversations)
    WHERE rowid = NEW.rowid;
    INSERT INTO search (rowid, body)
    SELECT c.num << 24, coalesce(NEW.subject, '') || ' ' || ct.name || ' ' || ct.handle
           || ' ' || coalesce(ct.email, '') || ' ' || coalesce(ct.company, '')
    FROM conversations c JOIN contacts ct ON ct.id = NEW.contact_id
    WHERE c.rowid = NEW.rowid;
END;

-- A message is its conversation's next row. Past 16,777,215 indexed messages in one
-- conversation the message is still stored, only no longer searchable: its row
-- would otherwise be the next conversation's.
CREATE TRIGGER search_message AFTER INSERT ON messages WHEN NEW.kind IN ('reply', 'note', 'call') BEGIN
    UPDATE conversations SET search_rows = search_rows + 1 WHERE id = NEW.conversation_id;
    INSERT INTO search (rowid, body)
    SELECT (c.num << 24) + c.search_rows, NEW.body || ' ' || coalesce(json_extract(NEW.call, '$.summary'), '')
    FROM conversations c
    WHERE c.id = NEW.conversation_id AND c.search_rows < 16777216;
END;

-- One segment instead of the hundreds a bulk insert leaves: otherwise the next
-- thousands of writes each pay part of merging them (inserts ran 3x slower).
INSERT INTO search (search) VALUES ('optimize');
