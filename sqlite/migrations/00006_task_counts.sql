-- +goose Up
-- Each workflow keeps the number of its tasks, kept by triggers in the
-- writes' own statements, so that a list's count, a project's and a
-- workflow's task_count read a few workflow rows instead of walking every
-- task (a million of one user's took seconds under load).
ALTER TABLE workflows ADD COLUMN task_count BIGINT NOT NULL DEFAULT 0;
UPDATE workflows SET task_count = (SELECT count(*) FROM tasks t WHERE t.workflow_id = workflows.id);

-- +goose StatementBegin
CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
    UPDATE workflows SET task_count = task_count + 1 WHERE id = NEW.workflow_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
    UPDATE workflows SET task_count = task_count - 1 WHERE id = OLD.workflow_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER tasks_count_move AFTER UPDATE OF workflow_id ON tasks
WHEN OLD.workflow_id <> NEW.workflow_id BEGIN
    UPDATE workflows SET task_count = task_count + CASE WHEN id = NEW.workflow_id THEN 1 ELSE -1 END
    WHERE id IN (OLD.workflow_id, NEW.workflow_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER tasks_count_move;
DROP TRIGGER tasks_count_delete;
DROP TRIGGER tasks_count_insert;
ALTER TABLE workflows DROP COLUMN task_count;
