-- Polls run under a budget of gateway reads per second; everything else (calls, deadlines, fetches
-- a webhook or an unknown outcome asked for) runs as soon as it is due. A claim takes the second
-- kind first, from this index, so a backlog of polls waiting for the budget never delays them.
CREATE INDEX tasks_due_unbudgeted ON tasks (due_at)
    WHERE lease_owner IS NULL AND reason NOT IN ('poll', 'grace_poll');
