package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLogin(t *testing.T) {
	f := newFixture(t)
	t.Run("ok: token, user and cookies", func(t *testing.T) {
		r := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": uMemberA, "password": testPassword})
		r.want(t, http.StatusOK)
		var ans struct {
			Token     string
			CSRFToken string `json:"csrf_token"`
			User      struct {
				ID           int64
				Username     string
				Role         string
				CommuneCodes []string `json:"commune_codes"`
			}
		}
		r.decode(t, &ans)
		if ans.Token == "" || ans.CSRFToken == "" || ans.User.Username != uMemberA || ans.User.Role != "member" || len(ans.User.CommuneCodes) != 1 {
			t.Fatalf("login answer %+v", ans)
		}
		cookies := r.Header.Values("Set-Cookie")
		if len(cookies) != 2 || !strings.Contains(cookies[0], "sapqr_session="+ans.Token) || !strings.Contains(cookies[0], "HttpOnly") ||
			!strings.Contains(cookies[1], "sapqr_csrf="+ans.CSRFToken) || strings.Contains(cookies[1], "HttpOnly") {
			t.Fatalf("cookies %q", cookies)
		}
	})
	t.Run("wrong password: 401 without saying which part", func(t *testing.T) {
		r := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": uMemberA, "password": "wrong password!"})
		p := r.wantProblem(t, http.StatusUnauthorized, "unauthenticated")
		if p.Detail != "wrong username or password" {
			t.Errorf("detail %q", p.Detail)
		}
	})
	t.Run("missing fields: 422 per field", func(t *testing.T) {
		r := f.do("POST", "/api/v1/auth/login", "", map[string]string{})
		p := r.wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		if len(p.Errors) != 2 || p.Errors[0].Field != "username" || p.Errors[1].Field != "password" {
			t.Errorf("errors %+v", p.Errors)
		}
	})
	t.Run("logs never hold the password", func(t *testing.T) {
		if strings.Contains(f.logs.String(), testPassword) || strings.Contains(f.logs.String(), "wrong password!") {
			t.Fatal("a password reached the logs")
		}
	})
}

// frozen stops the API's clock, so rate-limit budgets do not refill
// however slowly the test runs.
func frozen(c *apiConfig) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return at }
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	f := newFixture(t, frozen)
	for i := range 5 {
		r := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": uMemberB, "password": "guess number " + string(rune('a'+i))})
		r.wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	}
	// Even the right password is refused now, without being checked.
	r := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": uMemberB, "password": testPassword})
	r.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	// Another account from the same address is unaffected.
	f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": uMemberA, "password": testPassword}).want(t, http.StatusOK)
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	f := newFixture(t, frozen) // six logins already spent
	limited := false
	for i := range 30 {
		r := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "nobody" + string(rune('a'+i%26)), "password": "whatever123"})
		if r.Code == http.StatusTooManyRequests {
			r.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
			limited = true
			break
		}
		r.wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	}
	if !limited {
		t.Fatal("36 attempts from one address were never limited")
	}
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		header string
		want   int
		code   string
	}{
		{"no credentials", "", http.StatusUnauthorized, "unauthenticated"},
		{"unknown token", "Bearer not-a-token", http.StatusUnauthorized, "unauthenticated"},
		{"wrong scheme", "Basic dXNlcjpwYXNz", http.StatusUnauthorized, "unauthenticated"},
		{"empty bearer", "Bearer ", http.StatusUnauthorized, "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do("GET", "/api/v1/me", "", nil, "Authorization", tt.header)
			r.wantProblem(t, tt.want, tt.code)
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	t.Run("me", func(t *testing.T) {
		r := f.do("GET", "/api/v1/me", f.as(uProv1), nil)
		r.want(t, http.StatusOK)
		var u struct {
			Username, Role string
			ProvinceCode   string `json:"province_code"`
		}
		r.decode(t, &u)
		if u.Username != uProv1 || u.Role != "province" || u.ProvinceCode != f.p1 {
			t.Errorf("me = %+v", u)
		}
	})
	t.Run("logout revokes the token", func(t *testing.T) {
		tok := f.as(uMemberB)
		f.do("POST", "/api/v1/auth/logout", tok, nil).want(t, http.StatusNoContent)
		f.do("GET", "/api/v1/me", tok, nil).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	})
}

// TestSessionCookieCSRF: the UI's cookie works for reads; changes also
// need the CSRF header, so another site cannot post with the cookie.
func TestSessionCookieCSRF(t *testing.T) {
	f := newFixture(t)
	login := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": uMemberA, "password": testPassword})
	login.want(t, http.StatusOK)
	var ans struct {
		Token     string
		CSRFToken string `json:"csrf_token"`
	}
	login.decode(t, &ans)
	body := `{"payload":"x"}`
	req := func(method, path, csrf string) *response {
		var r *http.Request
		if method == "GET" {
			r = httptest.NewRequest(method, path, nil)
		} else {
			r = httptest.NewRequest(method, path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
		}
		r.AddCookie(&http.Cookie{Name: "sapqr_session", Value: ans.Token})
		if csrf != "" {
			r.Header.Set("X-CSRF-Token", csrf)
		}
		return f.send(r)
	}
	req("GET", "/api/v1/me", "").want(t, http.StatusOK)
	req("POST", "/api/v1/qr/decode", "").wantProblem(t, http.StatusForbidden, "csrf_failed")
	req("POST", "/api/v1/qr/decode", "forged").wantProblem(t, http.StatusForbidden, "csrf_failed")
	req("POST", "/api/v1/qr/decode", ans.CSRFToken).want(t, http.StatusOK)
}

// TestAuthCache: a replica trusts a checked token for AuthCacheTTL, so a
// session ended elsewhere (another replica, the command line) is refused
// once that has passed, and at once with the cache off.
func TestAuthCache(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	f := newFixture(t, func(c *apiConfig) { c.Now = clock.Now; c.AuthCacheTTL = 5 * time.Second })
	tok := f.as(uMemberA)
	f.do("GET", "/api/v1/me", tok, nil).want(t, http.StatusOK) // now cached
	if err := f.svc.Logout(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	f.do("GET", "/api/v1/me", tok, nil).want(t, http.StatusOK)
	clock.advance(5 * time.Second)
	f.do("GET", "/api/v1/me", tok, nil).wantProblem(t, http.StatusUnauthorized, "unauthenticated")

	off := newFixture(t, func(c *apiConfig) { c.AuthCacheTTL = -1 })
	tok = off.as(uMemberA)
	off.do("GET", "/api/v1/me", tok, nil).want(t, http.StatusOK)
	if err := off.svc.Logout(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	off.do("GET", "/api/v1/me", tok, nil).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
