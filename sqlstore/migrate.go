package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// ErrMigrationsPending is returned by a schema check when the database
// lags behind the binary's migrations.
var ErrMigrationsPending = errors.New("database migrations are pending: run `flowtrack migrate`")

// Migrations applies and checks one engine's embedded goose migrations.
type Migrations struct {
	provider *goose.Provider
}

// NewMigrations prepares the migrations in fsys for db.
func NewMigrations(dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) (*Migrations, error) {
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return &Migrations{provider: p}, nil
}

// Up applies every pending migration and returns how many it applied.
func (m *Migrations) Up(ctx context.Context) (int, error) {
	res, err := m.provider.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// Check returns ErrMigrationsPending unless the schema is current.
func (m *Migrations) Check(ctx context.Context) error {
	pending, err := m.provider.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	if pending {
		return ErrMigrationsPending
	}
	return nil
}
