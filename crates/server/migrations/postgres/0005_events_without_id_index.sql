-- Events are read by their org's own numbers (`events_org_seq`): no query reads them
-- by `(org_id, id)`, and every event written kept that index too (SQLite's 0008).
DROP INDEX events_org;
