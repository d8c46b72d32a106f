-- A cancellation asked of a replica that does not run the execution: the
-- owner sees it (a notice on orchestrator_cancel, and a look every
-- heartbeat) and cancels it with this reason, in the caller's name.
ALTER TABLE executions
    ADD COLUMN cancel_reason text,
    ADD COLUMN cancel_by     text;
