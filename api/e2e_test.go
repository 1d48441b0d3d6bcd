package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sapqr/sapqr/api"
	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/rediscounters"
	"github.com/sapqr/sapqr/printables"
	"github.com/sapqr/sapqr/qr"
)

var screenshotDir = flag.String("screenshots", "", "write a PNG of every page at phone and desktop sizes into this directory")

// Browser sizes: a cheap Android phone, an office desktop, and that
// desktop at 200% zoom (half the CSS pixels at twice the density).
const (
	phoneW, phoneH     = 360, 740
	desktopW, desktopH = 1280, 800
	zoomW, zoomH       = desktopW / 2, desktopH / 2
)

// e2eWorld is a real server on SQLite with one commune officer, one
// market with six stalls, and an API client logged in as the officer.
type e2eWorld struct {
	url      string
	token    string
	marketID int64
	adoption *merchants.AdoptionService
	username string
	password string
}

const (
	e2eCommune = "00004" // Phường Ba Đình, Hà Nội
	e2eUser    = "to.cntt"
	// e2eProvinceUser reads the province but may not see account numbers.
	e2eProvinceUser = "so.congthuong"
	e2ePassword     = "mat-khau-du-dai-2026"
)

func newE2EWorld(t *testing.T) *e2eWorld {
	t.Helper()
	ctx := t.Context()
	store, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "e2e.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	units, err := merchants.LoadUnits(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	svc := merchants.NewService(store, merchants.Config{Units: units})
	adoption := merchants.NewAdoptionService(store, rediscounters.NewMemory(), merchants.AdoptionConfig{Units: units})
	signs, err := printables.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Merchants: svc, Units: units, Adoption: adoption, Signs: signs, Idempotency: store, Database: store,
		Transfers: merchants.NewTransferService(svc, store, merchants.TransferConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	// The first user is made the way `sapqr user add` does, as the system.
	system := merchants.Actor{Role: merchants.RoleAdmin}
	if _, err := svc.CreateUser(ctx, system, merchants.CreateUserInput{Username: e2eUser, Password: e2ePassword,
		DisplayName: "Tổ công nghệ số Ba Đình", Role: merchants.RoleCommune, CommuneCodes: []string{e2eCommune}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, system, merchants.CreateUserInput{Username: e2eProvinceUser, Password: e2ePassword,
		DisplayName: "Sở Công Thương Hà Nội", Role: merchants.RoleProvince, ProvinceCode: "01"}); err != nil {
		t.Fatal(err)
	}
	w := &e2eWorld{url: ts.URL, adoption: adoption, username: e2eUser, password: e2ePassword}
	var login struct{ Token string }
	w.call(t, "POST", "/api/v1/auth/login", map[string]string{"username": e2eUser, "password": e2ePassword}, http.StatusOK, &login)
	w.token = login.Token
	var m struct{ ID int64 }
	w.call(t, "POST", "/api/v1/markets", map[string]any{"commune_code": e2eCommune, "name": "Chợ Ngọc Hà", "stall_count": 40}, http.StatusCreated, &m)
	w.marketID = m.ID
	for i := 1; i <= 6; i++ {
		w.call(t, "POST", fmt.Sprintf("/api/v1/markets/%d/stalls", m.ID), map[string]any{"code": fmt.Sprintf("A-%02d", i)}, http.StatusCreated, nil)
	}
	return w
}

// call makes an API request as the officer and decodes the answer into
// out, failing the test on any other status.
func (w *e2eWorld) call(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, w.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// vendors lists the market's vendors through the API.
func (w *e2eWorld) vendors(t *testing.T) []e2eVendor {
	t.Helper()
	var page struct{ Items []e2eVendor }
	w.call(t, "GET", fmt.Sprintf("/api/v1/vendors?market=%d&limit=200", w.marketID), nil, http.StatusOK, &page)
	return page.Items
}

type e2eVendor struct {
	ID        int64  `json:"id"`
	FullName  string `json:"full_name"`
	StallCode string `json:"stall_code"`
	// BankAccount is the primary account with its payee check.
	BankAccount struct {
		Verification string `json:"verification"`
	} `json:"bank_account"`
}

// chromium returns the browser to drive, skipping the test when there is
// none on a developer's machine and failing it in CI, where .ci/run
// installs Debian's chromium package.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; CI must install Debian's chromium package (.ci/run)")
	}
	t.Skip("chromium not installed: skipping the browser tests (apt-get install chromium to run them)")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// tab context; the browser is closed when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	ctx, cancelTimeout := context.WithTimeout(ctx, 100*time.Second)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// run runs browser steps and fails the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	start := time.Now()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Logf("%s took %v", what, d.Round(time.Millisecond))
	}
}

// eval evaluates JavaScript in the page and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %q: %v", js, err)
	}
	return v
}

// waitJS polls a JavaScript condition until it is true, for at most 30
// seconds. An evaluation that fails (the page is navigating) is tried
// again.
func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		last = err
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ''`))
	t.Fatalf("waiting for %s (%s): still false after 30s (last error: %v)\npage text:\n%s", what, cond, last, text)
}

// setSelect chooses an option of a select the way a user does: the value
// changes and the change event fires.
func setSelect(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
}

// watchPage is installed in every document before its scripts run: it
// records script errors, rejected promises and Content-Security-Policy
// violations, which a11yProblems then reports.
const watchPage = `window.__pageProblems = [];
window.addEventListener('error', (e) => window.__pageProblems.push('script error: ' + e.message));
window.addEventListener('unhandledrejection', (e) => window.__pageProblems.push('unhandled rejection: ' + e.reason));
document.addEventListener('securitypolicyviolation', (e) => window.__pageProblems.push('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`

// a11yProblems lists what breaks the accessibility basics on the current
// page: form controls without a label, and content wider than the window
// (horizontal scrolling, which fails at 200% zoom); plus what watchPage
// caught.
const a11yProblems = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) out.push('no label: ' + (el.id || el.name || el.outerHTML.slice(0, 60)));
  }
  if (!Array.isArray(window.__pageProblems)) out.push('the page watcher is not installed');
  else for (const p of window.__pageProblems) out.push(p);
  const de = document.documentElement;
  if (de.scrollWidth > de.clientWidth + 1) out.push('horizontal scroll: ' + de.scrollWidth + 'px content in a ' + de.clientWidth + 'px window');
  return out;
})()`

// checkA11y checks the current page at the phone width, at 200% zoom and
// at the desktop size, and takes the screenshots when asked to.
func checkA11y(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, size := range []struct {
		label string
		w, h  int64
		scale float64
	}{
		{"phone", phoneW, phoneH, 2},
		{"zoom200", zoomW, zoomH, 2},
		{"desktop", desktopW, desktopH, 1},
	} {
		run(t, ctx, name+" at "+size.label, chromedp.EmulateViewport(size.w, size.h, chromedp.EmulateScale(size.scale)))
		if problems := eval[[]string](t, ctx, a11yProblems); len(problems) > 0 {
			t.Errorf("%s at %s (%dx%d): %s", name, size.label, size.w, size.h, strings.Join(problems, "; "))
		}
		if *screenshotDir != "" && size.label != "zoom200" {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			file := filepath.Join(*screenshotDir, name+"-"+size.label+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(t, ctx, "back to the phone", chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateScale(2)))
}

// setOffline cuts or restores the tab's network: navigator.onLine and the
// online/offline events follow, and every request fails while offline.
func setOffline(t *testing.T, ctx context.Context, offline bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		t.Fatalf("network conditions: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: offline, DownloadThroughput: -1, UploadThroughput: -1,
	}); err != nil {
		t.Fatalf("network state: %v", err)
	}
}

// fillVendor types one vendor into the sign-up form.
func fillVendor(t *testing.T, ctx context.Context, stall, name, phone, bank, account string) {
	t.Helper()
	run(t, ctx, "fill the form for "+name,
		setSelect("#stall", stall),
		chromedp.SendKeys(chromedp.ID("full-name"), name),
		chromedp.SendKeys(chromedp.ID("phone"), phone),
		chromedp.SendKeys(chromedp.ID("bank-q"), bank),
	)
	waitJS(t, ctx, "bank matches", `document.querySelectorAll('#bank-list button').length > 0`)
	run(t, ctx, "choose the bank",
		chromedp.Click(chromedp.CSS("#bank-list button")),
		chromedp.SendKeys(chromedp.ID("account"), account),
		chromedp.Click(chromedp.ID("consent")),
	)
}

// previewAndSave shows the sign preview, waits until it is complete (with
// its QR, or the note that the QR comes later when offline) and saves.
func previewAndSave(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "preview", chromedp.Click(chromedp.ID("preview-btn")))
	waitJS(t, ctx, "the preview complete", `document.getElementById('preview').dataset.ready === '1'`)
	// The member's bank app shows the holder name, in its own casing.
	seen := strings.ToLower(eval[string](t, ctx, `document.getElementById('holder').value`))
	run(t, ctx, "type the name the bank app shows", chromedp.SendKeys(chromedp.ID("name-seen"), seen))
	run(t, ctx, "save", chromedp.Click(chromedp.ID("save-btn")))
}

// TestE2E drives the UI in headless Chromium against a real server on
// SQLite: log in, register a vendor at 360×740 with the sign preview,
// correct a registration the API refuses, download the PDF sign and read
// its QR back, use the vendor's private link, confirm a first payment,
// register two vendors offline (reloading the page without a network) and
// see them sent exactly once when the network returns, check the market
// grid and its 4-up sheet, compare the dashboard with the API, export the
// report, switch to English, log out, and check the accessibility basics
// on every page.
func TestE2E(t *testing.T) {
	ctx := newBrowser(t)
	w := newE2EWorld(t)
	if *screenshotDir != "" {
		if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: new(true),
	}); err != nil {
		t.Fatal(err)
	}

	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchPage}); err != nil {
		t.Fatal(err)
	}

	// Log in; the session cookie keeps the browser logged in.
	run(t, ctx, "open the login page",
		chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(w.url+"/ui/signup"),
		chromedp.WaitVisible(chromedp.ID("login")),
	)
	checkA11y(t, ctx, "login")
	run(t, ctx, "a wrong password",
		chromedp.SendKeys(chromedp.ID("username"), w.username),
		chromedp.SendKeys(chromedp.ID("password"), "sai-mat-khau-roi"),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
	)
	waitJS(t, ctx, "the login error in Vietnamese", `document.querySelector('[data-form-alert]').textContent.includes('Sai tên đăng nhập')`)
	run(t, ctx, "log in",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('password').value = ''`),
		chromedp.SendKeys(chromedp.ID("password"), w.password),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
	)
	waitJS(t, ctx, "the sign-up page after login", `location.pathname === '/ui/signup' && document.querySelector('#market option[value="`+fmt.Sprint(w.marketID)+`"]') !== null`)

	// Register one vendor online, with the preview.
	run(t, ctx, "choose the market", setSelect("#market", fmt.Sprint(w.marketID)))
	waitJS(t, ctx, "free stalls", `document.querySelectorAll('#stall optgroup option:not([disabled])').length === 6`)
	checkA11y(t, ctx, "signup")
	fillVendor(t, ctx, "A-01", "Nguyễn Thị Hà", "0912345678", "VCB", "0011001234567")
	if got := eval[string](t, ctx, `document.getElementById('holder').value`); got != "NGUYEN THI HA" {
		t.Errorf("holder name pre-filled as %q, want %q", got, "NGUYEN THI HA")
	}
	run(t, ctx, "preview the sign", chromedp.Click(chromedp.ID("preview-btn")))
	waitJS(t, ctx, "the sign preview with its QR", `document.querySelector('#sign-preview svg.qr') !== null`)
	previewPayload := eval[string](t, ctx, `document.querySelector('#sign-preview svg.qr').dataset.payload`)
	if preview := eval[string](t, ctx, `document.getElementById('sign-preview').innerText`); !strings.Contains(preview, "Nguyễn Thị Hà") || !strings.Contains(preview, "A-01") {
		t.Errorf("the preview does not show the vendor and stall:\n%s", preview)
	}
	if *screenshotDir != "" {
		checkA11y(t, ctx, "signup-preview")
	}
	// The payee check: a name the bank app shows that is not the holder's
	// is refused at once, in Vietnamese, next to its field; nothing is
	// queued or saved.
	run(t, ctx, "type another holder's name", chromedp.SendKeys(chromedp.ID("name-seen"), "TRAN VAN BINH"))
	run(t, ctx, "save the mismatch", chromedp.Click(chromedp.ID("save-btn")))
	waitJS(t, ctx, "the mismatch in Vietnamese", `document.getElementById('name-seen-error').textContent.includes('số tài khoản hoặc ngân hàng bị sai')`)
	if n := eval[float64](t, ctx, `document.querySelectorAll('#queue li').length`); n != 0 || len(w.vendors(t)) != 0 {
		t.Fatalf("a name mismatch queued %v registrations and saved %d vendors, want none", n, len(w.vendors(t)))
	}
	run(t, ctx, "type the name as the bank app shows it",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('name-seen').value = ''`),
		chromedp.SendKeys(chromedp.ID("name-seen"), "Nguyễn  thị Hà"))
	run(t, ctx, "save", chromedp.Click(chromedp.ID("save-btn")))
	waitJS(t, ctx, "the vendor sent", `document.querySelector('#saved a') !== null && document.getElementById('queue-count').textContent === '0'`)
	vs := w.vendors(t)
	if len(vs) != 1 || vs[0].FullName != "Nguyễn Thị Hà" || vs[0].StallCode != "A-01" {
		t.Fatalf("after the first registration the API lists %+v, want Nguyễn Thị Hà on A-01", vs)
	}
	first := vs[0]
	if got := first.BankAccount.Verification; got != "bank_app_name" {
		t.Errorf("the first vendor's account verification = %q, want bank_app_name (the name checked on the page)", got)
	}
	var payload struct{ Payload string }
	w.call(t, "GET", fmt.Sprintf("/api/v1/vendors/%d/payload", first.ID), nil, http.StatusOK, &payload)
	if payload.Payload != previewPayload {
		t.Errorf("the preview showed payload %q, the vendor got %q", previewPayload, payload.Payload)
	}
	d, err := qr.Decode(payload.Payload)
	if err != nil || d.BIN != "970436" || d.Account != "0011001234567" {
		t.Errorf("payload %q decodes to %+v, %v; want VCB (970436) account 0011001234567", payload.Payload, d, err)
	}

	// An error the API finds is shown next to its field, in Vietnamese: an
	// eleven-digit phone passes the page's own check, the server refuses
	// it, the queue marks it refused, and "Sửa" brings it back with the
	// message under the phone field.
	fillVendor(t, ctx, "A-04", "Phạm Văn Dũng", "09123456789", "VCB", "0011009999999")
	previewAndSave(t, ctx)
	waitJS(t, ctx, "the refusal in the queue", `document.querySelectorAll('#queue li[data-state=failed]').length === 1`)
	run(t, ctx, "correct it", chromedp.Click(chromedp.CSS("#queue li[data-state=failed] button")))
	waitJS(t, ctx, "the phone error in Vietnamese", `document.getElementById('phone-error').textContent.includes('10 chữ số')`)
	if got := eval[string](t, ctx, `document.getElementById('phone').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("the phone field is not marked invalid (aria-invalid=%q)", got)
	}
	if n := len(w.vendors(t)); n != 1 {
		t.Fatalf("a refused registration left %d vendors, want 1", n)
	}
	// Corrected and saved again, it is registered and leaves the queue.
	run(t, ctx, "correct the phone",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('phone').value = ''`),
		chromedp.SendKeys(chromedp.ID("phone"), "0912345679"),
	)
	previewAndSave(t, ctx)
	waitJS(t, ctx, "the corrected vendor sent", `document.getElementById('queue-count').textContent === '0'`)
	if n := len(w.vendors(t)); n != 2 {
		t.Fatalf("after the correction the API lists %d vendors, want 2", n)
	}

	// The vendor page: details, QR, sign downloads; the PDF carries the payload.
	run(t, ctx, "open the vendor page",
		chromedp.Navigate(fmt.Sprintf("%s/ui/vendors/%d", w.url, first.ID)),
		chromedp.WaitVisible(chromedp.CSS(".sign svg.qr")),
	)
	checkA11y(t, ctx, "vendor")
	pdf := download(t, ctx, downloads, `a[href$="size=a6"]`)
	if got := scanPDF(t, pdf); !slices.Equal(got, []string{payload.Payload}) {
		t.Errorf("the downloaded sign's QR reads %q, want %q", got, payload.Payload)
	}

	// A province officer reads the vendor page without its QR (which holds
	// the full account number) and without the team's actions.
	status, body := pageAs(t, w, e2eProvinceUser, fmt.Sprintf("/ui/vendors/%d", first.ID))
	if status != http.StatusOK || strings.Contains(body, `class="qr"`) || strings.Contains(body, `id="confirm"`) ||
		strings.Contains(body, "sign.pdf") || !strings.Contains(body, "không được xem số tài khoản") {
		t.Errorf("the province officer's vendor page (status %d) shows the QR, the actions, or not the notice", status)
	}

	// A second stall, added on the vendor page, is listed with its own
	// sign; released (after the confirm step), it is gone again.
	stallCodes := func() (codes []string, ids map[string]int64) {
		var v struct {
			Stalls []struct {
				StallID   int64  `json:"stall_id"`
				StallCode string `json:"stall_code"`
			}
		}
		w.call(t, "GET", fmt.Sprintf("/api/v1/vendors/%d", first.ID), nil, http.StatusOK, &v)
		ids = map[string]int64{}
		for _, s := range v.Stalls {
			codes = append(codes, s.StallCode)
			ids[s.StallCode] = s.StallID
		}
		return codes, ids
	}
	run(t, ctx, "add stall A-05",
		chromedp.SendKeys(chromedp.ID("stall-code"), "A-05"),
		chromedp.Click(chromedp.CSS("#stalls button[type=submit]")),
	)
	waitJS(t, ctx, "two stalls listed", `document.querySelectorAll('#stall-list li').length === 2 && document.getElementById('stall-list').innerText.includes('A-05')`)
	codes, ids := stallCodes()
	if !slices.Equal(codes, []string{"A-01", "A-05"}) {
		t.Fatalf("after adding A-05 on the page the API lists stalls %q", codes)
	}
	checkA11y(t, ctx, "vendor-two-stalls")
	if got := scanPDF(t, download(t, ctx, downloads, fmt.Sprintf(`a[href*="stall_id=%d&"][href$="size=a6"]`, ids["A-05"]))); !slices.Equal(got, []string{payload.Payload}) {
		t.Errorf("the sign of stall A-05 reads %q, want %q", got, payload.Payload)
	}
	run(t, ctx, "release stall A-05", acceptDialogs(ctx), chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-release="%d"]`, ids["A-05"]))))
	waitJS(t, ctx, "one stall listed", `document.querySelectorAll('#stall-list li').length === 1 && document.querySelector('button[data-release]') === null`)
	if codes, _ := stallCodes(); !slices.Equal(codes, []string{"A-01"}) {
		t.Fatalf("after releasing A-05 on the page the API lists stalls %q", codes)
	}

	// The vendor's private link: created on the vendor page, opened with no
	// session, shows the QR; a wrong token shows the plain invalid page.
	run(t, ctx, "create the private link", acceptDialogs(ctx), chromedp.Click(chromedp.CSS("#vendor-link button[type=submit]")))
	waitJS(t, ctx, "the link", `document.getElementById('link-url').href.includes('/v/')`)
	linkURL := eval[string](t, ctx, `document.getElementById('link-url').href`)
	checkLinkPage(t, w, linkURL, http.StatusOK, "Nguyễn Thị Hà", "Chợ Ngọc Hà", "4567")
	checkLinkPage(t, w, w.url+"/v/"+strings.Repeat("A", 43), http.StatusNotFound, "Liên kết không còn hiệu lực")
	checkLinkPage(t, w, w.url+"/v/1", http.StatusNotFound, "Liên kết không còn hiệu lực")
	run(t, ctx, "open the link page in the browser", chromedp.Navigate(linkURL), chromedp.WaitVisible(chromedp.CSS(".sign svg.qr")))
	checkA11y(t, ctx, "vendor-link")
	if got := scanPDF(t, download(t, ctx, downloads, `a[href$="size=a5"]`)); !slices.Equal(got, []string{payload.Payload}) {
		t.Errorf("the sign downloaded from the private link reads %q, want %q", got, payload.Payload)
	}
	run(t, ctx, "back to the vendor page",
		chromedp.NavigateBack(),
		chromedp.WaitVisible(chromedp.ID("vendor-link")),
	)
	// The link was shown once; revoking needs a fresh one on this page.
	run(t, ctx, "create another link", acceptDialogs(ctx), chromedp.Click(chromedp.CSS("#vendor-link button[type=submit]")))
	waitJS(t, ctx, "the new link", `document.getElementById('link-url').href.includes('/v/')`)
	second := eval[string](t, ctx, `document.getElementById('link-url').href`)
	run(t, ctx, "revoke it", acceptDialogs(ctx), chromedp.Click(chromedp.ID("link-revoke")))
	waitJS(t, ctx, "revoked", `document.getElementById('link-new').hidden`)
	checkLinkPage(t, w, second, http.StatusNotFound, "Liên kết không còn hiệu lực")
	checkLinkPage(t, w, linkURL, http.StatusOK, "Nguyễn Thị Hà")
	// A later visit lists the first link, still in use, and revokes it.
	run(t, ctx, "reopen the vendor page", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#link-list button[data-revoke]")))
	run(t, ctx, "revoke the listed link", acceptDialogs(ctx), chromedp.Click(chromedp.CSS("#link-list button[data-revoke]")))
	waitJS(t, ctx, "the listed link revoked", `document.querySelector('#link-list button[data-revoke]') === null`)
	checkLinkPage(t, w, linkURL, http.StatusNotFound, "Liên kết không còn hiệu lực")

	// The first payment, confirmed on the vendor page.
	run(t, ctx, "confirm the first payment", chromedp.Click(chromedp.CSS("#confirm button[type=submit]")))
	waitJS(t, ctx, "the vendor transacting", `document.querySelector('.alert.ok') !== null && document.querySelector('.alert.ok').textContent.includes('Đã nhận thanh toán')`)

	// Offline: two registrations queue on the phone, then go exactly once.
	run(t, ctx, "back to sign-up",
		chromedp.Navigate(w.url+"/ui/signup"),
		chromedp.WaitVisible(chromedp.ID("signup")),
	)
	waitJS(t, ctx, "stalls loaded", `document.querySelectorAll('#stall optgroup option:not([disabled])').length === 4`)
	waitJS(t, ctx, "the service worker in control", `navigator.serviceWorker.controller !== null`)
	setOffline(t, ctx, true)
	waitJS(t, ctx, "the offline notice", `document.getElementById('net-status').textContent.length > 0`)
	fillVendor(t, ctx, "A-02", "Trần Văn Bình", "0987654321", "MB", "1234567890")
	previewAndSave(t, ctx)
	waitJS(t, ctx, "one queued", `document.getElementById('queue-count').textContent === '1'`)
	fillVendor(t, ctx, "A-03", "Lê Thị Cúc", "0901234567", "BIDV", "21510001234567")
	previewAndSave(t, ctx)
	waitJS(t, ctx, "two queued", `document.getElementById('queue-count').textContent === '2' && document.querySelectorAll('#queue li[data-state=pending]').length === 2`)
	if *screenshotDir != "" {
		checkA11y(t, ctx, "signup-offline-queue")
	}
	if n := len(w.vendors(t)); n != 2 {
		t.Fatalf("while offline the API lists %d vendors, want 2", n)
	}
	// The phone reloads the page with no signal: it opens from the service
	// worker's copy and the queue is still there.
	run(t, ctx, "reload offline", chromedp.Reload())
	waitJS(t, ctx, "the page reopened offline with its queue", `document.getElementById('queue-count') !== null && document.getElementById('queue-count').textContent === '2'`)
	setOffline(t, ctx, false)
	waitJS(t, ctx, "the queue sent", `document.getElementById('queue-count').textContent === '0'`)
	vs = w.vendors(t)
	names := map[string]int{}
	for _, v := range vs {
		names[v.FullName]++
	}
	if len(vs) != 4 || names["Trần Văn Bình"] != 1 || names["Lê Thị Cúc"] != 1 {
		t.Fatalf("after coming back online the API lists %+v, want exactly the two queued vendors added once each", vs)
	}
	// Retrying the queue again (a second tap) registers nobody twice.
	run(t, ctx, "retry an empty queue", chromedp.Click(chromedp.ID("retry-btn")))
	if n := len(w.vendors(t)); n != 4 {
		t.Fatalf("a second send made %d vendors, want 4", n)
	}

	// The market page and the dashboard agree with the API.
	if _, err := w.adoption.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := w.adoption.Snapshot(t.Context()); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "open the market page", chromedp.Navigate(fmt.Sprintf("%s/ui/markets/%d", w.url, w.marketID)))
	waitJS(t, ctx, "the stall grid", `document.querySelector('.grid') !== null`)
	checkA11y(t, ctx, "market")
	grid := eval[map[string]int](t, ctx, `(() => { const n = {}; for (const li of document.querySelectorAll('.grid li')) { const c = li.className.match(/s-(\w+)/)[1]; n[c] = (n[c] || 0) + 1; } return n; })()`)
	if want := map[string]int{"none": 2, "qr": 3, "transacting": 1}; !maps.Equal(grid, want) {
		t.Errorf("the market grid's stalls by status are %v, want %v", grid, want)
	}
	var payloads []string
	for _, v := range w.vendors(t) {
		var p struct{ Payload string }
		w.call(t, "GET", fmt.Sprintf("/api/v1/vendors/%d/payload", v.ID), nil, http.StatusOK, &p)
		payloads = append(payloads, p.Payload)
	}
	slices.Sort(payloads)
	if got := scanPDF(t, download(t, ctx, downloads, `a[href*="signs.pdf"]`)); !slices.Equal(got, payloads) {
		t.Errorf("the market's 4-up sheet reads %q, want the four vendors' payloads %q", got, payloads)
	}
	// The download's click recorded the batch (a POST, the GET itself
	// changes nothing): every vendor with a QR now has its sign printed.
	var printed struct {
		SignsPrinted int `json:"signs_printed"`
	}
	for deadline := time.Now().Add(5 * time.Second); printed.SignsPrinted != len(payloads) && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		w.call(t, "GET", fmt.Sprintf("/api/v1/markets/%d/adoption", w.marketID), nil, http.StatusOK, &printed)
	}
	if printed.SignsPrinted != len(payloads) {
		t.Errorf("after downloading the market's signs, signs_printed is %d, want %d", printed.SignsPrinted, len(payloads))
	}
	run(t, ctx, "open the markets list", chromedp.Navigate(w.url+"/ui/markets?q=ngoc"))
	waitJS(t, ctx, "the market found without diacritics", fmt.Sprintf(`document.querySelector('a[href="/ui/markets/%d"]') !== null`, w.marketID))
	checkA11y(t, ctx, "markets")
	run(t, ctx, "open the dashboard", chromedp.Navigate(w.url+"/ui/dashboard?commune="+e2eCommune))
	waitJS(t, ctx, "the dashboard table", `document.getElementById('units') !== null`)
	checkA11y(t, ctx, "dashboard")
	var unit map[string]any
	w.call(t, "GET", "/api/v1/adoption?commune="+e2eCommune, nil, http.StatusOK, &unit)
	for _, k := range []string{"markets", "cho40_markets", "stalls_active", "vendors_with_qr", "vendors_transacting"} {
		shown := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#totals [data-k=%q]').textContent`, k))
		if want := fmt.Sprint(unit[k]); shown != want {
			t.Errorf("dashboard shows %s = %q, the API says %s", k, shown, want)
		}
	}

	var market map[string]any
	w.call(t, "GET", fmt.Sprintf("/api/v1/markets/%d/adoption", w.marketID), nil, http.StatusOK, &market)
	cells := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#units tbody tr:first-child td.num'), (td) => td.textContent.trim())`)
	wantCells := []string{"1", fmt.Sprint(boolInt(market["cho40"])), fmt.Sprint(market["stalls_active"]), fmt.Sprint(market["vendors_with_qr"]), fmt.Sprint(market["vendors_transacting"])}
	if len(cells) < len(wantCells) || !slices.Equal(cells[:len(wantCells)], wantCells) {
		t.Errorf("the dashboard's market row shows %q, the API's market adoption says %q", cells, wantCells)
	}
	csv, err := os.ReadFile(download(t, ctx, downloads, `a[href*="format=csv"]`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csv), "Chợ Ngọc Hà") {
		t.Errorf("the exported report does not name the market:\n%s", csv)
	}

	// Everything also works in English.
	run(t, ctx, "switch to English",
		chromedp.Click(chromedp.CSS("a.lang")),
		chromedp.WaitVisible(chromedp.ID("units")),
	)
	if h1 := eval[string](t, ctx, `document.querySelector('h1').textContent`); !strings.Contains(h1, "report") {
		t.Errorf("after switching to English the title is %q", h1)
	}

	// Log out, and log in again from a link whose next address leads
	// elsewhere: the browser stays on SạpQR. Logging out leaves nothing
	// of the session on the phone but the registrations not yet sent.
	run(t, ctx, "queue a sent (refused) and an unsent registration", chromedp.Evaluate[chromedp.Void](`new Promise((resolve) => {
		const req = indexedDB.open('sapqr', 1);
		req.onsuccess = () => {
			const x = req.result.transaction('queue', 'readwrite');
			const s = x.objectStore('queue');
			s.put({ key: 'e2e-refused', state: 'failed', user: '`+w.username+`', created: 1, body: { full_name: 'Đã gửi' } });
			s.put({ key: 'e2e-unsent', state: 'pending', user: '`+w.username+`', created: 2, body: { full_name: 'Chưa gửi' } });
			x.oncomplete = () => { req.result.close(); resolve(); };
		};
	})`, chromedp.EvalAwaitPromise))
	if n := eval[int](t, ctx, `Object.keys(localStorage).filter((k) => k.startsWith('sapqr:')).length`); n == 0 {
		t.Fatal("nothing cached in localStorage before logging out: the check below would prove nothing")
	}
	run(t, ctx, "log out", chromedp.Click(chromedp.CSS("[data-logout]")))
	waitJS(t, ctx, "the login page", `location.pathname === '/ui/login'`)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`caches.keys().then((k) => k.length)`, chromedp.EvalAwaitPromise)); err != nil || n != 0 {
		t.Errorf("%d caches left on the phone after logging out (%v)", n, err)
	}
	if n := eval[int](t, ctx, `Object.keys(localStorage).filter((k) => k.startsWith('sapqr:')).length`); n != 0 {
		t.Errorf("%d cached lists left in localStorage after logging out", n)
	}
	left, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`new Promise((resolve) => {
		const req = indexedDB.open('sapqr', 1);
		req.onsuccess = () => {
			const x = req.result.transaction('queue', 'readwrite');
			const s = x.objectStore('queue');
			const r = s.getAllKeys();
			r.onsuccess = () => { s.delete('e2e-unsent'); };
			x.oncomplete = () => { req.result.close(); resolve(r.result); };
		};
	})`, chromedp.EvalAwaitPromise))
	if err != nil || !slices.Equal(left, []string{"e2e-unsent"}) {
		t.Errorf("the queue after logging out holds %q (%v); want only the registration not yet sent", left, err)
	}
	run(t, ctx, "a login link that points away",
		chromedp.Navigate(w.url+"/ui/login?next=%2F%5Cevil.example%2F"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("username"), w.username),
		chromedp.SendKeys(chromedp.ID("password"), w.password),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
	)
	waitJS(t, ctx, "home after login", `location.pathname === '/ui/dashboard'`)
	if origin := eval[string](t, ctx, `location.origin`); origin != w.url {
		t.Errorf("after login the browser is at %s, want %s", origin, w.url)
	}
}

// acceptDialogs accepts the confirm() dialogs the next actions open.
func acceptDialogs(ctx context.Context) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(context.Context, *chromedp.Target) error {
		dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
		go func() {
			for _, err := range dialogs {
				if err != nil {
					return
				}
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
				return
			}
		}()
		return nil
	})
}

// checkLinkPage fetches a vendor link without any session, as the vendor's
// phone does, and checks the status and that the page shows each text.
func checkLinkPage(t *testing.T, w *e2eWorld, link string, status int, texts ...string) {
	t.Helper()
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Errorf("GET %s: status %d, want %d", link, res.StatusCode, status)
	}
	for _, s := range texts {
		if !strings.Contains(string(body), s) {
			t.Errorf("GET %s: the page does not show %q", link, s)
		}
	}
	if strings.Contains(string(body), "Trần Văn Bình") || strings.Contains(string(body), "0011001234567") {
		t.Errorf("GET %s: the page shows another vendor or a full account number", link)
	}
}

// download clicks a download link and returns the file the browser saved.
func download(t *testing.T, ctx context.Context, dir, selector string) string {
	t.Helper()
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	run(t, ctx, "click "+selector, chromedp.Click(chromedp.CSS(selector)))
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download %s: %v", selector, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			return filepath.Join(dir, ev.GUID)
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("download %s was cancelled", selector)
		}
	}
	t.Fatalf("download %s: no progress events", selector)
	return ""
}

// scanPDF reads the QR codes of a downloaded PDF, sorted.
func scanPDF(t *testing.T, path string) []string {
	t.Helper()
	pdf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	codes := pdfQRCodes(t, pdf)
	slices.Sort(codes)
	return codes
}

// boolInt is 1 for a JSON true, 0 otherwise (the chợ 4.0 market count of
// one market).
func boolInt(v any) int {
	if b, _ := v.(bool); b {
		return 1
	}
	return 0
}

// pageAs logs a user in through the API with a cookie jar, as a browser
// does, and fetches a page with that session.
func pageAs(t *testing.T, w *e2eWorld, username, path string) (int, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	b, _ := json.Marshal(map[string]string{"username": username, "password": e2ePassword})
	res, err := client.Post(w.url+"/api/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("log in as %s: status %d", username, res.StatusCode)
	}
	res, err = client.Get(w.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(page)
}
