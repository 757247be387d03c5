package sqlstore

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"

	"github.com/flowtrack/flowtrack"
)

// FoldMigration is migration 4 of both engines: it fills the case-folded
// search columns that migration 3 added, for rows written before them.
// Folding is Go's (flowtrack.Fold), so it cannot be plain SQL.
func FoldMigration() *goose.Migration {
	return goose.NewGoMigration(4, &goose.GoFunc{RunTx: fillFolds}, &goose.GoFunc{RunTx: func(context.Context, *sql.Tx) error { return nil }})
}

func fillFolds(ctx context.Context, tx *sql.Tx) error {
	for _, t := range []struct{ table, a, b string }{
		{"projects", "name", "description"},
		{"workflows", "name", "name"},
		{"tasks", "title", "description"},
	} {
		rows, err := tx.QueryContext(ctx, "SELECT id, "+t.a+", "+t.b+" FROM "+t.table)
		if err != nil {
			return err
		}
		type row struct {
			id   int64
			a, b string
		}
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.a, &r.b); err != nil {
				rows.Close()
				return err
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range all {
			stmt, args := "UPDATE "+t.table+" SET "+t.a+"_fold = $1 WHERE id = $2", []any{flowtrack.Fold(r.a), r.id}
			if t.b != t.a {
				stmt = "UPDATE " + t.table + " SET " + t.a + "_fold = $1, " + t.b + "_fold = $2 WHERE id = $3"
				args = []any{flowtrack.Fold(r.a), flowtrack.Fold(r.b), r.id}
			}
			if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
				return err
			}
		}
	}
	return nil
}
