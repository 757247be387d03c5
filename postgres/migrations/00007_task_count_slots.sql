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
WITH moved AS (DELETE FROM task_count_deltas RETURNING workflow_id, n),
summed AS (SELECT workflow_id, sum(n) AS n FROM moved GROUP BY workflow_id)
UPDATE workflows w SET task_count = w.task_count + summed.n FROM summed WHERE w.id = summed.workflow_id;
DROP INDEX task_count_deltas_workflow;
ALTER TABLE task_count_deltas ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE task_count_deltas ADD PRIMARY KEY (workflow_id, slot);
-- Statistics taken of the appended rows would mislead the planner.
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
