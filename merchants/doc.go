// Package merchants is the SạpQR domain: administrative units, markets,
// stalls, vendors and their bank accounts, users and their scopes, sign
// records and "chợ 4.0" adoption.
//
// It owns its nouns, its errors and the interfaces it consumes: Store (the
// relational truth, implemented by merchants/gormstore) and Counters (the
// adoption counters, implemented by merchants/rediscounters). It imports
// nothing that talks to a database, Redis or HTTP.
package merchants
