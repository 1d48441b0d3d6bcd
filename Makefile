# SạpQR — common tasks. `make run` and `make test` are all a newcomer needs.

GO        ?= go
BIN       ?= bin/sapqr
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run test build bench lint fuzz

## run: serve on http://127.0.0.1:8080 with the embedded defaults (SQLite file, in-memory counters)
run:
	$(GO) run ./cmd/sapqr serve --demo

## test: the whole suite with the race detector
test:
	$(GO) test -race -count=1 -timeout 30m ./...

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/sapqr

## bench: every benchmark, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## lint: go vet and staticcheck
lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## fuzz: a short run of every fuzz target
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 10s $$pkg || exit 1; \
	  done; \
	done

.PHONY: previews

## previews: README preview PNGs of an A6 sign and an A4 4-up sheet, drawn by `sapqr sign` (needs pdftoppm)
previews:
	$(GO) build -o bin/sapqr-previews ./cmd/sapqr
	bin/sapqr-previews sign --bin 970436 --account 0011001234567 --holder "NGUYEN THI HA" \
	  --vendor "Nguyễn Thị Hà" --market "Chợ Bộc Bố" --stall A-12 --date 2026-11-23 -o printables/preview/sign-a6.pdf
	bin/sapqr-previews sign --csv printables/preview/stalls.csv --sheet a4-4up --date 2026-11-23 \
	  -o printables/preview/market-a4-4up.pdf
	pdftoppm -png -r 120 -singlefile printables/preview/sign-a6.pdf printables/preview/sign-a6
	pdftoppm -png -r 60 -singlefile printables/preview/market-a4-4up.pdf printables/preview/market-a4-4up
	rm -f printables/preview/*.pdf bin/sapqr-previews

.PHONY: screenshots

## screenshots: PNG of every UI page at phone (360×740) and desktop (1280×800) sizes, from the real server via the browser test
screenshots:
	mkdir -p api/web/screenshots
	$(GO) test ./api -run '^TestE2E$$' -count=1 -screenshots=$(CURDIR)/api/web/screenshots

# Load test and fault drills (deploy/drills): each starts its own PostgreSQL
# and redis-server on free loopback ports, never the shared 5432/6379, and is
# bounded in time. DRILLFLAGS passes flags, e.g. DRILLFLAGS='-duration 30s -keep'.
DRILLFLAGS ?=
.PHONY: loadtest drill-redis drill-postgres drill-replicas drill-badinput drill-redis-failover drills drill-hooks

## loadtest: the PostgreSQL-only anchor (pgbench), then registrations and dashboard reads at full speed on PostgreSQL + Redis, as shares of it
loadtest:
	$(GO) run ./deploy/drills $(DRILLFLAGS) loadtest

## drill-redis: Redis killed and restarted during registrations
drill-redis:
	$(GO) run ./deploy/drills $(DRILLFLAGS) redis

## drill-postgres: PostgreSQL restarted during registrations
drill-postgres:
	$(GO) run ./deploy/drills $(DRILLFLAGS) postgres

## drill-replicas: two replicas migrating at once, registrations spread over both
drill-replicas:
	$(GO) run ./deploy/drills $(DRILLFLAGS) replicas

## drill-badinput: malformed requests at full speed: no 5xx, memory flat
drill-badinput:
	$(GO) run ./deploy/drills $(DRILLFLAGS) badinput

## drill-redis-failover: a Redis primary, a replica and three Sentinels; the primary killed during registrations and reads
drill-redis-failover:
	$(GO) run ./deploy/drills $(DRILLFLAGS) redis-failover

## drill-hooks: 10,000 transfer deliveries from two sources (20% duplicates, 5% bad signatures, 1% malformed, shuffled, retried on 503) while registrations run; every valid transfer stored once, counters equal to a recount. Uses SAPQR_TEST_DATABASE_URL / SAPQR_TEST_REDIS_URL when set
drill-hooks:
	SAPQR_HOOKS_DRILL_DELIVERIES=10000 $(GO) test -run '^TestHooksDrill$$' -count=1 -v -timeout 10m ./api/

## drills: every fault drill
drills:
	$(GO) run ./deploy/drills $(DRILLFLAGS) all

# Adoption counters (merchants/rediscounters). The drill starts its own
# redis-server on a free port; it uses PostgreSQL when SAPQR_TEST_DATABASE_URL
# is set (faster at this size), the SQLite default otherwise. The benchmark
# needs SAPQR_TEST_DATABASE_URL and SAPQR_TEST_REDIS_URL; SAPQR_BENCH_SEED=national
# seeds 10,000 markets and 2,000,000 vendors instead of one province.
.PHONY: counters-drill counters-bench

## counters-drill: 20,000 concurrent registrations, edits (stall assignments and releases among them) and removals across 200 markets while Redis is killed, flushed and restarted; then every counter must equal a database recount
counters-drill:
	SAPQR_COUNTERS_DRILL_OPS=20000 $(GO) test -run '^TestCountersDrill$$' -count=1 -v -timeout 30m ./merchants/rediscounters/

## counters-bench: a province's dashboard table from Redis against a PostgreSQL recount, and Redis memory per market
counters-bench:
	$(GO) test -run '^$$' -bench 'ProvinceDashboard|RedisMemoryPerMarket' -benchtime 3s -benchmem -timeout 60m ./merchants/rediscounters/
