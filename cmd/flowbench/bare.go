package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the "sqlite" driver
)

// The bare reference handler: what serving a list, a read and a create
// costs with no framework, no validation and no links. It checks an HS256
// JWT by hand, runs one indexed query (plus count(*) for the list) and
// encodes JSON. FlowTrack's figures are ratios to it, measured in the same
// run on the same machine.

// bareTask is a task row as the bare handler reads and writes it.
type bareTask struct {
	ID          int64   `json:"id"`
	Workflow    int64   `json:"workflow"`
	Project     int64   `json:"project"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	Priority    int64   `json:"priority"`
	DueDate     *string `json:"due_date"`
	CreatedAt   int64   `json:"created_at"`
	UpdatedAt   int64   `json:"updated_at"`
}

// bareDB is the bare handler's data access: database/sql for SQLite,
// pgxpool for PostgreSQL.
type bareDB interface {
	list(ctx context.Context, owner int64) ([]bareTask, int64, error)
	get(ctx context.Context, owner, id int64) (*bareTask, error)
	insert(ctx context.Context, owner int64, t *bareTask) error
}

const (
	bareColumns = `id, workflow_id, project_id, title, description, status, priority, due_date, created_at, updated_at`
	bareList    = `SELECT ` + bareColumns + ` FROM tasks WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20`
	bareCount   = `SELECT count(*) FROM tasks WHERE owner_id = $1`
	bareGet     = `SELECT ` + bareColumns + ` FROM tasks WHERE owner_id = $1 AND id = $2`
	// bareInsertRow is the insert without its RETURNING, for SQLite; see
	// sqliteBare.insert.
	bareInsertRow = `INSERT INTO tasks (owner_id, project_id, workflow_id, title, description, status, priority,
		created_at, updated_at, title_fold, description_fold) VALUES ($1, $2, $3, $4, '', 'todo', 1, $5, $5, $4, '')`
	bareInsert = bareInsertRow + ` RETURNING id`
)

type scanner interface{ Scan(...any) error }

func scanBare(row scanner) (*bareTask, error) {
	var t bareTask
	err := row.Scan(&t.ID, &t.Workflow, &t.Project, &t.Title, &t.Description, &t.Status, &t.Priority, &t.DueDate, &t.CreatedAt, &t.UpdatedAt)
	return &t, err
}

// scanAllBare reads every row of a result, from database/sql or pgx.
func scanAllBare(rows interface {
	scanner
	Next() bool
	Err() error
}) ([]bareTask, error) {
	var out []bareTask
	for rows.Next() {
		t, err := scanBare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

type sqliteBare struct{ read, write *sql.DB }

func (b *sqliteBare) list(ctx context.Context, owner int64) ([]bareTask, int64, error) {
	var n int64
	if err := b.read.QueryRowContext(ctx, bareCount, owner).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := b.read.QueryContext(ctx, bareList, owner)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out, err := scanAllBare(rows)
	return out, n, err
}

func (b *sqliteBare) get(ctx context.Context, owner, id int64) (*bareTask, error) {
	return scanBare(b.read.QueryRowContext(ctx, bareGet, owner, id))
}

// insert runs the INSERT without its RETURNING, as Exec: SQLite runs its
// automatic checkpoint when a write statement steps to its end, and
// database/sql resets a QueryRow's statement after its one row, so an
// INSERT ... RETURNING read with QueryRow never checkpointed, and the bare
// handler's WAL grew by 1.1 GB in 5 s of inserts (FlowTrack runs its own
// checkpoints).
func (b *sqliteBare) insert(ctx context.Context, owner int64, t *bareTask) error {
	res, err := b.write.ExecContext(ctx, bareInsertRow, owner, t.Project, t.Workflow, t.Title, t.CreatedAt)
	if err != nil {
		return err
	}
	t.ID, err = res.LastInsertId()
	return err
}

type pgBare struct{ pool *pgxpool.Pool }

func (b *pgBare) list(ctx context.Context, owner int64) ([]bareTask, int64, error) {
	var n int64
	if err := b.pool.QueryRow(ctx, bareCount, owner).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := b.pool.Query(ctx, bareList, owner)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out, err := scanAllBare(rows)
	return out, n, err
}

func (b *pgBare) get(ctx context.Context, owner, id int64) (*bareTask, error) {
	return scanBare(b.pool.QueryRow(ctx, bareGet, owner, id))
}

func (b *pgBare) insert(ctx context.Context, owner int64, t *bareTask) error {
	return b.pool.QueryRow(ctx, bareInsert, owner, t.Project, t.Workflow, t.Title, t.CreatedAt).Scan(&t.ID)
}

// bareUser checks an HS256 JWT by hand and returns its user id.
func bareUser(r *http.Request, key []byte) (int64, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return 0, false
	}
	i := strings.LastIndexByte(tok, '.')
	j := strings.IndexByte(tok, '.')
	if i < 0 || j == i {
		return 0, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		return 0, false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tok[:i]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return 0, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(tok[j+1 : i])
	if err != nil {
		return 0, false
	}
	var c struct {
		Exp    int64  `json:"exp"`
		UserID string `json:"user_id"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Exp < time.Now().Unix() {
		return 0, false
	}
	id, err := strconv.ParseInt(c.UserID, 10, 64)
	return id, err == nil
}

func bareJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// bareHandler serves /bare/tasks/ (list 20 with count, create) and
// /bare/tasks/{id}/ (read).
func bareHandler(db bareDB, key []byte) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bare/tasks/", func(w http.ResponseWriter, r *http.Request) {
		owner, ok := bareUser(r, key)
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		list, n, err := db.list(r.Context(), owner)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		bareJSON(w, 200, map[string]any{"count": n, "results": list})
	})
	mux.HandleFunc("GET /bare/tasks/{id}/", func(w http.ResponseWriter, r *http.Request) {
		owner, ok := bareUser(r, key)
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if !ok || err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		t, err := db.get(r.Context(), owner, id)
		if err != nil {
			http.Error(w, err.Error(), 404)
			return
		}
		bareJSON(w, 200, t)
	})
	mux.HandleFunc("POST /bare/tasks/", func(w http.ResponseWriter, r *http.Request) {
		owner, ok := bareUser(r, key)
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var t bareTask
		if err := json.NewDecoder(r.Body).Decode(&t); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		t.CreatedAt = time.Now().UnixMicro()
		if err := db.insert(r.Context(), owner, &t); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		bareJSON(w, 201, t)
	})
	return mux
}

// serveBare is `flowbench bare`: the reference server, until SIGTERM.
func serveBare(args []string) error {
	flags := flag.NewFlagSet("bare", flag.ContinueOnError)
	dbURL := flags.String("db", "", "database URL (sqlite:PATH or postgres://...)")
	addr := flags.String("addr", "127.0.0.1:8100", "listen address")
	if err := flags.Parse(args); err != nil {
		return err
	}
	key := []byte(os.Getenv("FLOWTRACK_SECRET_KEY"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var db bareDB
	if path, ok := strings.CutPrefix(*dbURL, "sqlite:"); ok {
		// The same settings as FlowTrack's SQLite store: WAL, one writer.
		pragmas := "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"
		write, err := sql.Open("sqlite", "file:"+path+pragmas+"&_txlock=immediate")
		if err != nil {
			return err
		}
		write.SetMaxOpenConns(1)
		read, err := sql.Open("sqlite", "file:"+path+pragmas)
		if err != nil {
			return err
		}
		n := max(4, 2*runtime.NumCPU())
		read.SetMaxOpenConns(n)
		read.SetMaxIdleConns(n)
		db = &sqliteBare{read: read, write: write}
	} else {
		pool, err := pgxpool.New(ctx, *dbURL)
		if err != nil {
			return err
		}
		defer pool.Close()
		db = &pgBare{pool: pool}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: bareHandler(db, key)}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("bare: %w", err)
	}
	return nil
}
