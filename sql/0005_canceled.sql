-- Canceled is a state of its own: attempts the order system canceled before the gateway had a
-- session were stored as failed with the reason 'cancelled'.
UPDATE attempts SET state = 'canceled', failure = NULL WHERE state = 'failed' AND failure = 'cancelled';
