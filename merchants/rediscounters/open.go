package rediscounters

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Topology is the kind of Redis deployment a URL names.
type Topology string

// The topologies a Redis URL can name (see the package documentation).
const (
	Single   Topology = "single"
	Sentinel Topology = "sentinel"
	Cluster  Topology = "cluster"
)

// clientOptions is what a Redis URL says: its topology and the options of
// the matching go-redis client (exactly one of the three is set).
type clientOptions struct {
	topology Topology
	single   *redis.Options
	failover *redis.FailoverOptions
	cluster  *redis.ClusterOptions
}

// parseURL reads a Redis URL in one of the forms of the package
// documentation.
func parseURL(rawURL string) (clientOptions, error) {
	if rawURL == "" {
		return clientOptions{}, errors.New("empty Redis URL")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return clientOptions{}, err
	}
	q := u.Query()
	switch {
	case q.Has("master_name"):
		if q.Get("master_name") == "" {
			return clientOptions{}, errors.New("master_name is empty: name the master the Sentinels watch")
		}
		if q.Has("cluster") {
			return clientOptions{}, errors.New("master_name and cluster cannot be combined")
		}
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return clientOptions{}, err
		}
		return clientOptions{topology: Sentinel, failover: o}, nil
	case q.Has("cluster") || q.Has("addr"):
		if u.Scheme != "redis" && u.Scheme != "rediss" {
			return clientOptions{}, fmt.Errorf("scheme %q: a Cluster URL is redis:// or rediss://", u.Scheme)
		}
		if q.Has("cluster") {
			on, err := strconv.ParseBool(q.Get("cluster"))
			if err != nil || !on {
				return clientOptions{}, fmt.Errorf("cluster=%q: want cluster=true, or no cluster parameter", q.Get("cluster"))
			}
			q.Del("cluster")
			u.RawQuery = q.Encode()
		}
		if u.Path != "" && u.Path != "/" && u.Path != "/0" {
			return clientOptions{}, fmt.Errorf("database %q: Redis Cluster has only database 0", u.Path)
		}
		u.Path = ""
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return clientOptions{}, err
		}
		return clientOptions{topology: Cluster, cluster: o}, nil
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return clientOptions{}, err
	}
	return clientOptions{topology: Single, single: o}, nil
}

// NewClient returns a go-redis client for a Redis URL in one of the forms
// of the package documentation: a single server, a Sentinel-watched
// primary (master_name) or a Cluster (addr, or cluster=true). It does not
// contact Redis. It returns an error, naming what is wrong, for a URL it
// cannot read. Every Redis client of the program is built here.
func NewClient(rawURL string) (redis.UniversalClient, Topology, error) {
	o, err := parseURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	switch o.topology {
	case Sentinel:
		return redis.NewFailoverClient(o.failover), o.topology, nil
	case Cluster:
		return redis.NewClusterClient(o.cluster), o.topology, nil
	}
	return redis.NewClient(o.single), o.topology, nil
}

// Open returns counters kept in the Redis that rawURL names (see NewClient
// for the forms), under namespace (DefaultNamespace when empty). The
// counters own their client: Close releases it. Like NewRedis it does not
// contact Redis. It returns an error for a URL NewClient refuses or a
// namespace NewRedis refuses.
func Open(rawURL, namespace string) (*Redis, error) {
	client, topology, err := NewClient(rawURL)
	if err != nil {
		return nil, err
	}
	r, err := NewRedis(client, namespace)
	if err != nil {
		client.Close()
		return nil, err
	}
	r.topology = topology
	return r, nil
}

// Topology returns the kind of Redis deployment the counters use ("" when
// they were given a client by NewRedis).
func (r *Redis) Topology() Topology { return r.topology }

// Ping checks that Redis answers. It returns the client's error when it
// does not.
func (r *Redis) Ping(ctx context.Context) error { return r.client.Ping(ctx).Err() }

// Close releases the client's connections. Counters made by NewRedis share
// their caller's client, which Close closes too.
func (r *Redis) Close() error { return r.client.Close() }

// CheckURL reports whether NewClient accepts rawURL, without building a
// client. It returns the error NewClient would.
func CheckURL(rawURL string) error {
	_, err := parseURL(rawURL)
	return err
}
