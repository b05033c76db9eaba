package api

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateStatus is what the transport knows of the tenant's rate budget, for the
// console's footer.
type RateStatus struct {
	Limit     int
	Remaining int
	// Waiting is how long the transport is waiting before the next attempt,
	// and Why says why ("rate limit", "service error", "network error").
	Waiting time.Duration
	Why     string
}

type ctxKey int

const readKey ctxKey = 1

// asRead marks a request as a read: safe to send again after a 5xx or a lost
// connection. Token calls and POSTs that only read (summaries, aggregates)
// are reads; updates never are.
func asRead(ctx context.Context) context.Context { return context.WithValue(ctx, readKey, true) }

func isRead(r *http.Request) bool {
	if r.Method == http.MethodGet {
		return true
	}
	v, _ := r.Context().Value(readKey).(bool)
	return v
}

// transport is the one RoundTripper every call goes through: it paces
// requests by X-Ratelimit-Remaining, waits out 429s until
// X-Ratelimit-Retryafter (corrected by the answer's Date header and capped),
// and retries reads after 5xx answers and network errors with capped backoff.
// Writes are never retried after a 5xx or a lost connection: only a 429,
// which means the write was not applied, is sent again.
type transport struct {
	base       http.RoundTripper
	maxWait    time.Duration
	maxRetries int
	sleep      func(context.Context, time.Duration) error
	now        func() time.Time
	onStatus   func(RateStatus)

	mu        sync.Mutex
	limit     int
	remaining int
	region    string
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *transport) status(wait time.Duration, why string) {
	if t.onStatus == nil {
		return
	}
	t.mu.Lock()
	s := RateStatus{Limit: t.limit, Remaining: t.remaining, Waiting: wait, Why: why}
	t.mu.Unlock()
	t.onStatus(s)
}

// pace returns how long to hold a request back so the tenant's budget is
// spread instead of spent: nothing while plenty is left, then a growing
// share of a minute as the remainder nears the floor.
func (t *transport) pace() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.limit <= 0 {
		return 0
	}
	low := max(5, t.limit/50)
	if t.remaining > low {
		return 0
	}
	d := time.Minute / time.Duration(t.limit) * time.Duration(low-t.remaining+1)
	return min(d, t.maxWait)
}

func (t *transport) backoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << attempt
	return min(d, 8*time.Second, t.maxWait)
}

// retryAfter computes the wait a 429 asks for. The header is an absolute
// Unix time in seconds by the service's clock; measuring it against the
// answer's Date header keeps a skewed local clock out of it.
func (t *transport) retryAfter(resp *http.Response) time.Duration {
	v, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Retryafter"), 10, 64)
	if err != nil {
		return min(time.Second, t.maxWait)
	}
	ref := t.now()
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		ref = d
	}
	wait := time.Unix(v, 0).Sub(ref)
	if wait < 100*time.Millisecond {
		wait = 100 * time.Millisecond
	}
	return min(wait, t.maxWait)
}

func (t *transport) record(resp *http.Response) {
	t.mu.Lock()
	if v, err := strconv.Atoi(resp.Header.Get("X-Ratelimit-Limit")); err == nil {
		t.limit = v
	}
	if v, err := strconv.Atoi(resp.Header.Get("X-Ratelimit-Remaining")); err == nil {
		t.remaining = v
	}
	if r := resp.Header.Get("X-Cs-Region"); r != "" {
		t.region = r
	}
	t.mu.Unlock()
}

func (t *transport) lastRegion() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.region
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	read := isRead(req)
	for attempt := 0; ; attempt++ {
		if d := t.pace(); d > 0 {
			t.status(d, "rate limit")
			if err := t.sleep(ctx, d); err != nil {
				return nil, err
			}
		}
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			if !read || attempt >= t.maxRetries || ctx.Err() != nil {
				return nil, err
			}
			d := t.backoff(attempt)
			t.status(d, "network error")
			if err := t.sleep(ctx, d); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			// A 429's own Retryafter governs; its Remaining of 0 must not
			// also hold back the retry that follows the wait.
			t.record(resp)
		}
		retry := time.Duration(0)
		why := ""
		switch {
		case resp.StatusCode == http.StatusTooManyRequests && attempt < t.maxRetries:
			retry, why = t.retryAfter(resp), "rate limit"
		case resp.StatusCode >= 500 && read && attempt < t.maxRetries:
			retry, why = t.backoff(attempt), "service error"
		}
		if why == "" {
			t.status(0, "")
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		t.status(retry, why)
		if err := t.sleep(ctx, retry); err != nil {
			return nil, err
		}
	}
}
