package rediscounters

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

// TestParseURL reads each documented URL form and checks the topology and
// the addresses, database, master name and credentials it yields; no Redis
// is contacted.
func TestParseURL(t *testing.T) {
	type want struct {
		Topology Topology
		Addrs    []string
		DB       int
		Master   string
		Username string
		Password string
		TLS      bool
	}
	tests := []struct {
		name string
		url  string
		want want
	}{
		{"single", "redis://127.0.0.1:6379/0", want{Topology: Single, Addrs: []string{"127.0.0.1:6379"}}},
		{"single database and password", "redis://:s3cret@redis.internal:6380/15", want{Topology: Single, Addrs: []string{"redis.internal:6380"}, DB: 15, Password: "s3cret"}},
		{"single default port", "redis://redis.internal", want{Topology: Single, Addrs: []string{"redis.internal:6379"}}},
		{"single TLS", "rediss://redis.internal:6380/2", want{Topology: Single, Addrs: []string{"redis.internal:6380"}, DB: 2, TLS: true}},
		{"single unix socket", "unix:///run/redis.sock?db=3", want{Topology: Single, Addrs: []string{"/run/redis.sock"}, DB: 3}},
		{"sentinel", "redis://sentinel-0:26379/2?master_name=sapqr&addr=sentinel-1:26379&addr=sentinel-2:26379",
			want{Topology: Sentinel, Addrs: []string{"sentinel-0:26379", "sentinel-1:26379", "sentinel-2:26379"}, DB: 2, Master: "sapqr"}},
		{"sentinel one sentinel, master password", "redis://sentinel-0:26379?master_name=mymaster&password=pw",
			want{Topology: Sentinel, Addrs: []string{"sentinel-0:26379"}, Master: "mymaster", Password: "pw"}},
		{"cluster by seed list", "redis://user:pw@node-0:7000?addr=node-1:7001&addr=node-2:7002",
			want{Topology: Cluster, Addrs: []string{"node-0:7000", "node-1:7001", "node-2:7002"}, Username: "user", Password: "pw"}},
		{"cluster one seed", "rediss://redis-cluster.svc:6379?cluster=true",
			want{Topology: Cluster, Addrs: []string{"redis-cluster.svc:6379"}, TLS: true}},
		{"cluster database 0", "redis://node-0:7000/0?addr=node-1:7001",
			want{Topology: Cluster, Addrs: []string{"node-0:7000", "node-1:7001"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseURL(tt.url)
			if err != nil {
				t.Fatalf("parseURL(%q): %v", tt.url, err)
			}
			got := want{Topology: o.topology}
			switch o.topology {
			case Single:
				got.Addrs, got.DB, got.Username, got.Password, got.TLS = []string{o.single.Addr}, o.single.DB, o.single.Username, o.single.Password, o.single.TLSConfig != nil
			case Sentinel:
				got.Addrs, got.DB, got.Master, got.Username, got.Password, got.TLS = o.failover.SentinelAddrs, o.failover.DB, o.failover.MasterName, o.failover.Username, o.failover.Password, o.failover.TLSConfig != nil
			case Cluster:
				got.Addrs, got.Username, got.Password, got.TLS = o.cluster.Addrs, o.cluster.Username, o.cluster.Password, o.cluster.TLSConfig != nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseURL(%q) (-want +got):\n%s", tt.url, diff)
			}
		})
	}
}

// TestParseURLErrors checks that a URL no form accepts is refused with a
// message saying what is wrong.
func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"empty", "", "empty"},
		{"scheme", "http://127.0.0.1:6379", "scheme"},
		{"unknown parameter", "redis://127.0.0.1:6379?pool=3", "pool"},
		{"bad database", "redis://127.0.0.1:6379/x", "x"},
		{"empty master name", "redis://s:26379?master_name=", "master_name"},
		{"sentinel and cluster", "redis://s:26379?master_name=m&cluster=true", "cannot be combined"},
		{"cluster false", "redis://n:7000?cluster=false", "cluster=true"},
		{"cluster database", "redis://n:7000/3?addr=n2:7001", "database 0"},
		{"cluster scheme", "unix:///run/redis.sock?cluster=true", "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseURL(tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseURL(%q) = %v, want an error mentioning %q", tt.url, err, tt.want)
			}
		})
	}
}

// TestNewClient checks that each form gets the go-redis client of its
// topology, and that Open keeps the topology and refuses a bad namespace.
func TestNewClient(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want Topology
		is   func(redis.UniversalClient) bool
	}{
		{"redis://127.0.0.1:1/0", Single, func(c redis.UniversalClient) bool { _, ok := c.(*redis.Client); return ok }},
		{"redis://127.0.0.1:1?master_name=m", Sentinel, func(c redis.UniversalClient) bool { _, ok := c.(*redis.Client); return ok }},
		{"redis://127.0.0.1:1?addr=127.0.0.1:2", Cluster, func(c redis.UniversalClient) bool { _, ok := c.(*redis.ClusterClient); return ok }},
	} {
		c, topo, err := NewClient(tt.url)
		if err != nil {
			t.Fatalf("NewClient(%q): %v", tt.url, err)
		}
		if topo != tt.want || !tt.is(c) {
			t.Errorf("NewClient(%q) = %T, %s; want %s", tt.url, c, topo, tt.want)
		}
		c.Close()
		r, err := Open(tt.url, "")
		if err != nil {
			t.Fatalf("Open(%q): %v", tt.url, err)
		}
		if r.Topology() != tt.want || r.Prefix() != "{sapqr:v1}:" {
			t.Errorf("Open(%q): topology %s, prefix %q", tt.url, r.Topology(), r.Prefix())
		}
		r.Close()
	}
	if _, err := Open("redis://127.0.0.1:1/0", "a:b"); err == nil {
		t.Error("Open with namespace a:b: no error")
	}
	if _, err := Open("redis://127.0.0.1:1/x", ""); err == nil {
		t.Error("Open with database x: no error")
	}
}
