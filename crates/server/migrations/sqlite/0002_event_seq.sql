-- Each org numbers its own events (seq), gap-free and in commit order, so the ids a
-- stream sees say nothing of other orgs' activity. `id` stays the table's own key.
--
-- Events already stored keep their number (seq = id): a client resuming with an id
-- it was sent before this migration resumes exactly. Every org's counter goes on
-- from the highest number used anywhere (ids were global, and `ready`/`resync`
-- handed out the global newest), pruned ones included, so no id a client may hold
-- is ever reused for a different event.
ALTER TABLE events ADD COLUMN seq INTEGER;
UPDATE events SET seq = id;
CREATE UNIQUE INDEX events_org_seq ON events (org_id, seq);

CREATE TABLE event_sequences (
    org_id         TEXT PRIMARY KEY,
    last_seq       INTEGER NOT NULL,
    -- The highest number pruned: a Last-Event-ID below it cannot be resumed.
    pruned_through INTEGER NOT NULL DEFAULT 0
);
INSERT INTO event_sequences (org_id, last_seq, pruned_through)
SELECT o.id,
       max(coalesce((SELECT max(id) FROM events), 0),
           coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
           coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'events_pruned_through'), 0)),
       coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'events_pruned_through'), 0)
FROM orgs o;
