package model

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHostCacheReadsEachHostOnce(t *testing.T) {
	c := NewHostCache()
	if got := c.Need([]string{"a", "b", "a", ""}); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("need %v", got)
	}
	// In flight: not asked for again.
	if got := c.Need([]string{"a", "b", "c"}); !slices.Equal(got, []string{"c"}) || !c.Loading("a") {
		t.Fatalf("need while in flight %v", got)
	}
	// An answer carrying a host not asked for stores only the ones asked.
	c.Done([]string{"a", "b"}, []Host{{ID: "a", Hostname: "A"}, {ID: "z"}}, map[string]string{"b": "not found"}, nil)
	if h, ok := c.Host("a"); !ok || h.Hostname != "A" || c.Loading("a") {
		t.Fatalf("a: %v %v", h, ok)
	}
	if _, ok := c.Host("z"); ok {
		t.Fatal("a host not asked for was stored")
	}
	if c.Failed("b") != "not found" {
		t.Fatalf("b: %q", c.Failed("b"))
	}
	// Cached and failed hosts are not read again until forgotten.
	if got := c.Need([]string{"a", "b"}); len(got) != 0 {
		t.Fatalf("need %v", got)
	}
	c.Forget("a", "b")
	if got := c.Need([]string{"a", "b"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("need after forget %v", got)
	}
	// A cancelled read is no failure; another error is.
	c.Done([]string{"a"}, nil, nil, context.Canceled)
	c.Done([]string{"b", "c"}, nil, nil, errors.New("403 Forbidden"))
	if c.Failed("a") != "" || c.Failed("b") == "" || c.Loading("c") {
		t.Fatalf("failures %q %q", c.Failed("a"), c.Failed("b"))
	}
	c.Put(Host{ID: "b", Status: HostContained})
	if h, _ := c.Host("b"); h.Status != HostContained || c.Failed("b") != "" {
		t.Fatalf("put %v", h)
	}
}

func TestHostCacheCountsEachHostOnce(t *testing.T) {
	c := NewHostCache()
	if got := c.NeedCounts([]string{"a", "b"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("need %v", got)
	}
	if got := c.NeedCounts([]string{"a"}); len(got) != 0 {
		t.Fatalf("counting twice %v", got)
	}
	c.CountsDone([]string{"a", "b"}, map[string]int64{"a": 3, "b": 0}, nil)
	if n, ok := c.Count("b"); !ok || n != 0 {
		t.Fatal("a host with no alerts counts 0")
	}
	if got := c.NeedCounts([]string{"a", "b", "c"}); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("need %v", got)
	}
	c.CountsDone([]string{"c"}, nil, errors.New("boom"))
	if _, ok := c.Count("c"); ok {
		t.Fatal("a failed count cached")
	}
	if got := c.NeedCounts([]string{"c"}); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("a failed count is not asked for again: %v", got)
	}
}

// countBackend answers aggregations with its buckets and records them.
type countBackend struct {
	sliceBackend
	asked   []AggregateRequest
	buckets []Bucket
}

func (b *countBackend) Fields() Fields { return Fields{Created: "created_timestamp"} }

func (b *countBackend) Aggregate(_ context.Context, reqs []AggregateRequest) ([]Aggregation, error) {
	b.asked = append(b.asked, reqs...)
	return []Aggregation{{Name: reqs[0].Name, Buckets: b.buckets}}, nil
}

func TestAlertCountsAskOnceForEveryHost(t *testing.T) {
	b := &countBackend{buckets: []Bucket{{Label: "a", Count: 4}, {Label: "intruder", Count: 9}}}
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	counts, err := AlertCounts(context.Background(), b, []string{"a", "b", "a", ""}, now)
	if err != nil || len(b.asked) != 1 {
		t.Fatalf("%v, %d requests", err, len(b.asked))
	}
	r := b.asked[0]
	if r.Type != "terms" || r.Field != "device.device_id" || r.Size != 2 ||
		!strings.Contains(r.Filter, "device.device_id:['a','b']") || !strings.Contains(r.Filter, "created_timestamp:>='2026-12-01T03:00:00Z'") {
		t.Fatalf("request %+v", r)
	}
	if len(counts) != 2 || counts["a"] != 4 || counts["b"] != 0 {
		t.Fatalf("counts %v", counts)
	}
	if _, err := AlertCounts(context.Background(), b, nil, now); err != nil || len(b.asked) != 1 {
		t.Fatal("no hosts, yet a request")
	}
}

func TestContainActions(t *testing.T) {
	if ActionFor(HostContained) != LiftContainment || ActionFor(HostContainmentPending) != LiftContainment ||
		ActionFor(HostNormal) != Contain || ActionFor(HostLiftPending) != Contain {
		t.Fatal("ActionFor")
	}
	if Contain.String() != "contain" || LiftContainment.String() != "lift_containment" || (ContainAction{}).Valid() {
		t.Fatal("names")
	}
	if Contain.PendingState() != HostContainmentPending || LiftContainment.Target() != HostNormal {
		t.Fatal("states")
	}
}
