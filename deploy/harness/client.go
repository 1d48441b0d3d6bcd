package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// Client calls the SạpQR API of one server as one logged-in user.
type Client struct {
	HTTP  *http.Client
	Base  string // http://127.0.0.1:PORT
	Token string // bearer token; empty before Login
}

// NewHTTPClient returns an http.Client that keeps up to conns connections
// to one host open, as a load generator needs, with a per-request timeout.
func NewHTTPClient(conns int, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// Response is a complete HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Problem decodes an application/problem+json body; zero when it is not one.
func (r Response) Problem() (p struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}) {
	_ = json.Unmarshal(r.Body, &p)
	return p
}

// Kind names the outcome for the figures: the status and, for errors, the
// problem code ("503 unavailable").
func (r Response) Kind() string {
	if r.Status < 400 {
		return strconv.Itoa(r.Status)
	}
	if code := r.Problem().Code; code != "" {
		return strconv.Itoa(r.Status) + " " + code
	}
	return strconv.Itoa(r.Status)
}

// TransportKind names a transport failure for the figures.
func TransportKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "transport error"
}

// Do sends one request with the token (if any) and reads the whole answer.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, header http.Header) (Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return Response{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// Call sends a JSON request (in may be nil) and decodes a 2xx JSON answer
// into out (may be nil). It returns an error naming the status and problem
// for any other answer.
func (c *Client) Call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	r, err := c.Do(ctx, method, path, body, nil)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if r.Status < 200 || r.Status > 299 {
		return fmt.Errorf("%s %s: %s: %s", method, path, r.Kind(), bytes.TrimSpace(r.Body))
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// Login logs in and keeps the bearer token.
func (c *Client) Login(ctx context.Context, username, password string) error {
	var ans struct {
		Token string `json:"token"`
	}
	if err := c.Call(ctx, http.MethodPost, "/api/v1/auth/login", map[string]string{"username": username, "password": password}, &ans); err != nil {
		return err
	}
	if ans.Token == "" {
		return errors.New("login: no token in the answer")
	}
	c.Token = ans.Token
	return nil
}

// RetryPolicy is how a client retries a POST that may not have happened:
// on transport errors, 5xx, 429, and 409 with Retry-After (the first
// request under the key still running), with the same Idempotency-Key,
// until Budget has passed.
type RetryPolicy struct {
	Budget   time.Duration // total time for all attempts
	MinDelay time.Duration // first back-off when the server gives no Retry-After
	MaxDelay time.Duration // cap on any wait, Retry-After included
}

// Attempt is one try of a retried POST.
type Attempt struct {
	Kind       string // Response.Kind or TransportKind
	RetryAfter string // the Retry-After header of the answer, if any
	At         time.Time
	Latency    time.Duration
}

// Result is the end of a retried POST.
type Result struct {
	Response           // the last answer; Status 0 when none came
	Attempts []Attempt // every try, in order
	Elapsed  time.Duration
}

// Acked reports whether the server acknowledged the request (2xx).
func (r Result) Acked() bool { return r.Status >= 200 && r.Status <= 299 }

// retryable reports whether an answer may be retried with the same key.
func retryable(r Response) bool {
	switch {
	case r.Status >= 500:
		return true
	case r.Status == http.StatusTooManyRequests, r.Status == http.StatusConflict && r.Header.Get("Retry-After") != "":
		return true
	}
	return false
}

// PostIdempotent POSTs body to path with Idempotency-Key key, retrying per
// policy, and returns every attempt and the final answer.
func (c *Client) PostIdempotent(ctx context.Context, path, key string, body []byte, policy RetryPolicy) Result {
	start := time.Now()
	deadline := start.Add(policy.Budget)
	header := http.Header{"Idempotency-Key": {key}}
	delay := policy.MinDelay
	var res Result
	for {
		t0 := time.Now()
		r, err := c.Do(ctx, http.MethodPost, path, body, header)
		a := Attempt{At: t0, Latency: time.Since(t0)}
		if err != nil {
			a.Kind = TransportKind(err)
			r = Response{}
		} else {
			a.Kind = r.Kind()
			a.RetryAfter = r.Header.Get("Retry-After")
		}
		res.Attempts = append(res.Attempts, a)
		res.Response = r
		if (err == nil && !retryable(r)) || ctx.Err() != nil {
			break
		}
		wait := delay
		if s, convErr := strconv.Atoi(r.Header.Get("Retry-After")); convErr == nil && s > 0 {
			wait = time.Duration(s) * time.Second
		} else {
			// Jitter so that retries of many clients do not arrive together.
			wait += rand.N(wait/2 + 1)
			delay = min(delay*2, policy.MaxDelay)
		}
		wait = min(wait, policy.MaxDelay)
		if time.Now().Add(wait).After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	res.Elapsed = time.Since(start)
	return res
}
