-- Schedules and triggers fire once across replicas (src/store/pg/claims.rs).
-- Every replica arms every schedule; a tick is claimed in one transaction
-- that locks the schedule's row (SKIP LOCKED), compares-and-sets its last
-- tick, inserts the tick's unique row and creates the run it starts. An
-- event with an id (a Kafka message's topic/partition/offset) inserts a
-- unique delivery row beside the run it starts.

-- Replicas poll the definitions' revisions to pick up each other's edits.
CREATE SEQUENCE definition_revisions;

ALTER TABLE schedules
    ADD COLUMN revision     bigint NOT NULL DEFAULT nextval('definition_revisions'),
    -- When its definition last changed: a replica that has not seen the
    -- change yet claims nothing for it.
    ADD COLUMN updated_ms   bigint NOT NULL DEFAULT 0,
    -- The latest tick claimed (or the schedule's creation, or resumption):
    -- catch-up counts from here.
    ADD COLUMN last_tick_ms bigint NOT NULL DEFAULT 0,
    ADD COLUMN skipped      bigint NOT NULL DEFAULT 0;

ALTER TABLE triggers
    ADD COLUMN revision bigint NOT NULL DEFAULT nextval('definition_revisions');

CREATE TABLE schedule_ticks (
    schedule_id  text   NOT NULL,
    tick_ms      bigint NOT NULL,
    -- started, replaced, queued, skipped, failed, missed
    outcome      text   NOT NULL,
    execution_id text   NOT NULL DEFAULT '',
    detail       text   NOT NULL DEFAULT '',
    PRIMARY KEY (schedule_id, tick_ms)
);
CREATE INDEX schedule_ticks_queued ON schedule_ticks (schedule_id, tick_ms) WHERE outcome = 'queued';

CREATE TABLE trigger_deliveries (
    trigger_id   text   NOT NULL,
    key          text   NOT NULL,
    execution_id text   NOT NULL,
    at_ms        bigint NOT NULL,
    PRIMARY KEY (trigger_id, key)
);
CREATE INDEX trigger_deliveries_by_time ON trigger_deliveries (at_ms);

-- Who started a run (`schedule:<id>`, `trigger:<id>`): the runs of a
-- schedule in flight are counted under its row lock for max_concurrent.
ALTER TABLE executions ADD COLUMN started_by text NOT NULL DEFAULT '';
CREATE INDEX executions_running_by_starter ON executions (started_by, started_ms) WHERE NOT finished;
