// Package rediscounters holds the "chợ 4.0" adoption counters outside the
// database, for dashboard reads that never scan vendors: Redis for
// production and Memory, the same behaviour in process memory, for the
// embedded default.
//
// Both implement merchants.Counters and merchants.AdoptionCounters. They
// keep, per market, the absolute counts of the newest version they have
// seen, so an outbox event applied twice, or an older one after a newer one,
// changes nothing; commune, province and national totals move by the
// difference between the new and the old held counts of a market, in the
// same atomic step. A "built" marker tells a complete set of counters from
// an empty or flushed one: without it reads return merchants.ErrCountersCold
// and the adoption service answers from the database while it rebuilds.
//
// Redis layout (all keys share the hash tag {NS:v1}, so they live in one
// slot and the Lua scripts stay valid on Redis Cluster; NS defaults to
// "sapqr" and the v1 changes when the layout does):
//
//	{NS:v1}:built       string  present once a rebuild finished
//	{NS:v1}:building    string  token of the rebuild under way (expires)
//	{NS:v1}:p:PROVINCE  hash    market ID -> "version,commune,7 counts"
//	{NS:v1}:idx         hash    market ID -> province code
//	{NS:v1}:cp          hash    commune code -> province code
//	{NS:v1}:ps          set     province codes that hold markets
//	{NS:v1}:t           hash    "n" | "p:CODE" | "c:CODE" -> "markets,7 sums"
//
// Open builds the Redis client from a URL (NewClient alone gives the
// client, for anything else that needs Redis), in one of three forms:
//
//	redis://[:PASSWORD@]HOST:PORT/DB        one server (rediss:// for TLS,
//	                                        unix:///path.sock?db=N for a socket)
//	redis://HOST:PORT/DB?master_name=NAME&addr=HOST2:PORT&addr=HOST3:PORT
//	                                        Redis Sentinel: HOST and each addr
//	                                        are Sentinels watching the primary
//	                                        NAME; user:password in the URL are
//	                                        the Sentinels', password=… the
//	                                        primary's
//	redis://[USER:PASSWORD@]HOST:PORT?addr=HOST2:PORT&addr=HOST3:PORT
//	redis://[USER:PASSWORD@]HOST:PORT?cluster=true
//	                                        Redis Cluster: the seed nodes (one
//	                                        seed needs cluster=true); database 0
//
// Every form also takes go-redis's client options as query parameters in
// snake case (dial_timeout=3s, pool_size=20, max_retries=2, …); an unknown
// parameter is an error.
//
// Redis should run with maxmemory-policy noeviction: an evicted key is
// repaired by the next reconcile, but until then a total may be wrong.
package rediscounters
