package flowtrack

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// User field limits and rules.
const (
	UsernameMax       = 150
	EmailMax          = 254
	PasswordMinLength = 8
)

// Messages of the user fields, as Django writes them.
const (
	MsgUsernameTaken   = "A user with that username already exists."
	MsgUsernameInvalid = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	MsgEmailInvalid    = "Enter a valid email address."
	MsgPasswordShort   = "This password is too short. It must contain at least 8 characters."
	MsgPasswordNumeric = "This password is entirely numeric."
)

// User is an account. Only staff reach the admin panel; the API gives
// staff no wider view.
type User struct {
	ID           int64
	Username     string
	Email        string
	PasswordHash string
	IsActive     bool
	IsStaff      bool
	IsSuperuser  bool
	DateJoined   time.Time
	LastLogin    *time.Time
}

// UsernameKey is the form of a username that uniqueness and throttling
// compare: usernames are unique without regard to case.
func UsernameKey(username string) string { return strings.ToLower(username) }

// CheckUsername validates a username as Django's UnicodeUsernameValidator.
func CheckUsername(p *Problems, username string) string {
	clean, msgs := CheckString(username, false, UsernameMax)
	for _, m := range msgs {
		p.Add("username", m)
	}
	if clean == "" || len(msgs) > 0 {
		return clean
	}
	for _, r := range clean {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("@.+-_", r) {
			p.Add("username", MsgUsernameInvalid)
			break
		}
	}
	return clean
}

var (
	emailUser   = regexp.MustCompile(`(?i)^([-!#$%&'*+/=?^_` + "`" + `{}|~0-9a-z]+(\.[-!#$%&'*+/=?^_` + "`" + `{}|~0-9a-z]+)*|"([\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$`)
	emailDomain = regexp.MustCompile(`(?i)^((\pL|\pN)((\pL|\pN|-){0,61}(\pL|\pN))?\.)+(\pL|\pN|-){2,63}$`)
)

// CheckEmail validates an address as Django's EmailValidator does.
func CheckEmail(p *Problems, field, email string) string {
	clean, msgs := CheckString(email, false, EmailMax)
	for _, m := range msgs {
		p.Add(field, m)
	}
	if clean == "" || len(msgs) > 0 {
		return clean
	}
	at := strings.LastIndexByte(clean, '@')
	if at <= 0 || at == len(clean)-1 {
		p.Add(field, MsgEmailInvalid)
		return clean
	}
	user, domain := clean[:at], clean[at+1:]
	okDomain := strings.EqualFold(domain, "localhost") ||
		(emailDomain.MatchString(domain) && !strings.HasSuffix(domain, "-"))
	if !emailUser.MatchString(user) || !okDomain {
		p.Add(field, MsgEmailInvalid)
	}
	return clean
}

// CheckPassword applies Django's default password validators (length,
// numeric, similarity to the username and email) under field.
func CheckPassword(p *Problems, field, password, username, email string) {
	if password == "" {
		p.Add(field, MsgBlank)
		return
	}
	if strings.IndexByte(password, 0) >= 0 {
		p.Add(field, MsgNulChar)
		return
	}
	if attr := similarAttribute(password, username, email); attr != "" {
		p.Add(field, "The password is too similar to the "+attr+".")
	}
	if utf8.RuneCountInString(password) < PasswordMinLength {
		p.Add(field, MsgPasswordShort)
	}
	numeric := true
	for _, r := range password {
		if !unicode.IsDigit(r) {
			numeric = false
			break
		}
	}
	if numeric {
		p.Add(field, MsgPasswordNumeric)
	}
}

var nonWord = regexp.MustCompile(`[^\pL\pN_]+`)

// similarAttribute returns the name of the attribute the password is too
// similar to, as Django's UserAttributeSimilarityValidator (0.7) judges.
func similarAttribute(password, username, email string) string {
	pw := []rune(strings.ToLower(password))
	for _, attr := range []struct{ name, value string }{{"username", username}, {"email address", email}} {
		if attr.value == "" {
			continue
		}
		lower := strings.ToLower(attr.value)
		for _, part := range append(nonWord.Split(lower, -1), lower) {
			v := []rune(part)
			if len(pw) >= 10*len(v) && float64(len(v)) < 0.7/2*float64(len(pw)) {
				continue
			}
			if quickRatio(pw, v) >= 0.7 {
				return attr.name
			}
		}
	}
	return ""
}

// quickRatio is Python's SequenceMatcher.quick_ratio: twice the size of
// the multiset intersection over the total length.
func quickRatio(a, b []rune) float64 {
	if len(a)+len(b) == 0 {
		return 1
	}
	counts := map[rune]int{}
	for _, r := range b {
		counts[r]++
	}
	matches := 0
	for _, r := range a {
		if counts[r] > 0 {
			counts[r]--
			matches++
		}
	}
	return 2 * float64(matches) / float64(len(a)+len(b))
}
