package api

import (
	"encoding/json"
	"strconv"
)

// surrogate stands, in a decoded body, for a string field whose JSON held
// an unpaired UTF-16 surrogate escape such as "\ud800". encoding/json
// would turn it into U+FFFD and so change the data silently; DRF refuses
// it, and so does FlowTrack.
type surrogate rune

// hasLoneSurrogate scans JSON for a \u escape of a surrogate that is not
// half of a pair.
func hasLoneSurrogate(b []byte) bool {
	_, found := firstLoneSurrogate(b)
	return found
}

// firstLoneSurrogate returns the first unpaired surrogate escaped in b.
func firstLoneSurrogate(b []byte) (rune, bool) {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' {
			i++ // skip the escaped character, which may be a backslash
			continue
		}
		r, ok := hex4(b, i+2)
		if !ok {
			continue
		}
		switch {
		case r >= 0xd800 && r < 0xdc00:
			low, ok := rune(0), false
			if i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
				low, ok = hex4(b, i+8)
			}
			if !ok || low < 0xdc00 || low > 0xdfff {
				return r, true
			}
			i += 11
		case r >= 0xdc00 && r <= 0xdfff:
			return r, true
		default:
			i += 5
		}
	}
	return 0, false
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(n), err == nil
}

// markSurrogates replaces the decoded value of every top-level field whose
// JSON holds a lone surrogate with a surrogate marker.
func markSurrogates(body []byte, fields map[string]any) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return
	}
	for k, v := range raw {
		if r, ok := firstLoneSurrogate(v); ok {
			fields[k] = surrogate(r)
		}
	}
}
