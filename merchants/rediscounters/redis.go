package rediscounters

import (
	"cmp"
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sapqr/sapqr/merchants"
)

var (
	//go:embed apply.lua
	applyLua string
	//go:embed finish.lua
	finishLua string
	//go:embed read.lua
	readLua string
	//go:embed check.lua
	checkLua string
	// sumsLua starts checkLua and finishLua: both recompute the totals.
	//go:embed sums.lua
	sumsLua string
)

// DefaultNamespace is the key namespace of NewRedis when none is given.
const DefaultNamespace = "sapqr"

// layoutVersion is part of every key; it changes when the layout does, so
// a deploy with a new layout starts cold instead of misreading old keys.
const layoutVersion = "v1"

// rebuildChunk is how many markets one rebuild script call stores: big
// enough to rebuild 10,000 markets in a few round trips, small enough not
// to block Redis for long.
const rebuildChunk = 1000

// buildingTTL bounds a rebuild that died half-way: its token expires and the
// next rebuild starts over.
const buildingTTL = 10 * time.Minute

// lostReply is the prefix of the scripts' error when the building token
// vanished under a rebuild.
const lostReply = "SAPQR_REBUILD_LOST"

// Redis keeps the counters in Redis (see the package documentation for the
// key layout). It is safe for concurrent use by many goroutines and many
// processes sharing one Redis.
type Redis struct {
	client   redis.UniversalClient
	topology Topology
	base     string
	apply    *redis.Script
	finish   *redis.Script
	read     *redis.Script
	check    *redis.Script
}

var (
	_ merchants.Counters         = (*Redis)(nil)
	_ merchants.AdoptionCounters = (*Redis)(nil)
)

// NewRedis returns counters kept in client under namespace (DefaultNamespace
// when empty); tests give each run its own namespace. It does not contact
// Redis: an unreachable Redis shows as merchants.ErrCountersUnavailable on
// use. It returns an error for a namespace with characters that would break
// the key layout ('{', '}', ':', ',' or spaces).
func NewRedis(client redis.UniversalClient, namespace string) (*Redis, error) {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	if err := CheckNamespace(namespace); err != nil {
		return nil, err
	}
	return &Redis{
		client: client,
		base:   "{" + namespace + ":" + layoutVersion + "}:",
		apply:  redis.NewScript(applyLua),
		finish: redis.NewScript(sumsLua + finishLua),
		read:   redis.NewScript(readLua),
		check:  redis.NewScript(sumsLua + checkLua),
	}, nil
}

// CheckNamespace returns an error for a key namespace with characters that
// would break the key layout ('{', '}', ':', ',' or spaces); "" stands for
// DefaultNamespace and is fine.
func CheckNamespace(namespace string) error {
	if strings.ContainsAny(namespace, "{}:, \t\r\n") {
		return fmt.Errorf("counters: namespace %q: use letters, digits, '-', '_' or '.'", namespace)
	}
	return nil
}

// Prefix returns the prefix of every key these counters use, for tools that
// inspect them (redis-cli --scan --pattern PREFIX*).
func (r *Redis) Prefix() string { return r.base }

// Apply stores each market's counts when their version is newer than the
// one held and moves the totals by the difference, in one script call (one
// round trip, atomic). It returns an error, changing nothing, for invalid
// counts, and merchants.ErrCountersUnavailable when Redis cannot be reached.
func (r *Redis) Apply(ctx context.Context, counts []merchants.MarketCounts) error {
	if err := checkCounts(counts); err != nil {
		return err
	}
	if len(counts) == 0 {
		return nil
	}
	args := append(make([]any, 0, 2+11*len(counts)), "apply", "")
	if err := r.apply.Run(ctx, r.client, []string{r.base}, appendCounts(args, counts)...).Err(); err != nil {
		return r.fail("apply", err)
	}
	return nil
}

func appendCounts(args []any, counts []merchants.MarketCounts) []any {
	for _, c := range counts {
		args = append(args, c.MarketID, c.ProvinceCode, c.CommuneCode, c.Version)
		for _, n := range countFields(c) {
			args = append(args, n)
		}
	}
	return args
}

// Markets returns the held counts of the filter's markets, ordered by
// market ID, in one round trip. It returns merchants.ErrCountersCold when
// the counters were never built or were flushed (or hold a record they
// cannot read, which a rebuild repairs), and merchants.ErrCountersUnavailable
// when Redis cannot be reached.
func (r *Redis) Markets(ctx context.Context, f merchants.UnitFilter) ([]merchants.MarketCounts, error) {
	var args []any
	switch {
	case f.CommuneCode != "":
		args = []any{"commune", f.CommuneCode}
	case f.ProvinceCode != "":
		args = []any{"province", f.ProvinceCode}
	case len(f.MarketIDs) > 0:
		args = []any{"ids"}
		for _, id := range f.MarketIDs {
			args = append(args, id)
		}
	default:
		args = []any{"all"}
	}
	reply, err := r.read.Run(ctx, r.client, []string{r.base}, args...).Slice()
	if err != nil {
		return nil, r.fail("read", err)
	}
	if len(reply) == 0 || reply[0] != int64(1) {
		return nil, merchants.ErrCountersCold
	}
	if f.MarketIDs != nil && len(f.MarketIDs) == 0 {
		return nil, nil // an empty, non-nil list selects no market, as in the store
	}
	ids := idSet(f.MarketIDs)
	out := make([]merchants.MarketCounts, 0, (len(reply)-1)/3)
	for i := 1; i+2 < len(reply); i += 3 {
		id, _ := reply[i].(string)
		prov, _ := reply[i+1].(string)
		rec, _ := reply[i+2].(string)
		c, err := parseRecord(id, prov, rec)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", merchants.ErrCountersCold, err)
		}
		if ids != nil && !ids[c.MarketID] {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b merchants.MarketCounts) int { return cmp.Compare(a.MarketID, b.MarketID) })
	return out, nil
}

// Totals returns the held sums of the filter's unit in one round trip. It
// returns merchants.ErrCountersCold and merchants.ErrCountersUnavailable
// like Markets.
func (r *Redis) Totals(ctx context.Context, f merchants.UnitFilter) (merchants.CountSums, error) {
	field := "n"
	switch {
	case f.CommuneCode != "":
		field = "c:" + f.CommuneCode
	case f.ProvinceCode != "":
		field = "p:" + f.ProvinceCode
	}
	var built *redis.IntCmd
	var val *redis.StringCmd
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		built = p.Exists(ctx, r.base+"built")
		val = p.HGet(ctx, r.base+"t", field)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return merchants.CountSums{}, r.fail("totals", err)
	}
	if built.Val() == 0 {
		return merchants.CountSums{}, merchants.ErrCountersCold
	}
	if errors.Is(val.Err(), redis.Nil) {
		return merchants.CountSums{}, nil // a unit without markets
	}
	var n [8]int64
	parts := strings.Split(val.Val(), ",")
	if len(parts) != len(n) {
		return merchants.CountSums{}, fmt.Errorf("%w: total %s: %q has %d fields, want %d", merchants.ErrCountersCold, field, val.Val(), len(parts), len(n))
	}
	for i, s := range parts {
		if n[i], err = strconv.ParseInt(s, 10, 64); err != nil {
			return merchants.CountSums{}, fmt.Errorf("%w: total %s: %w", merchants.ErrCountersCold, field, err)
		}
	}
	return merchants.CountSums{
		Markets: n[0], StallsDeclared: n[1], StallsActive: n[2], StallsWithQR: n[3],
		Vendors: n[4], VendorsWithQR: n[5], SignsPrinted: n[6], VendorsTransacting: n[7],
	}, nil
}

// Rebuild stores counts (a recount) over what is held, keeping only held
// versions newer than the recount's, then recomputes every total and sets
// the built marker. An equal version is overwritten: that is how a recount
// repairs drift. Reads stay cold until it finishes. It returns an error
// wrapping merchants.ErrCountersCold when Redis was flushed (or another
// rebuild started) while it ran, merchants.ErrCountersUnavailable when Redis
// cannot be reached, and an error changing nothing for invalid counts.
func (r *Redis) Rebuild(ctx context.Context, counts []merchants.MarketCounts) error {
	if err := checkCounts(counts); err != nil {
		return err
	}
	token := rand.Text()
	if err := r.client.Set(ctx, r.base+"building", token, buildingTTL).Err(); err != nil {
		return r.fail("rebuild", err)
	}
	for chunk := range slices.Chunk(counts, rebuildChunk) {
		args := append(make([]any, 0, 2+11*len(chunk)), "rebuild", token)
		if err := r.apply.Run(ctx, r.client, []string{r.base}, appendCounts(args, chunk)...).Err(); err != nil {
			return r.fail("rebuild", err)
		}
	}
	stamp := time.Now().UTC().Format(time.RFC3339)
	if err := r.finish.Run(ctx, r.client, []string{r.base}, token, stamp).Err(); err != nil {
		return r.fail("rebuild", err)
	}
	return nil
}

// CheckTotals compares every held total with the sum of the held market
// counts in one atomic script and returns the units whose totals differ,
// ordered; it changes nothing (Rebuild repairs them). It returns
// merchants.ErrCountersCold and merchants.ErrCountersUnavailable like
// Markets.
func (r *Redis) CheckTotals(ctx context.Context) ([]merchants.Unit, error) {
	reply, err := r.check.Run(ctx, r.client, []string{r.base}).Slice()
	if err != nil {
		return nil, r.fail("check totals", err)
	}
	if len(reply) == 0 || reply[0] != int64(1) {
		return nil, merchants.ErrCountersCold
	}
	var out []merchants.Unit
	for _, v := range reply[1:] {
		field, _ := v.(string)
		u, err := unitOfField(field)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	sortUnits(out)
	return out, nil
}

// unitOfField reads a totals field name: "n", "p:CODE" or "c:CODE". A
// commune's unit carries no province: the field does not say it.
func unitOfField(field string) (merchants.Unit, error) {
	switch {
	case field == "n":
		return merchants.Unit{}, nil
	case strings.HasPrefix(field, "p:"):
		return merchants.Unit{ProvinceCode: field[2:]}, nil
	case strings.HasPrefix(field, "c:"):
		return merchants.Unit{CommuneCode: field[2:]}, nil
	}
	return merchants.Unit{}, fmt.Errorf("%w: unknown totals field %q", merchants.ErrCountersCold, field)
}

// fail translates a Redis error into the domain's: a rebuild that lost its
// token is cold, anything else means the counters are unavailable.
func (r *Redis) fail(op string, err error) error {
	if strings.HasPrefix(err.Error(), lostReply) {
		return fmt.Errorf("counters: %s: %w: flushed or superseded during the rebuild", op, merchants.ErrCountersCold)
	}
	return fmt.Errorf("counters: %s: %w: %w", op, merchants.ErrCountersUnavailable, err)
}
