package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
)

// TestAlertsFilterLineSpeaksAlerts: the filter line's example is in the
// backend's names, and a Detects field (or a typo) is refused before
// anything is sent, naming the field and the nearest real ones, in the
// analyst's own text.
func TestAlertsFilterLineSpeaksAlerts(t *testing.T) {
	for _, c := range []struct {
		backend, example, typed, want string
	}{
		{"alerts", "status:'new'+severity:>=60", "status:'new'+max_severity:>=60", "max_severity is the other API's name: this one calls it severity"},
		{"alerts", "status:'new'+severity:>=60", "severty:>=60", "no field severty here (the nearest: severity, severity_name) at column 1: ‸severty:>=60"},
		{"detects", "status:'new'+max_severity:>=60", "severity:>=60", "this one calls it max_severity"},
	} {
		t.Run(c.backend+" "+c.typed, func(t *testing.T) {
			h := newBackendHarness(t, c.backend, 60)
			d := loaded(t, h)
			d.key("/")
			if sc := ansi.Strip(d.screen()); !strings.Contains(sc, c.example+"  (↑/↓ history)") {
				t.Fatalf("the placeholder does not speak %s:\n%s", c.backend, sc)
			}
			queries := h.fake.Count("query")
			d.typeText(c.typed)
			d.key("enter")
			d.settle()
			in := d.field()
			if !strings.Contains(in.Err(), c.want) || in.Value() != c.typed || d.m.list.Pending() {
				t.Fatalf("field %q says %q", in.Value(), in.Err())
			}
			if !strings.Contains(d.screen(), c.want) {
				t.Fatalf("the refusal is not on screen:\n%s", d.screen())
			}
			if n := h.fake.Count("query"); n != queries {
				t.Fatalf("%d queries sent for a refused filter", n-queries)
			}
		})
	}
}

// TestRefusalQuotesTheAnalystsOwnText: a filter that does not parse is
// refused with its column and the text as typed, never with the clauses
// the console adds (show_in_ui).
func TestRefusalQuotesTheAnalystsOwnText(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	queries := h.fake.Count("query")
	d.key("/")
	d.typeText("status:'new'+(severity:>=60")
	d.key("enter")
	d.settle()
	in := d.field()
	if want := "expected ) to close the ( at column 28: status:'new'+(severity:>=60‸"; in.Err() != want {
		t.Fatalf("refusal %q, want %q", in.Err(), want)
	}
	if strings.Contains(in.Err(), "show_in_ui") || h.fake.Count("query") != queries {
		t.Fatalf("the console's own clauses in the refusal, or a query sent: %q", in.Err())
	}
}

// TestFilterLineOpensWithTheLastTextSelected: typing replaces the text,
// a cursor key keeps it to edit, ↑ brings back history selected; the
// selection shows in reverse video.
func TestFilterLineOpensWithTheLastTextSelected(t *testing.T) {
	h := newHarness(t, 60)
	d := loaded(t, h)
	d.key("/")
	d.typeText("status:'new'")
	d.key("enter")
	d.settle()
	d.key("/")
	in := d.field()
	if !in.Selected() || in.Value() != "status:'new'" || !strings.Contains(in.Line(), "\x1b[7m") {
		t.Fatalf("opened with %q selected %v: %q", in.Value(), in.Selected(), in.Line())
	}
	d.typeText("max_severity:>=80")
	if in.Value() != "max_severity:>=80" || in.Selected() || strings.Contains(in.Line(), "\x1b[7m") {
		t.Fatalf("typing over the selection gave %q", in.Value())
	}
	d.key("esc", "/")
	in = d.field()
	d.key("end")
	d.typeText("+max_severity:>=80")
	if in.Value() != "status:'new'+max_severity:>=80" {
		t.Fatalf("end then typing gave %q", in.Value())
	}
	d.key("esc", "/")
	in = d.field()
	d.key("ctrl+e")
	d.typeText("x")
	if in.Value() != "status:'new'x" {
		t.Fatalf("ctrl+e then typing gave %q", in.Value())
	}
	d.key("esc", "/")
	in = d.field()
	d.key("backspace")
	if in.Value() != "" {
		t.Fatalf("backspace on the selection left %q", in.Value())
	}
	d.key("esc", "/")
	in = d.field()
	d.send(tea.PasteMsg{Content: "status:'closed'"})
	if in.Value() != "status:'closed'" {
		t.Fatalf("a paste over the selection gave %q", in.Value())
	}
	d.key("esc", "F")
	if in := d.field(); in.Selected() {
		t.Fatal("an empty search line has nothing to select")
	}
}

// TestBackspaceWalksBackThroughPivots: three pivots (a sort, hidden rows
// shown, a typed filter), then three backspaces, each landing on the
// query and the row (by id, though new rows moved it) it left, saying
// where it went; a fourth says there is nothing to go back to.
func TestBackspaceWalksBackThroughPivots(t *testing.T) {
	h := newHarness(t, 120)
	d := loaded(t, h)
	type step struct {
		q  string
		id string
	}
	var left []step
	pivot := func(row int, keys ...string) {
		t.Helper()
		d.cursorTo(row)
		d.settle()
		left = append(left, step{fmt.Sprintf("%+v", d.m.list.Current()), d.m.list.CursorID()})
		d.key(keys...)
		d.settle()
		if got := fmt.Sprintf("%+v", d.m.list.Current()); got == left[len(left)-1].q {
			t.Fatalf("%v did not change the query", keys)
		}
	}
	pivot(5, "O")
	pivot(3, ".")
	d.cursorTo(7)
	d.settle()
	left = append(left, step{fmt.Sprintf("%+v", d.m.list.Current()), d.m.list.CursorID()})
	d.key("/")
	d.typeText("status:'new'")
	d.key("enter")
	d.settle()
	h.fake.AddIncidents(4) // newest first: the rows left move down
	for i := len(left) - 1; i >= 0; i-- {
		d.key("backspace")
		if w := d.m.bar.Word().Text; !strings.HasPrefix(w, "back to ") {
			t.Fatalf("backspace says %q", w)
		}
		d.settle()
		if got := fmt.Sprintf("%+v", d.m.list.Current()); got != left[i].q || d.m.list.CursorID() != left[i].id {
			t.Fatalf("back %d: on %s row %s, want %s row %s", len(left)-i, got, d.m.list.CursorID(), left[i].q, left[i].id)
		}
	}
	if d.m.list.Cursor() == 5 {
		t.Fatal("the first row did not move: the test cannot tell a row from a place")
	}
	d.key("backspace")
	if w := d.m.bar.Word().Text; !strings.Contains(w, "nothing to go back to") || d.m.list.Pending() {
		t.Fatalf("at the start backspace says %q", w)
	}
}

// TestQuickFiltersTakeSeveralValues: in the quick-filter menu space picks
// several statuses, severity bands or products, and enter filters on them
// as FQL lists, shown in the filter; a value's own key still filters on it
// alone at once.
func TestQuickFiltersTakeSeveralValues(t *testing.T) {
	h := newHarness(t, 200)
	d := loaded(t, h)
	d.key("f", "s", "space")
	d.key(slices.Repeat([]string{"down"}, 5)...) // new, in progress, true positive, false positive, ignored, closed, reopened
	if sc := d.screen(); !strings.Contains(sc, "▶ [ ] Reopened") || !strings.Contains(sc, "[x] New") {
		t.Fatalf("the picks are not shown:\n%s", sc)
	}
	d.key("space", "enter")
	d.settle()
	if f := d.m.list.Current().Filter; f != "status:['new','reopened']" {
		t.Fatalf("filter %q", f)
	}
	statuses := map[model.Status]bool{}
	for _, r := range loadedRows(d) {
		statuses[r.Status] = true
	}
	if !statuses[model.StatusNew] || len(statuses) > 2 || len(statuses) == 2 && !statuses[model.StatusReopened] {
		t.Fatalf("statuses listed: %v", statuses)
	}
	if !strings.Contains(d.screen(), "status:['new','reopened']") {
		t.Fatalf("the filter is not shown:\n%s", d.screen())
	}
	d.key("f", "v", "down", "down", "down", "space", "space", "enter") // High and Critical
	d.settle()
	if f := d.m.list.Current().Filter; f != "status:['new','reopened']+max_severity:>=60" {
		t.Fatalf("filter %q", f)
	}
	// The menu opens with High and Critical picked: Low added, High taken off.
	d.key("f", "v", "down", "space", "down", "space", "enter")
	d.settle()
	if f := d.m.list.Current().Filter; f != "status:['new','reopened']+((max_severity:>=20+max_severity:<=39),max_severity:>=80)" {
		t.Fatalf("filter %q", f)
	}
	for _, r := range loadedRows(d) {
		if s := r.MaxSeverity; s < 20 || s >= 40 && s < 80 {
			t.Fatalf("severity %d listed", s)
		}
	}
	d.key("f", "s", "c") // a key alone: at once
	d.settle()
	if f := d.m.list.Current().Filter; !strings.HasSuffix(f, "+status:'closed'") || strings.Contains(f, "reopened") {
		t.Fatalf("filter %q", f)
	}
}

// TestQuickFilterSeveralProducts picks two products on Alerts.
func TestQuickFilterSeveralProducts(t *testing.T) {
	h := newBackendHarness(t, "alerts", 200)
	d := loaded(t, h)
	d.key("f", "x", "f", "p", "space", "space", "enter")
	d.settle()
	if f := d.m.list.Current().Filter; f != "product:['epp','idp']" {
		t.Fatalf("filter %q", f)
	}
	seen := map[string]bool{}
	for _, r := range loadedRows(d) {
		seen[r.Product] = true
	}
	if !seen["idp"] || !seen["epp"] || len(seen) != 2 {
		t.Fatalf("products listed: %v", seen)
	}
}

// loadedRows are the rows of the list whose details are loaded.
func loadedRows(d *driver) []*model.Detection {
	var out []*model.Detection
	for _, id := range d.m.list.IDs() {
		if r, ok := d.m.rows.Peek(id); ok {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		d.t.Fatal("no row loaded")
	}
	return out
}

// TestPlusInTheDetailSpeaksAlerts: + on a field the detail names as on
// Detects (a behaviour's path) filters on the Alerts field, which the
// check lets through.
func TestPlusInTheDetailSpeaksAlerts(t *testing.T) {
	h := newBackendHarness(t, "alerts", 100)
	d := loaded(t, h)
	row := -1
	for i, id := range d.m.list.IDs() {
		if r, ok := d.m.rows.Peek(id); ok && len(r.Behaviors) > 0 && r.Behaviors[0].FilePath != "" && r.Behaviors[0].UserName != "" {
			row = i
			break
		}
	}
	if row < 0 {
		t.Fatal("no alert with a path and a user loaded")
	}
	d.cursorTo(row)
	d.settle()
	for _, c := range []struct{ label, field string }{{"Path", "filepath:'"}, {"User", "user_name:'"}} {
		d.key("enter")
		if !d.m.detail.Seek(c.label, 0) {
			t.Fatalf("no %s in the detail", c.label)
		}
		d.key("+")
		if q := d.m.list.Latest(); !d.m.list.Pending() || !strings.HasPrefix(q.Filter, c.field) {
			t.Fatalf("+ on %s gave %q (%s)", c.label, q.Filter, d.top())
		}
		d.key("esc") // the query asked for is dropped
	}
}

// TestASavedFilterInTheOtherAPIsNamesIsRefused: a saved filter written
// for Detects, chosen on Alerts, opens the filter line with the reason,
// sending nothing; mended there, it runs.
func TestASavedFilterInTheOtherAPIsNamesIsRefused(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h, func(o *Options) {
		o.SavedFilters = []SavedFilter{{Name: "hot", Filter: "status:'new'+max_severity:>=60"}}
	})
	queries := h.fake.Count("query")
	d.key("f", "a")
	d.settle()
	in := d.field()
	if !strings.Contains(in.Err(), "calls it severity") || in.Value() != "status:'new'+max_severity:>=60" || in.Selected() {
		t.Fatalf("field %q (selected %v): %q", in.Value(), in.Selected(), in.Err())
	}
	if h.fake.Count("query") != queries {
		t.Fatal("the refused saved filter was sent")
	}
	in.SetValue("status:'new'+severity:>=60")
	d.key("enter")
	d.settle()
	if f := d.m.list.Current().Filter; f != "status:'new'+severity:>=60" {
		t.Fatalf("the mended filter did not run: %q", f)
	}
}

// TestARestoredFilterTheBackendCannotTakeIsNotSent: a session left with a
// Detects filter, restored on Alerts, starts without it and opens the
// filter line with it and the reason (sent, the service would have refused
// it and left the list empty).
func TestARestoredFilterTheBackendCannotTakeIsNotSent(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	o := h.options(t)
	o.Restore = true
	writeSession(t, o.StateDir, session{Filter: "status:'new'+max_severity:>=60", Row: 5})
	d := newDriver(t, o)
	d.settle()
	in := d.field()
	if !strings.Contains(in.Err(), "calls it severity") || in.Value() != "status:'new'+max_severity:>=60" {
		t.Fatalf("field %q: %q", in.Value(), in.Err())
	}
	if f := d.m.list.Current().Filter; f != "" || len(d.m.list.IDs()) == 0 || d.m.list.Cursor() != 0 {
		t.Fatalf("the list started on %q at row %d", f, d.m.list.Cursor())
	}
}

// TestTheServicesRefusalQuotesTheAnalystsFilter: where the service quotes
// the filter it was sent, the analyst reads their own, without the
// clauses the console added.
func TestTheServicesRefusalQuotesTheAnalystsFilter(t *testing.T) {
	h := newBackendHarness(t, "alerts", 20)
	d := loaded(t, h)
	for _, typed := range []string{"status:'new'", "status:'new',status:'closed'"} {
		in := d.m.stack.NewRefusable(typed)
		sent := d.m.list.Effective(list.Query{Filter: typed})
		why := `Invalid filter: unexpected "x" at position 3 of "` + sent + `"`
		if got, want := d.m.ownWords(why, in), `Invalid filter: unexpected "x" at position 3 of "`+typed+`"`; got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}
