package main

import (
	"context"
	"fmt"
	"io"

	"github.com/flowtrack/flowtrack/sqlite"
)

// migrate applies the pending migrations of the configured database.
func migrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	db, migrations, err := cfg.openStore(ctx, sqlite.Options{}) // SQLite migrates on open
	if err != nil {
		return err
	}
	defer db.Close()
	applied := 0
	if migrations != nil {
		if applied, err = migrations.Up(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s database is up to date (%d migrations applied now)\n", db.Engine(), applied)
	return nil
}
