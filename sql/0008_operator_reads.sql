-- What the operator console reads: a payment's webhooks by session, and the rare alarms
-- (duplicate charges, amount mismatches) by time, without scanning the tables.
CREATE INDEX webhook_inbox_session ON webhook_inbox (session_id);
CREATE INDEX attempts_duplicate ON attempts (resolved_at) WHERE duplicate;
CREATE INDEX outbox_amount_mismatch ON outbox (created_at) WHERE type = 'payment.amount_mismatch';
