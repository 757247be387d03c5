// Package api serves FlowTrack's JSON API: the SimpleJWT-compatible
// authentication endpoints and the user-scoped projects, workflows and
// tasks, with DRF's wire format.
package api

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/throttle"
	"github.com/flowtrack/flowtrack/token"
)

// Config holds the API's settings.
type Config struct {
	AllowSignup bool
	// Login limits failed logins per username and per client address.
	Login throttle.Policy
	// CursorKey signs list cursors; every process behind one load balancer
	// needs the same. Empty means a random key, good for one process.
	CursorKey []byte
}

// DefaultConfig is the configuration api.md describes.
var DefaultConfig = Config{
	AllowSignup: true,
	Login:       throttle.Policy{PerUser: 5, PerAddr: 20, Window: time.Minute},
}

// Server is the API. Only authentication and the auth endpoints use the
// unscoped store; resource handlers receive a store bound to the caller.
type Server struct {
	store   flowtrack.Store
	tokens  *token.Issuer
	hasher  *password.Hasher
	log     *slog.Logger
	cfg     Config
	handler http.Handler
}

// NewServer returns the API handler, with every route of routes.go.
func NewServer(store flowtrack.Store, tokens *token.Issuer, hasher *password.Hasher, log *slog.Logger, cfg Config) *Server {
	if len(cfg.CursorKey) == 0 {
		cfg.CursorKey = make([]byte, 32)
		rand.Read(cfg.CursorKey)
	}
	if cfg.Login.Attempts == nil {
		cfg.Login.Attempts = throttle.NewAttempts()
	}
	s := &Server{store: store, tokens: tokens, hasher: hasher, log: log, cfg: cfg}
	s.handler = s.middleware(s.routes())
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}
