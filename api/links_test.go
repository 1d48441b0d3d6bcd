package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestVendorLinks: a link made through the API opens the vendor's page
// until it is revoked; its URL is given once and never listed; an expiry
// in the past is refused; outside one's area the vendor's links do not
// exist. (Expiry itself: merchants' TestVendorLinkExpiry.)
func TestVendorLinks(t *testing.T) {
	f := newFixture(t)
	member := f.as(uMemberA)
	id := itoa(f.vendor(uMemberA, f.market(f.cA, 3), "L-1", 1))

	f.do("POST", "/api/v1/vendors/"+id+"/links", member, map[string]any{"expires_at": "2020-01-01T00:00:00Z"}).
		wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	r := f.do("POST", "/api/v1/vendors/"+id+"/links", member, map[string]any{"expires_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
	r.want(t, http.StatusCreated)
	var expiring struct {
		ID     int64
		URL    string
		Active bool
	}
	r.decode(t, &expiring)
	if !strings.Contains(expiring.URL, "/v/") || !expiring.Active {
		t.Fatalf("created link %s; want an active link with its URL", r.Body)
	}
	r = f.do("POST", "/api/v1/vendors/"+id+"/links", member, map[string]any{})
	r.want(t, http.StatusCreated)
	var lasting struct {
		ID  int64
		URL string
	}
	r.decode(t, &lasting)

	open := func(link string) int {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		status, _, _ := f.page(t, "", u.Path)
		return status
	}
	if got := open(expiring.URL); got != http.StatusOK {
		t.Fatalf("the expiring link before its time: %d, want 200", got)
	}
	f.do("DELETE", "/api/v1/vendor-links/"+itoa(expiring.ID), member, nil).want(t, http.StatusNoContent)
	if got := open(lasting.URL); got != http.StatusOK {
		t.Errorf("the link without expiry: %d, want 200", got)
	}

	list := f.do("GET", "/api/v1/vendors/"+id+"/links", member, nil)
	list.want(t, http.StatusOK)
	if strings.Contains(string(list.Body), "/v/") || strings.Contains(string(list.Body), `"url"`) {
		t.Errorf("the list shows a link's URL: %s", list.Body)
	}
	var got struct {
		Items []struct {
			ID     int64
			Active bool
		}
	}
	list.decode(t, &got)
	if len(got.Items) != 2 || got.Items[0].Active || !got.Items[1].Active {
		t.Errorf("links %s; want the revoked one inactive and the other active", list.Body)
	}

	f.do("GET", "/api/v1/vendors/"+id+"/links", f.as(uMemberB), nil).wantProblem(t, http.StatusNotFound, "not_found")
	f.do("DELETE", "/api/v1/vendor-links/"+itoa(lasting.ID), f.as(uMemberB), nil).wantProblem(t, http.StatusForbidden, "forbidden")
	f.do("DELETE", "/api/v1/vendor-links/"+itoa(lasting.ID), member, nil).want(t, http.StatusNoContent)
	if got := open(lasting.URL); got != http.StatusNotFound {
		t.Errorf("a revoked link: %d, want 404", got)
	}
}
