package ui

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// The audit log says which batches an undo or a redo sent, and the action
// each takes back or applies again, so a reader tells the analyst's
// decisions from their reversals.
func TestTheAuditLogNamesUndoAndRedo(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("s", "x")
	d.settle()
	d.key("j")
	key := "i"
	if d.row(d.m.list.CursorID()).Status == "in_progress" {
		key = "c"
	}
	d.key("s", key)
	d.settle()
	d.key("u") // takes back the second
	d.settle()
	d.key("ctrl+r")
	d.settle()
	d.m.Close(hangBound)
	f, err := os.Open(h.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type rec struct {
		Event  string `json:"event"`
		Action int    `json:"action"`
		Kind   string `json:"kind"`
		Walks  int    `json:"walks"`
	}
	var sent []rec
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r rec
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Event == "sent" {
			sent = append(sent, r)
		}
	}
	if len(sent) != 4 {
		t.Fatalf("%d batches sent, want 4: %+v", len(sent), sent)
	}
	first, second, undo, redo := sent[0], sent[1], sent[2], sent[3]
	if first.Action == 0 || second.Action == first.Action || first.Kind != "" || second.Kind != "" {
		t.Fatalf("the changes: %+v %+v", first, second)
	}
	if undo.Kind != "undo" || undo.Walks != second.Action || undo.Action == second.Action {
		t.Fatalf("the undo is recorded %+v; it takes back action %d", undo, second.Action)
	}
	if redo.Kind != "redo" || redo.Walks != second.Action || redo.Action == undo.Action {
		t.Fatalf("the redo is recorded %+v; it applies action %d again", redo, second.Action)
	}
}
