package token

import (
	"testing"
	"time"
)

var benchKey = []byte("benchmark-secret-key-of-32-bytes!!")

func TestIssueParseRoundTrip(t *testing.T) {
	is := NewIssuer(benchKey, 5*time.Minute, 24*time.Hour)
	now := time.Now()
	s, c, err := is.Issue(Access, 42, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := is.Parse(s, Access)
	if err != nil {
		t.Fatal(err)
	}
	if *got != c || got.UserID != 42 || got.ExpiresAt-got.IssuedAt != 300 || len(got.JTI) != 32 {
		t.Fatalf("parsed %+v, issued %+v", got, c)
	}
	if _, err := is.Parse(s, Refresh); err == nil || err.Error() != MsgWrongType {
		t.Fatalf("access as refresh: %v", err)
	}
	if _, err := NewIssuer([]byte("another-key-of-at-least-32-bytes!!"), time.Minute, time.Hour).Parse(s, Access); err == nil || err.Error() != MsgInvalid {
		t.Fatalf("wrong key: %v", err)
	}
	old, _, _ := is.Issue(Access, 42, now.Add(-time.Hour))
	if _, err := is.Parse(old, Access); err == nil || err.Error() != MsgExpired {
		t.Fatalf("expired: %v", err)
	}
}

func TestParseRemembersOnlyVerifiedTokens(t *testing.T) {
	is := NewIssuer(benchKey, 5*time.Minute, 24*time.Hour)
	start := time.Unix(1_800_000_000, 0)
	is.now = func() time.Time { return start }
	s, _, err := is.Issue(Access, 7, start)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if c, err := is.Parse(s, Access); err != nil || c.UserID != 7 {
			t.Fatalf("valid token: %+v, %v", c, err)
		}
	}
	if len(is.verified) != 1 {
		t.Fatalf("%d tokens remembered, want 1", len(is.verified))
	}
	if _, err := is.Parse(s, Refresh); err == nil || err.Error() != MsgWrongType {
		t.Fatalf("remembered access token as refresh: %v", err)
	}
	// A copy with another signature is not the remembered token.
	// (Not the last character, whose low bits base64 ignores.)
	i := len(s) - 5
	other := "A"
	if s[i] == 'A' {
		other = "B"
	}
	if _, err := is.Parse(s[:i]+other+s[i+1:], Access); err == nil || err.Error() != MsgInvalid {
		t.Fatalf("tampered signature: %v", err)
	}
	// Remembering never outlives the token.
	is.now = func() time.Time { return start.Add(5*time.Minute - 500*time.Millisecond) }
	if _, err := is.Parse(s, Access); err != nil {
		t.Fatalf("half a second before expiry: %v", err)
	}
	is.now = func() time.Time { return start.Add(5 * time.Minute) }
	if _, err := is.Parse(s, Access); err == nil || err.Error() != MsgExpired {
		t.Fatalf("at expiry: %v", err)
	}
	// The memory is bounded.
	is.now = func() time.Time { return start }
	for i := range maxVerified + 10 {
		tok, _, _ := is.Issue(Access, int64(i+1), start)
		if _, err := is.Parse(tok, Access); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(is.verified); n > maxVerified {
		t.Fatalf("%d tokens remembered, more than %d", n, maxVerified)
	}
}

// BenchmarkParse is the cost of authenticating a request's token, once
// its first request has verified it.
func BenchmarkParse(b *testing.B) {
	is := NewIssuer(benchKey, 5*time.Minute, 24*time.Hour)
	s, _, _ := is.Issue(Access, 42, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := is.Parse(s, Access); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseUncached is the cost of a token's first verification.
func BenchmarkParseUncached(b *testing.B) {
	is := NewIssuer(benchKey, 5*time.Minute, 24*time.Hour)
	s, _, _ := is.Issue(Access, 42, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		clear(is.verified)
		if _, err := is.Parse(s, Access); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssue(b *testing.B) {
	is := NewIssuer(benchKey, 5*time.Minute, 24*time.Hour)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := is.Issue(Access, 42, now); err != nil {
			b.Fatal(err)
		}
	}
}
