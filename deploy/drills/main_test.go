package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunRejectsBadUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"no drill", nil, "usage: drills"},
		{"unknown drill", []string{"chaos"}, `unknown drill "chaos"`},
		{"two drills", []string{"redis", "postgres"}, "usage: drills"},
		{"unknown flag", []string{"-nope", "redis"}, "flag provided but not defined"},
		{"zero writers", []string{"-writers", "0", "redis"}, "must be positive"},
		{"unknown stop mode", []string{"-pg-stop", "smart", "postgres"}, `-pg-stop "smart"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
