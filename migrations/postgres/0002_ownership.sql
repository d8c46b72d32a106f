-- Replicas sharing the database (src/store/pg/ownership.rs): each
-- heartbeats its row on the database's clock; an unfinished execution
-- belongs to one replica at a time, and every claim raises its epoch, the
-- fencing token its owner's writes must carry.

CREATE TABLE replicas (
    id           text        PRIMARY KEY,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE executions
    ADD COLUMN owner    text,
    ADD COLUMN epoch    bigint NOT NULL DEFAULT 0,
    -- The sequence number of the next event: the owner's writes must
    -- continue the history exactly where it stands.
    ADD COLUMN next_seq bigint NOT NULL DEFAULT 1;

-- Executions stored before this migration continue where their history
-- stands.
UPDATE executions e SET next_seq = coalesce(
    (SELECT max(seq) + 1 FROM events WHERE execution_id = e.id), 1);

CREATE INDEX executions_by_owner ON executions (owner) WHERE NOT finished;
