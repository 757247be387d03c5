package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/api"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/storetest"
	"github.com/flowtrack/flowtrack/token"
)

// BenchmarkReadTask is GET of one task through the whole router, on each
// engine: the token, the query (which checks the account too), the ETag
// and the JSON.
func BenchmarkReadTask(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) { benchmarkReadTask(b, engine) })
	}
}

func benchmarkReadTask(b *testing.B, engine string) {
	ctx := context.Background()
	store := storetest.Open(b, engine)
	u := &flowtrack.User{Username: "bench", Email: "b@example.com", PasswordHash: "x", IsActive: true, DateJoined: flowtrack.Now()}
	if err := store.UserCreate(ctx, u); err != nil {
		b.Fatal(err)
	}
	sc := store.ForUser(u.ID)
	p, _ := sc.ProjectCreate(ctx, flowtrack.ProjectInput{Name: flowtrack.Some("P")})
	w, _ := sc.WorkflowCreate(ctx, flowtrack.WorkflowInput{ProjectID: flowtrack.Some(p.ID), Name: flowtrack.Some("W")})
	task, err := sc.TaskCreate(ctx, flowtrack.TaskInput{WorkflowID: flowtrack.Some(w.ID), Title: flowtrack.Some("Write the release notes")})
	if err != nil {
		b.Fatal(err)
	}
	tokens := token.NewIssuer(testKey, time.Hour, time.Hour)
	access, _, err := tokens.Issue(token.Access, u.ID, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	h := api.NewServer(store, tokens, password.NewHasher(fastHash, 1), slog.New(slog.NewTextHandler(io.Discard, nil)), api.DefaultConfig)
	path := "/api/tasks/" + strconv.FormatInt(task.ID, 10) + "/"
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Authorization", "Bearer "+access)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
