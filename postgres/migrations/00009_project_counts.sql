-- +goose Up
-- Each project's number of workflows and the sum of their task_count,
-- kept by triggers on workflows, so that a page of projects reads its
-- counts from a few rows per project instead of joining and grouping
-- their workflows: 0.20 ms for a page of ten projects, now 0.085 ms
-- (a page of tasks takes 0.06). As in task_count_deltas, a project has
-- one row per slot (the backend's), so that concurrent writers seldom
-- wait for each other, and the triggers lock no project's row: the
-- panel's moves lock projects and workflows in their own order, and the
-- fold, which adds to task_count, runs beside them. A project's counts
-- are the sums of its rows here (plus, for tasks, its workflows'
-- unfolded changes); the rows are never folded, as there are at most 16.
CREATE TABLE project_counts (
    project_id BIGINT  NOT NULL,
    slot       INTEGER NOT NULL,
    workflows  BIGINT  NOT NULL,
    tasks      BIGINT  NOT NULL,
    PRIMARY KEY (project_id, slot)
);

-- No workflow may change between the backfill and the triggers.
LOCK TABLE workflows IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO project_counts (project_id, slot, workflows, tasks)
SELECT project_id, 0, count(*), sum(task_count) FROM workflows GROUP BY project_id;

-- Rows are added in project order, so two statements of one slot lock
-- them in the same order. A deleted project's workflows, deleted with
-- it, add nothing: its rows go with it.
-- +goose StatementBegin
CREATE FUNCTION workflows_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_counts AS c (project_id, slot, workflows, tasks)
    SELECT project_id, pg_backend_pid() % 16, count(*), sum(task_count) FROM inserted
    GROUP BY project_id ORDER BY project_id
    ON CONFLICT (project_id, slot) DO UPDATE SET workflows = c.workflows + EXCLUDED.workflows, tasks = c.tasks + EXCLUDED.tasks;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION workflows_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_counts AS c (project_id, slot, workflows, tasks)
    SELECT project_id, pg_backend_pid() % 16, -count(*), -sum(task_count) FROM deleted
    WHERE project_id IN (SELECT id FROM projects) GROUP BY project_id ORDER BY project_id
    ON CONFLICT (project_id, slot) DO UPDATE SET workflows = c.workflows + EXCLUDED.workflows, tasks = c.tasks + EXCLUDED.tasks;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- A workflow may move to another project, and the fold changes its
-- task_count; a change that nets to nothing (a rename) adds no row.
-- +goose StatementBegin
CREATE FUNCTION workflows_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_counts AS c (project_id, slot, workflows, tasks)
    SELECT project_id, pg_backend_pid() % 16, sum(w), sum(t)
    FROM (SELECT project_id, 1 AS w, task_count AS t FROM after
        UNION ALL SELECT project_id, -1, -task_count FROM before) AS changes
    GROUP BY project_id HAVING sum(w) <> 0 OR sum(t) <> 0 ORDER BY project_id
    ON CONFLICT (project_id, slot) DO UPDATE SET workflows = c.workflows + EXCLUDED.workflows, tasks = c.tasks + EXCLUDED.tasks;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION projects_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM project_counts WHERE project_id IN (SELECT id FROM deleted);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER workflows_count_insert AFTER INSERT ON workflows
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION workflows_count_insert();
CREATE TRIGGER workflows_count_delete AFTER DELETE ON workflows
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION workflows_count_delete();
CREATE TRIGGER workflows_count_update AFTER UPDATE ON workflows
    REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION workflows_count_update();
CREATE TRIGGER projects_counts_delete AFTER DELETE ON projects
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION projects_counts_delete();

-- +goose Down
DROP TRIGGER projects_counts_delete ON projects;
DROP TRIGGER workflows_count_update ON workflows;
DROP TRIGGER workflows_count_delete ON workflows;
DROP TRIGGER workflows_count_insert ON workflows;
DROP FUNCTION projects_counts_delete();
DROP FUNCTION workflows_count_update();
DROP FUNCTION workflows_count_delete();
DROP FUNCTION workflows_count_insert();
DROP TABLE project_counts;
