package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
)

// The smallest terminal the console draws a frame in.
const (
	minWidth  = 60
	minHeight = 10
	// sidePaneWidth is the width from which the detail opens beside the list.
	sidePaneWidth = 140
)

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// View renders the screen. It does no I/O and changes nothing the user can
// see of the model; only layout memos are kept.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "falcon-triage"
	if m.quitting || m.width == 0 {
		return v
	}
	if m.width < minWidth || m.height < minHeight {
		v.SetContent(Truncate(fmt.Sprintf("Terminal %d×%d is too small: make the window at least %d×%d.", m.width, m.height, minWidth, minHeight), m.width))
		return v
	}
	lines := make([]string, 0, m.height)
	if m.connecting {
		return m.connectingView(v)
	}
	lines = append(lines, m.headerLines()...)
	msgLines := m.messageLines()
	body := m.height - len(lines) - 2 - len(msgLines)
	listW := m.width
	var right []string
	if m.detail != nil {
		if m.width >= sidePaneWidth {
			listW = m.width * 11 / 20
			right = m.detail.view(m.width-listW-1, body, &m.st)
		} else {
			listW = 0
			right = m.detail.view(m.width, body, &m.st)
		}
	}
	var left []string
	if m.showOverview {
		left, right, listW = m.overviewLines(m.width, body), nil, m.width
	} else if listW > 0 {
		left = m.listLines(listW, body)
	}
	for i := 0; i < body; i++ {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		switch {
		case listW == 0:
			lines = append(lines, r)
		case right != nil || (m.detail != nil && !m.showOverview):
			lines = append(lines, padRight(l, listW)+"│"+r)
		default:
			lines = append(lines, l)
		}
	}
	lines = append(lines, m.footer())
	lines = append(lines, msgLines...)
	bottom := m.helpLine()
	if m.inputK != inputNone && m.inputK != inputAssign {
		bottom = m.input.View()
		if c := m.input.Cursor(); c != nil {
			c.Position.Y = len(lines)
			v.Cursor = c
		}
	}
	lines = append(lines, Truncate(bottom, m.width))
	content := strings.Join(lines, "\n")
	if ov := m.overlayBox(); ov != "" {
		content = placeOverlay(content, ov, m.width, m.height)
	}
	v.SetContent(content)
	return v
}

// connectingView is the screen while the console logs in and picks the API.
func (m *Model) connectingView(v tea.View) tea.View {
	lines := []string{Truncate(" "+m.st.header.Render("falcon-triage")+m.st.headerDim.Render(" │ ")+Sanitize(m.src.Label), m.width), ""}
	if m.connectErr != "" {
		msg := "✗ could not connect: " + Sanitize(m.connectErr)
		for _, l := range strings.Split(ansi.Wordwrap(msg, max(20, m.width-2), " "), "\n") {
			lines = append(lines, m.st.err.Render(" "+Truncate(l, m.width-1)))
		}
		lines = append(lines, m.st.dim.Render(" r tries again · q quits"))
	} else {
		lines = append(lines, m.st.dim.Render(" "+spinnerFrames[m.frame%len(spinnerFrames)]+" connecting to "+Truncate(Sanitize(m.src.Label), m.width-20)+"…"))
	}
	v.SetContent(strings.Join(lines, "\n"))
	return v
}

func (m *Model) headerLines() []string {
	api := "Detects API"
	if m.b.Name() == "alerts" {
		api = "Alerts API"
	}
	parts := []string{m.st.header.Render("falcon-triage"), Sanitize(m.src.Label)}
	if m.src.CID != "" {
		parts = append(parts, "CID "+Sanitize(m.src.CID))
	}
	parts = append(parts, api)
	if m.o.ReadOnly {
		parts = append(parts, m.st.err.Render("READ-ONLY"))
	}
	l1 := " " + strings.Join(parts, m.st.headerDim.Render(" │ "))
	filter := m.cur.filter
	if filter == "" {
		filter = "(none)"
	}
	arrow := "↑"
	if m.cur.sort.Desc {
		arrow = "↓"
	}
	meta := []string{"sort " + m.cur.sort.Field + " " + arrow}
	if m.showOverview {
		meta = []string{"OVERVIEW"}
		if m.ov != nil {
			meta = append(meta, "histogram "+histWindows[m.ov.window].name)
		}
	}
	if m.cur.q != "" {
		meta = append(meta, "search \""+Sanitize(m.cur.q)+"\"")
	}
	if m.cur.showHidden {
		meta = append(meta, "hidden shown")
	}
	right := strings.Join(meta, " · ")
	l2 := " filter: " + Sanitize(filter)
	room := m.width - ansi.StringWidth(right) - 2
	l2 = padRight(Truncate(l2, room), room) + " " + right
	return []string{Truncate(l1, m.width), m.st.headerDim.Render(Truncate(l2, m.width))}
}

// column is one list column: a title, a width, and how it renders a row.
type column struct {
	title string
	width int
	cell  func(d *model.Detection) string
}

// columns fits the columns to width, dropping the least useful first
// (assignee, then the time's date, then status) and giving spare room to
// host and technique.
func (m *Model) columns(width int) []column {
	timeW := 16
	timeFmt := "2006-01-02 15:04"
	sev := column{"SEV", 4, func(d *model.Detection) string { return sevWord(d.MaxSeverity) }}
	status := column{"STATUS", 11, func(d *model.Detection) string { return Sanitize(statusShort(d.Status)) }}
	host := column{"HOST", 12, func(d *model.Detection) string { return Sanitize(d.Device.Hostname) }}
	tech := column{"TACTIC / TECHNIQUE", 16, nil}
	assignee := column{"ASSIGNEE", 10, func(d *model.Detection) string { return Sanitize(d.Assignee()) }}
	avail := width - 2 // cursor glyph and a space
	fixed := func(cols []column) int {
		n := 0
		for _, c := range cols {
			n += c.width + 1
		}
		return n
	}
	mk := func() []column {
		tm := column{"LAST BEHAVIOUR", timeW, func(d *model.Detection) string {
			if d.LastBehavior.IsZero() {
				return ""
			}
			return d.LastBehavior.In(m.o.Location).Format(timeFmt)
		}}
		if timeW == 11 {
			tm.title = "LAST BEHAV."
		}
		return []column{sev, status, tm, host, tech, assignee}
	}
	cols := mk()
	if fixed(cols) > avail {
		timeW, timeFmt = 11, "01-02 15:04"
		cols = mk()
	}
	if fixed(cols) > avail {
		cols = cols[:5] // no assignee
	}
	if fixed(cols) > avail {
		cols = append(cols[:1], cols[2:]...) // no status
	}
	if fixed(cols) > avail-8 && timeW == 16 {
		// Room for the technique matters more than the date.
		timeW, timeFmt = 11, "01-02 15:04"
		cols = mk()
	}
	spare := avail - fixed(cols)
	for i := range cols {
		switch cols[i].title {
		case "HOST":
			add := min(spare/3, 18)
			cols[i].width += add
			spare -= add
		case "ASSIGNEE":
			add := min(spare/3, 10)
			cols[i].width += add
			spare -= add
		}
	}
	for i := range cols {
		if cols[i].title == "TACTIC / TECHNIQUE" {
			cols[i].width += max(0, spare)
			cols[i].cell = techniqueCell(cols[i].width)
			if cols[i].width < 34 {
				cols[i].title = "TECHNIQUE"
			}
		}
	}
	return cols
}

// techniqueCell shows the worst behaviour's tactic and technique, or on a
// narrow column the technique id and name, which say the most in the least
// room.
func techniqueCell(width int) func(d *model.Detection) string {
	return func(d *model.Detection) string {
		w := d.Worst()
		if w == nil {
			return ""
		}
		if width < 34 {
			return Sanitize(strings.TrimSpace(w.TechniqueID + " " + w.Technique))
		}
		return Sanitize(w.Tactic + " / " + joinID(w.Technique, w.TechniqueID))
	}
}

func (m *Model) listLines(width, height int) []string {
	cols := m.columns(width)
	out := make([]string, 0, height)
	var hb strings.Builder
	hb.WriteString("  ")
	for _, c := range cols {
		hb.WriteString(padRight(c.title, c.width))
		hb.WriteByte(' ')
	}
	out = append(out, m.st.colHeader.Render(Truncate(strings.TrimRight(hb.String(), " "), width)))
	rows := height - 1
	if len(m.ids) == 0 {
		switch {
		case m.idsErr != "":
			out = append(out, m.st.err.Render(Truncate(" ✗ "+m.idsErr, width)))
		case m.pend != nil || m.loading:
			out = append(out, m.st.dim.Render(" loading detections…"))
		default:
			out = append(out, m.st.dim.Render(" no detections match the filter"))
		}
		return out
	}
	for i := m.top; i < len(m.ids) && i < m.top+rows; i++ {
		out = append(out, m.row(i, cols, width))
	}
	return out
}

func (m *Model) row(i int, cols []column, width int) string {
	id := m.ids[i]
	isCursor := i == m.cursor
	glyph := " "
	if isCursor {
		glyph = "▶"
	}
	// The second cell says what is happening to the row, in a glyph that
	// reads without colour: ● marked, ◌ being sent, ✗ refused.
	switch {
	case m.pendingRows[id] > 0:
		glyph += "◌"
	case m.last != nil && m.last.refused[id] != "":
		glyph += "✗"
	case m.marked(id):
		glyph += "●"
	default:
		glyph += " "
	}
	d, ok := m.cache.Peek(id)
	if !ok {
		text := glyph + "…    " + Sanitize(id)
		if why := m.cache.Failed(id); why != "" {
			text = glyph + "✗ could not read " + Sanitize(id) + ": " + Sanitize(why)
		}
		text = padRight(Truncate(text, width), width)
		if isCursor {
			return m.st.cursor.Render(text)
		}
		return m.st.dim.Render(text)
	}
	// The cursor is the ▶ glyph and reverse video over the leading
	// columns, not the whole row: a cursor move then rewrites a few cells
	// of two rows instead of both rows whole, which is most of its cost
	// over SSH.
	var head, b strings.Builder
	head.WriteString(glyph)
	out := &head
	for ci, c := range cols {
		cell := padRight(Truncate(c.cell(d), c.width), c.width)
		if ci == 0 && !isCursor {
			cell = m.st.sev[model.BandOf(d.MaxSeverity).Name].Render(cell)
		}
		out.WriteString(cell)
		if ci < len(cols)-1 {
			out.WriteByte(' ')
		}
		if ci == min(1, len(cols)-1) {
			out = &b
		}
	}
	if isCursor {
		return m.st.cursor.Render(head.String()) + b.String()
	}
	return head.String() + b.String()
}

func (m *Model) footer() string {
	var parts []string
	switch {
	case len(m.ids) == 0:
		parts = append(parts, "0 rows")
	default:
		last := min(len(m.ids), m.top+m.rows())
		total := commas(m.total)
		if !m.walkDone && m.total < 0 {
			total = "?"
		}
		parts = append(parts, fmt.Sprintf("%s–%s of %s", commas(m.top+1), commas(last), total))
	}
	if len(m.marks) > 0 {
		parts = append(parts, commas(len(m.marks))+" marked")
	}
	if m.busy() {
		what := "loading"
		if m.running != nil {
			what = "sending"
			if n := len(m.running.batches); n > 1 {
				what = fmt.Sprintf("sending %d/%d batches", m.running.done, n)
			}
		}
		parts = append(parts, spinnerFrames[m.frame%len(spinnerFrames)]+" "+what)
	}
	if m.rate.Waiting > 0 {
		parts = append(parts, fmt.Sprintf("waiting %s (%s)", m.rate.Waiting.Round(100_000_000), m.rate.Why))
	} else if m.rate.Limit > 0 {
		parts = append(parts, fmt.Sprintf("budget %s/%s", commas(m.rate.Remaining), commas(m.rate.Limit)))
	}
	line := " " + strings.Join(parts, " · ")
	if text, _ := m.messageText(); text != "" && m.messageLines() == nil {
		line += " · " + text
	}
	return Truncate(line, m.width)
}

// footerRoom is the width the footer keeps for its own parts; a message
// longer than the rest goes onto lines of its own.
const footerRoom = 42

// messageText is the message to show, styled, with its ✗ when it is an
// error, and its plain width.
func (m *Model) messageText() (string, int) {
	msg := m.message
	isErr := m.isErr
	if m.inputErr != "" {
		msg = m.inputErr
		isErr = m.inputErr != "checking…" && m.inputErr != "searching…"
	}
	if msg == "" {
		return "", 0
	}
	msg = Sanitize(msg)
	if isErr {
		return m.st.err.Render("✗ " + msg), ansi.StringWidth(msg) + 2
	}
	return m.st.ok.Render(msg), ansi.StringWidth(msg)
}

// messageLines wraps a message too long for the footer onto up to three
// lines of its own, above the help line: a refusal with its reason and
// trace id is worth the rows it takes.
func (m *Model) messageLines() []string {
	msg := m.message
	isErr := m.isErr
	if m.inputErr != "" {
		msg, isErr = m.inputErr, true
	}
	if msg == "" || m.width == 0 {
		return nil
	}
	msg = Sanitize(msg)
	if isErr {
		msg = "✗ " + msg
	}
	if ansi.StringWidth(msg) <= m.width-footerRoom {
		return nil
	}
	lines := strings.Split(ansi.Hardwrap(ansi.Wordwrap(msg, m.width-2, " "), m.width-2, true), "\n")
	if len(lines) > 3 {
		lines = lines[:3]
		lines[2] = Truncate(lines[2]+" …", m.width-2)
	}
	style := m.st.ok
	if isErr {
		style = m.st.err
	}
	for i, l := range lines {
		lines[i] = " " + style.Render(l)
	}
	return lines
}

// shortHelp names the always-visible keys in a word each, so the line fits
// 80 columns; the keys themselves come from the keymap, overrides included.
var shortHelp = map[keymap.Action]string{
	keymap.Down: "move", keymap.Open: "detail", keymap.Mark: "mark", keymap.Status: "status",
	keymap.Assign: "assign", keymap.Comment: "comment", keymap.Filter: "filter", keymap.Help: "help",
	keymap.Quit: "quit", keymap.AddFilter: "filter on", keymap.ExcludeFilter: "exclude", keymap.Copy: "copy",
	keymap.Back: "close", keymap.Window: "window", keymap.Overview: "list",
}

func (m *Model) helpLine() string {
	var keys []keymap.Action
	if m.showOverview {
		keys = []keymap.Action{keymap.Down, keymap.Open, keymap.Window, keymap.Overview, keymap.Filter, keymap.Help, keymap.Quit}
	} else if m.detail != nil {
		keys = []keymap.Action{keymap.AddFilter, keymap.ExcludeFilter, keymap.Status, keymap.Assign, keymap.Comment, keymap.Copy, keymap.Back, keymap.Help}
	} else {
		keys = []keymap.Action{keymap.Down, keymap.Mark, keymap.Status, keymap.Assign, keymap.Comment, keymap.Filter, keymap.Help, keymap.Quit}
	}
	parts := make([]string, 0, len(keys))
	for _, a := range keys {
		k := m.keys.Get(a).Keys()
		if len(k) == 0 {
			continue
		}
		word := shortHelp[a]
		if a == keymap.Open && m.showOverview {
			word = "drill down"
		}
		parts = append(parts, m.st.menuKey.Render(k[0])+" "+word)
	}
	return " " + strings.Join(parts, "  ")
}

func commas(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (m *Model) menuBox(title string, items [][2]string) string {
	var b strings.Builder
	b.WriteString(m.st.label.Render(title))
	for _, it := range items {
		b.WriteString("\n")
		b.WriteString(m.st.menuKey.Render(padRight(it[0], 3)) + " " + it[1])
	}
	b.WriteString("\n" + m.st.dim.Render("esc closes"))
	return m.st.menu.Render(b.String())
}

func (m *Model) overlayBox() string {
	if p := m.prompt; p != nil {
		var b strings.Builder
		// Wrapped to the screen: a prompt listing changed rows can be long.
		b.WriteString(ansi.Hardwrap(ansi.Wordwrap(p.text, max(20, m.width-8), " "), max(20, m.width-8), true))
		b.WriteString("\n")
		for i, a := range p.answers {
			if i > 0 {
				b.WriteString("   ")
			}
			b.WriteString(m.st.menuKey.Render(a[0]) + " " + a[1])
		}
		return m.st.menu.Render(b.String())
	}
	if m.commentOpen {
		n := len(m.targets())
		title := fmt.Sprintf("Comment on %s %s", commas(n), plural(n, "detection"))
		return m.st.menu.Render(m.st.label.Render(title) + "\n" + m.comment.View() + "\n" +
			m.st.dim.Render("ctrl+s send · ctrl+t send with a status · esc keep the draft"))
	}
	if m.inputK == inputAssign {
		return m.pickerBox()
	}
	switch m.overlay {
	case overlayStatus:
		var items [][2]string
		for _, k := range []string{"n", "i", "t", "f", "x", "c", "r"} {
			if st := statusKeys[k]; m.accepts(st) {
				items = append(items, [2]string{k, st.Label()})
			}
		}
		ids := m.targets() // once per frame: it walks the whole id index
		n := len(ids)
		title := fmt.Sprintf("Status of %s %s (now: %s)", commas(n), plural(n, "detection"), m.statusSummary(ids))
		if m.statusComment {
			title += ", with the comment"
		}
		return m.menuBox(title, items)
	case overlayHelp:
		return m.helpBox()
	case overlayQuick:
		mine := "mine"
		if m.o.Me.UID != "" {
			mine = "mine (" + Sanitize(m.o.Me.UID) + ")"
		}
		return m.menuBox("Quick filters", [][2]string{
			{"s", "status…"}, {"v", "minimum severity…"}, {"u", "unassigned"}, {"m", mine}, {"h", "host…"},
			{"1", "last hour"}, {"2", "last 24 hours"}, {"3", "last 7 days"}, {"4", "last 30 days"}, {"x", "clear the filter"},
		})
	case overlayQuickStatus:
		var items [][2]string
		for _, k := range []string{"n", "i", "t", "f", "x", "c", "r"} {
			s := statusKeys[k]
			for _, ok := range m.b.Statuses() {
				if ok == s {
					items = append(items, [2]string{k, s.Label()})
				}
			}
		}
		return m.menuBox("Status is", items)
	case overlayQuickSeverity:
		return m.menuBox("Severity at least", [][2]string{{"l", "Low (20)"}, {"m", "Medium (40)"}, {"h", "High (60)"}, {"c", "Critical (80)"}})
	case overlayCopy:
		return m.menuBox("Copy", [][2]string{{"i", "id"}, {"h", "host name"}, {"s", "SHA256"}, {"c", "command line"}, {"u", "console link"}})
	}
	return ""
}

func (m *Model) pickerBox() string {
	n := len(m.targets())
	var b strings.Builder
	b.WriteString(m.st.label.Render(fmt.Sprintf("Assign %s %s", commas(n), plural(n, "detection"))))
	b.WriteString("\n" + m.input.View())
	limit := max(3, m.height-12)
	start := max(0, m.pickSel-limit+1)
	for i := start; i < len(m.pick) && i < start+limit; i++ {
		line := "  " + m.pick[i].label
		if i == m.pickSel {
			line = m.st.cursor.Render("▶ " + m.pick[i].label)
		}
		b.WriteString("\n" + Truncate(line, max(20, m.width-10)))
	}
	if len(m.pick) == 0 {
		b.WriteString("\n" + m.st.dim.Render("  nobody matches: type a login (name@corp) or a UUID"))
	}
	if m.people.denied != "" {
		b.WriteString("\n" + m.st.err.Render(Truncate(m.people.denied, max(20, m.width-10))))
	}
	b.WriteString("\n" + m.st.dim.Render("↑/↓ choose · enter assign · m me (empty text) · esc cancel"))
	return m.st.menu.Render(b.String())
}

func (m *Model) helpBox() string {
	var b strings.Builder
	b.WriteString(m.st.label.Render("Keys"))
	for _, g := range keymap.Groups {
		b.WriteString("\n\n" + m.st.section.Render(g))
		for _, kb := range m.keys.Bindings() {
			if kb.Group != g {
				continue
			}
			h := kb.Help()
			b.WriteString("\n" + m.st.menuKey.Render(padRight(h.Key, 12)) + " " + h.Desc)
		}
	}
	b.WriteString("\n\n" + m.st.dim.Render("In a text field only its own keys work. esc or ? closes."))
	return m.st.menu.Render(b.String())
}

// placeOverlay draws box centred over the screen content.
func placeOverlay(content, box string, width, height int) string {
	lines := strings.Split(content, "\n")
	boxLines := strings.Split(box, "\n")
	bw := lipgloss.Width(box)
	bh := len(boxLines)
	if bh > height {
		boxLines = boxLines[:height]
		bh = height
	}
	x := max(0, (width-bw)/2)
	y := max(0, (height-bh)/2)
	for i, bl := range boxLines {
		if y+i >= len(lines) {
			break
		}
		under := lines[y+i]
		left := ansi.Truncate(under, x, "")
		left = padRight(left, x)
		right := ansi.TruncateLeft(under, x+bw, "")
		lines[y+i] = left + bl + right
	}
	return strings.Join(lines, "\n")
}
