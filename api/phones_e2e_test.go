package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// noSideways says what scrolls sideways on the current page at its
// width: the page itself, or a table or chart frame whose content is
// wider than it (a cut column). Empty when nothing does.
const noSideways = `(() => {
  const out = [];
  const de = document.documentElement;
  if (de.scrollWidth > 360) out.push('page ' + de.scrollWidth + 'px');
  for (const w of document.querySelectorAll('.table-wrap')) {
    if (w.scrollWidth > w.clientWidth + 1) out.push('table ' + (w.querySelector('table').id || w.querySelector('table').getAttribute('aria-labelledby') || '?') + ' ' + w.scrollWidth + 'px in ' + w.clientWidth + 'px');
  }
  return out.join('; ');
})()`

// checkNoSideways fails the test when the page scrolls sideways at 360 px.
func checkNoSideways(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if got := eval[string](t, ctx, noSideways); got != "" {
		t.Errorf("%s at 360 px scrolls sideways: %s", page, got)
	}
}

// TestE2EPhonesFirst: on a 360 px phone the sign-up page reads only which
// stalls are free, shows a stall taken meanwhile and an account already
// registered next to their fields in Vietnamese as soon as the refusal
// comes back; and no page scrolls sideways, in any state: sign-up with its
// preview and its errors, the vendor page with its new private link shown
// whole, the vendor's own page, the markets, the market, the commune's and
// the province's dashboards with their tables.
func TestE2EPhonesFirst(t *testing.T) {
	w := newE2EWorld(t)
	held := registerUnchecked(t, w, "A-05", "Lê Thị Cúc Phương Hoàng Ngọc Bích", "0912300005", "0011001234567", "LE THI CUC")

	ctx := browserLogin(t, w, "/ui/signup", w.username)
	run(t, ctx, "choose the market", setSelect("#market", fmt.Sprint(w.marketID)))
	waitJS(t, ctx, "free stalls", `document.querySelectorAll('#stall optgroup option:not([disabled])').length === 5`)
	fetched := eval[[]string](t, ctx, `performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname + new URL(e.name).search)`)
	var occupancy bool
	for _, u := range fetched {
		if strings.HasPrefix(u, "/api/v1/vendors") {
			t.Errorf("the sign-up page fetched %s: it needs no vendor of the market", u)
		}
		occupancy = occupancy || u == fmt.Sprintf("/api/v1/markets/%d/occupancy", w.marketID)
	}
	if !occupancy {
		t.Errorf("the sign-up page did not read the market's occupancy; it fetched %q", fetched)
	}
	checkNoSideways(t, ctx, "sign-up")

	// A stall another member takes while this one types: refused, and the
	// refusal is next to the stall at once.
	fillVendor(t, ctx, "A-02", "Phạm Văn Dũng", "0912345601", "VCB", "0011009999991")
	registerUnchecked(t, w, "A-02", "Trần Văn Bình", "0912300002", "0011007654321", "TRAN VAN BINH")
	previewAndSave(t, ctx)
	checkNoSideways(t, ctx, "sign-up with its preview")
	waitJS(t, ctx, "the taken stall next to its field", `document.getElementById('stall-error').textContent.includes('Sạp này đã có tiểu thương khác') && document.getElementById('stall').getAttribute('aria-invalid') === 'true'`)
	checkNoSideways(t, ctx, "sign-up with a refused stall")
	run(t, ctx, "choose a free stall", setSelect("#stall", "A-03"))
	run(t, ctx, "use an account already registered",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('account').value = ''`),
		chromedp.SendKeys(chromedp.ID("account"), "0011001234567"))
	previewAndSave(t, ctx)
	waitJS(t, ctx, "the registered account next to its field", `document.getElementById('account-error').textContent.includes('đã được đăng ký cho một tiểu thương khác')`)
	checkNoSideways(t, ctx, "sign-up with a refused account")
	// Corrected, with what the team helped the vendor with today: the
	// commune's report counts it.
	run(t, ctx, "use the vendor's new account, opened today with the team",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('account').value = ''`),
		chromedp.SendKeys(chromedp.ID("account"), "0011001111111"),
		chromedp.Click(chromedp.ID("assist-account")), chromedp.Click(chromedp.ID("assist-app")))
	previewAndSave(t, ctx)
	waitJS(t, ctx, "the registration sent", `document.getElementById('queue-count').textContent === '0'`)
	report := w.get(t, "/api/v1/reports?commune="+e2eCommune+"&period=month&format=csv")
	lines := strings.Split(strings.TrimSpace(report), "\n")
	if !strings.HasSuffix(strings.TrimSpace(lines[0]), ",Số tài khoản mở mới,Số tiểu thương được cài ứng dụng") || !strings.HasSuffix(strings.TrimSpace(lines[len(lines)-1]), ",1,1") {
		t.Errorf("the commune's report does not count the account opened and the app installed at sign-up:\n%s", report)
	}

	// The vendor page once Tạo liên kết shows the link whole.
	run(t, ctx, "open the vendor page", chromedp.Navigate(fmt.Sprintf("%s/ui/vendors/%d", w.url, held)), chromedp.WaitVisible(chromedp.ID("vendor-link")))
	checkNoSideways(t, ctx, "the vendor page")
	run(t, ctx, "create the private link", acceptDialogs(ctx), chromedp.Click(chromedp.CSS("#vendor-link button[type=submit]")))
	waitJS(t, ctx, "the link", `document.getElementById('link-url').href.includes('/v/')`)
	checkNoSideways(t, ctx, "the vendor page with its new link")
	link := eval[string](t, ctx, `document.getElementById('link-url').href`)
	run(t, ctx, "open the vendor's own page", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(".sign svg.qr")))
	checkNoSideways(t, ctx, "the vendor's own page")

	for _, p := range []struct{ name, path, ready string }{
		{"the markets", "/ui/markets", "main table"},
		{"the market", fmt.Sprintf("/ui/markets/%d", w.marketID), ".grid"},
		{"the commune's dashboard", "/ui/dashboard?commune=" + e2eCommune, "#team"},
		{"a page that does not exist", "/ui/markets/999999", "main"},
	} {
		run(t, ctx, "open "+p.name, chromedp.Navigate(w.url+p.path))
		waitJS(t, ctx, p.name, fmt.Sprintf(`document.querySelector(%q) !== null`, p.ready))
		checkNoSideways(t, ctx, p.name)
	}

	// The commune's figures in one sentence, copied for a Zalo group.
	var unit struct {
		Markets       int64 `json:"markets"`
		Cho40Markets  int64 `json:"cho40_markets"`
		VendorsWithQR int64 `json:"vendors_with_qr"`
	}
	w.call(t, "GET", "/api/v1/adoption?commune="+e2eCommune, nil, http.StatusOK, &unit)
	run(t, ctx, "open the commune's dashboard",
		chromedp.Navigate(w.url+"/ui/dashboard?commune="+e2eCommune), chromedp.WaitVisible(chromedp.ID("summary-copy")))
	if empty := eval[int](t, ctx, `Array.from(document.querySelectorAll('table th[scope=row]')).filter((th) => !th.textContent.trim()).length`); empty != 0 {
		t.Errorf("%d row names are empty on the dashboard", empty)
	}
	want := fmt.Sprintf("Phường Ba Đình có %d/%d chợ đạt chợ 4.0, %d tiểu thương có mã QR (số liệu đến ngày ", unit.Cho40Markets, unit.Markets, unit.VendorsWithQR)
	if got := eval[string](t, ctx, `document.getElementById('summary-text').value`); !strings.HasPrefix(got, want) {
		t.Errorf("the Zalo summary reads %q, want it to start %q", got, want)
	}
	run(t, ctx, "copy the summary",
		chromedp.Evaluate[chromedp.Void](`window.__copied = []; Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (s) => { window.__copied.push(s); } }, configurable: true })`),
		chromedp.Click(chromedp.ID("summary-copy")))
	waitJS(t, ctx, "the summary copied", `window.__copied.length === 1 && window.__copied[0] === document.getElementById('summary-text').value && document.getElementById('summary-status').textContent.includes('Đã sao chép')`)
	checkNoSideways(t, ctx, "the dashboard with its summary")

	// A province officer's dashboard: a table of communes.
	pctx := browserLogin(t, w, "/ui/dashboard?province=01", e2eProvinceUser)
	waitJS(t, pctx, "the province's communes", `document.getElementById('units') !== null`)
	checkNoSideways(t, pctx, "the province's dashboard")
	run(t, pctx, "open the national dashboard", chromedp.Navigate(w.url+"/ui/dashboard"))
	waitJS(t, pctx, "a dashboard", `document.querySelector('main') !== null`)
	checkNoSideways(t, pctx, "the dashboard without a unit")
}

// get fetches path as the officer and returns the body, failing the test
// on any status but 200.
func (w *e2eWorld) get(t *testing.T, path string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", w.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, res.StatusCode, b)
	}
	return string(b)
}
