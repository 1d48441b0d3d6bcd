package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestUserManage runs each user subcommand in turn on one database and
// reads what list then says.
func TestUserManage(t *testing.T) {
	env := testEnv(t)
	getenv := func(k string) string { return env[k] }
	var out strings.Builder
	sapqr := func(stdin string, args ...string) error {
		out.Reset()
		return run(context.Background(), args, getenv, strings.NewReader(stdin), &out, io.Discard)
	}
	if err := sapqr("rau muống xào tỏi\n", "user", "add", "--role", "member", "--username", "hoa", "--commune", "00004", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args []string
		ok   bool
		want string // in the output, or in the error when !ok
	}{
		{[]string{"user", "list", "--json"}, true, `"username":"hoa","display_name":"","role":"member","commune_codes":["00004"],"active":true}`},
		{[]string{"user", "disable", "--username", "hoa"}, true, "user disable: hoa (active false"},
		{[]string{"user", "list"}, true, "hoa       member  00004  false"},
		{[]string{"user", "enable", "--username", "HOA"}, true, "user enable: hoa (active true"},
		{[]string{"user", "set-scope", "--username", "hoa", "--commune", "00004,00008"}, true, "scope 00004,00008)"},
		{[]string{"user", "set-scope", "--username", "hoa", "--province", "01"}, false, "exit status 1"},
		{[]string{"user", "set-scope", "--username", "hoa"}, false, "give --commune CODE... or --province CODE"},
		{[]string{"user", "reset-password", "--username", "hoa"}, true, "\n/ui/activate/"},
		{[]string{"user", "disable", "--username", "nobody"}, false, `no user "nobody"`},
		{[]string{"user", "frobnicate"}, false, "exit status 2"},
	}
	for _, st := range steps {
		err := sapqr("", st.args...)
		if st.ok && (err != nil || !strings.Contains(out.String(), st.want)) {
			t.Errorf("%v: err %v, output %q; want %q", st.args, err, out.String(), st.want)
		}
		if !st.ok && (err == nil || !strings.Contains(err.Error(), st.want)) {
			t.Errorf("%v: err %v; want one with %q", st.args, err, st.want)
		}
	}
}
