package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// Cookie and header names of browser sessions. The cookies are named by
// cookieNames, which adds hostPrefix when they are Secure.
const (
	sessionCookie = "sapqr_session"
	csrfCookie    = "sapqr_csrf"
	csrfHeader    = "X-CSRF-Token"
	hostPrefix    = "__Host-"
)

// cookieNames returns the names of the session and CSRF cookies: with the
// __Host- prefix when they are Secure, so that a browser keeps them bound to
// this host, path / and HTTPS (no subdomain and no plain-HTTP page can set
// or shadow them); as they are otherwise, since browsers refuse a __Host-
// cookie that is not Secure.
func cookieNames(secure bool) (session, csrf string) {
	if secure {
		return hostPrefix + sessionCookie, hostPrefix + csrfCookie
	}
	return sessionCookie, csrfCookie
}

// sessionCookieName is the name this server gives the session cookie.
func (s *Server) sessionCookieName() string {
	name, _ := cookieNames(s.cfg.SecureCookies)
	return name
}

// ctxKeyUser and ctxKeyToken are the echo.Context keys of the
// authenticated user and its bearer token.
const (
	ctxKeyUser  = "sapqr.user"
	ctxKeyToken = "sapqr.token"
)

// userOf returns the authenticated caller, nil on public routes.
func userOf(c echo.Context) *merchants.Actor {
	a, _ := c.Get(ctxKeyUser).(*merchants.Actor)
	return a
}

// actorOf returns who makes the call; the zero Actor (refused by the
// domain) on public routes.
func actorOf(c echo.Context) merchants.Actor {
	if a := userOf(c); a != nil {
		return *a
	}
	return merchants.Actor{}
}

// csrfTokenFor derives the CSRF token of a session from its secret token.
// A page on another site can make the browser send the session cookie but
// cannot read it, so it cannot produce this value; deriving it keeps the
// scheme stateless across replicas.
func csrfTokenFor(sessionToken string) string {
	sum := sha256.Sum256([]byte("sapqr csrf v1\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CSRFToken returns the CSRF token the UI must send in X-CSRF-Token with
// every unsafe request made with the session cookie; "" without a session.
// It reads the session cookie under either name (see cookieNames); only
// authentication, which reads the server's one name, decides who is logged in.
func CSRFToken(c echo.Context) string {
	for _, name := range []string{hostPrefix + sessionCookie, sessionCookie} {
		if ck, err := c.Cookie(name); err == nil && ck.Value != "" {
			return csrfTokenFor(ck.Value)
		}
	}
	return ""
}

// authenticate requires a bearer token or a session cookie. With the
// cookie, unsafe methods must also carry X-CSRF-Token (double submit of a
// token derived from the session), because browsers attach cookies to
// cross-site requests; bearer tokens are never sent by a browser on its
// own, so they need no CSRF check.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		token, fromCookie := "", false
		if h := req.Header.Get(echo.HeaderAuthorization); h != "" {
			scheme, rest, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" {
				return newError(http.StatusUnauthorized, codeUnauthenticated,
					`the Authorization header must be "Bearer <token>" with the token from POST /api/v1/auth/login`)
			}
			token = strings.TrimSpace(rest)
		} else if ck, err := c.Cookie(s.sessionCookieName()); err == nil && ck.Value != "" {
			token, fromCookie = ck.Value, true
		} else {
			return newError(http.StatusUnauthorized, codeUnauthenticated,
				"log in first: send Authorization: Bearer <token> from POST /api/v1/auth/login")
		}
		if fromCookie && !safeMethod(req.Method) {
			got := req.Header.Get(csrfHeader)
			if subtle.ConstantTimeCompare([]byte(got), []byte(csrfTokenFor(token))) != 1 {
				return newError(http.StatusForbidden, codeCSRF,
					"missing or wrong X-CSRF-Token header: send the value of the sapqr_csrf cookie with every change made with the session cookie")
			}
		}
		// Every request asks the store, so a session ended on any replica
		// (logout, a disabled user, a password reset) is refused by every
		// replica from the moment that change commits; only a read while
		// the database is down rests on what this replica saw last.
		authenticate := s.cfg.Merchants.Authenticate
		if safeMethod(req.Method) {
			authenticate = s.cfg.Merchants.AuthenticateRead
		}
		a, err := authenticate(req.Context(), token)
		if err != nil {
			return err
		}
		c.Set(ctxKeyUser, &a)
		c.Set(ctxKeyToken, token)
		return next(c)
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// loginRequest is the body of POST /auth/login.
type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// loginAnswer is the answer to a successful login.
type loginAnswer struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	CSRFToken string    `json:"csrf_token"`
	User      userJSON  `json:"user"`
}

// userJSON is a user as the API shows it.
type userJSON struct {
	ID           int64    `json:"id"`
	Username     string   `json:"username"`
	DisplayName  string   `json:"display_name"`
	Role         string   `json:"role"`
	ProvinceCode string   `json:"province_code,omitempty"`
	CommuneCodes []string `json:"commune_codes"`
	Phone        string   `json:"phone,omitempty"`
	Active       bool     `json:"active"`
}

func toUserJSON(u merchants.User) userJSON {
	cc := u.CommuneCodes
	if cc == nil {
		cc = []string{}
	}
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role),
		ProvinceCode: u.ProvinceCode, CommuneCodes: cc, Phone: u.Phone, Active: u.Active}
}

// handleLogin exchanges a username and password for a bearer token (and,
// for the UI, a session cookie plus its CSRF cookie). merchants throttles
// failed attempts (per address and per account, shared by every replica);
// while throttled it answers 429 with Retry-After without checking the
// password.
func (s *Server) handleLogin(c echo.Context) error {
	var in loginRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var fields []FieldError
	if strings.TrimSpace(in.Username) == "" {
		fields = append(fields, FieldError{Field: "username", Message: "is required"})
	}
	if in.Password == "" {
		fields = append(fields, FieldError{Field: "password", Message: "is required"})
	}
	if fields != nil {
		return validationError(fields...)
	}
	res, err := s.cfg.Merchants.LoginFrom(c.Request().Context(), in.Username, in.Password, c.RealIP())
	switch {
	case errors.Is(err, merchants.ErrThrottled):
		s.metrics.logins.WithLabelValues("limited").Inc()
		return err
	case errors.Is(err, merchants.ErrUnauthenticated):
		s.metrics.logins.WithLabelValues("failed").Inc()
		return newError(http.StatusUnauthorized, codeUnauthenticated, "wrong username or password")
	case err != nil:
		return err
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.setSessionCookies(c, res.Token, res.ExpiresAt)
	return writeJSON(c, http.StatusOK, loginAnswer{
		Token: res.Token, ExpiresAt: res.ExpiresAt.UTC(), CSRFToken: csrfTokenFor(res.Token), User: toUserJSON(res.User),
	})
}

// setSessionCookies sets the HttpOnly session cookie and the script-readable
// CSRF cookie; an empty token clears both.
func (s *Server) setSessionCookies(c echo.Context, token string, expires time.Time) {
	maxAge := int(time.Until(expires) / time.Second)
	csrf := ""
	if token == "" {
		maxAge = -1
	} else {
		csrf = csrfTokenFor(token)
	}
	session, csrfName := cookieNames(s.cfg.SecureCookies)
	c.SetCookie(&http.Cookie{Name: session, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.SetCookie(&http.Cookie{Name: csrfName, Value: csrf, Path: "/", MaxAge: maxAge,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// handleLogout revokes the caller's token and clears the cookies.
func (s *Server) handleLogout(c echo.Context) error {
	token, _ := c.Get(ctxKeyToken).(string)
	if err := s.cfg.Merchants.Logout(c.Request().Context(), token); err != nil {
		return err
	}
	s.setSessionCookies(c, "", time.Time{})
	return c.NoContent(http.StatusNoContent)
}

// handleMe returns the caller.
func (s *Server) handleMe(c echo.Context) error {
	a := actorOf(c)
	u, err := s.cfg.Merchants.User(c.Request().Context(), a, a.UserID)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUserJSON(u))
}
