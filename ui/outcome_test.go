package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// TestTheScreenTellsEachRowAsTheAuditLogDoes answers a batch of three rows
// oddly and checks that the console and the audit log tell each row alike:
// what is refused rolls back and is all R retries, what is unknown is read
// again and never retried.
func TestTheScreenTellsEachRowAsTheAuditLogDoes(t *testing.T) {
	cases := []struct {
		name                      string
		faults                    fake.Faults
		applied, unknown, refused int
		outcome                   string
	}{
		{"a 200 that cannot be read", fake.Faults{UnreadableAnswers: 1}, 0, 3, 0, "unknown"},
		{"an answer naming a row not sent", fake.Faults{NameUnsentIDs: 1}, 3, 0, 0, "applied"},
		{"a 200 that changed nothing", fake.Faults{LoseUpdates: 1}, 0, 3, 0, "unknown"},
		{"a refusal of the whole batch naming a row not sent", fake.Faults{NameUnsentIDs: 1, LoseUpdates: 1}, 0, 0, 3, "refused"},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			h := newHarness(t, 50)
			d := loaded(t, h)
			ids := rowsNotIn(d, model.StatusInProgress, 3)
			d.markIDs(ids...)
			h.fake.SetFaults(k.faults)
			d.key("s", "i")
			d.settle()
			a := d.m.run.Last()
			if a.Applied != k.applied || a.Unknown != k.unknown || a.Refused != k.refused {
				t.Fatalf("the console: %d applied, %d unknown, %d refused; want %d, %d, %d",
					a.Applied, a.Unknown, a.Refused, k.applied, k.unknown, k.refused)
			}
			var result *auditLine
			for _, l := range auditLines(t, h) {
				if l.Event == "result" {
					result = &l
				}
			}
			if result == nil || result.Outcome != k.outcome || len(result.Refused) != k.refused || len(result.Unknown) != k.unknown {
				t.Fatalf("the audit log: %+v; want %s, %d refused, %d unknown", result, k.outcome, k.refused, k.unknown)
			}
			for _, id := range ids {
				if got, want := string(d.row(id).Status), fakeField(t, h, id, "status"); got != want {
					t.Fatalf("%s shows %s, the service holds %v", id, got, want)
				}
			}
			patches := len(h.fake.Patches())
			d.key("R")
			d.settle()
			if sent := len(h.fake.Patches()) - patches; (sent > 0) != (k.refused > 0) {
				t.Fatalf("R sent %d batches for %d refused rows", sent, k.refused)
			}
		})
	}
}

// Rows left of unknown outcome by a run that quit before reading them again
// are read again at the next start: the footer says what they hold and the
// audit log records it.
func TestTheNextStartTellsWhatBecameOfRowsOfUnknownOutcome(t *testing.T) {
	h := newHarness(t, 50)
	ids := h.fake.IDs()[:3]
	setStatus(t, h, model.StatusNew, ids...)
	h.fake.SetFaults(fake.Faults{DropAfterApply: 1}) // applied, the answer lost
	st := model.StatusInProgress
	if _, err := h.src.Backend.Update(t.Context(), model.Change{IDs: ids, Status: &st}); err == nil {
		t.Fatal("a dropped answer was not an error")
	}
	d := loaded(t, h)
	if msg, _ := d.m.bar.Message("", false); !strings.Contains(msg, "3 detections an earlier run left of unknown outcome, read again: 3 applied, 0 not") {
		t.Fatalf("the footer says %q", msg)
	}
	lines := auditLines(t, h)
	if last := lines[len(lines)-1]; last.Event != "read_back" || last.Outcome != "applied" || len(last.IDs) != 3 {
		t.Fatalf("the audit log ends with %+v", last)
	}
}

// oddReads answers reads of the rows oddly: each row twice, or none.
type oddReads struct {
	api.Audited
	none bool
}

func (o oddReads) Details(ctx context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	found, missing, err := o.Audited.Details(ctx, ids)
	if o.none {
		return nil, missing, err
	}
	return append(found, found...), missing, err
}

// A re-read of a row of unknown outcome that repeats the row counts it
// once; one that leaves it out leaves it unknown, on screen as in the log.
func TestAReReadThatRepeatsOrLeavesOutARowIsToldAsTheLogTellsIt(t *testing.T) {
	for _, k := range []struct {
		none        bool
		say         string
		readBackLog bool
	}{
		{false, "read again: 1 applied, 0 not", true},
		{true, "read again: 0 applied, 0 not, 1 not found (still unknown)", false},
	} {
		h := newHarness(t, 50)
		d := loaded(t, h)
		d.cursorTo(slices.Index(d.m.list.IDs(), rowsNotIn(d, model.StatusInProgress, 1)[0]))
		h.fake.SetFaults(fake.Faults{UnreadableAnswers: 1})
		d.key("s", "i")
		d.run()
		deliver[triage.PreReadMsg](d) // the batch goes; its answer cannot be read
		d.backend(oddReads{h.src.Backend.(api.Audited), k.none})
		d.settle()
		if w := d.m.bar.Word().Text; !strings.Contains(w, k.say) {
			t.Fatalf("the footer says %q, want %q", w, k.say)
		}
		// A row still of unknown outcome says so in the list, without
		// colour: ?.
		if unsure := strings.Contains(d.screen(), "▶?"); unsure == k.readBackLog {
			t.Fatalf("the cursor row marked ?: %v\n%s", unsure, d.screen())
		}
		readBack := false
		for _, l := range auditLines(t, h) {
			if l.Event == "read_back" {
				readBack = true
				if len(l.IDs) != 1 || l.Outcome != "applied" {
					t.Fatalf("the read back is recorded as %+v", l)
				}
			}
		}
		if readBack != k.readBackLog {
			t.Fatalf("read back recorded: %v, want %v", readBack, k.readBackLog)
		}
	}
}

// A status change of unknown outcome that the service applied; another
// analyst reassigns one row before the re-read. The read back holds the row
// to the fields the change touched: its status was applied.
func TestTheReadBackHoldsTheRowsToTheFieldsSent(t *testing.T) {
	h := newHarness(t, 50)
	d := loaded(t, h)
	ids := rowsNotIn(d, model.StatusInProgress, 3)
	d.markIDs(ids...)
	h.fake.SetFaults(fake.Faults{DropAfterApply: 1})
	d.key("s", "i")
	// run until the batch answers; deliver it, but hold the re-read
	for i := 0; i < 50 && holds[triage.BatchMsg](d) == 0; i++ {
		d.run()
		for j := 0; j < len(d.held); j++ {
			if _, ok := d.held[j].(triage.PreReadMsg); ok {
				msg := d.held[j]
				d.held = append(d.held[:j], d.held[j+1:]...)
				d.send(msg)
				break
			}
		}
	}
	deliver[triage.BatchMsg](d)
	// another analyst reassigns ids[0] before our re-read runs
	setAssignee(t, h, h.fake.Users()[1].UUID, ids[0])
	d.settle()
	st := fakeField(t, h, ids[0], "status")
	lines := auditLines(t, h)
	last := lines[len(lines)-1]
	if st != "in_progress" || last.Event != "read_back" || last.Outcome != "applied" || len(last.IDs) != 3 {
		t.Fatalf("the service holds %v; the log ends with %+v", st, last)
	}
	if w := d.m.bar.Word().Text; !strings.Contains(w, "read again: 3 applied, 0 not") {
		t.Fatalf("the footer says %q", w)
	}
}

// rowsNotIn are the first n listed rows whose status is not st: a change
// to st sends something for each.
func rowsNotIn(d *driver, st model.Status, n int) []string {
	d.t.Helper()
	var ids []string
	for _, id := range d.m.list.IDs() {
		if d.row(id).Status != st && len(ids) < n {
			ids = append(ids, id)
		}
	}
	if len(ids) < n {
		d.t.Fatalf("only %d listed rows are not %s", len(ids), st)
	}
	return ids
}
