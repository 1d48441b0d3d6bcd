package merchants

import (
	_ "embed"
	"strings"
	"unicode/utf8"
)

// commonPasswords is a public list of 49,233 common passwords, one a line,
// lower-cased (see commonpasswords/README.md for its source and licence).
//
//go:embed commonpasswords/passwords.txt
var commonPasswords string

// Password length bounds, in characters.
const (
	minPasswordRunes = 10
	maxPasswordRunes = 256
)

// checkNewPassword adds a problem under field when pw may not become a
// password: shorter than 10 or longer than 256 characters, one character
// repeated, the username itself, or in the list of common passwords (any
// case). It says why, never echoing the password.
func checkNewPassword(p *problems, field, pw, username string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < minPasswordRunes || n > maxPasswordRunes:
		p.add(field, "must be 10 to 256 characters")
	case strings.Count(pw, string([]rune(pw)[:1])) == n:
		p.add(field, "must not be one character repeated")
	case username != "" && strings.EqualFold(strings.TrimSpace(pw), username):
		p.add(field, "must not be the username")
	case isCommonPassword(pw):
		p.add(field, "is one of the most common passwords and easy to guess; choose another (a short sentence works well)")
	}
}

// isCommonPassword reports whether pw, lower-cased, is a line of the
// common-password list. A linear search of the embedded text costs tens of
// microseconds, far below the argon2id hash that follows it, and keeps no
// table in memory.
func isCommonPassword(pw string) bool {
	w := strings.ToLower(strings.TrimSpace(pw))
	if w == "" || strings.Contains(w, "\n") {
		return false
	}
	return strings.HasPrefix(commonPasswords, w+"\n") || strings.Contains(commonPasswords, "\n"+w+"\n")
}
