-- The trace context an attempt was submitted in (W3C trace headers as a JSON object), so that
-- the spans of its tasks join the submission's trace on any worker; NULL when nothing traces.
ALTER TABLE attempts ADD COLUMN trace_context jsonb;
