-- +goose Up
-- Each workflow keeps the number of its tasks, kept by triggers in the
-- writes' own statements, so that a list's count, a project's and a
-- workflow's task_count read a few workflow rows instead of walking every
-- task (a million of one user's took seconds under load). Inserts and
-- deletes are counted once per statement, from its transition table, so
-- a bulk load updates each workflow once, not once per row.
ALTER TABLE workflows ADD COLUMN task_count BIGINT NOT NULL DEFAULT 0;
UPDATE workflows SET task_count = (SELECT count(*) FROM tasks t WHERE t.workflow_id = workflows.id);

-- +goose StatementBegin
CREATE FUNCTION tasks_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE workflows w SET task_count = w.task_count + d.n
    FROM (SELECT workflow_id, count(*) AS n FROM inserted GROUP BY workflow_id) d
    WHERE w.id = d.workflow_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION tasks_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE workflows w SET task_count = w.task_count - d.n
    FROM (SELECT workflow_id, count(*) AS n FROM deleted GROUP BY workflow_id) d
    WHERE w.id = d.workflow_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- One statement for both rows, which locks them in index order, so two
-- moves in opposite directions cannot deadlock.
-- +goose StatementBegin
CREATE FUNCTION tasks_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE workflows SET task_count = task_count + CASE WHEN id = NEW.workflow_id THEN 1 ELSE -1 END
    WHERE id IN (OLD.workflow_id, NEW.workflow_id);
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
ALTER TABLE workflows DROP COLUMN task_count;
