package flowtrack

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The messages of DRF's fields that FlowTrack's rules share.
const (
	MsgRequired = "This field is required."
	MsgBlank    = "This field may not be blank."
	MsgNull     = "This field may not be null."
	MsgNulChar  = "Null characters are not allowed."
	MsgDate     = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
)

// MsgMaxLength is DRF's message for a string longer than max characters.
func MsgMaxLength(max int) string {
	return fmt.Sprintf("Ensure this field has no more than %d characters.", max)
}

// MsgChoice is DRF's message for a value outside a choice field's choices.
func MsgChoice(value string) string {
	return `"` + value + `" is not a valid choice.`
}

// CheckString trims s and checks it as DRF's CharField does: blank when
// required and empty, at most max characters (not bytes), no NUL. It
// returns the trimmed value and every message that applies.
func CheckString(s string, allowBlank bool, max int) (string, []string) {
	s = strings.TrimFunc(s, isPythonSpace)
	if s == "" {
		if allowBlank {
			return s, nil
		}
		return s, []string{MsgBlank}
	}
	var msgs []string
	if max > 0 && utf8.RuneCountInString(s) > max {
		msgs = append(msgs, MsgMaxLength(max))
	}
	if strings.IndexByte(s, 0) >= 0 {
		msgs = append(msgs, MsgNulChar)
	}
	return s, msgs
}

// isPythonSpace reports what Python's str.strip() removes, which is what
// DRF trims: Unicode white space and the ASCII separators \x1c-\x1f.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// Date is a calendar date without time zone, kept as YYYY-MM-DD.
type Date string

// ParseDate reads a date as DRF's DateField does (ISO 8601, YYYY-MM-DD,
// month and day may have one digit) and returns it in canonical form.
func ParseDate(s string) (Date, bool) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) < 1 || len(parts[2]) > 2 {
		return "", false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return "", false
			}
		}
	}
	if len(parts[1]) == 1 {
		parts[1] = "0" + parts[1]
	}
	if len(parts[2]) == 1 {
		parts[2] = "0" + parts[2]
	}
	canonical := parts[0] + "-" + parts[1] + "-" + parts[2]
	if _, err := time.Parse(time.DateOnly, canonical); err != nil {
		return "", false
	}
	return Date(canonical), true
}
