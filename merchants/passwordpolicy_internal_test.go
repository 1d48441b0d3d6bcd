package merchants

import (
	"strings"
	"testing"
)

func TestCheckNewPassword(t *testing.T) {
	tests := []struct {
		name, pw, username string
		want               string // the message, "" for accepted
	}{
		{"accepted sentence", "correct horse battery", "hanoi01", ""},
		{"accepted Vietnamese", "Chợ Bến Thành 2026", "hanoi01", ""},
		{"nine characters", "abcdefgh9", "hanoi01", "must be 10 to 256 characters"},
		{"nine Vietnamese letters count as nine", "ệệệệệệệệa", "hanoi01", "must be 10 to 256 characters"},
		{"too long", strings.Repeat("ab", 129), "hanoi01", "must be 10 to 256 characters"},
		{"one character repeated", "aaaaaaaaaaaa", "hanoi01", "must not be one character repeated"},
		{"one Vietnamese character repeated", "đđđđđđđđđđđ", "hanoi01", "must not be one character repeated"},
		{"the username", "nguyen.van.an", "nguyen.van.an", "must not be the username"},
		{"the username in capitals", "NGUYEN.VAN.AN", "nguyen.van.an", "must not be the username"},
		{"common: 123456789a", "123456789a", "x", "is one of the most common passwords and easy to guess; choose another (a short sentence works well)"},
		{"common: 1234567890", "1234567890", "x", "is one of the most common passwords and easy to guess; choose another (a short sentence works well)"},
		{"common: qwertyuiop", "qwertyuiop", "x", "is one of the most common passwords and easy to guess; choose another (a short sentence works well)"},
		{"common in capitals: PASSWORD123", "PASSWORD123", "x", "is one of the most common passwords and easy to guess; choose another (a short sentence works well)"},
		{"common: 1qaz2wsx3edc", "1qaz2wsx3edc", "x", "is one of the most common passwords and easy to guess; choose another (a short sentence works well)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problems
			checkNewPassword(&p, "password", tt.pw, tt.username)
			got := ""
			if err := p.err(); err != nil {
				got = err.(*ValidationError).Fields[0].Message
			}
			if got != tt.want {
				t.Errorf("checkNewPassword(%q) = %q, want %q", tt.pw, got, tt.want)
			}
		})
	}
}

// TestCommonPasswordList: the shipped list is the well-known one, at least
// 10,000 entries, and its first and last lines are found.
func TestCommonPasswordList(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(commonPasswords, "\n"), "\n")
	if len(lines) < 10_000 {
		t.Fatalf("%d common passwords, want at least 10,000", len(lines))
	}
	for _, w := range []string{lines[0], lines[len(lines)-1], "password", "iloveyou"} {
		if !isCommonPassword(w) {
			t.Errorf("isCommonPassword(%q) = false", w)
		}
	}
}
