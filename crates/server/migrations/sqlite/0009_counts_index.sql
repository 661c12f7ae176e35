-- View counts read every conversation of an org (`sql/counts.rs`), through the
-- assignee index and then each row from the table. This index holds the columns a
-- view's filter reads and answers the count alone: at 100,000 conversations, counts
-- after a write took 33 ms p50 against 107-112 (README). Not `activity_at`: ingestion moves that with every message, and
-- leaves these columns as they are for most (a conversation still unread and
-- waiting), so it does not touch this index for them (`sql/summaries.rs`, `Shape`).
CREATE INDEX conversations_counts ON conversations
    (org_id, assignee_id, archived, status, unread, starred, sla_due_at, team, channel, ai_state, tags);
