package live

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
)

// matchBackend counts the queries live sends, and what each asked.
type matchBackend struct {
	model.Backend
	mu      sync.Mutex
	filters []string
}

func (*matchBackend) Name() string         { return "alerts" }
func (*matchBackend) Fields() model.Fields { return api.AlertsFields }
func (*matchBackend) CursorPaging() bool   { return true }
func (*matchBackend) MaxIDs() int          { return 1000 }
func (b *matchBackend) Query(_ context.Context, q model.Query) (model.Page, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.filters = append(b.filters, q.Filter)
	return model.Page{}, nil
}

type chanStream struct{ ch chan model.LiveBatch }

func (s *chanStream) Events() <-chan model.LiveBatch { return s.ch }
func (s *chanStream) Close() error                   { return nil }

type chanStreamer struct{ s *chanStream }

func (s chanStreamer) OpenStream(context.Context) (model.Stream, error) { return s.s, nil }

// TestNewIDsAreMatchedOnceAndTogether: a stream of many one-event batches
// (ten ids, each many times) costs one match for the first and, once it
// lands, one for the nine that came meanwhile; none is asked again.
func TestNewIDsAreMatchedOnceAndTogether(t *testing.T) {
	const n = 2000
	st := &chanStream{ch: make(chan model.LiveBatch, n)}
	for i := range n {
		st.ch <- model.LiveBatch{Source: "stream", Current: time.Now(), Events: []model.LiveEvent{{Kind: model.LiveNew, ID: fmt.Sprintf("cid:ind:%d", i%10), Severity: 90}}}
	}
	close(st.ch)
	b := &matchBackend{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := New(Deps{Rows: rows.New(1<<20, time.Now), Ctx: ctx, Streamer: chanStreamer{st}, Now: time.Now, Every: time.Minute,
		Wait: func(context.Context, time.Duration) bool { return false }})
	sc := Screen{Filter: "status:'new'", Holds: func(string) bool { return false }, Done: true}
	var held []Msg // the match answers, held back
	run := func(queue ...tea.Cmd) {
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			if c == nil {
				continue
			}
			switch m := c().(type) {
			case tea.BatchMsg:
				queue = append(queue, m...)
			case matchMsg:
				held = append(held, m)
			case Msg:
				_, next := l.Update(m, sc)
				queue = append(queue, next)
			}
		}
	}
	run(l.Start(b))
	for len(held) > 0 {
		m := held[0]
		held = held[1:]
		_, next := l.Update(m, sc)
		run(next)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.filters) != 2 {
		t.Fatalf("%d batches of 10 ids: %d queries, want 2", n, len(b.filters))
	}
	for i := 1; i < 10; i++ {
		if !strings.Contains(b.filters[1], fmt.Sprintf("cid:ind:%d'", i)) {
			t.Fatalf("the second match does not ask cid:ind:%d: %s", i, b.filters[1])
		}
	}
}

// TestAStreamThatGaveUpIsPolled: the stream's last batch (its Err wraps
// ErrNoStream: it failed too often) turns live to polling, saying why; the
// header is not current from the stream's failures, and the next tick
// polls.
func TestAStreamThatGaveUpIsPolled(t *testing.T) {
	st := &chanStream{ch: make(chan model.LiveBatch, 4)}
	st.ch <- model.LiveBatch{Source: "stream", Note: "the event stream was cut: reconnecting in 1s", Err: fmt.Errorf("read the event stream: 401")}
	st.ch <- model.LiveBatch{Source: "stream", Note: "the event stream failed 5 times in a row: polling instead",
		Err: fmt.Errorf("%w: the event stream failed 5 times in a row: polling instead", model.ErrNoStream)}
	close(st.ch)
	b := &matchBackend{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks := 0
	l := New(Deps{Rows: rows.New(1<<20, time.Now), Ctx: ctx, Streamer: chanStreamer{st}, Now: time.Now, Every: 30 * time.Second, Location: time.UTC,
		Wait: func(context.Context, time.Duration) bool { ticks++; return ticks == 1 }})
	sc := Screen{Filter: "status:'new'", Holds: func(string) bool { return false }, Done: true}
	queue := []tea.Cmd{l.Start(b)}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case Msg:
			_, next := l.Update(m, sc)
			queue = append(queue, next)
		}
	}
	if got := l.Source(); !strings.Contains(got, "polling every 30s") || !strings.Contains(got, "failed 5 times") {
		t.Fatalf("source %q", got)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.filters) != 1 {
		t.Fatalf("%d polls after the stream gave up, want 1", len(b.filters))
	}
}
