-- +goose Up
-- Count changes go to a bounded set of rows: one per workflow and slot,
-- added to in place, where 00006 appended a row per statement. Appended
-- rows let a write load fill the table with dead rows between vacuums,
-- and an ANALYZE taken then (many rows, few workflows) made PostgreSQL
-- scan the table for every workflow a count sums: list projects fell to a
-- tenth of its speed. With at most 16 rows per workflow, neither happens.
-- The slot is the backend's: concurrent writers to one workflow add to
-- different rows, so they seldom wait for each other's commits.
LOCK TABLE task_count_deltas IN ACCESS EXCLUSIVE MODE;
-- One row per workflow for the changes already here.
WITH appended AS (DELETE FROM task_count_deltas RETURNING workflow_id, n)
INSERT INTO task_count_deltas (workflow_id, n) SELECT workflow_id, sum(n) FROM appended GROUP BY workflow_id;
-- Rows without a slot (those already here, and those a trigger of 00006
-- waiting for this lock adds after it) each take one of their own, from 16
-- up, so they never collide with each other nor with the 16 slots the new
-- triggers use; the fold takes them like any other. This migration leaves
-- workflows alone: requests that lock a workflow and then read its changes
-- would deadlock with it.
CREATE SEQUENCE task_count_delta_slots AS INTEGER MINVALUE 16 START 16 CYCLE;
DROP INDEX task_count_deltas_workflow;
ALTER TABLE task_count_deltas ADD COLUMN slot INTEGER NOT NULL DEFAULT nextval('task_count_delta_slots');
ALTER SEQUENCE task_count_delta_slots OWNED BY task_count_deltas.slot;
ALTER TABLE task_count_deltas ADD PRIMARY KEY (workflow_id, slot);
-- Statistics taken of appended rows would mislead the planner.
ANALYZE task_count_deltas;

-- Rows are added in workflow order, so two statements of one slot that
-- touch the same workflows lock them in the same order.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tasks_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas AS d (workflow_id, slot, n)
    SELECT workflow_id, pg_backend_pid() % 16, count(*) FROM inserted GROUP BY workflow_id ORDER BY workflow_id
    ON CONFLICT (workflow_id, slot) DO UPDATE SET n = d.n + EXCLUDED.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tasks_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas AS d (workflow_id, slot, n)
    SELECT workflow_id, pg_backend_pid() % 16, -count(*) FROM deleted GROUP BY workflow_id ORDER BY workflow_id
    ON CONFLICT (workflow_id, slot) DO UPDATE SET n = d.n + EXCLUDED.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tasks_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas AS d (workflow_id, slot, n)
    SELECT c.workflow_id, pg_backend_pid() % 16, c.n
    FROM (VALUES (OLD.workflow_id, -1), (NEW.workflow_id, 1)) AS c (workflow_id, n) ORDER BY c.workflow_id
    ON CONFLICT (workflow_id, slot) DO UPDATE SET n = d.n + EXCLUDED.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
LOCK TABLE task_count_deltas IN ACCESS EXCLUSIVE MODE;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tasks_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas (workflow_id, n) SELECT workflow_id, count(*) FROM inserted GROUP BY workflow_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tasks_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas (workflow_id, n) SELECT workflow_id, -count(*) FROM deleted GROUP BY workflow_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tasks_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas (workflow_id, n) VALUES (OLD.workflow_id, -1), (NEW.workflow_id, 1);
    RETURN NULL;
END $$;
-- +goose StatementEnd
ALTER TABLE task_count_deltas DROP CONSTRAINT task_count_deltas_pkey;
ALTER TABLE task_count_deltas DROP COLUMN slot;
CREATE INDEX task_count_deltas_workflow ON task_count_deltas (workflow_id);
