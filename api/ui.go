package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// webFS holds the UI: templates, static files and the message catalogue.
// Test data under web/testdata is deliberately left out of the binary.
//
//go:embed web/templates web/static web/i18n
var webFS embed.FS

// uiPages is the parsed UI: per language, per page, a template with the
// layout and the language's message function bound in; plus the static
// files with their content types and the version that busts caches.
// It is built once by newUIPages and only read afterwards.
type uiPages struct {
	cat     *uiCatalog
	pages   map[string]map[string]*template.Template // lang → page → template
	static  map[string]uiAsset                       // "app.css" → content
	version string                                   // hash of every static file
}

// uiAsset is one embedded static file, with its gzip form made once at
// start.
type uiAsset struct {
	body        []byte
	gz          []byte
	contentType string
}

// newUIPages parses the embedded templates and messages. It returns an
// error when a template does not parse or the catalogue is inconsistent
// (see loadCatalog); both are caught by the package's tests.
func newUIPages() (*uiPages, error) {
	web, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, err
	}
	cat, err := loadCatalog(web)
	if err != nil {
		return nil, err
	}
	p := &uiPages{cat: cat, pages: map[string]map[string]*template.Template{}, static: map[string]uiAsset{}}
	for _, lang := range []string{langVI, langEN} {
		base, err := template.New("layout").Funcs(uiFuncs(cat, lang)).ParseFS(web, "templates/layout.html")
		if err != nil {
			return nil, fmt.Errorf("ui layout: %w", err)
		}
		p.pages[lang] = map[string]*template.Template{}
		// Every page template, each rendered inside layout.html.
		for _, name := range []string{"login", "signup", "vendor", "link", "link_invalid", "market", "markets", "dashboard", "error", "activate"} {
			t, err := base.Clone()
			if err == nil {
				t, err = t.ParseFS(web, "templates/"+name+".html")
			}
			if err != nil {
				return nil, fmt.Errorf("ui page %s: %w", name, err)
			}
			p.pages[lang][name] = t
		}
	}
	h := sha256.New()
	err = fs.WalkDir(web, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web, name)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		p.static[strings.TrimPrefix(name, "static/")] = uiAsset{body: b, gz: gzipBytes(b, gzip.BestCompression), contentType: ct}
		h.Write([]byte(name))
		h.Write(b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.version = hex.EncodeToString(h.Sum(nil))[:12]
	return p, nil
}

// uiFuncs are the template functions of one language.
func uiFuncs(cat *uiCatalog, lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, kv ...any) string { return cat.text(lang, key, kv...) },
		"num": func(n any) (string, error) {
			i, err := toInt64(n)
			return formatInt(lang, i), err
		},
		"pct":   func(r float64) string { return formatPercent(lang, r) },
		"upper": strings.ToUpper,
		"bar":   progressBar,
	}
}

// toInt64 accepts the integer types page data uses; anything else fails
// the render rather than print a wrong number.
func toInt64(n any) (int64, error) {
	switch v := n.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	}
	return 0, fmt.Errorf("num: %T is not an integer", n)
}

// formatInt groups thousands the way each language writes them:
// 12.345 in Vietnamese, 12,345 in English.
func formatInt(lang string, n int64) string {
	sep := "."
	if lang == langEN {
		sep = ","
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatPercent writes a 0–1 ratio as a percentage with one decimal,
// with a decimal comma in Vietnamese ("80,5%").
func formatPercent(lang string, r float64) string {
	s := strconv.FormatFloat(r*100, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if lang == langVI {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

// progressBar draws a 0–1 ratio as a small inline SVG bar (the page's CSP
// forbids inline style attributes, and SVG prints reliably).
func progressBar(r float64) template.HTML {
	r = min(max(r, 0), 1)
	return template.HTML(fmt.Sprintf(
		`<svg class="bar-svg" viewBox="0 0 100 10" width="100" height="12" aria-hidden="true" focusable="false">`+
			`<rect x="0.5" y="0.5" width="99" height="9" rx="2" fill="#ffffff" stroke="#4a5561"/>`+
			`<rect x="0.5" y="0.5" width="%.1f" height="9" rx="2" fill="#0b5cad"/></svg>`, r*99))
}

// uiView is what every page template gets: the layout's fields and the
// page's own Data.
type uiView struct {
	Lang, OtherLang string
	Path            string // the current path and query, for the language switch
	CSRF            string
	Title           string
	Messages        template.JS
	LoggedIn        bool
	User            string // the username, so the sign-up queue sends only its own user's items
	CanRegister     bool   // the user's role registers vendors (team members, commune officers)
	Scripts         []string
	Sizes           []string
	Version         string // of the static files, for cache busting
	Data            any
}

// render writes page in the request's language with status.
func (p *uiPages) render(c echo.Context, status int, page, title string, data any, scripts ...string) error {
	lang := langOf(c.Request())
	t, ok := p.pages[lang][page]
	if !ok {
		return fmt.Errorf("ui: no page %q", page)
	}
	v := uiView{
		Lang:      lang,
		OtherLang: otherLang(lang),
		Path:      c.Request().URL.RequestURI(),
		CSRF:      CSRFToken(c),
		Title:     title,
		Messages:  template.JS(p.cat.js[lang]),
		LoggedIn:  userOf(c) != nil,
		Sizes:     []string{"a6", "a5", "a4"}, // the paper sizes of a single sign
		Version:   p.version,
		Data:      data,
	}
	if a := userOf(c); a != nil {
		v.CanRegister = a.Can(merchants.PermRegister)
		v.User = a.Username
	}
	for _, s := range scripts {
		v.Scripts = append(v.Scripts, s+"?v="+p.version)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("ui page %s: %w", page, err)
	}
	h := c.Response().Header()
	// Pages carry personal data of the user's area: never cached.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang)
	return writeText(c, status, echo.MIMETextHTMLCharsetUTF8, buf.Bytes(), nil)
}

// gzipBytes compresses b at level: the best for static files, compressed
// once; the default for pages, compressed on every request.
func gzipBytes(b []byte, level int) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, level) // callers pass gzip's own constants
	_, _ = zw.Write(b)                        // a bytes.Buffer does not fail
	_ = zw.Close()
	return out.Bytes()
}

// writeText writes a text body, gzipped when the client accepts it and
// the body is worth it: a page with its messages, and each script, shrink
// to about a third, which counts on a weak signal. gz is the body already
// compressed, or nil to compress it now.
func writeText(c echo.Context, status int, contentType string, body, gz []byte) error {
	h := c.Response().Header()
	h.Add("Vary", "Accept-Encoding")
	if len(body) < 1024 || !acceptsGzip(c.Request()) {
		return c.Blob(status, contentType, body)
	}
	if gz == nil {
		gz = gzipBytes(body, gzip.DefaultCompression)
	}
	h.Set("Content-Encoding", "gzip")
	return c.Blob(status, contentType, gz)
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (listed, and not with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			q, err := strconv.ParseFloat(v, 64)
			return err == nil && q > 0
		}
		return true
	}
	return false
}

// handleUIStatic serves the embedded static files. A request carrying the
// current ?v= version is cached for a year (the URL changes with the
// content); others revalidate, so a phone on a weak signal downloads each
// file once per release.
func (s *Server) handleUIStatic(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, ok := p.static[c.Param("*")]
		if !ok {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		// Weak: the same file is sent plain or gzipped under this tag.
		etag := `W/"` + p.version + `"`
		h.Set("ETag", etag)
		if c.QueryParam("v") == p.version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		if c.Request().Header.Get("If-None-Match") == etag {
			return c.NoContent(http.StatusNotModified)
		}
		return writeText(c, http.StatusOK, a.contentType, a.body, a.gz)
	}
}

// handleUIServiceWorker serves the service worker that keeps the sign-up
// page available offline. It lives under /ui/ so its scope covers the
// pages, carries the static files' version (a new release installs a new
// worker) and is always revalidated.
func (s *Server) handleUIServiceWorker(p *uiPages) echo.HandlerFunc {
	body := bytes.ReplaceAll(p.static["sw.js"].body, []byte("__VERSION__"), []byte(p.version))
	gz := gzipBytes(body, gzip.BestCompression)
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return writeText(c, http.StatusOK, "text/javascript; charset=utf-8", body, gz)
	}
}

// uiSession authenticates a page request with the session cookie. Without
// a valid session the browser is sent to the login page, which brings it
// back afterwards; pages never answer with a JSON problem.
func (s *Server) uiSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(s.sessionCookieName())
		if err == nil && ck.Value != "" {
			u, err := s.cfg.Merchants.Authenticate(c.Request().Context(), ck.Value)
			if err == nil {
				c.Set(ctxKeyUser, &u)
				return next(c)
			}
			if !isAuthError(err) {
				return err
			}
		}
		return c.Redirect(http.StatusSeeOther, "/ui/login?next="+url.QueryEscape(localRedirect(c.Request().URL.RequestURI())))
	}
}

func isAuthError(err error) bool {
	p, _, _ := problemFor(err)
	return p.Status == http.StatusUnauthorized
}

// uiErrors turns a page handler's error into an error page in the user's
// language, with the status the API would answer: 404 for anything
// missing or outside the user's area. Server faults are logged with the
// request ID, as the API's error handler does, and never shown.
func (s *Server) uiErrors(p *uiPages) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if err == nil || c.Response().Committed {
				return err
			}
			prob, _, internal := problemFor(err)
			if internal {
				s.log.ErrorContext(c.Request().Context(), "page failed",
					slog.String("request_id", requestIDOf(c)),
					slog.String("route", c.Path()),
					logError(err))
			}
			kind := "not_found"
			switch {
			case prob.Status >= 500:
				kind = "server"
			case prob.Status == http.StatusForbidden:
				kind = "forbidden"
			}
			data := struct{ Title, Body string }{"err.page." + kind + ".title", "err.page." + kind + ".body"}
			return p.render(c, prob.Status, "error", "title.error", data)
		}
	}
}

// handleUIHome sends a user to the page of their role: team members to
// sign-up, officers to the dashboard.
func (s *Server) handleUIHome(c echo.Context) error {
	u := userOf(c)
	if u.Role == merchants.RoleMember {
		return c.Redirect(http.StatusSeeOther, "/ui/signup")
	}
	return c.Redirect(http.StatusSeeOther, "/ui/dashboard")
}

// handleUILogin shows the login form; the form posts to the API with
// fetch, which sets the session cookie (valid for the working day), then
// goes to the page named by ?next= as localRedirect allows it.
func (s *Server) handleUILogin(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		data := struct{ Next string }{localRedirect(c.QueryParam("next"))}
		return p.render(c, http.StatusOK, "login", "title.login", data, "login.js")
	}
}

// handleUILang switches the UI language and goes back to the page.
func (s *Server) handleUILang(c echo.Context) error {
	lang := langVI
	if c.QueryParam("to") == langEN {
		lang = langEN
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, localRedirect(c.QueryParam("next")))
}

// localRedirect is the one place that decides where a "next" parameter
// may send the browser: next itself when it is a path on this site as a
// browser reads it, else "/ui/". Browsers drop tabs and newlines, strip
// leading control characters and read "\" as "/" before resolving a
// Location, so "/\t/evil.example" or "/\evil.example" would leave the
// site as "//evil.example" does. Refused: anything but a path starting
// with a single "/", any control character, space, backslash or non-ASCII
// byte, a "." or ".." segment, and a path that is any of these once
// percent-decoded (up to three times, as a later hop might decode it).
func localRedirect(next string) string {
	const fallback = "/ui/"
	if !localPath(next) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	// The path part, percent-decoded again and again, must stay a plain
	// local path; the query may hold encoded spaces and slashes.
	p, _, _ := strings.Cut(next, "?")
	p, _, _ = strings.Cut(p, "#")
	for range 3 {
		d, err := url.PathUnescape(p)
		if err != nil || !localPath(d) {
			return fallback
		}
		if d == p {
			break
		}
		p = d
	}
	return next
}

// localPath reports whether s starts with one "/" (not "//" or "/\"),
// holds only printable ASCII without space or backslash, and has no "."
// or ".." path segment.
func localPath(s string) bool {
	if len(s) == 0 || s[0] != '/' || (len(s) > 1 && (s[1] == '/' || s[1] == '\\')) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	p, _, _ := strings.Cut(s, "?")
	p, _, _ = strings.Cut(p, "#")
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// handleUISignup shows the vendor sign-up page. Markets, stalls and banks
// come from the API and are cached on the phone, so the page keeps
// working when the signal drops.
func (s *Server) handleUISignup(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		return p.render(c, http.StatusOK, "signup", "title.signup", nil, "signup.js")
	}
}
