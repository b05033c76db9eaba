package model

import (
	"context"
	"strings"
	"testing"
	"time"
)

type pollSpy struct {
	sliceBackend
	filters []string
}

func (b *pollSpy) Fields() Fields { return Fields{Time: "t", Severity: "sev", Updated: "u"} }

func (b *pollSpy) Query(ctx context.Context, q Query) (Page, error) {
	b.filters = append(b.filters, q.Filter)
	return Page{}, nil
}

// A row the service lists late carries an update time before the last
// poll's answer: each poll looks PollLookBack further back, so the next
// poll still brings it.
func TestPollLooksBack(t *testing.T) {
	b := &pollSpy{}
	since := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	if _, err := Poll(context.Background(), b, "x:1", since, since.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := After("u", since.Add(-PollLookBack))
	if len(b.filters) != 1 || !strings.Contains(b.filters[0], want) {
		t.Fatalf("the poll asked %q, want it to look back to %q", b.filters, want)
	}
}
