// Package views is the console's views (gh-dash's sections): the config
// file's named filters and sorts, shown as tabs with their counts. It keeps
// which view is current, what each view left when the analyst switched away
// (its query, cursor, marks, detail) and the counts, all read by one
// aggregate request (one terms aggregation per view); an answer carries the
// generation it was asked for, and one for an older set of views or another
// backend is dropped. It imports model and the list's query type, never
// the console.
package views

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// Def is a view as the config file defines it.
type Def struct{ Name, Filter, Sort string }

// Digits is how many views the digit keys reach (1…9); [ and ] reach
// every view.
const Digits = 9

// State is what a view left when the analyst switched away from it: the
// query asked for (a pivot inside the view changes it, not the view), the
// cursor (by place and by id), the marks, the detail open or closed, and
// the console's own back steps (opaque here).
type State struct {
	Query  list.Query
	Row    int
	RowID  string
	Marks  []string
	Detail bool
	Back   any
}

// Msg is an answer the views asked for: the console routes it back.
type Msg interface{ viewsMsg() }

// CountsMsg answers one count request: the count of each view asked
// (by index; -1: not asked, its filter unusable here), for generation gen.
type CountsMsg struct {
	gen    int
	counts []int64
	err    error
}

func (CountsMsg) viewsMsg() {}

// Views are the views, the current one, and their counts.
type Views struct {
	defs  []Def
	cur   int
	saved []*State
	// counts are the last answered counts (-1: unknown); bad why a view's
	// filter cannot be used on this backend ("": it can).
	counts []int64
	bad    []string
	gen    int
	// asking: a count is in flight; owed: another was asked for
	// meanwhile, sent once it lands (one count in flight at a time).
	asking, owed bool
	err          string // why the last count failed ("": it did not)
	ctx          context.Context
	b            model.Backend
	f            model.Fields
}

// New makes the views of defs (none: the console has no tabs), on the
// first.
func New(ctx context.Context, defs []Def) *Views {
	v := &Views{ctx: ctx}
	v.set(defs)
	return v
}

func (v *Views) set(defs []Def) {
	v.defs = slices.Clone(defs)
	v.saved = make([]*State, len(defs))
	v.counts = make([]int64, len(defs))
	for i := range v.counts {
		v.counts[i] = -1
	}
	v.bad = make([]string, len(defs))
	v.check()
}

// Len is how many views there are (nil: none).
func (v *Views) Len() int {
	if v == nil {
		return 0
	}
	return len(v.defs)
}

// Lines is how many header lines the tabs take: one, or none without
// views.
func (v *Views) Lines() int { return min(1, v.Len()) }

// Current is the index of the current view.
func (v *Views) Current() int { return v.cur }

// Def is view i's definition.
func (v *Views) Def(i int) Def { return v.defs[i] }

// Index is the view named name, or -1.
func (v *Views) Index(name string) int {
	return slices.IndexFunc(v.defs, func(d Def) bool { return d.Name == name })
}

// SetCurrent makes view i the current one.
func (v *Views) SetCurrent(i int) { v.cur = i }

// Connected takes the backend: each view's filter and sort are checked
// against its tables (a filter written for the other API is said when the
// view is used, never sent), and counts asked for another backend (another
// tenant) are dropped, as is what each view left: its rows were another
// tenant's.
func (v *Views) Connected(b model.Backend) {
	if v == nil {
		return
	}
	v.b, v.f = b, b.Fields()
	v.gen++
	v.asking, v.owed = false, false
	for i := range v.counts {
		v.counts[i], v.saved[i] = -1, nil
	}
	v.check()
}

func (v *Views) check() {
	if v.b == nil {
		return
	}
	for i, d := range v.defs {
		v.bad[i] = ""
		q := v.Query(i)
		if err := v.f.CheckFilter(q.Filter, model.Bool(v.f.ShowInUI, true)); err != nil {
			v.bad[i] = fmt.Sprintf("view %q: its filter cannot be used on this API: %v", d.Name, err)
			continue
		}
		if s := model.ParseSort(d.Sort); s.Field != "" && !slices.Contains(v.f.SortFields, s.Field) {
			v.bad[i] = fmt.Sprintf("view %q: this API does not sort on %s (it sorts on %s)", d.Name, s.Field, strings.Join(v.f.SortFields, ", "))
		}
	}
}

// Unusable says why view i cannot be shown on this backend ("": it can).
func (v *Views) Unusable(i int) string { return v.bad[i] }

// Query is view i's own query: its filter, its sort or the backend's
// default (its time field, newest first), hidden rows hidden.
func (v *Views) Query(i int) list.Query {
	d := v.defs[i]
	s := model.ParseSort(d.Sort)
	if s.Field == "" || v.b != nil && !slices.Contains(v.f.SortFields, s.Field) {
		s = model.Sort{Field: v.f.Time, Desc: true}
	}
	return list.Query{Filter: strings.TrimSpace(d.Filter), Sort: s}
}

// Modified reports that q, the list's query, is not view i's own (a pivot
// inside the view).
func (v *Views) Modified(i int, q list.Query) bool { return v.b != nil && q != v.Query(i) }

// Leave keeps what view i left.
func (v *Views) Leave(i int, s State) { v.saved[i] = &s }

// Left is what view i left, if the analyst was on it before.
func (v *Views) Left(i int) (State, bool) {
	if s := v.saved[i]; s != nil {
		return *s, true
	}
	return State{}, false
}

// Put adds a view, or replaces the one of the same name (its left state
// goes with its old definition); it returns the view's index. The counts
// asked before no longer answer for these views.
func (v *Views) Put(d Def) int {
	v.gen++
	v.asking, v.owed = false, false
	if i := v.Index(d.Name); i >= 0 {
		v.defs[i], v.saved[i], v.counts[i] = d, nil, -1
		v.check()
		return i
	}
	v.defs = append(v.defs, d)
	v.saved = append(v.saved, nil)
	v.counts = append(v.counts, -1)
	v.bad = append(v.bad, "")
	v.check()
	return len(v.defs) - 1
}

// sent is the filter a view's count and rows are read with: its own and
// what the list adds (hidden rows stay hidden).
func (v *Views) sent(i int) string {
	return model.And(v.Query(i).Filter, model.Bool(v.f.ShowInUI, true))
}

// Filters are the filters every usable view is read with, as sent: what
// live updates watch besides the list's own.
func (v *Views) Filters() []string {
	if v.Len() == 0 || v.b == nil {
		return nil
	}
	var out []string
	for i := range v.defs {
		if v.bad[i] == "" {
			out = append(out, v.sent(i))
		}
	}
	return out
}

// countSize is the terms size of a count: more than every status a
// backend has, so that every row lands in a bucket (the rest, if the
// service ever had more, in sum_other_doc_count, which is added too).
const countSize = 20

// Recount asks for every view's count in one aggregate request, one terms
// aggregation on the status field per view, filtered by the view's
// filter. Its answer is for this generation only: a new view or another
// backend drops it. One count is in flight at a time: a Recount while one
// is is owed, and sent once it lands (Owed). Nil without views or backend.
func (v *Views) Recount() tea.Cmd {
	if v.Len() == 0 || v.b == nil {
		return nil
	}
	if v.asking {
		v.owed = true
		return nil
	}
	var reqs []model.AggregateRequest
	var which []int
	for i := range v.defs {
		if v.bad[i] != "" {
			continue
		}
		reqs = append(reqs, model.AggregateRequest{Name: fmt.Sprintf("view%d", i+1), Type: "terms",
			Field: v.f.Status, Filter: v.sent(i), Size: countSize})
		which = append(which, i)
	}
	if len(reqs) == 0 {
		return nil
	}
	v.asking = true
	gen, b, ctx, n := v.gen, v.b, v.ctx, len(v.defs)
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return CountsMsg{gen: gen, err: err} })
		aggs, err := b.Aggregate(ctx, reqs)
		if err != nil {
			return CountsMsg{gen: gen, err: err}
		}
		counts := make([]int64, n)
		for i := range counts {
			counts[i] = -1
		}
		for k, i := range which {
			if k >= len(aggs) {
				break
			}
			sum := aggs[k].SumOtherDocCount
			for _, bk := range aggs[k].Buckets {
				sum += bk.Count
			}
			counts[i] = sum
		}
		return CountsMsg{gen: gen, counts: counts}
	}
}

// Update takes a count's answer; it reports whether the tabs changed. An
// answer for an older generation is dropped.
func (v *Views) Update(msg Msg) bool {
	m, ok := msg.(CountsMsg)
	if !ok || v == nil || m.gen != v.gen {
		return false
	}
	v.asking = false
	if m.err != nil {
		v.err = screen.ErrMessage(m.err)
		return true
	}
	v.err = ""
	if len(m.counts) == len(v.counts) {
		v.counts = m.counts
	}
	return true
}

// Owed sends the count asked for while another was in flight, once it
// landed; nil if none is owed.
func (v *Views) Owed() tea.Cmd {
	if v == nil || v.asking || !v.owed {
		return nil
	}
	v.owed = false
	return v.Recount()
}

// Count is view i's last count (-1: not known).
func (v *Views) Count(i int) int64 { return v.counts[i] }

// Gen is the generation the next answer must carry: tests hold answers
// back and deliver them late.
func (v *Views) Gen() int { return v.gen }

// Err is why the last count failed ("": it did not).
func (v *Views) Err() string { return v.err }

// Styles are how a tab line is drawn: the current tab in reverse video,
// and bracketed too, so that colour is never the only sign.
type Styles struct {
	Current func(string) string
	Sep     string
}

// Tabs draws the views as one line of width cells: "1 New high 42 │ 2
// Mine 7 │ …", the current one [bracketed] (with * once a pivot inside it
// changed its query). Names give way first, cut with …; counts stay.
func (v *Views) Tabs(width int, modified bool, st Styles) string {
	if v.Len() == 0 {
		return ""
	}
	tab := func(i, room int) string {
		name := screen.Sanitize(v.defs[i].Name)
		if ansi.StringWidth(name) > room {
			name = ansi.Truncate(name, max(1, room), "…")
		}
		count := "…"
		switch {
		case v.bad[i] != "":
			count = "!"
		case v.counts[i] >= 0:
			count = screen.Commas(int(v.counts[i]))
		case v.err != "":
			count = "?"
		}
		key := fmt.Sprint(i + 1)
		if i >= Digits {
			key = "·" // reached by [ and ] only
		}
		t := key + " " + name + " " + count
		if i == v.cur {
			if modified {
				t += "*"
			}
			return "[" + t + "]"
		}
		return t
	}
	longest := 0
	for _, d := range v.defs {
		longest = max(longest, ansi.StringWidth(screen.Sanitize(d.Name)))
	}
	var parts []string
	for room := longest; ; room-- {
		parts = parts[:0]
		w := 1
		for i := range v.defs {
			parts = append(parts, tab(i, room))
			w += ansi.StringWidth(parts[i]) + 3
		}
		if w-3 <= width || room <= 1 {
			break
		}
	}
	for i := range parts {
		if i == v.cur && st.Current != nil {
			parts[i] = st.Current(parts[i])
		}
	}
	sep := st.Sep
	if sep == "" {
		sep = " │ "
	}
	return screen.Truncate(" "+strings.Join(parts, sep), width)
}
