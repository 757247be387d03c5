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

// BenchmarkParse is the cost of authenticating a request's token.
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
