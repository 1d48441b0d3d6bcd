package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

func TestUserAdd(t *testing.T) {
	env := testEnv(t)
	getenv := func(k string) string { return env[k] }
	var out strings.Builder
	tests := []struct {
		name  string
		args  []string
		stdin string
		ok    bool
		want  string
	}{
		{"member of two communes", []string{"user", "add", "--role", "member", "--username", "hanguyen", "--commune", "00004", "--commune", "00008", "--password-stdin"}, "long enough secret\n", true, "created user hanguyen"},
		{"province officer", []string{"user", "add", "--role", "province", "--username", "tinh", "--province", "01", "--password-stdin"}, "long enough secret", true, "created user tinh"},
		{"username taken", []string{"user", "add", "--role", "admin", "--username", "hanguyen", "--password-stdin"}, "long enough secret\n", false, "conflict"},
		{"password required on stdin", []string{"user", "add", "--role", "admin", "--username", "x1"}, "", false, "--password-stdin is required"},
		{"short password", []string{"user", "add", "--role", "admin", "--username", "x2", "--password-stdin"}, "short\n", false, "exit status 1"},
		{"no subcommand", []string{"user"}, "", false, "exit status 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out.Reset()
			err := run(context.Background(), tt.args, getenv, strings.NewReader(tt.stdin), &out, io.Discard)
			if tt.ok {
				if err != nil || !strings.Contains(out.String(), tt.want) {
					t.Fatalf("err %v, output %q", err, out.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v; want one with %q", err, tt.want)
			}
		})
	}
}
