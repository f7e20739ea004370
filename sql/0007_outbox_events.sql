-- Events stored before refunds and cancellation had their own types, rewritten so that every
-- outbox row reads as an event of today.
--
-- An attempt canceled before its session existed was announced as attempt.failed with the
-- failure 'cancelled'; 0005 made such attempts canceled, and so are their events now.
UPDATE outbox
SET type = 'attempt.canceled',
    payload = jsonb_set(payload - 'failure', '{state}', '"canceled"') || '{"asks_for_new_code": false}'
WHERE type = 'attempt.failed' AND payload->>'failure' = 'cancelled';

-- payment.duplicate_refunded announced a refund call the gateway had accepted, never its end.
-- 0004 made every such refund a refund of its own, followed until it is final and announced as
-- refund.succeeded or refund.failed; the old announcement goes.
DELETE FROM outbox WHERE type = 'payment.duplicate_refunded';
