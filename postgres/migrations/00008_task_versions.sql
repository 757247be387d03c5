-- +goose Up
-- Every statement that writes a user's tasks adds one to the version of
-- that user's tasks: the sum of n over their rows here. A count that must
-- walk the tasks themselves (a search, a filter on their fields) is
-- remembered with the version it was taken at, and serves while the
-- version stands. As in task_count_deltas, a user has one row per slot
-- (the backend's), so that concurrent writers seldom wait for each
-- other's commits; the sum only grows, so an equal sum means no write.
CREATE TABLE task_versions (
    owner_id BIGINT  NOT NULL,
    slot     INTEGER NOT NULL,
    n        BIGINT  NOT NULL,
    PRIMARY KEY (owner_id, slot)
);

-- Owners are bumped in id order, so two statements of one slot that write
-- the same users' tasks lock their rows in the same order.
-- +goose StatementBegin
CREATE FUNCTION tasks_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_versions AS v (owner_id, slot, n)
    SELECT owner_id, pg_backend_pid() % 16, 1 FROM changed GROUP BY owner_id ORDER BY owner_id
    ON CONFLICT (owner_id, slot) DO UPDATE SET n = v.n + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- An update may move tasks to another owner (the admin panel does): both
-- owners' versions change.
-- +goose StatementBegin
CREATE FUNCTION tasks_version_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_versions AS v (owner_id, slot, n)
    SELECT owner_id, pg_backend_pid() % 16, 1
    FROM (SELECT owner_id FROM before UNION SELECT owner_id FROM after) AS changed ORDER BY owner_id
    ON CONFLICT (owner_id, slot) DO UPDATE SET n = v.n + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER tasks_version_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tasks_version();
CREATE TRIGGER tasks_version_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tasks_version();
CREATE TRIGGER tasks_version_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION tasks_version_update();

-- +goose Down
DROP TRIGGER tasks_version_update ON tasks;
DROP TRIGGER tasks_version_delete ON tasks;
DROP TRIGGER tasks_version_insert ON tasks;
DROP FUNCTION tasks_version_update();
DROP FUNCTION tasks_version();
DROP TABLE task_versions;
