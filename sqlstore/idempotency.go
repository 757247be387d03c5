package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/flowtrack/flowtrack"
)

// IdempotencyBegin reserves a key; see flowtrack.Scope.
func (s *scope) IdempotencyBegin(ctx context.Context, key, hash string, now time.Time) (*flowtrack.StoredResponse, error) {
	if err := s.Verify(ctx); err != nil {
		return nil, err
	}
	var stored *flowtrack.StoredResponse
	err := s.db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE owner_id = $1 AND created_at < $2`,
			s.owner, micros(now.Add(-flowtrack.IdempotencyTTL))); err != nil {
			return err
		}
		// Insert first: of two concurrent requests exactly one inserts.
		res, err := tx.ExecContext(ctx, `
			INSERT INTO idempotency_keys (owner_id, idem_key, request_hash, created_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, s.owner, key, hash, micros(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var got string
		var status sql.NullInt64
		var resp flowtrack.StoredResponse
		var body string
		if err := tx.QueryRowContext(ctx, `
			SELECT request_hash, status, location, etag, body FROM idempotency_keys
			WHERE owner_id = $1 AND idem_key = $2`, s.owner, key).
			Scan(&got, &status, &resp.Location, &resp.ETag, &body); err != nil {
			return err
		}
		switch {
		case got != hash:
			return flowtrack.ErrIdempotencyMismatch
		case !status.Valid:
			return flowtrack.ErrIdempotencyBusy
		}
		resp.Status, resp.Body = int(status.Int64), []byte(body)
		stored = &resp
		return nil
	})
	return stored, err
}

// IdempotencyFinish stores the response of a reserved key.
func (s *scope) IdempotencyFinish(ctx context.Context, key string, resp flowtrack.StoredResponse) error {
	if err := s.Verify(ctx); err != nil {
		return err
	}
	_, err := s.db.writer().ExecContext(ctx, `
		UPDATE idempotency_keys SET status = $1, location = $2, etag = $3, body = $4
		WHERE owner_id = $5 AND idem_key = $6`,
		resp.Status, resp.Location, resp.ETag, string(resp.Body), s.owner, key)
	return err
}

// IdempotencyRelease forgets a reserved key whose request failed.
func (s *scope) IdempotencyRelease(ctx context.Context, key string) error {
	if err := s.Verify(ctx); err != nil {
		return err
	}
	_, err := s.db.writer().ExecContext(ctx,
		`DELETE FROM idempotency_keys WHERE owner_id = $1 AND idem_key = $2 AND status IS NULL`, s.owner, key)
	return err
}
