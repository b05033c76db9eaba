package api

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

type nopBackend struct{ model.Backend }

func (nopBackend) Name() string                          { return "alerts" }
func (nopBackend) Effective(c model.Change) model.Change { return c }
func (nopBackend) Update(context.Context, model.Change) (model.UpdateResult, error) {
	return model.UpdateResult{}, nil
}

// A row's activity: its changes from the log, newest first, bounded, each
// with before → after and who; another row's are not listed.
func TestActivityReadsARowsChangesNewestFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log, err := OpenAudit(path, Who{OSUser: "tester", AnalystLogin: "alice@corp"})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	a := Audited{Backend: nopBackend{}, Log: log}
	st := func(s model.Status) *model.Status { return &s }
	for i, s := range []model.Status{model.StatusInProgress, model.StatusTruePositive, model.StatusNew} {
		before := map[string]model.Values{"r1": {Status: []model.Status{model.StatusNew, model.StatusInProgress, model.StatusTruePositive}[i]}}
		if _, err := a.Update(t.Context(), model.Change{IDs: []string{"r1"}, Status: st(s), Before: before}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Update(t.Context(), model.Change{IDs: []string{"r2"}, Comment: "other row"}); err != nil {
		t.Fatal(err)
	}
	got, err := a.Activity(t.Context(), "r1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Change != "status true_positive → new" || got[1].Change != "status in_progress → true_positive" ||
		got[0].Who != "alice@corp" || got[0].Outcome != "applied" {
		t.Fatalf("activity of r1: %+v", got)
	}
	if got, _ := a.Activity(t.Context(), "r3", 5); len(got) != 0 {
		t.Fatalf("a row never changed has activity: %+v", got)
	}
	if got, _ := a.Activity(t.Context(), "r2", 5); len(got) != 1 || !strings.Contains(got[0].Change, "other row") {
		t.Fatalf("r2: %+v", got)
	}
}
