package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// The modal stack: prompts, menus, text fields, the assignee picker, the
// comment box and help, each an explicit mode with its own keys. The one on
// top takes every key; esc closes it. An action's modal captures its target
// ids when it opens, so what it acts on is what its title said.

type modal interface {
	key(m *Model, msg tea.KeyPressMsg) tea.Cmd
	view(m *Model) string
}

// updater is a modal with a text field that takes other messages (paste).
type updater interface {
	update(m *Model, msg tea.Msg) tea.Cmd
}

func (m *Model) push(x modal) { m.modals = append(m.modals, x) }

// raised is a layer an answer asks for: a conflict the pre-read found, a
// confirmation after a login lookup, a refused filter coming back. what
// names it in the footer while it waits; act is the action it asks about.
type raised struct {
	layer modal
	what  string
	act   *action
}

// armMsg says a raised layer has been on screen long enough to take keys.
type armMsg struct{ layer modal }

// raise queues a layer an answer asks for. What a key means is fixed when
// it is pressed: a raised layer never opens over another layer (a field
// being typed in, a menu, the picker), but waits, announced in the footer,
// until the analyst is back at the list or the detail (openWaiting).
func (m *Model) raise(r raised) { m.waiting = append(m.waiting, r) }

// openWaiting opens the first raised layer once no other is open. It takes
// no key until it has been on screen for ArmAfter: a key typed as it
// appeared was meant for what was there before, and is not its answer.
func (m *Model) openWaiting() tea.Cmd {
	if len(m.modals) > 0 || len(m.waiting) == 0 {
		return nil
	}
	r := m.waiting[0]
	m.waiting = m.waiting[1:]
	m.push(r.layer)
	m.arming = r.layer
	var focus tea.Cmd
	if in, ok := r.layer.(*inputModal); ok {
		focus = in.ti.Focus()
	}
	return tea.Batch(focus, tea.Tick(m.o.ArmAfter, func(time.Time) tea.Msg { return armMsg{r.layer} }))
}

// dropRaised forgets the layers raised for an action that has ended.
func (m *Model) dropRaised(a *action) {
	m.waiting = slices.DeleteFunc(m.waiting, func(r raised) bool { return r.act == a })
}

// closer is a modal with something to stop when it closes.
type closer interface{ close() }

// pop removes x from the stack wherever it is.
func (m *Model) pop(x modal) {
	for i, y := range m.modals {
		if y == x {
			m.modals = append(m.modals[:i], m.modals[i+1:]...)
			if c, ok := x.(closer); ok {
				c.close()
			}
			return
		}
	}
}

func (m *Model) onStack(x modal) bool {
	for _, y := range m.modals {
		if y == x {
			return true
		}
	}
	return false
}

func (m *Model) top() modal {
	if n := len(m.modals); n > 0 {
		return m.modals[n-1]
	}
	return nil
}

func (m *Model) resizeModals() {
	for _, x := range m.modals {
		switch x := x.(type) {
		case *inputModal:
			x.ti.SetWidth(inputWidth(m.width, x.kind))
		case *pickerModal:
			x.ti.SetWidth(max(10, min(60, m.width-16)))
		}
	}
	m.draft.SetWidth(max(20, min(100, m.width-6)))
}

// --- prompt

// promptModal is a question with one-key answers. textFn, when set, words
// the question from the state at each frame (the quit prompt follows the
// action it asks about).
type promptModal struct {
	text    string
	textFn  func() string
	answers [][2]string // key, meaning
	on      func(key string) tea.Cmd
}

func (p *promptModal) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	for _, a := range p.answers {
		if a[0] == k {
			m.pop(p)
			return p.on(k)
		}
	}
	if k == "esc" {
		m.pop(p)
		return p.on("esc")
	}
	return nil
}

func (p *promptModal) view(m *Model) string {
	var b strings.Builder
	// Wrapped to the screen: a prompt listing changed rows can be long.
	text := p.text
	if p.textFn != nil {
		text = p.textFn()
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = screen.Wrap(screen.Sanitize(l), max(20, m.width-8))
	}
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteString("\n")
	if m.arming == p {
		// Not taking keys yet: the answers show once they work.
		b.WriteString(m.st.Dim.Render("(a moment: read it first)"))
		return m.st.Menu.Render(b.String())
	}
	for i, a := range p.answers {
		if i > 0 {
			b.WriteString("   ")
		}
		b.WriteString(m.st.MenuKey.Render(a[0]) + " " + a[1])
	}
	return m.st.Menu.Render(b.String())
}

// --- menus

type menuKind int

const (
	menuStatus menuKind = iota
	menuQuick
	menuQuickStatus
	menuQuickSeverity
	menuQuickProduct
	menuCopy
	menuSort
)

// menuModal is a one-key menu. The status menu holds the targets captured
// when s was pressed, and whether it sends the comment draft along.
type menuModal struct {
	kind        menuKind
	targets     []string
	withComment bool
	title       string // the status menu's, made when it opens
}

var statusKeys = map[string]model.Status{
	"n": model.StatusNew, "i": model.StatusInProgress, "t": model.StatusTruePositive, "f": model.StatusFalsePositive,
	"x": model.StatusIgnored, "c": model.StatusClosed, "r": model.StatusReopened,
}

var statusOrder = []string{"n", "i", "t", "f", "x", "c", "r"}

var severityKeys = map[string]int{"l": 20, "m": 40, "h": 60, "c": 80}

// savedKeys are the quick-filter keys of the config's saved filters, in
// name order: the keys the menu leaves free.
const savedKeys = "abcdegijklnoqrtwyz56789"

func (m *Model) openStatusMenu(targets []string, withComment bool) {
	n := len(targets)
	title := fmt.Sprintf("Status of %s %s (now: %s)", screen.Commas(n), m.rowWord(n), m.statusSummary(targets))
	if withComment {
		title += ", with the comment"
	}
	m.push(&menuModal{kind: menuStatus, targets: targets, withComment: withComment, title: title})
}

func (x *menuModal) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if k == "esc" {
		m.pop(x)
		if x.kind == menuStatus && x.withComment {
			return m.openComment(x.targets)
		}
		return nil
	}
	switch x.kind {
	case menuStatus:
		st, ok := statusKeys[k]
		if !ok || !m.accepts(st) {
			return nil
		}
		m.pop(x)
		c := model.Change{Status: &st}
		verb := "Status → " + st.Label()
		if x.withComment {
			c.Comment = strings.TrimSpace(m.draft.Value())
			verb += " with a comment"
		}
		a := m.newAction(kindChange, verb, c, x.targets)
		a.draft = x.withComment
		return m.begin(a)
	case menuQuick:
		switch k {
		case "s":
			x.kind = menuQuickStatus
		case "v":
			x.kind = menuQuickSeverity
		case "p":
			if m.f.Product != "" {
				x.kind = menuQuickProduct
			}
		case "u":
			m.pop(x)
			return m.quickFilter(model.Null(m.f.AssigneeUID))
		case "m":
			m.pop(x)
			if m.o.Me.UID == "" {
				m.say("set me.login in the config file to use the \"mine\" filter")
				return nil
			}
			return m.quickFilter(model.Eq(m.f.AssigneeUID, m.o.Me.UID))
		case "h":
			m.pop(x)
			return m.openInput(inputHost, "", nil)
		case "1", "2", "3", "4":
			// Relative, so the window moves with the clock and a saved
			// filter stays "the last day".
			m.pop(x)
			return m.quickFilter(model.Since(m.f.Time, map[string]string{"1": "1h", "2": "24h", "3": "7d", "4": "30d"}[k]))
		case "x":
			m.pop(x)
			q := m.list.latest()
			q.filter, q.q = "", ""
			return m.startQuery(q, nil, -1)
		default:
			for i, f := range m.o.SavedFilters {
				if i < len(savedKeys) && k == string(savedKeys[i]) {
					m.pop(x)
					q := m.list.latest()
					q.filter = f.Filter
					in := &inputModal{kind: inputFilter, histPos: -1, ti: newTextInput(inputPrompts[inputFilter], inputWidth(m.width, inputFilter))}
					in.ti.SetValue(f.Filter)
					return m.startQuery(q, in, -1)
				}
			}
		}
	case menuQuickStatus:
		if s, ok := statusKeys[k]; ok && m.accepts(s) {
			m.pop(x)
			return m.quickFilter(model.Eq(m.f.Status, string(s)))
		}
	case menuQuickSeverity:
		if n, ok := severityKeys[k]; ok {
			m.pop(x)
			return m.quickFilter(model.Num(m.f.Severity, ">=", int64(n)))
		}
	case menuQuickProduct:
		for _, p := range screen.Products {
			if p.Key == k {
				m.pop(x)
				return m.quickFilter(model.Eq(m.f.Product, p.Name))
			}
		}
	case menuCopy:
		return m.copyField(x, k)
	case menuSort:
		q := m.list.latest()
		switch i := strings.Index("123456789", k); {
		case k == "o":
			q.sort.Field = nextField(m.f.SortFields, q.sort.Field)
		case k == "O":
			q.sort.Desc = !q.sort.Desc
		case i >= 0 && i < len(m.f.SortFields):
			q.sort.Field = m.f.SortFields[i]
		default:
			return nil
		}
		m.pop(x)
		return m.startQuery(q, nil, -1)
	}
	return nil
}

// copyItems are the copy menu's fields: key, name, and the value on a row
// and its behaviour.
var copyItems = []struct {
	key, what string
	value     func(d *model.Detection, b *model.Behavior) string
}{
	{"i", "id", func(d *model.Detection, _ *model.Behavior) string { return d.ID }},
	{"h", "host name", func(d *model.Detection, _ *model.Behavior) string { return d.Host() }},
	{"s", "SHA256", func(_ *model.Detection, b *model.Behavior) string { return b.SHA256 }},
	{"m", "MD5", func(_ *model.Detection, b *model.Behavior) string { return b.MD5 }},
	{"c", "command line", func(_ *model.Detection, b *model.Behavior) string { return b.CmdLine }},
	{"p", "parent SHA256", func(_ *model.Detection, b *model.Behavior) string { return b.ParentSHA256 }},
	{"P", "parent command line", func(_ *model.Detection, b *model.Behavior) string { return b.ParentCmdLine }},
	{"n", "user name", func(_ *model.Detection, b *model.Behavior) string { return b.UserName }},
	{"b", "behaviour id", func(_ *model.Detection, b *model.Behavior) string { return b.ID }},
	{"a", "account", func(d *model.Detection, _ *model.Behavior) string { return d.Identity.AccountName }},
	{"A", "account UPN", func(d *model.Detection, _ *model.Behavior) string { return d.Identity.AccountUPN }},
	{"I", "source IP", func(d *model.Detection, _ *model.Behavior) string { return d.Identity.SourceIP }},
	{"t", "target account", func(d *model.Detection, _ *model.Behavior) string { return d.Identity.TargetAccount }},
}

func (m *Model) copyField(x *menuModal, k string) tea.Cmd {
	d, ok := m.rows.Peek(firstOf(x.targets))
	if !ok {
		m.pop(x)
		m.say("nothing to copy: the row is not loaded")
		return nil
	}
	what, val := "", ""
	if k == "u" && m.o.Source.ConsoleURL != nil {
		what, val = "console link", m.o.Source.ConsoleURL(d)
	}
	for _, it := range copyItems {
		if it.key == k {
			what, val = it.what, it.value(d, m.detail.Behaviour(d))
		}
	}
	if what == "" {
		return nil // not a key of the menu
	}
	m.pop(x)
	val = screen.StripControls(val)
	if val == "" {
		m.say("nothing to copy: the " + what + " is empty")
		return nil
	}
	// The flash shows what was copied, shortened in the middle.
	shown := val
	if len([]rune(shown)) > 24 {
		r := []rune(shown)
		shown = string(r[:10]) + "…" + string(r[len(r)-10:])
	}
	m.say("copied the " + what + " " + screen.Sanitize(shown) + " (OSC 52)")
	return tea.SetClipboard(val)
}

func firstOf(ids []string) string {
	if len(ids) > 0 {
		return ids[0]
	}
	return ""
}

func (x *menuModal) view(m *Model) string {
	switch x.kind {
	case menuStatus:
		var items [][2]string
		for _, k := range statusOrder {
			if st := statusKeys[k]; m.accepts(st) {
				items = append(items, [2]string{k, st.Label()})
			}
		}
		return screen.MenuBox(&m.st, m.width, x.title, items)
	case menuQuick:
		mine := "mine"
		if m.o.Me.UID != "" {
			mine = "mine (" + screen.Sanitize(m.o.Me.UID) + ")"
		}
		items := [][2]string{{"s", "status…"}, {"v", "minimum severity…"}}
		if m.f.Product != "" {
			items = append(items, [2]string{"p", "product…"})
		}
		items = append(items, [][2]string{
			{"u", "unassigned"}, {"m", mine}, {"h", "host…"},
			{"1", "last hour"}, {"2", "last 24 hours"}, {"3", "last 7 days"}, {"4", "last 30 days"}, {"x", "clear the filter"},
		}...)
		for i, f := range m.o.SavedFilters {
			if i < len(savedKeys) {
				items = append(items, [2]string{string(savedKeys[i]), "saved: " + screen.Sanitize(f.Name)})
			}
		}
		return screen.MenuBox(&m.st, m.width, "Quick filters", items)
	case menuQuickStatus:
		var items [][2]string
		for _, k := range statusOrder {
			if s := statusKeys[k]; m.accepts(s) {
				items = append(items, [2]string{k, s.Label()})
			}
		}
		return screen.MenuBox(&m.st, m.width, "Status is", items)
	case menuQuickSeverity:
		return screen.MenuBox(&m.st, m.width, "Severity at least", [][2]string{{"l", "Low (20)"}, {"m", "Medium (40)"}, {"h", "High (60)"}, {"c", "Critical (80)"}})
	case menuSort:
		cur := m.list.latest().sort
		var items [][2]string
		for i, f := range m.f.SortFields {
			label := f
			if f == cur.Field {
				label = "● " + f
			}
			if f == m.f.Updated {
				label += " (changes while paging: the order can shift)"
			}
			items = append(items, [2]string{string("123456789"[i]), label})
		}
		dir := "descending"
		if !cur.Desc {
			dir = "ascending"
		}
		items = append(items, [2]string{"o", "next field"}, [2]string{"O", "flip: now " + dir})
		return screen.MenuBox(&m.st, m.width, "Sort by", items)
	case menuQuickProduct:
		var items [][2]string
		for _, p := range screen.Products {
			items = append(items, [2]string{p.Key, p.Label})
		}
		return screen.MenuBox(&m.st, m.width, "Product is", items)
	}
	title := "Copy"
	if d, ok := m.rows.Peek(firstOf(x.targets)); ok && len(d.Behaviors) > 1 {
		for i := range d.Behaviors {
			if &d.Behaviors[i] == m.detail.Behaviour(d) {
				title = fmt.Sprintf("Copy (behaviour %d of %d)", i+1, len(d.Behaviors))
			}
		}
	}
	var items [][2]string
	d, ok := m.rows.Peek(firstOf(x.targets))
	for _, it := range copyItems {
		if ok && it.value(d, m.detail.Behaviour(d)) == "" {
			continue // only what this row has: an identity alert has no hash
		}
		items = append(items, [2]string{it.key, it.what})
	}
	return screen.MenuBox(&m.st, m.width, title, append(items, [2]string{"u", "console link"}))
}

func (m *Model) accepts(s model.Status) bool {
	for _, ok := range m.b.Statuses() {
		if ok == s {
			return true
		}
	}
	return false
}

// statusSummary says the current statuses of the rows an action will touch.
func (m *Model) statusSummary(ids []string) string {
	counts := map[string]int{}
	var order []string
	unknown := 0
	for _, id := range ids {
		d, ok := m.rows.Peek(id)
		if !ok {
			unknown++
			continue
		}
		l := screen.Sanitize(screen.StatusLabel(d))
		if counts[l] == 0 {
			order = append(order, l)
		}
		counts[l]++
	}
	slices.Sort(order)
	var parts []string
	for _, l := range order {
		parts = append(parts, fmt.Sprintf("%s %s", screen.Commas(counts[l]), l))
	}
	if unknown > 0 {
		parts = append(parts, screen.Commas(unknown)+" not loaded")
	}
	return strings.Join(parts, ", ")
}

// --- text fields on the bottom line

type inputKind int

const (
	inputFilter inputKind = iota
	inputSearch
	inputHost
	inputJump
	inputTag
)

// inputModal is a one-line text field on the bottom line. A filter or a
// search stays open, saying "checking…", until the service answers: a
// refusal leaves the text as typed with the service's words under it.
type inputModal struct {
	kind    inputKind
	ti      textinput.Model
	err     string
	histPos int
	targets []string // a tag's rows, captured when T was pressed
}

var inputPrompts = map[inputKind]string{inputFilter: "filter (FQL) › ", inputSearch: "search › ", inputHost: "host › ", inputJump: "row › ", inputTag: "tag (+add -remove) › "}

func newTextInput(prompt string, width int) textinput.Model {
	ti := textinput.New()
	tis := ti.Styles()
	tis.Cursor.Blink = false // a blinking cursor repaints while idle
	ti.SetStyles(tis)
	ti.CharLimit = 4096
	ti.Prompt = prompt
	ti.SetWidth(width)
	return ti
}

func (m *Model) openInput(k inputKind, text string, targets []string) tea.Cmd {
	x := &inputModal{kind: k, histPos: -1, targets: targets, ti: newTextInput(inputPrompts[k], inputWidth(m.width, k))}
	x.ti.SetVirtualCursor(false) // the terminal's own cursor, on the bottom line
	if k == inputFilter {
		x.ti.Placeholder = "status:'new'+max_severity:>=60  (↑/↓ history)"
	}
	x.ti.SetValue(text)
	x.ti.CursorEnd()
	m.push(x)
	return x.ti.Focus()
}

// inputWidth is the room for a field's text on the bottom line, after its
// prompt: the end of what is typed and the cursor stay in sight.
func inputWidth(screen int, k inputKind) int {
	return max(10, screen-ansi.StringWidth(inputPrompts[k])-2)
}

func (x *inputModal) update(m *Model, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	x.ti, cmd = x.ti.Update(msg)
	return cmd
}

func (x *inputModal) checking() bool { return x.err == "checking…" || x.err == "searching…" }

func (x *inputModal) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.pop(x)
		if p := m.list.pend; p != nil && p.from == x {
			// Backing out of a filter still being checked drops it.
			p.cancel()
			m.list.pend = nil
		}
		return nil
	case "enter":
		return x.submit(m, strings.TrimSpace(x.ti.Value()))
	case "up", "down":
		h := m.list.history
		if x.kind == inputFilter && len(h) > 0 {
			if msg.String() == "up" {
				x.histPos = min(len(h)-1, x.histPos+1)
			} else {
				x.histPos = max(-1, x.histPos-1)
			}
			if x.histPos >= 0 {
				x.ti.SetValue(h[x.histPos])
			} else {
				x.ti.SetValue(m.list.latest().filter)
			}
			x.ti.CursorEnd()
			return nil
		}
	}
	if x.checking() {
		x.err = "" // typing again: the answer will still land here
	}
	return x.update(m, msg)
}

func (x *inputModal) submit(m *Model, text string) tea.Cmd {
	switch x.kind {
	case inputFilter:
		q := m.list.latest()
		q.filter = text
		x.err = "checking…"
		return m.startQuery(q, x, -1)
	case inputSearch:
		q := m.list.latest()
		q.q = text
		x.err = "searching…"
		return m.startQuery(q, x, -1)
	case inputHost:
		m.pop(x)
		if text == "" {
			return nil
		}
		match := model.Eq
		if strings.ContainsAny(text, "*?") {
			match = model.Wildcard
		}
		clause := match(m.f.Hostname, text)
		if m.f.Product != "" {
			// An identity alert names its host elsewhere: both match.
			clause = "(" + model.Or(clause, match("source_endpoint_host_name", text)) + ")"
		}
		return m.quickFilter(clause)
	case inputTag:
		name := strings.TrimSpace(strings.TrimLeft(text, "+-"))
		if name == "" {
			x.err = "type +name to add a tag or -name to remove one"
			return nil
		}
		m.pop(x)
		c, verb := model.Change{AddTags: []string{name}}, "Tag +"+name
		if strings.HasPrefix(text, "-") {
			c, verb = model.Change{RemoveTags: []string{name}}, "Tag −"+name
		}
		return m.begin(m.newAction(kindChange, verb, c, x.targets))
	case inputJump:
		n, err := strconv.Atoi(strings.ReplaceAll(text, ",", ""))
		if err != nil || n < 1 {
			x.err = "type a row number, 1 or more"
			return nil
		}
		m.pop(x)
		l := m.list
		rows := m.rowsOnScreen()
		switch {
		case n-1 < len(l.ids()):
			l.cursor = n - 1
			l.scrollTo(rows)
		case l.cur.done:
			l.move(len(l.ids()), rows)
			m.say(fmt.Sprintf("there are only %s rows", screen.Commas(len(l.ids()))))
		default:
			l.target = n - 1
			m.msg = flash{text: fmt.Sprintf("loading rows up to %s…", screen.Commas(n)), loading: true}
		}
		return m.ensure()
	}
	return nil
}

func (x *inputModal) view(m *Model) string { return x.ti.View() }

// quickFilter puts a quick filter's clause in place of any on its field.
func (m *Model) quickFilter(clause string) tea.Cmd {
	return m.applyClause(model.Replace(m.list.latest().filter, clause), clause)
}

// addClause narrows the filter asked for last by one clause (+ and - in
// the detail).
func (m *Model) addClause(clause string) tea.Cmd {
	return m.applyClause(model.And(m.list.latest().filter, clause), clause)
}

func (m *Model) applyClause(filter, clause string) tea.Cmd {
	q := m.list.latest()
	if q.filter == filter || strings.Contains(q.filter, clause) && filter == model.And(q.filter, clause) {
		m.say("already filtered on " + clause)
		return nil
	}
	q.filter = filter
	x := &inputModal{kind: inputFilter, histPos: -1, ti: newTextInput(inputPrompts[inputFilter], inputWidth(m.width, inputFilter))}
	x.ti.SetValue(q.filter)
	// A refusal opens the filter line with the clause in it.
	return m.startQuery(q, x, -1)
}

// --- the comment box

// commentModal edits the comment draft for the rows captured when c was
// pressed. esc keeps the draft; it is cleared only once applied.
type commentModal struct {
	targets []string
}

func (m *Model) openComment(targets []string) tea.Cmd {
	m.draft.SetWidth(max(20, min(100, m.width-6)))
	m.draft.SetHeight(6)
	m.push(&commentModal{targets: targets})
	return m.draft.Focus()
}

func (x *commentModal) update(m *Model, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.draft, cmd = m.draft.Update(msg)
	return cmd
}

func (x *commentModal) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.pop(x)
		m.draft.Blur()
		if strings.TrimSpace(m.draft.Value()) != "" {
			m.say("comment draft kept: c reopens it")
		}
		return m.saveSession()
	case "ctrl+s", "ctrl+t":
		text := strings.TrimSpace(m.draft.Value())
		if text == "" {
			m.say("the comment is empty")
			return nil
		}
		m.pop(x)
		m.draft.Blur()
		if msg.String() == "ctrl+t" {
			m.openStatusMenu(x.targets, true)
			return m.saveSession()
		}
		a := m.newAction(kindChange, "Comment", model.Change{Comment: text}, x.targets)
		a.draft = true
		return tea.Batch(m.begin(a), m.saveSession())
	}
	return x.update(m, msg)
}

func (x *commentModal) view(m *Model) string {
	n := len(x.targets)
	title := fmt.Sprintf("Comment on %s %s", screen.Commas(n), m.rowWord(n))
	w := m.draft.Width()
	return m.st.Menu.Render(m.st.Label.Render(screen.Truncate(title, w)) + "\n" + m.draft.View() + "\n" +
		m.st.Dim.Render(screen.Wrap("ctrl+s send · ctrl+t send with a status · esc keep the draft", w)))
}

// --- help

// helpModal shows every key in force, in columns, scrolling.
type helpModal struct {
	scroll int
}

func (x *helpModal) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	act, _ := m.o.Keys.Match(msg.String())
	switch {
	case msg.String() == "esc" || act == keymap.Help || act == keymap.Quit:
		m.pop(x)
	case act == keymap.Down:
		x.scroll++
	case act == keymap.Up:
		x.scroll = max(0, x.scroll-1)
	case act == keymap.PageDown || act == keymap.HalfDown:
		x.scroll += max(1, m.height/2)
	case act == keymap.PageUp || act == keymap.HalfUp:
		x.scroll = max(0, x.scroll-max(1, m.height/2))
	case act == keymap.Top:
		x.scroll = 0
	case act == keymap.Bottom:
		x.scroll = 1 << 20
	}
	return nil
}

func (x *helpModal) view(m *Model) string { return m.helpBox(x) }
