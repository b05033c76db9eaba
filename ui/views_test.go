package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/views"
)

// threeViews are the views of the tests: two filters and every row.
var threeViews = []View{
	{Name: "New", Filter: "status:'new'"},
	{Name: "High", Filter: "severity:>=70", Sort: "severity|desc"},
	{Name: "All"},
}

func withViews(vs ...View) func(*Options) {
	return func(o *Options) { o.Views = vs }
}

// tabs is the views' header line, as the analyst reads it.
func tabs(d *driver) string { return ansi.Strip(screenLines(d.screen())[1]) }

// Three views are counted by one aggregate request, each count the number
// of rows its view lists.
func TestViewsAreCountedByOneRequest(t *testing.T) {
	h := newBackendHarness(t, "alerts", 150)
	d := loaded(t, h, withViews(threeViews...))
	if n := h.fake.Count("aggregates"); n != 1 {
		t.Fatalf("the start asked %d aggregate requests for three views, want 1", n)
	}
	before := h.traffic.requests.Load()
	d.queue(d.m.RecountViews())
	d.settle()
	if n := h.traffic.requests.Load() - before; n != 1 {
		t.Fatalf("a recount of three views sent %d requests, want 1", n)
	}
	counts := make([]int64, 3)
	for i := range 3 {
		counts[i] = d.m.views.Count(i)
	}
	for i, key := range []string{"1", "2", "3"} {
		if i > 0 {
			d.key(key)
			d.settle()
		}
		if d.m.views.Current() != i {
			t.Fatalf("%s did not switch to view %d", key, i+1)
		}
		if got := int64(d.m.list.Total()); got != counts[i] || got == 0 {
			t.Fatalf("view %d counts %d, its list has %d rows", i+1, counts[i], got)
		}
		if !strings.Contains(tabs(d), fmt.Sprintf("[%d %s %d]", i+1, threeViews[i].Name, counts[i])) {
			t.Fatalf("the tabs do not mark view %d with its count: %q", i+1, tabs(d))
		}
	}
	if counts[0] == counts[2] || counts[1] == counts[2] {
		t.Fatalf("the filters count nothing apart: %v", counts)
	}
}

// Each view keeps its own cursor, marks and detail: switching back lands
// on the same row, by id, with the same marks.
func TestSwitchingViewsKeepsEachViewsCursorAndMarks(t *testing.T) {
	h := newBackendHarness(t, "alerts", 150)
	d := loaded(t, h, withViews(threeViews...))
	ids := d.m.list.IDs()
	d.markIDs(ids[1], ids[2])
	d.cursorTo(5)
	d.settle()
	onRow := d.m.list.CursorID()
	d.key("enter") // the detail, open when the view is left
	d.settle()
	d.key("2")
	d.settle()
	if d.m.views.Current() != 1 || d.m.list.MarkCount() != 0 || d.m.list.Cursor() != 0 || d.m.detail != nil {
		t.Fatalf("view 2 opened on view %d with %d marks, the cursor on row %d, detail %v",
			d.m.views.Current()+1, d.m.list.MarkCount(), d.m.list.Cursor(), d.m.detail != nil)
	}
	other := d.m.list.IDs()[3]
	d.markIDs(other) // space marks and moves down
	onRow2 := d.m.list.CursorID()
	d.key("[") // back to view 1
	d.settle()
	if got := d.m.list.CursorID(); got != onRow {
		t.Fatalf("back on view 1 the cursor is on %s, want %s", got, onRow)
	}
	if m := d.m.list.Marks(); !slices.Equal(m, []string{ids[1], ids[2]}) {
		t.Fatalf("view 1's marks are %v, want %v", m, ids[1:3])
	}
	if d.m.detail == nil || d.m.detail.ID() != onRow {
		t.Fatal("view 1's detail is not open again on its row")
	}
	d.key("]")
	d.settle()
	if m := d.m.list.Marks(); !slices.Equal(m, []string{other}) || d.m.list.CursorID() != onRow2 {
		t.Fatalf("view 2's marks are %v and cursor %s, want [%s], on %s", m, d.m.list.CursorID(), other, onRow2)
	}
}

// One count is in flight at a time: a recount asked meanwhile (another
// analyst closed a row) is sent once the first lands, so a count answered
// late never overwrites a newer one, and the newer one follows.
func TestARecountWhileOneIsInFlightFollowsIt(t *testing.T) {
	h := newBackendHarness(t, "alerts", 150)
	d := loaded(t, h, withViews(threeViews...))
	d.queue(d.m.RecountViews())
	d.run()
	first := takeLast[views.CountsMsg](d)
	before := d.m.views.Count(0)
	id := d.m.list.IDs()[0]
	if _, err := h.other().Update(context.Background(), model.Change{IDs: []string{id}, Status: ptr(model.StatusClosed)}); err != nil {
		t.Fatal(err)
	}
	asked := h.fake.Count("aggregates")
	d.queue(d.m.RecountViews())
	d.run()
	if holds[views.CountsMsg](d) != 0 || h.fake.Count("aggregates") != asked {
		t.Fatal("a second count was sent while one was in flight")
	}
	d.send(first)
	if d.m.views.Count(0) != before {
		t.Fatalf("the first count is %d, want %d", d.m.views.Count(0), before)
	}
	d.run()
	deliver[views.CountsMsg](d)
	if d.m.views.Count(0) != before-1 {
		t.Fatalf("the count owed is %d, want %d", d.m.views.Count(0), before-1)
	}
}

// A count asked for another backend (a tenant left) is dropped.
func TestAViewCountOfAnotherBackendIsDropped(t *testing.T) {
	h := newBackendHarness(t, "alerts", 150)
	d := loaded(t, h, withViews(threeViews...))
	d.queue(d.m.RecountViews())
	d.run()
	old := takeLast[views.CountsMsg](d)
	d.m.views.Connected(d.m.b) // as a tenant switch does
	d.send(old)
	if n := d.m.views.Count(0); n >= 0 {
		t.Fatalf("the count asked before the switch was taken: %d", n)
	}
}

func ptr[T any](v T) *T { return &v }

// Digits typed in a text field are text, never a view switch; on the list
// they switch.
func TestDigitsInATextFieldAreTyped(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h, withViews(threeViews...))
	for _, open := range []string{"/", ":", "F"} {
		d.key(open, "2", "3")
		if d.m.views.Current() != 0 || !strings.HasSuffix(d.field().Value(), "23") {
			t.Fatalf("%s then 2 3: view %d, field %q", open, d.m.views.Current()+1, d.field().Value())
		}
		d.closeLayers()
	}
	d.key("3")
	d.settle()
	if d.m.views.Current() != 2 {
		t.Fatal("3 on the list did not switch")
	}
}

// Without views the digits say so and change nothing; no tab line.
func TestWithoutViewsNoTabs(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h)
	q := d.m.list.Current()
	d.key("2")
	d.settle()
	if d.m.list.Current() != q || !strings.Contains(d.m.bar.Word().Text, "no views") {
		t.Fatalf("2 without views: query %v, word %q", d.m.list.Current(), d.m.bar.Word().Text)
	}
	if h.fake.Count("aggregates") != 0 {
		t.Fatal("counts were asked with no views")
	}
}

// A pivot inside a view changes the list's query, not the view: its tab
// says so, backspace goes back, and its digit returns to the view's own.
func TestAPivotInsideAViewMarksItsTab(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h, withViews(threeViews...))
	d.key("O") // flip the sort
	d.settle()
	if !strings.Contains(tabs(d), "*]") || d.m.views.Def(0).Filter != "status:'new'" {
		t.Fatalf("a pivot does not show on the tab: %q", tabs(d))
	}
	d.key("backspace")
	d.settle()
	if strings.Contains(tabs(d), "*") {
		t.Fatalf("backspace did not go back to the view's own query: %q", tabs(d))
	}
	d.key("O")
	d.settle()
	d.key("1")
	d.settle()
	if strings.Contains(tabs(d), "*") {
		t.Fatalf("1 on a modified view 1 did not return to its own query: %q", tabs(d))
	}
}

// The tabs fit 80 columns: names give way (…), counts stay.
func TestTabsFitEightyColumns(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	long := []View{{Name: "New and unassigned on the servers", Filter: "status:'new'"},
		{Name: "High severity across every product", Filter: "severity:>=70"},
		{Name: "Everything the SOC has open today"}, {Name: "Mine"}}
	d := loaded(t, h, withViews(long...))
	d.send(teaSize(80, 24))
	line := tabs(d)
	if ansi.StringWidth(line) > 80 || !strings.Contains(line, "…") {
		t.Fatalf("the tabs at 80 columns: %q", line)
	}
	for i := range long {
		if !strings.Contains(line, fmt.Sprintf(" %d", d.m.views.Count(i))) {
			t.Fatalf("view %d's count is cut: %q", i+1, line)
		}
	}
	if !strings.Contains(line, "[1 ") || !strings.Contains(line, "4 Mine ") {
		t.Fatalf("the current tab is not bracketed, or a short name cut: %q", line)
	}
}

// S saves the filter and sort as a view: a new name at once, one that
// exists after y; a refused write leaves the name as typed.
func TestSSavesTheQueryAsAView(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	var saved []View
	fail := errors.New("disk full")
	save := func(v View, replace bool) (string, error) {
		if v.Name == "Broken" {
			return "", fail
		}
		if !replace && slices.ContainsFunc(saved, func(s View) bool { return s.Name == v.Name }) {
			return "", ErrViewExists
		}
		saved = append(saved, v)
		return "/cfg/config.yaml", nil
	}
	d := loaded(t, h, withViews(threeViews...), func(o *Options) { o.SaveView = save; o.ReadOnly = true })
	d.key("O")
	d.settle()
	d.key("S")
	if d.field().Value() != "New" || d.field().Kind() != modal.ViewNameField {
		t.Fatalf("S opened %q", d.field().Value())
	}
	d.typeText("Oldest new")
	d.key("enter")
	d.settle()
	want := View{Name: "Oldest new", Filter: "status:'new'", Sort: "timestamp|asc"}
	if len(saved) != 1 || saved[0] != want {
		t.Fatalf("saved %v, want %v", saved, want)
	}
	if d.m.views.Len() != 4 || d.m.views.Current() != 3 || strings.Contains(tabs(d), "*") {
		t.Fatalf("the saved view is not the current tab: %q", tabs(d))
	}
	// The same name: asked first; n keeps the old and the field.
	d.key("S", "enter")
	d.settle()
	if d.top() != "prompt" {
		t.Fatalf("saving over a view did not ask: %s", d.top())
	}
	d.key("n")
	if d.field().Value() != "Oldest new" || !strings.Contains(d.field().Err(), "kept") {
		t.Fatalf("n left the field %q: %q", d.field().Value(), d.field().Err())
	}
	d.key("enter", "y")
	d.settle()
	if len(saved) != 2 || d.m.stack.Top() != nil {
		t.Fatalf("y did not replace: %v", saved)
	}
	d.key("S")
	d.typeText("Broken")
	d.key("enter")
	d.settle()
	if d.field().Value() != "Broken" || !strings.Contains(d.field().Err(), "disk full") {
		t.Fatalf("a refused write left %q: %q", d.field().Value(), d.field().Err())
	}
}

// A restored session comes back on the view it was on, with its query and
// row; a session from before the views opens the first view.
func TestARestoredSessionRestoresTheView(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	dir := t.TempDir()
	writeSession(t, dir, session{Filter: "severity:>=70+status:'new'", Sort: "severity|desc", View: "High", Row: 2})
	d := loaded(t, h, withViews(threeViews...), func(o *Options) { o.StateDir, o.Restore = dir, true })
	if d.m.views.Current() != 1 || d.m.list.Current().Filter != "severity:>=70+status:'new'" || !strings.Contains(tabs(d), "*]") {
		t.Fatalf("restored on view %d, filter %q: %q", d.m.views.Current()+1, d.m.list.Current().Filter, tabs(d))
	}
	writeSession(t, dir, session{Filter: "severity:>=90", Row: 2})
	d = loaded(t, h, withViews(threeViews...), func(o *Options) { o.StateDir, o.Restore = dir, true })
	if d.m.views.Current() != 0 || d.m.list.Current().Filter != "status:'new'" {
		t.Fatalf("an older session opened view %d, filter %q", d.m.views.Current()+1, d.m.list.Current().Filter)
	}
}

// On screen (teatest, 80x24): the tabs with their counts; 2 switches, and
// 1 comes back to the row the cursor left, its marks shown again.
func TestViewTabsOnScreen(t *testing.T) {
	h := newBackendHarness(t, "alerts", 150)
	o := h.options(t)
	o.Views = threeViews
	s := startScreen(t, New(o), 80, 24)
	counted := func(sc string) bool {
		return settled(sc) && strings.Contains(sc, "[1 New ") && !strings.Contains(screenLines(sc)[1], "…")
	}
	s.waitFor("the tabs with their counts", counted)
	s.key("space", "space")
	sc := s.waitFor("two marks", func(sc string) bool { return strings.Contains(sc, "2 marked") })
	for range 2 {
		before := cursorLine(sc)
		s.key("j")
		sc = s.waitFor("the cursor to move", func(sc string) bool { return cursorLine(sc) != before })
	}
	row := cursorLine(sc)
	if row == "" {
		t.Fatalf("no cursor on screen:\n%s", sc)
	}
	s.key("2")
	s.waitFor("view 2", func(sc string) bool {
		return settled(sc) && strings.Contains(sc, "[2 High ") && !strings.Contains(sc, "marked") && strings.Contains(sc, "filter: severity:>=70")
	})
	s.key("1")
	s.waitFor("view 1 on its row with its marks", func(sc string) bool {
		return settled(sc) && strings.Contains(sc, "[1 New ") && strings.Contains(sc, "2 marked") && cursorLine(sc) == row
	})
	s.quit()
}

// A switch stopped before its rows come (esc, backspace) leaves the list on
// the view it shows: that view is current again, with its marks.
func TestAStoppedSwitchStaysOnTheViewShown(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h, withViews(threeViews...))
	ids := d.m.list.IDs()
	d.markIDs(ids[1])
	for _, stop := range []string{"esc", "backspace"} {
		d.key("2")
		d.run() // its page is held back
		if d.m.views.Current() != 1 || d.m.list.MarkCount() != 0 {
			t.Fatalf("2 did not switch at once")
		}
		d.key(stop)
		if d.m.views.Current() != 0 || !slices.Equal(d.m.list.Marks(), []string{ids[1]}) || strings.Contains(tabs(d), "[2") {
			t.Fatalf("%s while view 2 loads: view %d, marks %v, %q", stop, d.m.views.Current()+1, d.m.list.Marks(), tabs(d))
		}
		d.settle()
		if d.m.list.Current().Filter != "status:'new'" || d.m.views.Current() != 0 {
			t.Fatalf("%s: the late page landed view 2's rows", stop)
		}
	}
}

// The products scope is the start's filter only without views: a first
// view with no filter shows every product, and is not marked changed.
func TestAFirstViewWithoutFilterIsNotScopedByProducts(t *testing.T) {
	h := newBackendHarness(t, "alerts", 60)
	d := loaded(t, h, withViews(View{Name: "All"}, threeViews[0]), func(o *Options) { o.Products = []string{"epp"} })
	if f := d.m.list.Current().Filter; f != "" || strings.Contains(tabs(d), "*") {
		t.Fatalf("the first view's filter is %q: %q", f, tabs(d))
	}
}

// What a view switch costs, both APIs: the view's first page of ids and the
// rows on screen; back to a view left, its ids again, its rows still in the
// cache (this clock does not move); and no count (counts are read on r,
// after a change and after live batches, not on a switch).
func TestRequestsPerViewSwitch(t *testing.T) {
	for _, c := range []struct {
		backend string
		vs      []View
		want    [2]int64
	}{
		{"detects", []View{{Name: "New", Filter: "status:'new'"}, {Name: "High", Filter: "max_severity:>=70"}}, [2]int64{2, 1}},
		{"alerts", threeViews, [2]int64{2, 1}},
	} {
		h := newBackendHarness(t, c.backend, 150)
		d := loaded(t, h, withViews(c.vs...))
		d.send(teaSize(80, 24))
		d.settle()
		before, aggs := h.traffic.requests.Load(), h.fake.Count("aggregates")
		d.key("2")
		d.settle()
		there := h.traffic.requests.Load() - before
		d.key("1")
		d.settle()
		back := h.traffic.requests.Load() - before - there
		t.Logf("%s: a view switch sends %d requests, back to a view left %d", c.backend, there, back)
		if [2]int64{there, back} != c.want || h.fake.Count("aggregates") != aggs {
			t.Errorf("%s: a switch sent %d and %d requests (%d counts), want %v and no count",
				c.backend, there, back, h.fake.Count("aggregates")-aggs, c.want)
		}
	}
}
