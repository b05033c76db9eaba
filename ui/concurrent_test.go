package ui

import (
	"math/rand/v2"
	"testing"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
)

// The interleaving test's properties once more under real concurrency: the
// running program (teatest), its commands on their own goroutines and the
// race detector watching, random keys typed while answers land and faults
// come and go. Then a quit now; as main does, the writes under way finish;
// every batch sent has its result in the audit log, and the log, once the
// next start has read back what was left unknown, replays into the fake.
func TestRandomKeysAgainstTheRunningProgram(t *testing.T) {
	h := newHarness(t, 150)
	first := map[string]string{}
	for _, id := range h.fake.IDs() {
		first[id], _ = fakeField(t, h, id, "status").(string)
	}
	o := h.options(t)
	o.IDChunk = 40
	o.ConfirmThreshold = 5
	s := startTriage(t, h, func(x *Options) { *x = o })
	r := rand.New(rand.NewPCG(5, 42))
	keys := append(append([]string{}, randomKeys...), "n", "i", "c", "t", "f", "y", "y", "o", "s", "enter", "down", "m")
	n := 600
	if testing.Short() {
		n = 150
	}
	for i := range n {
		if i%25 == 0 {
			f := fake.Faults{}
			switch r.IntN(6) {
			case 0:
				f.Fail5xx = 1
			case 1:
				f.DropAfterApply = 1
			case 2:
				f.UnreadableAnswers = 1
			case 3:
				f.Burst429 = 1
			}
			h.fake.SetFaults(f)
		}
		s.key(keys[r.IntN(len(keys))])
	}
	h.fake.SetFaults(fake.Faults{})
	s.key("esc", "esc", "esc", "ctrl+c")
	s.final()
	open := map[string]bool{}
	for _, l := range auditLines(t, h) {
		switch l.Event {
		case "sent":
			open[l.Batch] = true
		case "result", "not_sent":
			delete(open, l.Batch)
		}
	}
	if len(open) > 0 {
		t.Fatalf("after quit, %d batches sent have no result in the audit log", len(open))
	}
	// The next start reads back the rows left of unknown outcome.
	if _, err := h.src.Backend.(api.Audited).ReadBackOwed(t.Context()); err != nil {
		t.Fatal(err)
	}
	replayed := replayAudit(t, h, first, func(id string) string { v, _ := fakeField(t, h, id, "status").(string); return v }, "at the end")
	t.Logf("%d keys: %d updates sent, %d of %d rows replayed from the audit log", n, len(h.fake.Patches()), replayed, len(first))
}
