package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/merchants/gormstore"
)

// TestServeDemo: `serve --demo` on an empty database creates the demo data
// and a demo admin whose password goes to the terminal (stdout) once and
// never into the JSON log; a second start adds nothing and prints no
// password.
func TestServeDemo(t *testing.T) {
	env := testEnv(t)
	env["SAPQR_LOG_LEVEL"] = "debug" // everything serve logs
	var log syncBuffer
	base, printed, _, stop := startServeLines(t, env, &log, "--demo")

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct{ Status string }
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || health.Status != "ok" || resp.Header.Get("X-Request-ID") == "" {
		t.Fatalf("healthz: %d %+v", resp.StatusCode, health)
	}

	// The demo admin's password is printed once, in plain text, and logs in.
	var password string
	for _, l := range printed {
		if _, after, ok := strings.Cut(l, "sapqr: demo login (shown once): username demo-admin password "); ok {
			password = after
		}
	}
	if password == "" {
		t.Fatalf("--demo printed no login: %q", printed)
	}
	token := demoLogin(t, base, password)
	checkDemoAdoption(t, base, token, printed)
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after a clean shutdown", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still answering after shutdown")
	}
	if l := log.String(); !strings.Contains(l, `"msg":"serving"`) || strings.Contains(l, password) || strings.Contains(l, "demo login") {
		t.Errorf("the JSON log holds the demo login, or is not the log:\n%s", l)
	}

	// A second start on the same database adds no demo data and prints no
	// password.
	_, printed, stop = startServe(t, env, "--demo")
	for _, l := range printed {
		if strings.Contains(l, "password") {
			t.Errorf("second --demo printed %q", l)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// demoLogin logs in as the demo admin and returns the token.
func demoLogin(t *testing.T, base, password string) string {
	t.Helper()
	body := strings.NewReader(`{"username":"demo-admin","password":"` + password + `"}`)
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || login.Token == "" {
		t.Fatalf("demo login: %d", resp.StatusCode)
	}
	return login.Token
}

// checkDemoAdoption checks that both demo markets have vendors, some with
// printed signs and confirmed payments, counted as the printed summary says.
func checkDemoAdoption(t *testing.T, base, token string, printed []string) {
	t.Helper()
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var markets struct {
		Items []struct {
			ID   json.Number
			Name string
		}
	}
	get("/api/v1/markets", &markets)
	if len(markets.Items) != 2 {
		t.Fatalf("demo database has %d markets; want 2", len(markets.Items))
	}
	var vendors int
	summary := regexp.MustCompile(`demo data: .* with (\d+) vendors, some with printed signs and confirmed first payments`)
	for _, l := range printed {
		if m := summary.FindStringSubmatch(l); m != nil {
			vendors, _ = strconv.Atoi(m[1])
		}
	}
	if vendors == 0 {
		t.Fatalf("--demo printed no vendor count: %q", printed)
	}
	var total struct{ Vendors, VendorsWithQR, SignsPrinted, VendorsTransacting int }
	for _, m := range markets.Items {
		var a struct {
			Vendors            int `json:"vendors"`
			VendorsWithQR      int `json:"vendors_with_qr"`
			SignsPrinted       int `json:"signs_printed"`
			VendorsTransacting int `json:"vendors_transacting"`
		}
		get("/api/v1/markets/"+m.ID.String()+"/adoption", &a)
		if a.Vendors == 0 {
			t.Errorf("demo market %s has no vendors", m.Name)
		}
		total.Vendors += a.Vendors
		total.VendorsWithQR += a.VendorsWithQR
		total.SignsPrinted += a.SignsPrinted
		total.VendorsTransacting += a.VendorsTransacting
	}
	if total.Vendors != vendors || total.VendorsWithQR != vendors ||
		total.SignsPrinted == 0 || total.SignsPrinted >= vendors ||
		total.VendorsTransacting == 0 || total.VendorsTransacting > total.SignsPrinted {
		t.Errorf("demo adoption %+v; want all %d vendors with QR, some but not all signs printed, some of those transacting", total, vendors)
	}
	// The demo commune has a target, so "% so với chỉ tiêu" is filled.
	var targets struct {
		Items []struct {
			CommuneCode string `json:"commune_code"`
		}
	}
	get("/api/v1/targets", &targets)
	if len(targets.Items) != 1 {
		t.Fatalf("demo targets %+v; want one", targets)
	}
	var rep struct {
		Total struct {
			TargetProgress *float64 `json:"target_progress"`
		}
	}
	get("/api/v1/reports?format=json&commune="+targets.Items[0].CommuneCode, &rep)
	if rep.Total.TargetProgress == nil {
		t.Errorf("demo report has no progress against the target")
	}
}

// TestServeDemoRefusesDatabaseInUse: `serve --demo` on a database with a
// user other than the demo admin fails before listening, says why, and
// writes nothing (no market, no demo admin).
func TestServeDemoRefusesDatabaseInUse(t *testing.T) {
	env := testEnv(t)
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	err := run(ctx, []string{"user", "add", "--role", "admin", "--username", "officer", "--password-stdin"}, getenv, strings.NewReader("long enough secret\n"), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	err = run(ctx, []string{"serve", "--demo"}, getenv, strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--demo refused") || !strings.Contains(err.Error(), `"officer"`) || exitStatus(err) == 0 {
		t.Fatalf("serve --demo on a database in use: %v (exit %d); want it refused, naming the user", err, exitStatus(err))
	}
	if strings.Contains(stdout.String(), "listening") || strings.Contains(stdout.String(), "password") {
		t.Errorf("refused serve printed %q", stdout.String())
	}
	store, err := gormstore.Open(ctx, env["SAPQR_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var users, markets int
	if err := store.DB().QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM markets)").Scan(&users, &markets); err != nil {
		t.Fatal(err)
	}
	if users != 1 || markets != 0 {
		t.Errorf("after the refusal: %d users, %d markets; want 1 and 0", users, markets)
	}
}

func TestServeWithoutDemoCreatesNothing(t *testing.T) {
	env := testEnv(t)
	_, printed, stop := startServe(t, env)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, l := range printed {
		if strings.Contains(l, "demo") {
			t.Errorf("plain serve printed %q", l)
		}
	}
}
