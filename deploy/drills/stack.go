package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// prepare finds PostgreSQL's binaries and redis-server and builds sapqr
// once for every drill of the run.
func prepare(ctx context.Context, pgBin string, out io.Writer) (string, string, error) {
	if pgBin == "" {
		var err error
		if pgBin, err = harness.PostgresBinDir(); err != nil {
			return "", "", err
		}
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return "", "", fmt.Errorf("redis-server: %w", err)
	}
	root, err := harness.ModuleRoot(ctx)
	if err != nil {
		return "", "", err
	}
	dir, err := os.MkdirTemp("", "sapqr-drill-bin-")
	if err != nil {
		return "", "", err
	}
	t0 := time.Now()
	bin, err := harness.BuildSapqr(ctx, root, dir, "drill")
	if err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	fmt.Fprintf(out, "built %s in %.1fs (CGO_ENABLED=0, as the Dockerfile does); PostgreSQL from %s\n", bin, time.Since(t0).Seconds(), pgBin)
	return pgBin, bin, nil
}

// stack is one drill's world: its own PostgreSQL and Redis, sapqr servers
// on them, clients logged in as an admin, and markets to register into.
type stack struct {
	o       options
	rep     *Report
	dir     string
	pg      *harness.Postgres
	redis   *harness.Redis
	sapqr   harness.Sapqr
	servers []*harness.Server
	// clients[i] talks to servers[i]; all share one token.
	clients []*harness.Client
	// down is set while a drill holds its database down, so readers can
	// tell what they saw during the outage.
	down    atomic.Bool
	markets []int64
}

// drillUser is the admin every drill logs in as.
const drillUser = "drill-admin"

// newStack starts PostgreSQL (database "sapqr") and Redis. Close undoes it.
func newStack(ctx context.Context, o options, rep *Report) (*stack, error) {
	dir, err := os.MkdirTemp("", "sapqr-drill-")
	if err != nil {
		return nil, err
	}
	s := &stack{o: o, rep: rep, dir: dir}
	// Each replica keeps its own pool; leave room for two and psql.
	if s.pg, err = harness.StartPostgres(ctx, o.pgBin, append([]string{"max_connections=300"}, o.pgSettings...)...); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.pg.CreateDatabase(ctx, "sapqr"); err != nil {
		s.Close()
		return nil, err
	}
	if s.redis, err = harness.StartRedis(ctx, dir); err != nil {
		s.Close()
		return nil, err
	}
	s.sapqr = harness.Sapqr{Bin: o.bin, Dir: dir, Env: []string{
		"SAPQR_DATABASE_URL=" + s.pg.URL("sapqr"),
		"SAPQR_REDIS_URL=" + s.redis.URL(0),
		"SAPQR_LOG_LEVEL=warn",
	}}
	settings := ""
	if len(o.pgSettings) > 0 {
		settings = " (" + o.pgSettings.String() + ")"
	}
	rep.Logf("own PostgreSQL on 127.0.0.1:%d%s and Redis on 127.0.0.1:%d; logs in %s", s.pg.Port, settings, s.redis.Port, dir)
	return s, nil
}

// Close stops the servers, Redis and PostgreSQL and removes the files,
// unless -keep.
func (s *stack) Close() {
	for _, srv := range s.servers {
		if err := srv.Stop(30 * time.Second); err != nil {
			s.rep.Logf("%s: %v", srv.Name, err)
		}
	}
	if s.redis != nil {
		s.redis.Close()
	}
	if s.pg != nil {
		s.pg.Close()
	}
	if s.o.keep {
		s.rep.Logf("kept %s", s.dir)
		return
	}
	os.RemoveAll(s.dir)
}

// addAdmin creates the drill's admin with `sapqr user add` and returns its
// password.
func (s *stack) addAdmin(ctx context.Context) (string, error) {
	password := rand.Text()
	if _, err := s.sapqr.Run(ctx, password+"\n", "user", "add", "--role", "admin", "--username", drillUser, "--password-stdin"); err != nil {
		return "", err
	}
	return password, nil
}

// serve starts n servers at the same moment and waits until all are ready.
func (s *stack) serve(ctx context.Context, n int) error {
	first := len(s.servers)
	for i := range n {
		srv, err := s.sapqr.Serve("sapqr-" + strconv.Itoa(first+i+1))
		if err != nil {
			return err
		}
		s.servers = append(s.servers, srv)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = s.servers[first+i].WaitReady(ctx, time.Minute) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// login logs in through the first server and gives every server a client
// holding the token.
func (s *stack) login(ctx context.Context, password string) error {
	conns := s.o.writers + s.o.readers + 8
	s.clients = nil
	for _, srv := range s.servers {
		s.clients = append(s.clients, &harness.Client{HTTP: harness.NewHTTPClient(conns, 30*time.Second), Base: srv.URL})
	}
	if err := s.clients[0].Login(ctx, drillUser, password); err != nil {
		return err
	}
	for _, c := range s.clients[1:] {
		c.Token = s.clients[0].Token
	}
	return nil
}

// createMarkets creates n markets, each declaring enough stalls for any
// drill, in the first commune of the first province.
func (s *stack) createMarkets(ctx context.Context, n int) error {
	c := s.clients[0]
	var units struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	if err := c.Call(ctx, http.MethodGet, "/api/v1/units/provinces", nil, &units); err != nil {
		return err
	}
	if len(units.Items) == 0 {
		return errors.New("no provinces")
	}
	province := units.Items[0].Code
	if err := c.Call(ctx, http.MethodGet, "/api/v1/units/provinces/"+province+"/communes", nil, &units); err != nil {
		return err
	}
	if len(units.Items) == 0 {
		return fmt.Errorf("province %s has no communes", province)
	}
	commune := units.Items[0].Code
	for i := range n {
		var m struct {
			ID int64 `json:"id"`
		}
		in := map[string]any{"commune_code": commune, "name": fmt.Sprintf("Chợ Diễn Tập %02d", i+1), "stall_count": 100000}
		if err := c.Call(ctx, http.MethodPost, "/api/v1/markets", in, &m); err != nil {
			return err
		}
		s.markets = append(s.markets, m.ID)
	}
	return nil
}

// up is the usual start: migrations and the admin, n servers, a login and
// the markets.
func (s *stack) up(ctx context.Context, servers int) error {
	t0 := time.Now()
	password, err := s.addAdmin(ctx)
	if err != nil {
		return err
	}
	if err := s.serve(ctx, servers); err != nil {
		return err
	}
	if err := s.login(ctx, password); err != nil {
		return err
	}
	if err := s.createMarkets(ctx, s.o.markets); err != nil {
		return err
	}
	s.rep.Logf("%d sapqr server(s) ready, logged in, %d markets created (%.1fs)", servers, len(s.markets), time.Since(t0).Seconds())
	return nil
}

// serverPids returns the process IDs of the servers.
func (s *stack) serverPids() []int {
	var pids []int
	for _, srv := range s.servers {
		pids = append(pids, srv.Pid())
	}
	return pids
}
