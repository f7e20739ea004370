-- Polls that learned nothing (the session still open, the same poll asked for again) are counted
-- on their attempt instead of leaving a version and a history row each: how many, and when the
-- last one was made (docs/state-machine.md, "What the history keeps").
ALTER TABLE attempts
    ADD COLUMN quiet_polls integer NOT NULL DEFAULT 0,
    ADD COLUMN last_quiet_poll_at timestamptz;
