package model

import (
	"testing"
	"time"
)

// Classify: an id the list does not hold is new; one it holds is changed
// only when the row found is newer than the one held; without the row
// (Detects), a held id is changed, for a read to tell.
func TestClassify(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	held := map[string]*Detection{
		"same":  {ID: "same", Updated: t0},
		"newer": {ID: "newer", Updated: t0},
	}
	a := PollAnswer{IDs: []string{"fresh", "same", "newer", "bare"}, Found: []Detection{
		{ID: "fresh", Created: t0, MaxSeverity: 80, Updated: t0},
		{ID: "same", Updated: t0},
		{ID: "newer", Updated: t0.Add(time.Second)},
	}}
	holds := func(id string) bool { return held[id] != nil || id == "bare" }
	known := func(id string) (*Detection, bool) { d, ok := held[id]; return d, ok }
	got := map[string]LiveEvent{}
	for _, e := range Classify(a, holds, known) {
		got[e.ID] = e
	}
	if len(got) != 3 || got["fresh"].Kind != LiveNew || got["fresh"].Severity != 80 ||
		got["newer"].Kind != LiveChanged || got["bare"].Kind != LiveChanged {
		t.Fatalf("%+v", got)
	}
	if _, ok := got["same"]; ok {
		t.Fatal("a row found again by the look-back, no newer, was reported")
	}
}

// SortsWithin: a row newer than the last loaded one (newest first) is
// among the loaded rows; an older one lies beyond them.
func TestSortsWithin(t *testing.T) {
	f := Fields{Time: "timestamp", Created: "created_timestamp", Updated: "updated_timestamp", Severity: "severity"}
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	last := &Detection{LastBehavior: t0, MaxSeverity: 50}
	newer, older := &Detection{LastBehavior: t0.Add(time.Minute)}, &Detection{LastBehavior: t0.Add(-time.Minute)}
	desc := Sort{Field: "timestamp", Desc: true}
	if !SortsWithin(f, desc, newer, last) || SortsWithin(f, desc, older, last) {
		t.Fatal("newest first")
	}
	asc := Sort{Field: "timestamp"}
	if SortsWithin(f, asc, newer, last) || !SortsWithin(f, asc, older, last) {
		t.Fatal("oldest first")
	}
	if !SortsWithin(f, Sort{Field: "device.hostname"}, older, last) {
		t.Fatal("a sort it cannot compare says within")
	}
}
