-- The copilot says how sure it is, in which language it drafted, what the agent must
-- do before the draft is true, and why there is no draft when it holds one back.
-- Who resolved a suggestion, and how far the sent text was from the draft, make the
-- per-article and per-agent report (`frontdesk admin copilot-report`).
ALTER TABLE suggestions ADD COLUMN confidence INTEGER;
ALTER TABLE suggestions ADD COLUMN lang TEXT;
ALTER TABLE suggestions ADD COLUMN before_sending TEXT;
ALTER TABLE suggestions ADD COLUMN withheld TEXT;
ALTER TABLE suggestions ADD COLUMN resolved_by TEXT;
ALTER TABLE training_pairs ADD COLUMN edit_distance INTEGER;
