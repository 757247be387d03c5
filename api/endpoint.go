package api

import (
	"maps"
	"net/http"
	"path"
	"strings"

	"github.com/flowtrack/flowtrack"
)

// request is what a handler works with: the HTTP request and, behind
// authentication, the caller and the caller's data.
type request struct {
	*http.Request
	server *Server
	user   *flowtrack.User
	data   flowtrack.Scope
}

// handlerFunc handles one method of an endpoint and returns its error for
// writeError.
type handlerFunc func(w http.ResponseWriter, r *request) error

// methods maps HTTP methods to their handlers.
type methods map[string]handlerFunc

// methodOrder is the order DRF lists methods in the Allow header.
var methodOrder = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// allow returns the Allow header of an endpoint: HEAD with GET, OPTIONS always.
func (m methods) allow() string {
	var list []string
	for _, method := range methodOrder {
		_, ok := m[method]
		if ok || method == "OPTIONS" || (method == "HEAD" && m["GET"] != nil) {
			list = append(list, method)
		}
	}
	return strings.Join(list, ", ")
}

// dispatch picks the handler of the request's method, after the checks
// that DRF runs first (authentication, permissions) have passed.
func (m methods) dispatch(name string, w http.ResponseWriter, r *request) error {
	allow := m.allow()
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if method == http.MethodOptions {
		writeJSON(w, http.StatusOK, metadata{Name: name, Renders: []string{"application/json"}, Parses: []string{"application/json"}})
		return nil
	}
	h, ok := m[method]
	if !ok {
		return methodNotAllowed(r.Method, allow)
	}
	return h(w, r)
}

// metadata is the body of OPTIONS, as DRF's SimpleMetadata starts it.
type metadata struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Renders     []string `json:"renders"`
	Parses      []string `json:"parses"`
}

// errorHandler adapts a function returning an error to http.Handler.
func (s *Server) errorHandler(f func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// public is an endpoint that needs no authentication, as SimpleJWT's token
// views: the Authorization header is ignored. gate, if not nil, runs
// before the method check, as DRF's permission classes do.
func (s *Server) public(name string, gate func(*http.Request) error, m methods) http.Handler {
	allow := m.allow()
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow) // DRF sends it on every answer of a view
		if gate != nil {
			if err := gate(r); err != nil {
				return err
			}
		}
		return m.dispatch(name, w, &request{Request: r, server: s})
	})
}

// private is an endpoint of the caller's account itself: its handlers
// get the user as read for this request.
func (s *Server) private(name string, m methods) http.Handler {
	allow := m.allow()
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		user, err := s.authenticate(r)
		if err != nil {
			return err
		}
		if user == nil {
			return errNoCredentials
		}
		return m.dispatch(name, w, &request{Request: r, server: s, user: user, data: s.store.ForUser(user.ID)})
	})
}

// errNoCredentials is DRF's 401 for a request without a token.
var errNoCredentials = unauthorized(detail{"Authentication credentials were not provided."})

// owned is an endpoint of the caller's data. Its handlers get the
// caller's data and nothing wider, through a scope that checks the
// account in its own statements (ForCaller), so a read costs one
// statement, not two. A response that no statement has vouched for (a
// validation error, a 405, an OPTIONS) is held until the account is read:
// a deleted or deactivated user gets 401 and nothing else, whatever the
// request.
func (s *Server) owned(name string, m methods) http.Handler {
	allow := m.allow()
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		id, err := s.caller(r)
		if err != nil {
			return err
		}
		if id == 0 {
			return errNoCredentials
		}
		data := s.store.ForCaller(id)
		held := &heldResponse{ResponseWriter: w, header: http.Header{}, verify: func() error { return data.Verify(r.Context()) }}
		if err := m.dispatch(name, held, &request{Request: r, server: s, data: data}); err != nil {
			if err := data.Verify(r.Context()); err != nil {
				return err
			}
			maps.Copy(w.Header(), held.header)
			return err
		}
		return held.err
	})
}

// heldResponse passes a response on only once verify accepts it; until
// then its headers are its own. After a refusal it drops what the handler
// writes and keeps the reason in err.
type heldResponse struct {
	http.ResponseWriter
	header  http.Header
	verify  func() error
	started bool
	err     error
}

func (h *heldResponse) Header() http.Header {
	if h.started {
		return h.ResponseWriter.Header()
	}
	return h.header
}

// start runs verify on the first write and tells whether to pass it on.
func (h *heldResponse) start() bool {
	if !h.started {
		h.started = true
		if h.err = h.verify(); h.err == nil {
			maps.Copy(h.ResponseWriter.Header(), h.header)
		}
	}
	return h.err == nil
}

func (h *heldResponse) WriteHeader(code int) {
	if h.start() {
		h.ResponseWriter.WriteHeader(code)
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if !h.start() {
		return 0, h.err
	}
	return h.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the connection's writer.
func (h *heldResponse) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// lookup is an endpoint of one of the caller's objects. As with DRF's
// router, whose lookup pattern is [^/.]+, an {id} with a dot names no
// route at all.
func (s *Server) lookup(name string, m methods) http.Handler {
	h := s.owned(name, m)
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		if strings.Contains(r.PathValue("id"), ".") {
			return errNotFound
		}
		h.ServeHTTP(w, r)
		return nil
	})
}

// cleanPaths answers 404 for a path with empty, "." or ".." segments
// instead of the redirect ServeMux would send: such a path names no route.
func (s *Server) cleanPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		cleaned := path.Clean(p)
		if strings.HasSuffix(p, "/") && cleaned != "/" {
			cleaned += "/"
		}
		if cleaned != p {
			s.writeError(w, r, errNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// gate returns its argument; it names the permission step in routes.go.
func (s *Server) gate(f func(*http.Request) error) func(*http.Request) error { return f }

// service is a plain GET endpoint outside the API's authentication.
func (s *Server) service(f func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	m := methods{"GET": func(w http.ResponseWriter, r *request) error { return f(w, r.Request) }}
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		return m.dispatch("Service", w, &request{Request: r})
	})
}

// fail answers every request with err.
func (s *Server) fail(err error) http.Handler {
	return s.errorHandler(func(http.ResponseWriter, *http.Request) error { return err })
}
