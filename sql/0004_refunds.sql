-- Refunds: each refund of a completed attempt's charge is a row with its own forward-only state
-- (requested -> pending -> succeeded | failed) and history, driven through the gateway by the
-- attempt's task of kind 'refund' under the same leases and fences as its other tasks.
CREATE TABLE refunds (
    id                 uuid PRIMARY KEY,
    payment_id         text NOT NULL REFERENCES payments (id),
    attempt_id         uuid NOT NULL REFERENCES attempts (id),
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL,
    reason             text NOT NULL,
    state              text NOT NULL,
    version            bigint NOT NULL,
    gateway_refund_id  text,
    failure            text,
    retries            integer NOT NULL DEFAULT 0,
    next_at            timestamptz,      -- when it next needs the gateway; null once final
    idempotency_key    text NOT NULL UNIQUE,
    request            text NOT NULL,    -- the request, to recognise a replay
    gateway_key        text NOT NULL,    -- the idempotency key of the gateway call
    requested_at       timestamptz NOT NULL,
    resolved_at        timestamptz
);
CREATE INDEX refunds_attempt ON refunds (attempt_id, requested_at);
CREATE INDEX refunds_payment ON refunds (payment_id, requested_at);

-- Every applied gateway answer of a refund, in version order.
CREATE TABLE refund_history (
    refund_id   uuid NOT NULL REFERENCES refunds (id),
    version     bigint NOT NULL,
    from_state  text,
    to_state    text NOT NULL,
    input       text NOT NULL,
    note        text NOT NULL,
    evidence    jsonb,
    at          timestamptz NOT NULL,
    PRIMARY KEY (refund_id, version)
);

-- Duplicate charges were refunded by a 'refund_duplicate' call of the attempt, and the refund
-- was never followed: both become refunds of their own.
INSERT INTO refunds (id, payment_id, attempt_id, amount, currency, reason, state, version, gateway_refund_id,
    next_at, idempotency_key, request, gateway_key, requested_at)
SELECT gen_random_uuid(), a.payment_id, a.id, a.amount, a.currency, 'duplicated',
    CASE WHEN a.refund_id IS NULL THEN 'requested' ELSE 'pending' END, 1, a.refund_id,
    now(), 'tender-duplicate-' || a.id, '', 'tender-' || a.id || '-refund_duplicate', coalesce(a.resolved_at, now())
FROM attempts a
WHERE a.duplicate AND (a.refund_id IS NOT NULL
    OR EXISTS (SELECT 1 FROM tasks t WHERE t.attempt_id = a.id AND t.kind = 'call' AND t.reason = 'refund_duplicate'));
DELETE FROM tasks WHERE kind = 'call' AND reason = 'refund_duplicate';
INSERT INTO tasks (attempt_id, kind, reason, due_at)
SELECT DISTINCT attempt_id, 'refund', 'call', now() FROM refunds;
ALTER TABLE attempts DROP COLUMN refund_id;
