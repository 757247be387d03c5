-- +goose Up
-- Each workflow keeps the number of its tasks, kept by triggers in the
-- writes' own statements, so that a list's count, a project's and a
-- workflow's task_count read a few workflow rows instead of walking every
-- task (a million of one user's took seconds under load).
ALTER TABLE workflows ADD COLUMN task_count BIGINT NOT NULL DEFAULT 0;
UPDATE workflows SET task_count = (SELECT count(*) FROM tasks t WHERE t.workflow_id = workflows.id);

-- Changes to task_count not yet folded into it. PostgreSQL's triggers
-- write here, so that concurrent writers never wait on one workflow's
-- row; SQLite has one writer, so its triggers update the row directly and
-- this table stays empty. It is here so that both engines read counts
-- with the same statements.
CREATE TABLE task_count_deltas (
    workflow_id INTEGER NOT NULL,
    n           INTEGER NOT NULL
);
CREATE INDEX task_count_deltas_workflow ON task_count_deltas (workflow_id);

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
DROP TABLE task_count_deltas;
ALTER TABLE workflows DROP COLUMN task_count;
