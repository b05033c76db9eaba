package model

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestBatchesSplitAndCarryComments(t *testing.T) {
	ids := make([]string, 2500)
	visible := map[string]bool{}
	for i := range ids {
		ids[i] = fmt.Sprint("id", i)
		visible[ids[i]] = i%10 != 0
	}
	b := Change{IDs: ids, Status: ptr(StatusClosed)}.Batches(1000, visible, true)
	if len(b) != 3 || len(b[0].IDs) != 1000 || len(b[2].IDs) != 500 {
		t.Fatalf("status batches: %d", len(b))
	}
	c := Change{IDs: ids, Comment: "x"}.Batches(1000, visible, true)
	shown, hidden := 0, 0
	for _, x := range c {
		if x.ShowInUI == nil || len(x.IDs) > 1000 {
			t.Fatal("a comment without a carrier")
		}
		for _, id := range x.IDs {
			if visible[id] != *x.ShowInUI {
				t.Fatalf("%s sent with show_in_ui %v", id, *x.ShowInUI)
			}
		}
		if *x.ShowInUI {
			shown += len(x.IDs)
		} else {
			hidden += len(x.IDs)
		}
	}
	if shown != 2250 || hidden != 250 || len(c) != 4 {
		t.Fatalf("shown %d hidden %d in %d batches", shown, hidden, len(c))
	}
	if d := (Change{IDs: ids[:3], Comment: "x"}).Batches(1000, visible, false); len(d) != 1 || d[0].ShowInUI != nil {
		t.Fatal("a backend that takes comments alone got a carrier")
	}
}

func TestRevertGroupsByPreviousValues(t *testing.T) {
	before := map[string]Values{
		"a": {Status: StatusNew, ShowInUI: true}, "b": {Status: StatusNew, ShowInUI: true},
		"c": {Status: StatusInProgress, ShowInUI: true},
	}
	touched := Change{Status: ptr(StatusClosed)}.Touches()
	now := Values{Status: StatusClosed, ShowInUI: true}
	per := map[string]Change{}
	for id, v := range before {
		per[id] = Revert(touched, now, v)
	}
	u := Group([]string{"a", "b", "c"}, per, 1000)
	if len(u) != 2 || *u[0].Status != StatusNew || len(u[0].IDs) != 2 || *u[1].Status != StatusInProgress {
		t.Fatalf("%+v", u)
	}
	if u[0].ShowInUI != nil || u[0].AssigneeUUID != nil {
		t.Fatal("undo touched fields the action did not")
	}
	if !Revert(Change{Comment: "x"}.Touches(), now, before["a"]).Empty() {
		t.Fatal("a comment was 'undone'")
	}
}

func TestRevertPutsTagsBackExactly(t *testing.T) {
	// An Alerts verdict: closed plus the verdict tag; undo removes the tag
	// and puts back the one another verdict had.
	before := Values{Status: StatusClosed, Tags: []string{"keep", "true_positive"}}
	now := Values{Status: StatusClosed, Tags: []string{"keep", "false_positive"}}
	c := Revert(Change{Status: ptr(StatusFalsePositive)}.Touches(), now, before)
	if c.Status != nil || !slices.Equal(c.AddTags, []string{"true_positive"}) || !slices.Equal(c.RemoveTags, []string{"false_positive"}) {
		t.Fatalf("%+v", c)
	}
	d := Detection{Status: StatusClosed, Tags: []string{"keep", "false_positive"}}
	c.Apply(&d)
	if !slices.Equal(d.Tags, []string{"keep", "true_positive"}) {
		t.Fatalf("tags after the revert: %q", d.Tags)
	}
}

func TestRevertAssigneeByLogin(t *testing.T) {
	// Detects summaries carry logins, not UUIDs: each row keeps its own.
	touched := Change{AssigneeUUID: ptr("u-new")}.Touches()
	now := Values{AssigneeUUID: "u-new", AssigneeUID: "new@x"}
	per := map[string]Change{
		"a": Revert(touched, now, Values{AssigneeUID: "ann@x"}),
		"b": Revert(touched, now, Values{AssigneeUID: "bob@x"}),
		"c": Revert(touched, now, Values{}),
	}
	u := Group([]string{"a", "b", "c"}, per, 1000)
	if len(u) != 3 {
		t.Fatalf("%d groups, want one per previous assignee: %+v", len(u), u)
	}
	for _, b := range u {
		want := map[string]string{"a": "ann@x", "b": "bob@x", "c": ""}[b.IDs[0]]
		if b.AssigneeUID != want || *b.AssigneeUUID != "" {
			t.Fatalf("%s goes to %q/%q, want %q", b.IDs[0], b.AssigneeUID, *b.AssigneeUUID, want)
		}
	}
}

func TestConflictDescribe(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Conflict{ID: "b", Seen: Values{Status: StatusNew, Updated: t0}, Fresh: Values{Status: StatusClosed, Updated: t0.Add(time.Minute)}}
	if d := c.Describe(); !strings.Contains(d, "status New → Closed") || !strings.Contains(d, "00:01 UTC") {
		t.Fatalf("%q", d)
	}
}

func TestApplyAndRestore(t *testing.T) {
	d := Detection{Status: StatusNew, ShowInUI: true, AssigneeUID: "x"}
	v := ValuesOf(&d)
	c := Change{Status: ptr(StatusClosed), AssigneeUUID: ptr(""), ShowInUI: ptr(false)}
	c.Apply(&d)
	if d.Status != StatusClosed || d.AssigneeUID != "" || d.ShowInUI {
		t.Fatalf("%+v", d)
	}
	v.Restore(&d)
	if d.Status != StatusNew || d.AssigneeUID != "x" || !d.ShowInUI {
		t.Fatalf("%+v", d)
	}
}

func TestCache(t *testing.T) {
	c := NewDetailCache(2 * (&Detection{ID: "a"}).Size())
	if n := c.Need([]string{"a", "b"}); len(n) != 2 {
		t.Fatal(n)
	}
	if n := c.Need([]string{"a", "b"}); len(n) != 0 {
		t.Fatal("fetched twice at once")
	}
	c.Done([]string{"a", "b"}, []Detection{{ID: "a"}}, map[string]string{"b": "gone"}, nil)
	if _, ok := c.Peek("a"); !ok || c.Failed("b") != "gone" || c.InFlight() != 0 {
		t.Fatal("done not recorded")
	}
	if n := c.Need([]string{"a", "b"}); len(n) != 0 {
		t.Fatal("a cached or failed id was fetched again")
	}
	c.Invalidate()
	if _, ok := c.Peek("a"); !ok {
		t.Fatal("a stale row left the screen before its fresh read")
	}
	if n := c.Need([]string{"a", "b"}); len(n) != 2 {
		t.Fatalf("a refresh did not read the rows again: %v", n)
	}
	c.Done([]string{"a", "b"}, nil, nil, context.Canceled)
	if c.Failed("a") != "" || c.InFlight() != 0 {
		t.Fatal("a cancelled read was taken for a failure")
	}
	c.Need([]string{"a", "b"})
	c.Done([]string{"a"}, []Detection{{ID: "a"}}, nil, nil)
	c.Done([]string{"b"}, []Detection{{ID: "b"}}, nil, nil)
	c.Put(Detection{ID: "c"})
	if c.Len() != 2 {
		t.Fatalf("the bound is not kept: %d", c.Len())
	}
	if _, ok := c.Peek("a"); ok {
		t.Fatal("the least recently used was kept")
	}
}

func TestQuoteAndAnd(t *testing.T) {
	if got := Eq("device.hostname", `it's+x,y\`); got != `device.hostname:'it\'s+x,y\\'` {
		t.Fatal(got)
	}
	if got := And("a:1,b:2", "", "c:3"); got != "(a:1,b:2)+c:3" {
		t.Fatal(got)
	}
	if got := And("a:'x,y'", "c:3"); got != "a:'x,y'+c:3" {
		t.Fatal(got)
	}
	if got := In("status", []string{"new", "it's"}); got != `status:['new','it\'s']` {
		t.Fatal(got)
	}
}

// sliceBackend serves ids with a sort value each, answering filters of the
// walker's own keyset form, and never more than window-1 per request.
type sliceBackend struct {
	rows   []row
	window int
	calls  int
}

type row struct {
	id  string
	sev int
	t   int
}

func (b *sliceBackend) Name() string              { return "test" }
func (b *sliceBackend) Effective(c Change) Change { return c }
func (b *sliceBackend) Why() string               { return "test" }
func (b *sliceBackend) Fields() Fields            { return Fields{Time: "t", Severity: "sev"} }
func (b *sliceBackend) Statuses() []Status        { return Statuses }
func (b *sliceBackend) Window() int               { return b.window }
func (b *sliceBackend) CursorPaging() bool        { return false }
func (b *sliceBackend) MaxIDs() int               { return 1000 }
func (b *sliceBackend) Update(context.Context, Change) (UpdateResult, error) {
	return UpdateResult{}, nil
}
func (b *sliceBackend) Aggregate(context.Context, []AggregateRequest) ([]Aggregation, error) {
	return nil, nil
}
func (b *sliceBackend) SortValue(d *Detection, f string) (string, bool) {
	if f == "sev" {
		return fmt.Sprint(d.MaxSeverity), true
	}
	return fmt.Sprint(d.MaxConfidence), true
}
func (b *sliceBackend) Details(_ context.Context, ids []string) ([]Detection, map[string]string, error) {
	var out []Detection
	for _, id := range ids {
		for _, r := range b.rows {
			if r.id == id {
				out = append(out, Detection{ID: id, MaxSeverity: r.sev, MaxConfidence: r.t})
			}
		}
	}
	return out, nil, nil
}

// Query understands conjunctions of sev:N, sev:<=N, sev:<N, t:N, t:<=N
// (and the ascending forms), which is all the walker writes.
func (b *sliceBackend) Query(_ context.Context, q Query) (Page, error) {
	b.calls++
	if q.Offset+q.Limit >= b.window {
		return Page{}, fmt.Errorf("window exceeded")
	}
	var match []row
	for _, r := range b.rows {
		ok := true
		for _, c := range strings.Split(q.Filter, "+") {
			if c == "" {
				continue
			}
			f, v, _ := strings.Cut(c, ":")
			val := r.sev
			if f == "t" {
				val = r.t
			}
			var n int
			switch {
			case strings.HasPrefix(v, "<="):
				fmt.Sscan(v[2:], &n)
				ok = ok && val <= n
			case strings.HasPrefix(v, ">="):
				fmt.Sscan(v[2:], &n)
				ok = ok && val >= n
			case strings.HasPrefix(v, "<"):
				fmt.Sscan(v[1:], &n)
				ok = ok && val < n
			case strings.HasPrefix(v, ">"):
				fmt.Sscan(v[1:], &n)
				ok = ok && val > n
			default:
				fmt.Sscan(v, &n)
				ok = ok && val == n
			}
		}
		if ok {
			match = append(match, r)
		}
	}
	key := func(r row) int {
		if q.Sort.Field == "t" {
			return r.t
		}
		return r.sev
	}
	// Ties in an order of their own, as a real service may give them.
	sort.SliceStable(match, func(i, j int) bool {
		if key(match[i]) != key(match[j]) {
			if q.Sort.Desc {
				return key(match[i]) > key(match[j])
			}
			return key(match[i]) < key(match[j])
		}
		return (match[i].t*7919)%101 < (match[j].t*7919)%101
	})
	p := Page{Total: len(match)}
	for i := q.Offset; i < len(match) && i < q.Offset+q.Limit; i++ {
		p.IDs = append(p.IDs, match[i].id)
	}
	return p, nil
}

func TestWalkerWithTiesPastTheWindow(t *testing.T) {
	for _, c := range []struct {
		name string
		sev  func(i int) int
		desc bool
	}{
		{"distinct", func(i int) int { return i }, true},
		{"few values", func(i int) int { return i % 7 }, true},
		{"one value", func(int) int { return 5 }, false},
		{"one big tie among others", func(i int) int {
			if i%10 == 0 {
				return i
			}
			return 3
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := &sliceBackend{window: 100}
			for i := 0; i < 950; i++ {
				b.rows = append(b.rows, row{id: fmt.Sprint("r", i), sev: c.sev(i), t: i})
			}
			w := NewWalker(b, Query{Sort: Sort{Field: "sev", Desc: c.desc}}, 40)
			all, err := w.All(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, id := range all {
				if seen[id] {
					t.Fatalf("%s twice", id)
				}
				seen[id] = true
			}
			if len(seen) != 950 {
				t.Fatalf("walked %d of 950", len(seen))
			}
		})
	}
}

func TestReplaceClause(t *testing.T) {
	for f, want := range map[string]string{
		"status:'new'":                      "status:'closed'",
		"status:'new'+max_severity:>=60":    "max_severity:>=60+status:'closed'",
		"(status:'new',x:1)+y:'a+status:b'": "(status:'new',x:1)+y:'a+status:b'+status:'closed'",
		"":                                  "status:'closed'",
		"status:['new','reopened']+(status:'x',status:'y')": "status:'closed'",
		"(status:'new',max_severity:>=60)":                  "(status:'new',max_severity:>=60)+status:'closed'",
	} {
		if got := Replace(f, "status:'closed'"); got != want {
			t.Errorf("Replace(%q) = %q, want %q", f, got, want)
		}
	}
	if got := Since("last_behavior", "24h"); got != "last_behavior:>='now-24h'" {
		t.Fatal(got)
	}
}
