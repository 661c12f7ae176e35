-- Events are read by their org's own numbers (`events_org_seq`): no query reads them
-- by `(org_id, id)` since migration 0002, and every event written kept that index
-- too (a batch of 30 inbound messages writes 60 events).
DROP INDEX events_org;
