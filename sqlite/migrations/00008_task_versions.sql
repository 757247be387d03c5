-- +goose Up
-- Every write to a user's tasks adds one to the version of that user's
-- tasks: the sum of n over their rows here (SQLite has one writer, so one
-- row, slot 0). A count that must walk the tasks themselves (a search, a
-- filter on their fields) is remembered with the version it was taken
-- at, and serves while the version stands. The same table as
-- PostgreSQL's, so that both engines read versions with one statement.
CREATE TABLE task_versions (
    owner_id INTEGER NOT NULL,
    slot     INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (owner_id, slot)
) WITHOUT ROWID;

-- +goose StatementBegin
CREATE TRIGGER tasks_version_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_versions (owner_id, slot, n) VALUES (NEW.owner_id, 0, 1)
    ON CONFLICT (owner_id, slot) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER tasks_version_delete AFTER DELETE ON tasks BEGIN
    INSERT INTO task_versions (owner_id, slot, n) VALUES (OLD.owner_id, 0, 1)
    ON CONFLICT (owner_id, slot) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- An update may move a task to another owner (the admin panel does):
-- both owners' versions change.
-- +goose StatementBegin
CREATE TRIGGER tasks_version_update AFTER UPDATE ON tasks BEGIN
    INSERT INTO task_versions (owner_id, slot, n)
    SELECT DISTINCT owner_id, 0, 1 FROM (SELECT NEW.owner_id AS owner_id UNION SELECT OLD.owner_id) WHERE true
    ON CONFLICT (owner_id, slot) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER tasks_version_update;
DROP TRIGGER tasks_version_delete;
DROP TRIGGER tasks_version_insert;
DROP TABLE task_versions;
