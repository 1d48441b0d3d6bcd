package api_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/api"
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

// loginFrom tries a login from a client address.
func (f *fixture) loginFrom(addr, user, password string) *response {
	f.t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
	req.RemoteAddr = addr + ":40000"
	req.Header.Set("Content-Type", "application/json")
	return f.send(req)
}

// TestLoginThrottle: after 5 failures from an address that address waits
// (429 + Retry-After, even with the right password, which is not
// checked); 20 failed logins for an account from one address, spread over
// two replicas, do not stop its owner logging in from another address.
func TestLoginThrottle(t *testing.T) {
	f := newFixture(t)
	r2 := f.replica()
	const attacker, owner = "198.51.100.7", "203.0.113.9"
	limited := 0
	for i := range 20 {
		srv := f
		if i%2 == 1 {
			srv = r2
		}
		r := srv.loginFrom(attacker, uMemberB, "guess number "+string(rune('a'+i)))
		switch {
		case i < 5:
			r.wantProblem(t, http.StatusUnauthorized, "unauthenticated")
		case r.Code == http.StatusTooManyRequests:
			limited++
			if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Errorf("attempt %d: Retry-After %q", i+1, ra)
			}
		default:
			r.wantProblem(t, http.StatusUnauthorized, "unauthenticated")
		}
	}
	if limited == 0 {
		t.Fatal("20 failures from one address across two replicas were never limited")
	}
	f.loginFrom(attacker, uMemberB, testPassword).wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	r2.loginFrom(owner, uMemberB, testPassword).want(t, http.StatusOK)
	f.loginFrom(owner, uMemberB, testPassword).want(t, http.StatusOK)
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

// TestSessionCookieNames: Secure cookies carry the __Host- prefix (a
// subdomain or a plain-HTTP page cannot set or shadow them) and only that
// name logs in; without Secure they keep their plain names, which browsers
// accept without HTTPS. The UI reads the CSRF cookie under either name.
func TestSessionCookieNames(t *testing.T) {
	for _, tt := range []struct {
		secure              bool
		session, csrf, bare string // bare: the other name, which must not log in
	}{
		{false, "sapqr_session", "sapqr_csrf", "__Host-sapqr_session"},
		{true, "__Host-sapqr_session", "__Host-sapqr_csrf", "sapqr_session"},
	} {
		t.Run(fmt.Sprintf("secure=%v", tt.secure), func(t *testing.T) {
			f := newFixture(t, func(c *api.Config) { c.SecureCookies = tt.secure })
			login := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": uMemberA, "password": testPassword})
			login.want(t, http.StatusOK)
			var ans struct {
				Token     string
				CSRFToken string `json:"csrf_token"`
			}
			login.decode(t, &ans)
			got := map[string]*http.Cookie{}
			for _, c := range (&http.Response{Header: login.Header}).Cookies() {
				got[c.Name] = c
			}
			if len(got) != 2 || got[tt.session] == nil || got[tt.csrf] == nil {
				t.Fatalf("cookies %q, want %s and %s", login.Header.Values("Set-Cookie"), tt.session, tt.csrf)
			}
			for _, c := range got {
				if c.Secure != tt.secure || c.Path != "/" || c.Domain != "" {
					t.Errorf("cookie %s: Secure %v, Path %q, Domain %q; want Secure %v, Path /, no Domain", c.Name, c.Secure, c.Path, c.Domain, tt.secure)
				}
			}
			if got[tt.session].Value != ans.Token || got[tt.csrf].Value != ans.CSRFToken {
				t.Errorf("cookie values do not match the login answer")
			}
			me := func(name string) *response {
				r := httptest.NewRequest("GET", "/api/v1/me", nil)
				r.AddCookie(&http.Cookie{Name: name, Value: ans.Token})
				return f.send(r)
			}
			me(tt.session).want(t, http.StatusOK)
			me(tt.bare).wantProblem(t, http.StatusUnauthorized, "unauthenticated")

			logout := httptest.NewRequest("POST", "/api/v1/auth/logout", nil)
			logout.AddCookie(&http.Cookie{Name: tt.session, Value: ans.Token})
			logout.Header.Set("X-CSRF-Token", ans.CSRFToken)
			out := f.send(logout)
			for _, c := range (&http.Response{Header: out.Header}).Cookies() {
				if (c.Name != tt.session && c.Name != tt.csrf) || c.MaxAge >= 0 {
					t.Errorf("logout sets cookie %s (MaxAge %d); want %s and %s cleared", c.Name, c.MaxAge, tt.session, tt.csrf)
				}
			}
		})
	}
	js, err := fs.ReadFile(os.DirFS("web/static"), "app.js")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), "(?:__Host-)?sapqr_csrf=") {
		t.Error("app.js does not read the __Host-sapqr_csrf cookie")
	}
}
