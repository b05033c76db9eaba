package triage

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
)

// heldBackend holds every update until released, and records the rows
// that reached it. Only what sending calls is implemented.
type heldBackend struct {
	model.Backend
	mu      sync.Mutex
	reached []string
	entered chan struct{}
	release chan struct{}
}

func (b *heldBackend) Update(_ context.Context, c model.Change) (model.UpdateResult, error) {
	b.mu.Lock()
	b.reached = append(b.reached, c.IDs...)
	b.mu.Unlock()
	b.entered <- struct{}{}
	<-b.release
	return model.UpdateResult{}, nil
}

func (*heldBackend) Name() string                          { return "detects" }
func (*heldBackend) Fields() model.Fields                  { return model.Fields{} }
func (*heldBackend) Effective(c model.Change) model.Change { return c }

// The batches of an action take the send slots in the order they were
// made: a quit now while the first ones are in flight leaves the last ones
// unsent, never some from the middle (the summary and the next start name
// the rows not sent; R offers them). The writers start at once, so without
// an order the scheduler picks which batches go first: repeated, as that
// pick varies.
func TestBatchesTakeTheSendSlotsInOrder(t *testing.T) {
	status := model.StatusInProgress
	for round := range 20 {
		b := &heldBackend{entered: make(chan struct{}, 10), release: make(chan struct{})}
		ctx, quitNow := context.WithCancel(context.Background())
		r := New(Deps{Rows: rows.New(1<<20, time.Now), Ctx: ctx})
		r.Connected(b)
		var ids []string
		for i := range MaxConcurrentBatches + 3 {
			ids = append(ids, fmt.Sprint("row", i))
		}
		a := r.newAction(kindChange, "Status → In progress", model.Change{Status: &status}, ids)
		a.ctx, a.cancel = context.WithCancelCause(ctx)
		a.fresh = map[string]model.Detection{}
		for _, id := range ids {
			a.fresh[id] = model.Detection{ID: id, Status: model.StatusNew}
			a.batches = append(a.batches, model.Change{IDs: []string{id}, Status: &status})
		}
		_ = r.send(a)
		for range MaxConcurrentBatches {
			<-b.entered
		}
		quitNow()
		close(b.release)
		r.Wait()
		slices.Sort(b.reached)
		if want := ids[:MaxConcurrentBatches]; !slices.Equal(b.reached, want) {
			t.Fatalf("round %d: the rows %v reached the service, want the first batches' %v", round, b.reached, want)
		}
	}
}
