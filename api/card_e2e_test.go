package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// stubShare stands in for the phone's share sheet (headless Chromium has
// none): it accepts files and records what it was given.
const stubShare = `window.__shared = [];
Object.defineProperty(navigator, 'canShare', { value: (d) => !!(d && d.files && d.files.length), configurable: true });
Object.defineProperty(navigator, 'share', { value: async (d) => {
  for (const f of d.files) window.__shared.push({ name: f.name, type: f.type, size: f.size,
    png: Array.from(new Uint8Array(await f.slice(0, 4).arrayBuffer())).join(',') });
}, configurable: true });`

// shareCard taps the card's share button and returns what the share sheet
// received.
func shareCard(t *testing.T, ctx context.Context) map[string]any {
	t.Helper()
	waitJS(t, ctx, "the share button offered", `(() => { const b = document.querySelector('[data-card] button[data-share]'); return !!b && !b.hidden; })()`)
	run(t, ctx, "share the card", chromedp.Click(chromedp.CSS("[data-card] button[data-share]")))
	waitJS(t, ctx, "the card shared", `window.__shared.length === 1`)
	return eval[map[string]any](t, ctx, `window.__shared[0]`)
}

// TestE2EShareCard: on a 360 px phone the vendor page and the vendor's own
// link offer the QR card: the download link answers the PNG and the share
// button hands the phone's share sheet a PNG file named for the stall; a
// vendor whose account is not checked is offered no card.
func TestE2EShareCard(t *testing.T) {
	w := newE2EWorld(t)
	var v struct{ ID int64 }
	w.call(t, "POST", "/api/v1/vendors", map[string]any{"market_id": w.marketID, "stall_code": "A-01", "full_name": "Nguyễn Thị Hà",
		"phone": "0912300001", "consent": true, "bank_account": map[string]any{"bin": "970436", "account_number": "0011001234567",
			"holder_name": "NGUYEN THI HA", "confirmation": map[string]any{"method": "bank_app_name", "name_seen": "Nguyễn Thị Hà"}}},
		http.StatusCreated, &v)
	unchecked := registerUnchecked(t, w, "A-02", "Trần Văn Bình", "0912300002", "0011007654321", "TRAN VAN BINH")
	var link struct{ URL string }
	w.call(t, "POST", fmt.Sprintf("/ui/vendors/%d/link", v.ID), nil, http.StatusCreated, &link)

	ctx := browserLogin(t, w, fmt.Sprintf("/ui/vendors/%d", v.ID), w.username)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: stubShare}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, url string }{
		{"the vendor page", fmt.Sprintf("%s/ui/vendors/%d", w.url, v.ID)},
		{"the vendor's own page", link.URL},
	} {
		run(t, ctx, "open "+p.name, chromedp.Navigate(p.url), chromedp.WaitVisible(chromedp.CSS("[data-card]")))
		checkNoSideways(t, ctx, p.name+" with its card")
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => { const a = document.querySelector('[data-card] a[download]'); const r = await fetch(a.href, { credentials: 'same-origin' }); const b = new Uint8Array(await r.arrayBuffer()); return r.status + ' ' + r.headers.get('content-type') + ' ' + String.fromCharCode(b[1], b[2], b[3]) + ' ' + a.getAttribute('download'); })()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if want := "200 image/png PNG sapqr-qr-A-01.png"; got != want {
			t.Errorf("%s: the card's download answers %q, want %q", p.name, got, want)
		}
		shared := shareCard(t, ctx)
		if shared["name"] != "sapqr-qr-A-01.png" || shared["type"] != "image/png" || shared["png"] != "137,80,78,71" || shared["size"].(float64) < 10000 {
			t.Errorf("%s: the share sheet got %v, want the card's PNG named sapqr-qr-A-01.png", p.name, shared)
		}
		if !strings.Contains(eval[string](t, ctx, `document.querySelector('.card-share').innerText`), "Zalo") {
			t.Errorf("%s: the card is not offered in Vietnamese", p.name)
		}
	}
	run(t, ctx, "open the unchecked vendor", chromedp.Navigate(fmt.Sprintf("%s/ui/vendors/%d", w.url, unchecked)), chromedp.WaitVisible(chromedp.ID("verify")))
	if eval[bool](t, ctx, `document.querySelector('[data-card]') !== null`) {
		t.Error("a vendor whose account is not checked is offered a card")
	}
}
