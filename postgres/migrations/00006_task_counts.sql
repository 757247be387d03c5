-- +goose Up
-- Each workflow keeps the number of its tasks, so that a list's count, a
-- project's and a workflow's task_count read a few workflow rows instead
-- of walking every task (a million of one user's took seconds under load).
-- No task may change between the backfill and the triggers.
LOCK TABLE tasks IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE workflows ADD COLUMN task_count BIGINT NOT NULL DEFAULT 0;
UPDATE workflows SET task_count = (SELECT count(*) FROM tasks t WHERE t.workflow_id = workflows.id);

-- Triggers append each statement's change here instead of updating the
-- workflow's row, which would make concurrent writers to one workflow
-- wait for each other's commits; the count is task_count plus these, and
-- the store folds them into task_count in the background. No foreign key:
-- a workflow deleted with its tasks leaves a delta the fold discards.
CREATE TABLE task_count_deltas (
    workflow_id BIGINT NOT NULL,
    n           BIGINT NOT NULL
);
CREATE INDEX task_count_deltas_workflow ON task_count_deltas (workflow_id);

-- Inserts and deletes are counted once per statement, from its
-- transition table, so a bulk load adds one row per workflow.
-- +goose StatementBegin
CREATE FUNCTION tasks_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas (workflow_id, n) SELECT workflow_id, count(*) FROM inserted GROUP BY workflow_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION tasks_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas (workflow_id, n) SELECT workflow_id, -count(*) FROM deleted GROUP BY workflow_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION tasks_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_count_deltas (workflow_id, n) VALUES (OLD.workflow_id, -1), (NEW.workflow_id, 1);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tasks_count_insert();
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION tasks_count_delete();
CREATE TRIGGER tasks_count_move AFTER UPDATE OF workflow_id ON tasks
    FOR EACH ROW WHEN (OLD.workflow_id IS DISTINCT FROM NEW.workflow_id) EXECUTE FUNCTION tasks_count_move();

-- +goose Down
DROP TRIGGER tasks_count_move ON tasks;
DROP TRIGGER tasks_count_delete ON tasks;
DROP TRIGGER tasks_count_insert ON tasks;
DROP FUNCTION tasks_count_move();
DROP FUNCTION tasks_count_delete();
DROP FUNCTION tasks_count_insert();
DROP TABLE task_count_deltas;
ALTER TABLE workflows DROP COLUMN task_count;
