-- A decision on an approval asked of a replica that does not run the
-- execution: the owner sees it (a notice on orchestrator_cancel, and a
-- look every heartbeat), hands it to the waiting task and deletes the row.
-- The asking replica checked the caller and the input against the stored
-- request before writing it. `input` is a google.protobuf.Struct.
CREATE TABLE approval_decisions (
    execution_id text   NOT NULL,
    task_id      text   NOT NULL,
    decision     int    NOT NULL,
    decided_by   text   NOT NULL,
    reason       text   NOT NULL,
    input        bytea  NOT NULL,
    asked_ms     bigint NOT NULL,
    PRIMARY KEY (execution_id, task_id)
);
