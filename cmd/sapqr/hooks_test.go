package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestHooks adds, lists and removes hook sources from the command line;
// the secret is read from stdin and never printed.
func TestHooks(t *testing.T) {
	env := testEnv(t)
	getenv := func(k string) string { return env[k] }
	var out, errOut strings.Builder
	do := func(stdin string, args ...string) error {
		out.Reset()
		errOut.Reset()
		return run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	}
	if err := do("province-secret-1\n", "hooks", "add", "--provider", "sepay", "--auth", "hmac", "--province", "01", "--secret-stdin"); err != nil {
		t.Fatalf("add: %v (%s)", err, errOut.String())
	}
	want := `"id":1,"provider":"sepay","auth":"hmac","province_code":"01","url_path":"/api/v1/hooks/sepay/1"`
	if !strings.Contains(out.String(), want) || strings.Contains(out.String(), "province-secret-1") {
		t.Errorf("add printed %s; want %s and no secret", out.String(), want)
	}
	if err := do("", "hooks", "add", "--provider", "casso", "--auth", "hmac", "--commune", "00004"); err == nil || !strings.Contains(err.Error(), "--secret-stdin is required") {
		t.Errorf("add without --secret-stdin: %v", err)
	}
	if err := do("casso-secret\n", "hooks", "add", "--provider", "casso", "--auth", "apikey", "--commune", "00004", "--secret-stdin"); err == nil ||
		!strings.Contains(errOut.String(), "--auth: \"apikey\" is not an authentication casso offers") {
		t.Errorf("casso with apikey: %v, %s", err, errOut.String())
	}
	if err := do("", "hooks", "list"); err != nil || !strings.Contains(out.String(), "1   sepay     hmac  province 01  /api/v1/hooks/sepay/1") {
		t.Errorf("list: %v\n%s", err, out.String())
	}
	if err := do("", "hooks", "list", "--json"); err != nil || !strings.HasPrefix(out.String(), `{"items":[{"id":1,`) || strings.Contains(out.String(), "secret") {
		t.Errorf("list --json: %v\n%s", err, out.String())
	}
	if err := do("", "hooks", "remove", "1"); err != nil || out.String() != "removed hook source 1\n" {
		t.Errorf("remove: %v %q", err, out.String())
	}
	if err := do("", "hooks", "list", "--json"); err != nil || out.String() != "{\"items\":[]}\n" {
		t.Errorf("list after remove: %v %q", err, out.String())
	}
	if err := do("", "hooks", "remove", "1"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("remove twice: %v", err)
	}
	if err := run(context.Background(), []string{"hooks"}, getenv, strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("hooks without a subcommand: no error")
	}
}
