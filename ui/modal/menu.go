package modal

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

var statusKeys = map[string]model.Status{
	"n": model.StatusNew, "i": model.StatusInProgress, "t": model.StatusTruePositive, "f": model.StatusFalsePositive,
	"x": model.StatusIgnored, "c": model.StatusClosed, "r": model.StatusReopened,
}

var statusOrder = []string{"n", "i", "t", "f", "x", "c", "r"}

var severityKeys = map[string]int{"l": 20, "m": 40, "h": 60, "c": 80}

// bandKeys are the severity bands' keys in the quick-filter menu, in
// model.SeverityBands' order.
var bandKeys = []string{"i", "l", "m", "h", "c"}

// savedKeys are the quick-filter keys of the config's saved filters, in
// name order: the keys the menu leaves free.
const savedKeys = "abcdegijklnoqrtwyz56789"

// statusItems are the statuses the backend takes, in menu order.
func (s *Stack) statusItems() [][2]string {
	var items [][2]string
	for _, k := range statusOrder {
		if st := statusKeys[k]; s.accepts(st) {
			items = append(items, [2]string{k, st.Label()})
		}
	}
	return items
}

// statusMenu chooses a status for the targets captured when s was pressed;
// withComment: it sends the comment draft along.
type statusMenu struct {
	targets     []string
	withComment bool
	title       string
}

// OpenStatus opens the status menu for targets; now says their statuses;
// withComment: the comment draft is sent along.
func (s *Stack) OpenStatus(targets []string, now string, withComment bool) {
	n := len(targets)
	title := fmt.Sprintf("Status of %s %s (now: %s)", screen.Commas(n), s.rowWord(n), now)
	if withComment {
		title += ", with the comment"
	}
	s.Push(&statusMenu{targets: targets, withComment: withComment, title: title})
}

func (x *statusMenu) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	k := km.String()
	if k == "esc" {
		s.Pop(x)
		if x.withComment {
			return nil, s.OpenComment(x.targets)
		}
		return nil, nil
	}
	st, ok := statusKeys[k]
	if !ok || !s.accepts(st) {
		return nil, nil
	}
	s.Pop(x)
	if s.requiresComment(st) && !x.withComment {
		// The reason first, sent with the status in one change.
		return nil, s.openComment(&comment{targets: x.targets, status: &st})
	}
	c := model.Change{Status: &st}
	verb := "Status → " + st.Label()
	draft := ""
	if x.withComment {
		draft = DraftKey(x.targets)
		c.Comment = strings.TrimSpace(s.draftText(draft))
		verb += " with a comment"
	}
	return Act{Verb: verb, Change: c, Targets: x.targets, Draft: draft}, nil
}

func (x *statusMenu) view(s *Stack) string {
	return screen.MenuBox(s.st, s.width, x.title, s.statusItems())
}

// quickMenu is the quick filters, and its submenus by kind. In a submenu
// a value's key filters on it at once; space picks several (the value under
// the cursor, ↑/↓ or j/k move it) and enter filters on those picked, as one
// FQL list: status:['new','reopened'].
type quickMenu struct {
	kind   string
	cursor int
	picked map[string]bool // by the value's key
	over   string          // the filter when f was pressed
}

// OpenQuick opens the quick-filter menu over filter, the one its choice
// changes: a submenu opens with the values filter holds picked.
func (s *Stack) OpenQuick(filter string) { s.Push(&quickMenu{over: filter}) }

func (x *quickMenu) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	k := km.String()
	if k == "esc" {
		s.Pop(x)
		return nil, nil
	}
	var choice any
	switch {
	case x.kind == "":
		return x.top(s, k)
	case k == "up" || k == "k":
		n := len(x.items(s))
		x.cursor = (x.cursor + n - 1) % n
		return nil, nil
	case k == "down" || k == "j":
		x.cursor = (x.cursor + 1) % len(x.items(s))
		return nil, nil
	case k == "space":
		items := x.items(s)
		key := items[x.cursor][0]
		if x.picked[key] {
			delete(x.picked, key)
		} else {
			x.picked[key] = true
		}
		x.cursor = min(x.cursor+1, len(items)-1)
		return nil, nil
	case k == "enter":
		if len(x.picked) == 0 {
			x.picked[x.items(s)[x.cursor][0]] = true
		}
		choice = Clause{x.pickedClause(s)}
	}
	if choice == nil {
		choice = x.one(s, k)
	}
	if choice != nil {
		s.Pop(x)
	}
	return choice, nil
}

// one is the choice of a value's key in a submenu: that value alone (a
// severity: at least its band), or nil.
func (x *quickMenu) one(s *Stack, k string) any {
	var choice any
	switch x.kind {
	case "status":
		if st, ok := statusKeys[k]; ok && s.accepts(st) {
			choice = Clause{model.Eq(s.f.Status, string(st))}
		}
	case "severity":
		if n, ok := severityKeys[k]; ok {
			choice = Clause{model.Num(s.f.Severity, ">=", int64(n))}
		}
	case "product":
		for _, p := range screen.Products {
			if p.Key == k {
				choice = Clause{model.Eq(s.f.Product, p.Name)}
			}
		}
	}
	return choice
}

// items are the submenu's values: key and label.
func (x *quickMenu) items(s *Stack) [][2]string {
	switch x.kind {
	case "status":
		return s.statusItems()
	case "severity":
		var items [][2]string
		for i, b := range model.SeverityBands {
			items = append(items, [2]string{bandKeys[i], fmt.Sprintf("%s (%d–%d)", b.Name, b.From, b.To)})
		}
		return items
	}
	var items [][2]string
	for _, p := range screen.Products {
		items = append(items, [2]string{p.Key, p.Label})
	}
	return items
}

// pickedClause filters on the values picked, in the menu's order: one
// value as field:'v', several as a list, severity bands as ranges.
func (x *quickMenu) pickedClause(s *Stack) string {
	var values []string
	var bands []model.SeverityBand
	for i, it := range x.items(s) {
		if !x.picked[it[0]] {
			continue
		}
		switch x.kind {
		case "status":
			values = append(values, string(statusKeys[it[0]]))
		case "severity":
			bands = append(bands, model.SeverityBands[i])
		default:
			values = append(values, screen.Products[i].Name)
		}
	}
	field := map[string]string{"status": s.f.Status, "product": s.f.Product}[x.kind]
	switch {
	case x.kind == "severity":
		return model.Bands(s.f.Severity, bands)
	case len(values) == 1:
		return model.Eq(field, values[0])
	}
	return model.In(field, values)
}

// held are the submenu's picks the filter holds already: those whose
// clause, as the menu writes it, is the filter's on that field (a clause
// written by hand another way picks nothing).
func (x *quickMenu) held(s *Stack) map[string]bool {
	if items := x.items(s); len(items) <= 12 {
		for set := 1; set < 1<<len(items); set++ {
			x.picked = map[string]bool{}
			for i, it := range items {
				if set>>i&1 == 1 {
					x.picked[it[0]] = true
				}
			}
			if model.Holds(x.over, x.pickedClause(s)) {
				return x.picked
			}
		}
	}
	return map[string]bool{}
}

// top takes a key of the menu's first level.
func (x *quickMenu) top(s *Stack, k string) (any, tea.Cmd) {
	switch k {
	case "s":
		x.kind = "status"
		x.picked = x.held(s)
		return nil, nil
	case "v":
		x.kind = "severity"
		x.picked = x.held(s)
		return nil, nil
	case "p":
		if s.f.Product != "" {
			x.kind = "product"
			x.picked = x.held(s)
		}
		return nil, nil
	case "h":
		s.Pop(x)
		return nil, s.OpenInput(HostField, "", nil, nil)
	}
	choice := x.filter(s, k)
	if choice != nil {
		s.Pop(x)
	}
	return choice, nil
}

// filter is the choice of a key that filters at once, or nil.
func (x *quickMenu) filter(s *Stack, k string) any {
	switch k {
	case "u":
		return Clause{model.Null(s.f.AssigneeUID)}
	case "m":
		if s.Me.UID == "" {
			return Say{"set me.login in the config file to use the \"mine\" filter"}
		}
		return Clause{model.Eq(s.f.AssigneeUID, s.Me.UID)}
	case "1", "2", "3", "4":
		// Relative, so the window moves with the clock and a saved filter
		// stays "the last day".
		return Clause{model.Since(s.f.Time, map[string]string{"1": "1h", "2": "24h", "3": "7d", "4": "30d"}[k])}
	case "x":
		return ClearFilter{}
	}
	for i, f := range s.SavedFilters {
		if i < len(savedKeys) && k == string(savedKeys[i]) {
			// A refusal opens the filter line with the saved filter in it.
			if !s.CheckFilter(f.Filter, nil) {
				return Say{"the saved filter " + screen.Sanitize(f.Name) + " does not fit this API"}
			}
			return RunFilter{Filter: f.Filter, Field: s.newInput(FilterField, f.Filter, nil)}
		}
	}
	return nil
}

func (x *quickMenu) view(s *Stack) string {
	if x.kind != "" {
		title := map[string]string{"status": "Status is", "product": "Product is",
			"severity": "Severity: a key, at least that band (l m h c); or bands"}[x.kind]
		items := x.items(s)
		for i := range items {
			// Glyphs, not only colour: the cursor ▶, a pick [x].
			mark := "[ ] "
			if x.picked[items[i][0]] {
				mark = "[x] "
			}
			cur := "  "
			if i == x.cursor {
				cur = "▶ "
			}
			items[i][1] = cur + mark + items[i][1]
		}
		return screen.MenuBox(s.st, s.width, title+" · space picks several, enter applies", items)
	}
	mine := "mine"
	if s.Me.UID != "" {
		mine = "mine (" + screen.Sanitize(s.Me.UID) + ")"
	}
	items := [][2]string{{"s", "status…"}, {"v", "severity…"}}
	if s.f.Product != "" {
		items = append(items, [2]string{"p", "product…"})
	}
	items = append(items, [][2]string{
		{"u", "unassigned"}, {"m", mine}, {"h", "host…"},
		{"1", "last hour"}, {"2", "last 24 hours"}, {"3", "last 7 days"}, {"4", "last 30 days"}, {"x", "clear the filter"},
	}...)
	for i, f := range s.SavedFilters {
		if i < len(savedKeys) {
			items = append(items, [2]string{string(savedKeys[i]), "saved: " + screen.Sanitize(f.Name)})
		}
	}
	return screen.MenuBox(s.st, s.width, "Quick filters", items)
}

// sortMenu lists every field the backend sorts on; o again takes the next.
type sortMenu struct{ cur model.Sort }

// OpenSort opens the sort menu on the sort asked for last.
func (s *Stack) OpenSort(cur model.Sort) { s.Push(&sortMenu{cur: cur}) }

func (x *sortMenu) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	k, sort := km.String(), x.cur
	switch i := strings.Index("123456789", k); {
	case k == "esc":
		s.Pop(x)
		return nil, nil
	case k == "o":
		sort.Field = nextField(s.f.SortFields, sort.Field)
	case k == "O":
		sort.Desc = !sort.Desc
	case i >= 0 && i < len(s.f.SortFields):
		sort.Field = s.f.SortFields[i]
	default:
		return nil, nil
	}
	s.Pop(x)
	return SortBy{sort}, nil
}

func nextField(fields []string, cur string) string {
	for i, f := range fields {
		if f == cur {
			return fields[(i+1)%len(fields)]
		}
	}
	return fields[0]
}

func (x *sortMenu) view(s *Stack) string {
	var items [][2]string
	for i, f := range s.f.SortFields {
		label := f
		if f == x.cur.Field {
			label = "● " + f
		}
		if f == s.f.Updated {
			label += " (changes while paging: the order can shift)"
		}
		items = append(items, [2]string{string("123456789"[i]), label})
	}
	dir := "descending"
	if !x.cur.Desc {
		dir = "ascending"
	}
	items = append(items, [2]string{"o", "next field"}, [2]string{"O", "flip: now " + dir})
	return screen.MenuBox(s.st, s.width, "Sort by", items)
}
