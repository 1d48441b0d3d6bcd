package merchants

import (
	"errors"
	"fmt"
	"strings"
)

// Errors every Service method and Store implementation may return, wrapped
// with %w and more detail; test them with errors.Is.
var (
	// ErrNotFound means the thing does not exist or is outside the actor's
	// scope (a read never tells the two apart).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change would break a uniqueness rule: a stall
	// that already has an active vendor, a bank account active on another
	// vendor, a code or username already taken.
	ErrConflict = errors.New("conflict")
	// ErrForbidden means the actor may not make this change: its role does
	// not allow it or the unit is outside its scope.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated means no valid identity: a wrong password, an
	// unknown, expired or revoked token, or a disabled user.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrUnavailable means the database cannot serve right now though the
	// request was fine: it is unreachable, restarting or out of
	// connections. The same request may succeed when retried shortly.
	ErrUnavailable = errors.New("unavailable")
)

// ErrMalformedDelivery means a transfer notification passed its
// authentication but its body is not in the provider's format: too large,
// not JSON, a field missing, of the wrong type or out of bounds. The
// provider is told 400 and nothing is stored.
var ErrMalformedDelivery = errors.New("malformed delivery")

// Rule names the rule a conflicting change would break, so callers can
// tell conflicts apart without reading their text.
type Rule string

// Conflict rules.
const (
	RuleStallTaken        Rule = "stall_taken"        // the stall already has an active vendor
	RuleAccountTaken      Rule = "account_taken"      // the bank account is active on another vendor
	RulePrimaryAccount    Rule = "primary_account"    // the vendor already has a primary account
	RuleStallCodeTaken    Rule = "stall_code_taken"   // the market already has a stall with the code
	RuleMarketCodeTaken   Rule = "market_code_taken"  // the commune already has a market with the code
	RuleUsernameTaken     Rule = "username_taken"     // the username is taken
	RuleRequestKey        Rule = "request_key"        // the user already registered a vendor under the request key
	RuleNoQR              Rule = "no_qr"              // the vendor (or market) has no active bank account, so no QR or sign
	RuleUnprintable       Rule = "unprintable"        // a name stored before the sign rules cannot be printed
	RuleUnverifiedAccount Rule = "unverified_account" // the vendor's account payee was never checked, so no sign prints
	RuleNothingToPrint    Rule = "nothing_to_print"   // no stall of a market has a sign in the state asked for
	RuleUnique            Rule = "unique"             // another uniqueness rule of the database
)

// ConflictError is a change refused because it would break a rule: it
// matches ErrConflict with errors.Is, and Detail says in words a user can
// act on what is in the way (never anything outside the actor's area).
type ConflictError struct {
	Rule   Rule
	Detail string
}

func (e *ConflictError) Error() string { return ErrConflict.Error() + ": " + e.Detail }

// Is makes every ConflictError match ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// conflict returns a *ConflictError for rule with a formatted detail.
func conflict(rule Rule, format string, args ...any) *ConflictError {
	return &ConflictError{Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// FieldError is one invalid input field. Field is the input's JSON name,
// dotted for nested objects ("bank_account.bin"); Message says what is wrong
// and what is allowed.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of one input. A method that
// returns it has changed nothing.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid input")
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	return b.String()
}

// problems collects field errors while an input is checked.
type problems []FieldError

func (p *problems) add(field, message string) {
	*p = append(*p, FieldError{Field: field, Message: message})
}

// err returns a *ValidationError listing the problems, or nil when there
// are none.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: p}
}
