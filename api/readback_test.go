package api

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// holding is a backend whose rows hold what the map says, read by Details.
type holding struct {
	model.Backend
	rows  map[string]model.Status
	reads int
}

func (h *holding) Name() string { return "detects" }

func (h *holding) Effective(c model.Change) model.Change { return c }

func (h *holding) Details(_ context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	h.reads++
	var out []model.Detection
	for _, id := range ids {
		if s, ok := h.rows[id]; ok {
			// A hostile answer repeats a row and adds one not asked for.
			out = append(out, model.Detection{ID: id, Status: s}, model.Detection{ID: id, Status: s},
				model.Detection{ID: "ghost:" + id, Status: model.StatusNew})
		}
	}
	return out, nil, nil
}

// Rows an earlier run left of unknown outcome are read again at the next
// start: the log records which hold what was sent and which do not, the
// start says so, and the start after that reads nothing. A later result
// for a row settles it; this run's tally is not touched.
func TestTheNextStartReadsBackRowsOfUnknownOutcome(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	earlier := openTestAudit(t, path)
	unknown := answering{err: &Error{Op: "update", Unknown: true}}
	_, _ = (Audited{Backend: unknown, Log: earlier}).Update(context.Background(), change("a", "b", "c", "gone"))
	_, _ = (Audited{Backend: unknown, Log: earlier}).Update(context.Background(), change("d"))
	// d was sent again and applied: its outcome is known.
	_, _ = (Audited{Backend: &applying{}, Log: earlier}).Update(context.Background(), change("d"))
	earlier.Close() // that run has ended: a run still going reads back its own

	l := openTestAudit(t, path)
	svc := &holding{rows: map[string]model.Status{"a": model.StatusClosed, "b": model.StatusNew, "c": model.StatusClosed, "d": model.StatusNew}}
	rb, err := Audited{Backend: svc, Log: l}.ReadBackOwed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (model.ReadBack{Rows: 3, Applied: 2, NotApplied: 1, Missing: 1}); rb != want {
		t.Fatalf("read back %+v, want %+v", rb, want)
	}
	recs, _ := logLines(t, path)
	last := recs[len(recs)-1]
	if last.Event != "read_back" || len(last.IDs) != 3 || last.Refused["b"] == "" || last.Outcome != "partial" || !last.Earlier {
		t.Fatalf("the read back is recorded as %+v", last)
	}
	if l.Tally().Any() {
		t.Fatalf("an earlier run's rows count in this run's tally: %+v", l.Tally())
	}
	// The row not found stays unknown: the next start asks for it alone.
	rb, err = Audited{Backend: svc, Log: l}.ReadBackOwed(context.Background())
	if err != nil || rb != (model.ReadBack{Missing: 1}) {
		t.Fatalf("the next start reads back %+v, %v", rb, err)
	}
	// A console on the other API, or with another API client (perhaps
	// another tenant), reads back nothing of this log.
	svc.reads = 0
	for _, b := range []Audited{{Backend: &holdingAlerts{svc}, Log: l}, {Backend: svc, Log: openAuditAs(t, path, "other-client")}} {
		if rb, err := b.ReadBackOwed(context.Background()); err != nil || rb != (model.ReadBack{}) || svc.reads != 0 {
			t.Fatalf("%s read back %+v, %v, in %d reads", b.Name(), rb, err, svc.reads)
		}
	}
}

type holdingAlerts struct{ *holding }

func (holdingAlerts) Name() string { return "alerts" }

func openAuditAs(t *testing.T, path, client string) *AuditLog {
	t.Helper()
	l, err := OpenAudit(path, Who{ClientID: client, OSUser: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// This run's rows of unknown outcome, once read back, count as applied or
// refused in its tally, no longer unknown (the exit status follows).
func TestThisRunsReadBackSettlesItsTally(t *testing.T) {
	l := openTestAudit(t, filepath.Join(t.TempDir(), "audit.jsonl"))
	a := Audited{Backend: answering{err: &Error{Op: "update", Unknown: true}}, Log: l}
	_, _ = a.Update(context.Background(), change("f", "g"))
	if got := l.Tally(); got.Unknown != 2 {
		t.Fatalf("tally %+v, want 2 unknown", got)
	}
	a.ReadBack(change("f", "g"), []string{"f"}, []string{"g"})
	if got := l.Tally(); got.Unknown != 0 || got.Applied != 1 || got.Refused != 1 || got.Unsettled() {
		t.Fatalf("after the read back the tally is %+v", got)
	}
}
