package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// TestImportGate: one import per user and two per server run at once; the
// next one is answered 503 with Retry-After while they run, and runs once
// they are done.
func TestImportGate(t *testing.T) {
	g := newImportGate(2)
	release := make(chan struct{})
	started := make(chan struct{})
	slow := g.wrap(func(c echo.Context) error {
		started <- struct{}{}
		<-release
		return c.NoContent(http.StatusOK)
	})
	quick := g.wrap(func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	as := func(user int64) echo.Context {
		c := echo.New().NewContext(httptest.NewRequest("POST", pathImportVendors, nil), httptest.NewRecorder())
		c.Set(ctxKeyUser, &merchants.Actor{UserID: user})
		return c
	}
	done := make(chan error, 2)
	for _, user := range []int64{1, 2} {
		go func() { done <- slow(as(user)) }()
		<-started
	}
	for _, tc := range []struct {
		name string
		user int64
	}{{"the same user again", 1}, {"a third user past the server's two", 3}} {
		err := quick(as(tc.user))
		p, retryAfter, _ := problemFor(err)
		if p.Status != http.StatusServiceUnavailable || retryAfter != importRetryAfter {
			t.Errorf("%s: %v (status %d, Retry-After %d), want 503 with Retry-After %d", tc.name, err, p.Status, retryAfter, importRetryAfter)
		}
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for _, user := range []int64{1, 3} {
		if err := quick(as(user)); err != nil {
			t.Errorf("user %d after the others finished: %v", user, err)
		}
	}
}
