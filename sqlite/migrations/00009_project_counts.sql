-- +goose Up
-- Each project's number of workflows and the sum of their task_count,
-- kept by triggers on workflows (which the triggers on tasks update), so
-- that a page of projects reads its counts from its rows here instead of
-- joining and grouping their workflows. The same table as PostgreSQL's,
-- so that both engines read counts with one statement; SQLite has one
-- writer, so one row per project, slot 0.
CREATE TABLE project_counts (
    project_id INTEGER NOT NULL,
    slot       INTEGER NOT NULL,
    workflows  INTEGER NOT NULL,
    tasks      INTEGER NOT NULL,
    PRIMARY KEY (project_id, slot)
) WITHOUT ROWID;
INSERT INTO project_counts (project_id, slot, workflows, tasks)
SELECT project_id, 0, count(*), sum(task_count) FROM workflows GROUP BY project_id;

-- +goose StatementBegin
CREATE TRIGGER workflows_count_insert AFTER INSERT ON workflows BEGIN
    INSERT INTO project_counts (project_id, slot, workflows, tasks) VALUES (NEW.project_id, 0, 1, NEW.task_count)
    ON CONFLICT (project_id, slot) DO UPDATE SET workflows = workflows + excluded.workflows, tasks = tasks + excluded.tasks;
END;
-- +goose StatementEnd

-- A deleted project's workflows, deleted with it, add nothing: its rows
-- go with it.
-- +goose StatementBegin
CREATE TRIGGER workflows_count_delete AFTER DELETE ON workflows BEGIN
    INSERT INTO project_counts (project_id, slot, workflows, tasks)
    SELECT OLD.project_id, 0, -1, -OLD.task_count WHERE EXISTS (SELECT 1 FROM projects WHERE id = OLD.project_id)
    ON CONFLICT (project_id, slot) DO UPDATE SET workflows = workflows + excluded.workflows, tasks = tasks + excluded.tasks;
END;
-- +goose StatementEnd

-- A workflow's tasks change its count; a workflow may move to another
-- project.
-- +goose StatementBegin
CREATE TRIGGER workflows_count_update AFTER UPDATE OF project_id, task_count ON workflows
WHEN OLD.project_id <> NEW.project_id OR OLD.task_count <> NEW.task_count BEGIN
    INSERT INTO project_counts (project_id, slot, workflows, tasks) VALUES (OLD.project_id, 0, -1, -OLD.task_count)
    ON CONFLICT (project_id, slot) DO UPDATE SET workflows = workflows + excluded.workflows, tasks = tasks + excluded.tasks;
    INSERT INTO project_counts (project_id, slot, workflows, tasks) VALUES (NEW.project_id, 0, 1, NEW.task_count)
    ON CONFLICT (project_id, slot) DO UPDATE SET workflows = workflows + excluded.workflows, tasks = tasks + excluded.tasks;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER projects_counts_delete AFTER DELETE ON projects BEGIN
    DELETE FROM project_counts WHERE project_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER projects_counts_delete;
DROP TRIGGER workflows_count_update;
DROP TRIGGER workflows_count_delete;
DROP TRIGGER workflows_count_insert;
DROP TABLE project_counts;
