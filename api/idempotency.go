package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/flowtrack/flowtrack"
)

// idempotencyKey returns the request's Idempotency-Key, "" without one.
// A key is 1 to 255 printable ASCII characters.
func idempotencyKey(r *request) (string, error) {
	values, ok := r.Header["Idempotency-Key"]
	if !ok {
		return "", nil
	}
	key := ""
	if len(values) == 1 {
		key = values[0]
	}
	valid := len(key) >= 1 && len(key) <= 255
	for i := 0; valid && i < len(key); i++ {
		valid = key[i] >= 0x20 && key[i] <= 0x7e
	}
	if !valid {
		return "", errorf(http.StatusBadRequest, "Idempotency-Key must be 1 to 255 printable characters.")
	}
	return key, nil
}

// requestHash identifies what a request asks for, so a key reused for
// another request is told apart from a retry.
func requestHash(r *request, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// idempotencyError maps the store's idempotency errors to responses.
func idempotencyError(err error) error {
	switch {
	case errors.Is(err, flowtrack.ErrIdempotencyMismatch):
		return errorf(http.StatusUnprocessableEntity, "Idempotency-Key reused with a different request.")
	case errors.Is(err, flowtrack.ErrIdempotencyBusy):
		return errorf(http.StatusConflict, "A request with this Idempotency-Key is in progress.")
	}
	return err
}

// replay writes a created object's response, first or stored.
func replay(w http.ResponseWriter, resp *flowtrack.StoredResponse) {
	w.Header().Set("Location", resp.Location)
	w.Header().Set("ETag", resp.ETag)
	writeBody(w, resp.Status, resp.Body)
}
