-- Retention: finished attempts past the retention period lose their history, the events every
-- consumer acknowledged and their webhook bodies; pruned_at marks those done. Parked webhooks of
-- sessions no attempt took expire by their arrival.
ALTER TABLE attempts ADD COLUMN pruned_at timestamptz;
CREATE INDEX attempts_prunable ON attempts (resolved_at) WHERE pruned_at IS NULL AND resolved_at IS NOT NULL;
CREATE INDEX webhook_inbox_parked_received ON webhook_inbox (received_at) WHERE processed_at IS NULL;
CREATE INDEX outbox_attempt ON outbox (attempt_id);
