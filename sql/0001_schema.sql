-- Tender's schema. Every transition of an attempt is one transaction over these tables:
-- the attempt row (versioned), a history row, its follow-up tasks and its outbox events.

-- What the order system wants paid: one order, one amount.
CREATE TABLE payments (
    id                    text PRIMARY KEY,
    amount                bigint NOT NULL CHECK (amount > 0),
    currency              text NOT NULL,
    completed_attempt_id  uuid,
    created_at            timestamptz NOT NULL
);

-- One checkout session at the gateway for one BLIK code.
CREATE TABLE attempts (
    id               uuid PRIMARY KEY,
    payment_id       text NOT NULL REFERENCES payments (id),
    state            text NOT NULL,
    stage            text NOT NULL,
    version          bigint NOT NULL,
    amount           bigint NOT NULL,
    currency         text NOT NULL,
    customer         jsonb NOT NULL,
    blik_code        text,             -- erased once the gateway has taken it
    session_id       text UNIQUE,
    submitted_at     timestamptz NOT NULL,
    deadline         timestamptz NOT NULL,
    grace_until      timestamptz NOT NULL,
    resolved_at      timestamptz,
    outcome_source   text,
    failure          text,
    late             boolean NOT NULL DEFAULT false,
    duplicate        boolean NOT NULL DEFAULT false,
    retries          integer NOT NULL DEFAULT 0,
    refund_id        text,
    idempotency_key  text NOT NULL UNIQUE,
    request          text NOT NULL     -- the submission without the code, to recognise a replay
);
CREATE INDEX attempts_payment ON attempts (payment_id);
CREATE INDEX attempts_state_submitted ON attempts (state, submitted_at);

-- Every applied input, in version order: the audit trail.
CREATE TABLE attempt_history (
    attempt_id  uuid NOT NULL REFERENCES attempts (id),
    version     bigint NOT NULL,
    from_state  text,
    to_state    text NOT NULL,
    input       text NOT NULL,
    source      text NOT NULL,
    note        text NOT NULL,
    evidence    jsonb,
    at          timestamptz NOT NULL,
    PRIMARY KEY (attempt_id, version)
);

-- Durable follow-up work: at most one pending task of each kind per attempt.
-- A claim takes a lease (owner, expiry) and a new fence; a completion must present the fence.
-- Fences come from one sequence, so a task deleted and inserted again (a finished call followed
-- by the next call) never hands out a fence that an old claim of its predecessor still holds.
-- generation counts reschedules, so a fetch asked for while one runs is not lost.
CREATE SEQUENCE task_fences;
CREATE TABLE tasks (
    attempt_id        uuid NOT NULL REFERENCES attempts (id),
    kind              text NOT NULL,
    reason            text NOT NULL,
    due_at            timestamptz NOT NULL,
    generation        bigint NOT NULL DEFAULT 0,
    fence             bigint NOT NULL DEFAULT 0,
    tries             integer NOT NULL DEFAULT 0,
    lease_owner       text,
    lease_expires_at  timestamptz,
    PRIMARY KEY (attempt_id, kind)
);
CREATE INDEX tasks_due ON tasks (due_at) WHERE lease_owner IS NULL;
CREATE INDEX tasks_lease ON tasks (lease_expires_at) WHERE lease_owner IS NOT NULL;

-- Verified webhooks, unique per event. An event for a session not known yet stays unprocessed
-- (parked) until an attempt takes that session.
CREATE TABLE webhook_inbox (
    event_id      text PRIMARY KEY,
    type          text NOT NULL,
    session_id    text NOT NULL,
    body          bytea NOT NULL,
    received_at   timestamptz NOT NULL,
    processed_at  timestamptz,
    attempt_id    uuid
);
CREATE INDEX webhook_inbox_parked ON webhook_inbox (session_id) WHERE processed_at IS NULL;

-- Events for the order system. Rows are numbered (seq) in commit order by a sequencer, so a
-- consumer reading by seq never skips a row that committed late.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    seq          bigint UNIQUE,
    type         text NOT NULL,
    payment_id   text NOT NULL,
    attempt_id   uuid NOT NULL,
    version      bigint NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX outbox_unsequenced ON outbox (id) WHERE seq IS NULL;

-- How far each consumer of the outbox has acknowledged.
CREATE TABLE outbox_cursors (
    consumer      text PRIMARY KEY,
    acknowledged  bigint NOT NULL,
    updated_at    timestamptz NOT NULL
);
