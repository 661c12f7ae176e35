-- View counts read every conversation of an org (`sql/counts.rs`). With the columns a
-- view's filter reads included, the count can be an index-only scan. Unlike SQLite's
-- 0009 these widen the assignee index rather than make one more: ingestion moves
-- `activity_at`, an indexed column, so its updates are never HOT and write an entry
-- into every index of the table; one more index would be one more entry a message.
DROP INDEX conversations_assignee;
CREATE INDEX conversations_assignee ON conversations (org_id, assignee_id, activity_at DESC)
    INCLUDE (archived, status, unread, starred, sla_due_at, team, channel, ai_state, tags);
