package api

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/flowtrack/flowtrack"
)

var errInvalidCursor = errorf(404, "Invalid cursor")

// cursorPayload is what a cursor holds: the ordering it belongs to, the
// direction, and the sort key of the row it starts from.
type cursorPayload struct {
	Order   string `json:"o"`
	Reverse bool   `json:"r,omitempty"`
	Key     []any  `json:"k"`
}

// encodeCursor returns an opaque, signed cursor: base64 of its JSON, a
// dot, and an HMAC, so a tampered cursor is refused rather than trusted.
func (s *Server) encodeCursor(order string, c flowtrack.Cursor) string {
	b, _ := json.Marshal(cursorPayload{Order: order, Reverse: c.Reverse, Key: c.Key})
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.cursorMAC(order, payload))
}

// dueKeyVersion is signed with the payload of a cursor of an ordering by
// due date. A task without a due date sorts as flowtrack.NoDueDate, which
// was 9999-12-31 before migration 00010: a cursor from before that holds
// it would resume at the wrong row, and a process from before given one
// of today's would end the list early. So each refuses the other's, as
// for any stale cursor ("Invalid cursor"); other orderings' cursors stay
// good across the upgrade.
const dueKeyVersion = "due key 2\x00"

func (s *Server) cursorMAC(order, payload string) []byte {
	m := hmac.New(sha256.New, s.cfg.CursorKey)
	if strings.Contains(order, "due_date") {
		m.Write([]byte(dueKeyVersion))
	}
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

// decodeCursor reads a cursor of the list's ordering; sample returns the
// sort value of a zero row for a field, whose type the key must have.
func (s *Server) decodeCursor(raw, order string, fields []string, sample func(string) any) (*flowtrack.Cursor, error) {
	if raw == "" {
		return &flowtrack.Cursor{}, nil // the first page
	}
	payload, mac, ok := strings.Cut(raw, ".")
	// Strict decoding: a signature has exactly one spelling.
	sig, err := base64.RawURLEncoding.Strict().DecodeString(mac)
	if !ok || err != nil || !hmac.Equal(sig, s.cursorMAC(order, payload)) {
		return nil, errInvalidCursor
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return nil, errInvalidCursor
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var c cursorPayload
	if dec.Decode(&c) != nil || c.Order != order || len(c.Key) != len(fields)+1 {
		return nil, errInvalidCursor
	}
	key := make([]any, len(c.Key))
	for i, v := range c.Key {
		field := "id"
		if i < len(fields) {
			field = fields[i]
		}
		switch sample(field).(type) {
		case string:
			str, ok := v.(string)
			if !ok {
				return nil, errInvalidCursor
			}
			key[i] = str
		default:
			n, ok := v.(json.Number)
			if !ok {
				return nil, errInvalidCursor
			}
			if key[i], err = n.Int64(); err != nil {
				return nil, errInvalidCursor
			}
		}
	}
	return &flowtrack.Cursor{Reverse: c.Reverse, Key: key}, nil
}
