package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/flowtrack/flowtrack"
)

// Error is an HTTP error with DRF's body; every handler, middleware and
// fallback returns errors, and writeError alone turns them into responses.
type Error struct {
	Status int
	Body   any
	Header http.Header
}

func (e *Error) Error() string { return http.StatusText(e.Status) }

// detail is DRF's body of an error with a message.
type detail struct {
	Detail string `json:"detail"`
}

// detailCode is SimpleJWT's body of an authentication failure.
type detailCode struct {
	Detail   string         `json:"detail"`
	Code     string         `json:"code"`
	Messages []tokenMessage `json:"messages,omitempty"`
}

type tokenMessage struct {
	TokenClass string `json:"token_class"`
	TokenType  string `json:"token_type"`
	Message    string `json:"message"`
}

// errorf returns an error with a {"detail": msg} body.
func errorf(status int, msg string) *Error {
	return &Error{Status: status, Body: detail{msg}}
}

// The errors that more than one place returns.
var (
	errNotFound        = errorf(http.StatusNotFound, "Not found.")
	errInvalidPage     = errorf(http.StatusNotFound, "Invalid page.")
	errTooLarge        = errorf(http.StatusRequestEntityTooLarge, "Request body too large.")
	errPrecondition    = errorf(http.StatusPreconditionFailed, "Precondition failed.")
	errServer          = errorf(http.StatusInternalServerError, "A server error occurred.")
	errUnavailable     = errorf(http.StatusServiceUnavailable, "Service unavailable.")
	errRegistrationOff = errorf(http.StatusForbidden, "Registration is closed.")
)

// unauthorized returns a 401 with the Bearer challenge DRF sends.
func unauthorized(body any) *Error {
	return &Error{Status: http.StatusUnauthorized, Body: body,
		Header: http.Header{"Www-Authenticate": {`Bearer realm="api"`}}}
}

// methodNotAllowed is DRF's 405 with the allowed methods.
func methodNotAllowed(method, allow string) *Error {
	e := errorf(http.StatusMethodNotAllowed, `Method "`+method+`" not allowed.`)
	e.Header = http.Header{"Allow": {allow}}
	return e
}

// throttled is DRF's 429 with the seconds until the next attempt.
func throttled(wait int) *Error {
	unit := "seconds"
	if wait == 1 {
		unit = "second"
	}
	e := errorf(http.StatusTooManyRequests,
		"Request was throttled. Expected available in "+strconv.Itoa(wait)+" "+unit+".")
	e.Header = http.Header{"Retry-After": {strconv.Itoa(wait)}}
	return e
}

// fieldErrors renders a validation error as DRF does: one key per field,
// in the order the fields were checked.
type fieldErrors []flowtrack.FieldError

func (fe fieldErrors) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fe {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := marshal(f.Field)
		msgs, _ := marshal(f.Messages)
		b.Write(key)
		b.WriteByte(':')
		b.Write(msgs)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeError writes the response of err. Errors it does not know are
// logged with the request id and answered with a bare 500.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *Error
	var notFound *flowtrack.NotFoundError
	var invalid *flowtrack.ValidationError
	switch {
	case errors.As(err, &apiErr):
	case errors.As(err, &notFound):
		apiErr = errorf(http.StatusNotFound, notFound.Error())
	case errors.As(err, &invalid):
		apiErr = &Error{Status: http.StatusBadRequest, Body: fieldErrors(invalid.Fields)}
	case errors.Is(err, flowtrack.ErrPrecondition):
		apiErr = errPrecondition
	case errors.Is(err, flowtrack.ErrUserNotFound):
		apiErr = unauthorized(detailCode{Detail: "User not found", Code: "user_not_found"})
	case errors.Is(err, flowtrack.ErrUserInactive):
		apiErr = unauthorized(detailCode{Detail: "User is inactive", Code: "user_inactive"})
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		apiErr = errorf(499, "Client closed request.")
	default:
		s.log.ErrorContext(r.Context(), "request failed",
			slog.String("request_id", requestID(r.Context())), slog.String("error", err.Error()))
		apiErr = errServer
	}
	for k, v := range apiErr.Header {
		w.Header()[k] = v
	}
	writeJSON(w, apiErr.Status, apiErr.Body)
}

// marshal encodes JSON as DRF renders it: compact, non-ASCII and <>&
// unescaped.
func marshal(v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(make([]byte, 0, 512))
	}
	return marshalReflect(v)
}

// marshalReflect is marshal by encoding/json, for bodies that do not
// append their own JSON.
func marshalReflect(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// writeJSON writes v as the JSON body of a response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"detail":"A server error occurred."}`)
	}
	writeBody(w, status, body)
}

// writeBody writes an encoded JSON body.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
