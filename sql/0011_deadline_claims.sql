-- Deadlines make no gateway call, so the room for calls does not bound how many are claimed: a
-- claim takes them apart from the calls, each from an index of its own, so a burst of due
-- deadlines is never scanned past to find a call, nor a backlog of calls to find a deadline.
DROP INDEX tasks_due_unbudgeted;
CREATE INDEX tasks_due_unbudgeted ON tasks (due_at)
    WHERE lease_owner IS NULL AND reason NOT IN ('poll', 'grace_poll') AND kind <> 'deadline';
CREATE INDEX tasks_due_deadlines ON tasks (due_at)
    WHERE lease_owner IS NULL AND kind = 'deadline';
