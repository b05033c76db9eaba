package list

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
)

// stub serves n rows, newest first, from memory; a query's filter picks the
// rows a test says match it.
type stub struct {
	model.Backend
	ids   []string
	match map[string]func(id string) bool
}

func newStub(n int) *stub {
	s := &stub{match: map[string]func(string) bool{}}
	for i := range n {
		s.ids = append(s.ids, fmt.Sprintf("ldt:%d", i))
	}
	return s
}

func (s *stub) Name() string       { return "detects" }
func (s *stub) Window() int        { return 10000 }
func (s *stub) MaxIDs() int        { return 1000 }
func (s *stub) CursorPaging() bool { return false }
func (s *stub) Fields() model.Fields {
	return model.Fields{ShowInUI: "show_in_ui", Time: "last_behavior", SortFields: []string{"last_behavior"}}
}

func (s *stub) Query(_ context.Context, q model.Query) (model.Page, error) {
	ids := s.ids
	for f, match := range s.match {
		if q.Filter == f || q.Filter == f+"+show_in_ui:true" {
			ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !match(id) })
		}
	}
	end := min(len(ids), q.Offset+q.Limit)
	return model.Page{IDs: ids[min(q.Offset, end):end], Total: len(ids)}, nil
}

func (s *stub) Details(_ context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	var out []model.Detection
	for _, id := range ids {
		out = append(out, model.Detection{ID: id, ShowInUI: true})
	}
	return out, nil, nil
}

func newList(b *stub, chunk int) *List {
	l := New(Deps{Rows: rows.New(1<<20, time.Now), Keys: keymap.Default(), Ctx: context.Background(), IDChunk: chunk,
		Location: time.UTC, Now: time.Now}, nil, Query{}, 0, "")
	l.Connected(b, nil)
	l.Fit(100, 10)
	return l
}

// deliver runs cmd and hands its page (and whatever else it batched) to
// the list, without the details reads.
func deliver(l *List, cmd tea.Cmd) Out {
	var out Out
	for _, msg := range run(cmd) {
		if _, ok := msg.(DetailsMsg); ok {
			continue
		}
		out, _, _ = l.Update(msg)
	}
	return out
}

func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, run(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// An answer to a query the analyst has left lands nowhere; the answer to
// the one asked for replaces the rows, and says what asked for it.
func TestAStaleAnswerIsDropped(t *testing.T) {
	b := newStub(50)
	l := newList(b, 10)
	old := l.Start(Query{Filter: "status:'new'"}, "old field", -1)
	newer := l.Start(Query{Filter: "status:'closed'"}, "new field", -1)
	if out := deliver(l, old); out.Landed != nil || len(l.IDs()) != 0 {
		t.Fatalf("an answer to the old filter landed: %+v", out.Landed)
	}
	out := deliver(l, newer)
	if out.Landed == nil || out.Landed.Origin != "new field" || l.Current().Filter != "status:'closed'" || len(l.IDs()) != 10 {
		t.Fatalf("the answer to the filter asked for: %+v, %d rows", out.Landed, len(l.IDs()))
	}
}

// A landing query keeps the cursor on the row it was on when the new rows
// hold it.
func TestALandingQueryKeepsTheCursorsRow(t *testing.T) {
	b := newStub(50)
	l := newList(b, 20)
	deliver(l, l.Begin())
	l.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	l.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	b.match["odd"] = func(id string) bool { var n int; fmt.Sscanf(id, "ldt:%d", &n); return n%2 == 0 }
	deliver(l, l.Start(Query{Filter: "odd"}, nil, -1))
	if l.CursorID() != "ldt:2" {
		t.Fatalf("after the query landed the cursor is on %s, was on ldt:2", l.CursorID())
	}
}

// A walk steps back over the rows the console wrote after the page that
// listed them was asked: a row that left the filter moves the later ones up,
// and none is skipped.
func TestAWalkStepsBackOverRowsWrittenSinceItsPage(t *testing.T) {
	b := newStub(30)
	closed := map[string]bool{}
	b.match["status:'new'"] = func(id string) bool { return !closed[id] }
	l := newList(b, 10)
	l.Fit(100, 3)
	page := l.Start(Query{Filter: "status:'new'"}, nil, -1)
	msgs := run(page) // the first page is read now
	first := msgs[0].(IDsMsg).ids
	l.Rows.BeginWrite(first[:5]) // the console closes five of them meanwhile
	for _, id := range first[:5] {
		closed[id] = true
	}
	l.Rows.EndWrite(first[:5])
	l.Update(msgs[0])
	for !l.Done() {
		l.bottom()
		_, cmd := l.Ensure()
		deliver(l, cmd)
	}
	for _, id := range b.ids {
		if !closed[id] && !slices.Contains(l.IDs(), id) {
			t.Errorf("%s still matches and was never listed", id)
		}
	}
}

// A mark-all stopped with esc marks nothing when it answers, and does not
// stop the next one.
func TestAStoppedMarkAllMarksNothing(t *testing.T) {
	l := newList(newStub(40), 10)
	deliver(l, l.Begin())
	a, _, _ := l.AskMarkAll()
	_, stopped := l.StartMarkAll(a)
	l.Stop()
	_, next := l.StartMarkAll(a)
	deliver(l, stopped)
	if l.MarkCount() != 0 {
		t.Fatalf("the stopped mark-all marked %d rows", l.MarkCount())
	}
	deliver(l, next)
	if l.MarkCount() != 40 {
		t.Fatalf("the next mark-all marked %d of 40", l.MarkCount())
	}
}

// A row a backspace is still looking for (past its first page) belongs to
// that query: a query landing meanwhile does not jump to it.
func TestARowLookedForIsForgottenByTheNextQuery(t *testing.T) {
	b := newStub(50)
	l := newList(b, 10)
	deliver(l, l.Begin())
	deliver(l, l.StartOn(Query{}, nil, 45, "ldt:45")) // its first page holds ldt:0…9
	b.match["big"] = func(id string) bool { var n int; fmt.Sscanf(id, "ldt:%d", &n); return n >= 40 }
	deliver(l, l.Start(Query{Filter: "big"}, nil, -1))
	if l.CursorID() != "ldt:40" {
		t.Fatalf("the new list put the cursor on %s, the row an earlier backspace looked for", l.CursorID())
	}
}
