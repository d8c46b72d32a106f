-- The Store contract on PostgreSQL (src/store/pg). Records are the same
-- protobuf encodings the embedded RocksDB store keeps; the columns beside
-- them are what queries filter and sort on.

CREATE TABLE workflows (
    name    text    NOT NULL,
    version integer NOT NULL,
    record  bytea   NOT NULL,
    PRIMARY KEY (name, version)
);

-- The archived flag belongs to the workflow, not to a version.
CREATE TABLE workflow_flags (
    name     text    PRIMARY KEY,
    archived boolean NOT NULL
);

CREATE TABLE executions (
    id         text    PRIMARY KEY,
    workflow   text    NOT NULL,
    status     integer NOT NULL,
    started_ms bigint  NOT NULL,
    finished   boolean NOT NULL,
    record     bytea   NOT NULL
);
CREATE INDEX executions_by_start ON executions (started_ms DESC, id DESC);
CREATE INDEX executions_unfinished ON executions (id) WHERE NOT finished;

-- Append-only history: one row per event, so a forked history (two events
-- with one sequence number) cannot be stored.
CREATE TABLE events (
    execution_id text   NOT NULL,
    seq          bigint NOT NULL,
    record       bytea  NOT NULL,
    PRIMARY KEY (execution_id, seq)
);

CREATE TABLE schedules (
    id     text  PRIMARY KEY,
    record bytea NOT NULL
);

CREATE TABLE triggers (
    id     text  PRIMARY KEY,
    record bytea NOT NULL
);

CREATE TABLE cache (
    key        bytea  PRIMARY KEY,
    expires_ms bigint NOT NULL,
    record     bytea  NOT NULL
);

CREATE TABLE audit (
    id      bigserial PRIMARY KEY,
    time_ms bigint    NOT NULL,
    actor   text      NOT NULL,
    action  text      NOT NULL,
    target  text      NOT NULL,
    record  bytea     NOT NULL
);
CREATE INDEX audit_by_time ON audit (time_ms);
