-- +goose Up
-- The first response to a POST with an Idempotency-Key, replayed to
-- retries for 24 hours. status is NULL while the first request runs.
CREATE TABLE idempotency_keys (
    owner_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idem_key     TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER,
    location     TEXT    NOT NULL DEFAULT '',
    etag         TEXT    NOT NULL DEFAULT '',
    body         TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (owner_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (owner_id, created_at);

-- +goose Down
DROP TABLE idempotency_keys;
