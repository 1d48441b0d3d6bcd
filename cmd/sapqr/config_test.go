package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestConfigRefusesBadEnvironment: a bad value of any variable stops every
// command before it does anything, naming the variable and what it takes,
// with exit status 2. (SAPQR_SECURE_COOKIES=yes used to mean false.)
func TestConfigRefusesBadEnvironment(t *testing.T) {
	tests := []struct {
		name, env, value, want string
	}{
		{"bool yes", "SAPQR_SECURE_COOKIES", "yes", "want true or false"},
		{"answer key too short", "SAPQR_ANSWER_KEY", "c2hvcnQ=", "want 32 random bytes"},
		{"answer key not base64 or hex", "SAPQR_ANSWER_KEY", "not a key at all, is it?", "want 32 random bytes"},
		{"bool on", "SAPQR_SECURE_COOKIES", "on", "want true or false"},
		{"bool t", "SAPQR_SECURE_COOKIES", "t", "want true or false"},
		{"proxy bool", "SAPQR_TRUST_PROXY", "enabled", "want true or false"},
		{"int word", "SAPQR_MAX_IN_FLIGHT", "many", "whole number of 1 or more"},
		{"int zero", "SAPQR_MAX_IN_FLIGHT", "0", "whole number of 1 or more"},
		{"int negative", "SAPQR_MAX_IN_FLIGHT", "-5", "whole number of 1 or more"},
		{"log level", "SAPQR_LOG_LEVEL", "loud", "debug, info, warn or error"},
		{"addr without port", "SAPQR_ADDR", "localhost", "host:port"},
		{"addr bad port", "SAPQR_ADDR", "127.0.0.1:http", "port"},
		{"database scheme", "SAPQR_DATABASE_URL", "mysql://db/x", "sqlite:FILE or postgres://"},
		{"database sqlite no file", "SAPQR_DATABASE_URL", "sqlite:", "file name"},
		{"database postgres no host", "SAPQR_DATABASE_URL", "postgres:///db", "host is missing"},
		{"redis scheme", "SAPQR_REDIS_URL", "http://127.0.0.1:6379", "redis://"},
		{"redis option", "SAPQR_REDIS_URL", "redis://127.0.0.1:6379?pool=3", "pool"},
		{"redis database", "SAPQR_REDIS_URL", "redis://127.0.0.1:6379/x", "database"},
		{"redis namespace", "SAPQR_REDIS_NAMESPACE", "a:b", "namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == tt.env {
					return tt.value
				}
				return ""
			}
			var stdout strings.Builder
			err := run(context.Background(), []string{"banks"}, getenv, strings.NewReader(""), &stdout, io.Discard)
			if err == nil {
				t.Fatalf("%s=%q: accepted", tt.env, tt.value)
			}
			if !strings.Contains(err.Error(), tt.env) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s=%q: %v; want the variable's name and %q", tt.env, tt.value, err, tt.want)
			}
			if !errors.As(err, new(usageError)) || exitStatus(err) != 2 {
				t.Errorf("%s=%q: exit status %d (%T); want 2", tt.env, tt.value, exitStatus(err), err)
			}
			if stdout.Len() > 0 {
				t.Errorf("the command ran with a bad configuration: %q", stdout.String())
			}
		})
	}
}

// TestConfigEnvironment: what each accepted value sets; unset and empty
// variables keep the defaults.
func TestConfigEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want func(*config)
	}{
		{"defaults", nil, func(*config) {}},
		{"empty is unset", map[string]string{"SAPQR_ADDR": "", "SAPQR_SECURE_COOKIES": ""}, func(*config) {}},
		{"bools", map[string]string{"SAPQR_SECURE_COOKIES": "TRUE", "SAPQR_TRUST_PROXY": "1"}, func(c *config) { c.SecureCookies, c.TrustProxy = true, true }},
		{"bools off", map[string]string{"SAPQR_SECURE_COOKIES": "False", "SAPQR_TRUST_PROXY": "0"}, func(*config) {}},
		{"answer key in hex", map[string]string{"SAPQR_ANSWER_KEY": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}, func(c *config) {
			c.AnswerKey = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}
		}},
		{"everything", map[string]string{
			"SAPQR_ADDR": ":9090", "SAPQR_DATABASE_URL": "postgres://u@db/sapqr?sslmode=disable",
			"SAPQR_REDIS_URL": "redis://s0:26379?master_name=m&addr=s1:26379", "SAPQR_REDIS_NAMESPACE": "prod-1",
			"SAPQR_MAX_IN_FLIGHT": "64", "SAPQR_LOG_LEVEL": "WARN",
		}, func(c *config) {
			c.Addr, c.DatabaseURL = ":9090", "postgres://u@db/sapqr?sslmode=disable"
			c.RedisURL, c.RedisNamespace = "redis://s0:26379?master_name=m&addr=s1:26379", "prod-1"
			c.MaxInFlight, c.LogLevel = 64, slog.LevelWarn
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadConfig(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			want := config{Addr: "127.0.0.1:8080", DatabaseURL: "sqlite:sapqr.db", MaxInFlight: 512, ShutdownTimeout: 25 * time.Second}
			tt.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

// TestServeFlagsRefuseBadValues: serve's flags take the same values as
// their variables; a bad one is refused naming the flag, exit status 2.
func TestServeFlagsRefuseBadValues(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--nope"}, "-nope"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"bool yes", []string{"--secure-cookies=yes"}, "-secure-cookies: want true or false"},
		{"proxy bool", []string{"--trust-proxy=maybe"}, "-trust-proxy: want true or false"},
		{"demo bool", []string{"--demo=please"}, "-demo: want true or false"},
		{"in-flight zero", []string{"--max-in-flight", "0"}, "-max-in-flight: want a whole number"},
		{"in-flight word", []string{"--max-in-flight", "lots"}, "-max-in-flight: want a whole number"},
		{"timeout without unit", []string{"--shutdown-timeout", "25"}, "-shutdown-timeout: want a duration"},
		{"timeout zero", []string{"--shutdown-timeout", "0s"}, "-shutdown-timeout: want a duration"},
		{"log level", []string{"--log-level", "loud"}, "-log-level: want debug, info, warn or error"},
		{"addr", []string{"--addr", "8080"}, "-addr: want host:port"},
		{"database", []string{"--database-url", "db.sqlite"}, "-database-url: want sqlite:FILE"},
		{"redis", []string{"--redis-url", "redis://h:1?cluster=no"}, "-redis-url: want"},
		{"namespace", []string{"--redis-namespace", "a b"}, "-redis-namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"serve"}, tt.args...), func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("serve %v: %v; want an error with %q", tt.args, err, tt.want)
			}
			if exitStatus(err) != 2 {
				t.Errorf("serve %v: exit status %d, want 2", tt.args, exitStatus(err))
			}
		})
	}
}

// TestServeFlagsOverrideEnvironment: a flag wins over its variable; a
// variable without its flag stays.
func TestServeFlagsOverrideEnvironment(t *testing.T) {
	env := map[string]string{"SAPQR_ADDR": ":9090", "SAPQR_SECURE_COOKIES": "true", "SAPQR_MAX_IN_FLIGHT": "64", "SAPQR_REDIS_URL": "redis://r:6379/1"}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseServeFlags(cfg, []string{"--addr", "127.0.0.1:0", "--secure-cookies=false", "--trust-proxy", "--redis-url", "", "--shutdown-timeout", "2s", "--demo"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := cfg
	want.Addr, want.SecureCookies, want.TrustProxy, want.RedisURL, want.ShutdownTimeout, want.Demo = "127.0.0.1:0", false, true, "", 2*time.Second, true
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}
