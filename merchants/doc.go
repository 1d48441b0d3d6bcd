// Package merchants is the SạpQR domain: administrative units, markets,
// stalls, vendors and their bank accounts, users and their scopes, sign
// records and "chợ 4.0" adoption.
//
// It owns its nouns, its errors and the interfaces it consumes: Store (the
// relational truth, implemented by merchants/gormstore) and Counters (the
// adoption counters, implemented by merchants/rediscounters). It imports
// nothing that talks to a database, Redis or HTTP.
//
// Service is the entry point. Every method takes the Actor making the
// call and asks Authorize, the one policy function: a read outside the
// actor's scope is ErrNotFound, a write it may not make is ErrForbidden.
// Input is checked whole: a *ValidationError lists every bad field and
// nothing is changed. Each change runs in one Store transaction that also
// writes an audit entry (before and after, account numbers masked) and,
// when the change moves a market's counts, locks the market, recounts it
// and writes the counts to the counter outbox (see MarketCounts).
// A vendor sells at one stall or more of its market (VendorStall), one of
// them its main stall. Uniqueness rules (one active vendor per stall, one
// active vendor per bank account) are checked here for a clear message and
// enforced by the database for concurrent writers; both answer
// ErrConflict.
package merchants
