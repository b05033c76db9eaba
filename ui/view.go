package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/detail"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// The smallest terminal the console draws a frame in.
const (
	minWidth  = 60
	minHeight = 10
	// sidePaneWidth is the width from which the detail opens beside the list.
	sidePaneWidth = 140
)

// View renders the screen: every frame passes screen.GuardFrame, the one path to
// the terminal. It does no I/O and changes nothing the user can see of the
// model; only layout memos are kept.
func (m *Model) View() tea.View {
	v := m.frame()
	v.Content = screen.GuardFrame(v.Content)
	return v
}

// frame composes the screen from the parts.
func (m *Model) frame() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "falcon-triage"
	if m.quitting || m.width == 0 {
		return v
	}
	if m.width < minWidth || m.height < minHeight {
		v.SetContent(screen.Truncate(fmt.Sprintf("Terminal %d×%d is too small: make the window at least %d×%d.", m.width, m.height, minWidth, minHeight), m.width))
		return v
	}
	lines := make([]string, 0, m.height)
	if m.conn.pending {
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
			right = m.detail.View(m.width-listW-1, body, &m.st)
		} else {
			listW = 0
			right = m.detail.View(m.width, body, &m.st)
		}
	}
	var left []string
	if m.ov.Shown() {
		left, right, listW = m.ov.View(m.width, body, &m.st), nil, m.width
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
		case right != nil || (m.detail != nil && !m.ov.Shown()):
			lines = append(lines, screen.PadRight(l, listW)+"│"+r)
		default:
			lines = append(lines, l)
		}
	}
	lines = append(lines, m.footer())
	lines = append(lines, msgLines...)
	bottom := m.helpLine()
	if in := m.stack.InputInFront(); in != nil {
		bottom = in.Line()
		if c := in.Cursor(); c != nil && m.stack.Top() == in {
			c.Position.Y = len(lines)
			v.Cursor = c
		}
	}
	lines = append(lines, screen.Truncate(bottom, m.width))
	content := strings.Join(lines, "\n")
	if box := m.stack.View(&m.st); box != "" {
		content = screen.PlaceOverlay(content, box, m.width, m.height)
	}
	v.SetContent(content)
	return v
}

// connectingView is the screen while the console logs in and picks the API.
func (m *Model) connectingView(v tea.View) tea.View {
	lines := []string{screen.Truncate(" "+m.st.Header.Render("falcon-triage")+m.st.HeaderDim.Render(" │ ")+screen.Sanitize(m.o.Source.Label), m.width), ""}
	if m.conn.err != "" {
		msg := "✗ could not connect: " + screen.Sanitize(m.conn.err)
		for _, l := range strings.Split(ansi.Wordwrap(msg, max(20, m.width-2), " "), "\n") {
			lines = append(lines, m.st.Err.Render(" "+screen.Truncate(l, m.width-1)))
		}
		lines = append(lines, m.st.Dim.Render(" r tries again · q quits"))
	} else {
		lines = append(lines, m.st.Dim.Render(" "+m.spin.View()+" connecting to "+screen.Truncate(screen.Sanitize(m.o.Source.Label), m.width-20)+"…"))
	}
	v.SetContent(strings.Join(lines, "\n"))
	return v
}

func (m *Model) headerLines() []string {
	api := m.apiName()
	parts := []string{m.st.Header.Render("falcon-triage")}
	if m.o.ReadOnly {
		// First: it changes what the keys do.
		parts = append(parts, m.st.Err.Render("READ-ONLY"))
	}
	parts = append(parts, screen.Sanitize(m.o.Source.Label))
	if m.o.Source.CID != "" {
		parts = append(parts, "CID "+screen.Sanitize(m.o.Source.CID))
	}
	parts = append(parts, api)
	l1 := " " + strings.Join(parts, m.st.HeaderDim.Render(" │ "))
	cur := m.list.cur.query
	filter := cur.filter
	if filter == "" {
		filter = "(none)"
	}
	arrow := "↑"
	if cur.sort.Desc {
		arrow = "↓"
	}
	meta := []string{"sort " + cur.sort.Field + " " + arrow}
	if cur.sort.Field == m.f.Updated {
		// Rows move while they are paged: the walk drops those it has
		// shown, and says the order can shift.
		meta[0] += " (order can shift while paging)"
	}
	if m.ov.Shown() {
		meta = []string{"OVERVIEW"}
		meta = append(meta, "histogram "+m.ov.Window())
	}
	if cur.q != "" {
		meta = append(meta, "search \""+screen.Sanitize(cur.q)+"\"")
	}
	if cur.showHidden {
		meta = append(meta, "hidden shown")
	}
	right := strings.Join(meta, " · ")
	l2 := " filter: " + screen.Sanitize(filter)
	room := m.width - ansi.StringWidth(right) - 2
	l2 = screen.PadRight(screen.Truncate(l2, room), room) + " " + right
	return []string{screen.Truncate(l1, m.width), m.st.HeaderDim.Render(screen.Truncate(l2, m.width))}
}

// column is one list column: a title, a width, and how it renders a row.
type column struct {
	title string
	width int
	cell  func(d *model.Detection) string
}

// columns fits the columns to width, shortening the time first, then
// dropping the least useful for triage (technique, product, assignee,
// status), and giving spare room to host and technique.
func (m *Model) columns(width int) []column {
	timeW := 16
	timeFmt := "2006-01-02 15:04"
	sev := column{"SEV", 4, func(d *model.Detection) string { return screen.SevWord(d.MaxSeverity) }}
	if m.prefs.sevNum {
		sev = column{"SEV", 8, func(d *model.Detection) string {
			return fmt.Sprintf("%-4s %3d", screen.SevWord(d.MaxSeverity), d.MaxSeverity)
		}}
	}
	status := column{"STATUS", 12, func(d *model.Detection) string { return screen.Sanitize(screen.StatusCell(d)) }}
	host := column{"HOST", 12, func(d *model.Detection) string { return screen.Sanitize(d.Host()) }}
	tech := column{"TACTIC / TECHNIQUE", 16, nil}
	assignee := column{"ASSIGNEE", 10, func(d *model.Detection) string { return screen.Sanitize(d.Assignee()) }}
	avail := width - 2 // cursor glyph and a space
	fixed := func(cols []column) int {
		n := 0
		for _, c := range cols {
			n += c.width + 1
		}
		return n
	}
	mk := func() []column {
		zone := m.o.Now().In(m.o.Location).Format("MST")
		tm := column{"LAST BEHAVIOUR " + zone, timeW, func(d *model.Detection) string {
			if d.LastBehavior.IsZero() {
				return ""
			}
			if m.prefs.relTimes {
				return screen.Duration(m.o.Now().Sub(d.LastBehavior).Truncate(time.Minute)) + " ago"
			}
			return d.LastBehavior.In(m.o.Location).Format(timeFmt)
		}}
		if timeW == 11 {
			tm.title = "LAST " + zone
		}
		if m.f.Product != "" {
			// Alerts span every product: a short tag says which raised it.
			prod := column{"PROD", 4, func(d *model.Detection) string { return screen.ProductTag(d.Product) }}
			return []column{sev, status, tm, prod, host, tech, assignee}
		}
		return []column{sev, status, tm, host, tech, assignee}
	}
	cols := mk()
	if fixed(cols) > avail {
		timeW, timeFmt = 11, "01-02 15:04"
		cols = mk()
	}
	// Then, as the room runs out, what matters least for triage goes first:
	// the technique, the product, the assignee, the status.
	for _, drop := range []string{"TACTIC / TECHNIQUE", "PROD", "ASSIGNEE", "STATUS"} {
		if fixed(cols) <= avail {
			break
		}
		cols = slices.DeleteFunc(cols, func(c column) bool { return c.title == drop })
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
			return screen.Sanitize(strings.TrimSpace(w.TechniqueID + " " + w.Technique))
		}
		return screen.Sanitize(w.Tactic + " / " + detail.JoinID(w.Technique, w.TechniqueID))
	}
}

func (m *Model) listLines(width, height int) []string {
	cols := m.columns(width)
	out := make([]string, 0, height)
	var hb strings.Builder
	hb.WriteString("  ")
	for _, c := range cols {
		hb.WriteString(screen.PadRight(c.title, c.width))
		hb.WriteByte(' ')
	}
	out = append(out, m.st.ColHeader.Render(screen.Truncate(strings.TrimRight(hb.String(), " "), width)))
	rows := height - 1
	l := m.list
	ids := l.ids()
	if len(ids) == 0 {
		switch {
		case l.cur.err != "":
			out = append(out, m.st.Err.Render(screen.Truncate(" ✗ "+screen.Sanitize(l.cur.err), width)))
		case l.pend != nil || l.cur.loading || l.cur.ctx == nil:
			out = append(out, m.st.Dim.Render(" loading "+m.rowWord(2)+"…"))
		default:
			out = append(out, m.st.Dim.Render(" no "+m.rowWord(2)+" match the filter"))
		}
		return out
	}
	for i := l.top; i < len(ids) && i < l.top+rows; i++ {
		out = append(out, m.row(i, cols, width))
	}
	return out
}

func (m *Model) row(i int, cols []column, width int) string {
	id := m.list.ids()[i]
	isCursor := i == m.list.cursor
	glyph := " "
	if isCursor {
		glyph = "▶"
	}
	// The second cell says what is happening to the row, in a glyph that
	// reads without colour: ● marked, ◌ being sent, ✗ refused.
	switch {
	case m.rows.Pending(id):
		glyph += "◌"
	case m.run.Refused(id) != "":
		glyph += "✗"
	case m.list.marked(id):
		glyph += "●"
	default:
		glyph += " "
	}
	d, ok := m.rows.Peek(id)
	if !ok {
		text := glyph + "…    " + screen.Sanitize(id)
		if why := m.rows.Failed(id); why != "" {
			text = glyph + "✗ could not read " + screen.Sanitize(id) + ": " + screen.Sanitize(why)
		}
		text = screen.PadRight(screen.Truncate(text, width), width)
		if isCursor {
			return m.st.Cursor.Render(text)
		}
		return m.st.Dim.Render(text)
	}
	// The cursor is the ▶ glyph and reverse video over the leading
	// columns, not the whole row: a cursor move then rewrites a few cells
	// of two rows instead of both rows whole, which is most of its cost
	// over SSH.
	var head, b strings.Builder
	head.WriteString(glyph)
	out := &head
	for ci, c := range cols {
		cell := screen.PadRight(screen.Truncate(c.cell(d), c.width), c.width)
		if ci == 0 && !isCursor {
			cell = m.st.Sev[model.BandOf(d.MaxSeverity).Name].Render(cell)
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
		return m.st.Cursor.Render(head.String()) + b.String()
	}
	return head.String() + b.String()
}

func (m *Model) footer() string {
	line := m.footerParts(m.rowsOnScreen())
	if text, _ := m.messageText(); text != "" && m.messageLines() == nil {
		line += " · " + text
	}
	return screen.Truncate(line, m.width)
}

// footerParts is the footer without its message, for rows rows on screen.
func (m *Model) footerParts(rows int) string {
	var parts []string
	l := m.list
	switch n := len(l.ids()); {
	case n == 0:
		parts = append(parts, "0 rows")
	default:
		last := min(n, l.top+rows)
		total := screen.Commas(l.cur.total)
		if !l.cur.done && l.cur.total < 0 {
			total = "?"
		}
		parts = append(parts, fmt.Sprintf("%s–%s of %s", screen.Commas(l.top+1), screen.Commas(last), total))
	}
	if len(l.marks) > 0 {
		parts = append(parts, screen.Commas(len(l.marks))+" marked")
	}
	if w := m.stack.Waiting(); w != "" {
		// A question an answer raised: it opens once the layer in front
		// is closed, never over it.
		parts = append(parts, "⚑ "+screen.Sanitize(w)+" (opens when you close this)")
	}
	if m.busy() {
		what := "loading"
		if a, ok := m.run.Running(); ok {
			switch n := a.Batches; {
			case a.Sent && n > 1:
				what = fmt.Sprintf("sending %d/%d batches", a.Done, n)
			case a.Sent:
				what = "sending"
			case m.stack.Top() != nil:
				what = "waiting for you" // a confirmation or conflict prompt
			default:
				what = "checking"
			}
		}
		parts = append(parts, m.spin.View()+" "+what)
	}
	if m.rate.Waiting > 0 {
		parts = append(parts, fmt.Sprintf("waiting %s (%s)", m.rate.Waiting.Round(100_000_000), m.rate.Why))
	} else if m.rate.Limit > 0 {
		parts = append(parts, fmt.Sprintf("API budget %s/%s", screen.Commas(m.rate.Remaining), screen.Commas(m.rate.Limit)))
	}
	return " " + strings.Join(parts, " · ")
}

// messageText is the message to show, styled, with its ✗ when it is an
// error, and its plain width.
func (m *Model) messageText() (string, int) {
	msg, isErr := m.msg.text, m.msg.isErr
	if in := m.stack.InputInFront(); in != nil && in.Err() != "" {
		msg, isErr = in.Err(), !in.Checking()
	}
	if msg == "" {
		return "", 0
	}
	msg = screen.Sanitize(msg)
	if isErr {
		return m.st.Err.Render("✗ " + msg), ansi.StringWidth(msg) + 2
	}
	return m.st.OK.Render(msg), ansi.StringWidth(msg)
}

// messageLines wraps a message too long for the footer onto up to three
// lines of its own, above the help line: a refusal with its reason and
// trace id is worth the rows it takes.
func (m *Model) messageLines() []string {
	msg, isErr := m.msg.text, m.msg.isErr
	if in := m.stack.InputInFront(); in != nil && in.Err() != "" {
		msg, isErr = in.Err(), !in.Checking()
	}
	if msg == "" || m.width == 0 {
		return nil
	}
	msg = screen.Sanitize(msg)
	if isErr {
		msg = "✗ " + msg
	}
	// What does not fit beside the footer's own parts (taken at their
	// widest) goes onto lines of its own, never cut.
	room := m.width - ansi.StringWidth(m.footerParts(m.height)) - 3
	if ansi.StringWidth(msg) <= room {
		return nil
	}
	lines := strings.Split(ansi.Hardwrap(ansi.Wordwrap(msg, m.width-2, " "), m.width-2, true), "\n")
	most := 3
	if m.height < 24 {
		most = 1 // a small terminal keeps its rows for the list
	}
	if len(lines) > most {
		lines = lines[:most]
		lines[most-1] = screen.Truncate(lines[most-1]+" …", m.width-2)
	}
	style := m.st.OK
	if isErr {
		style = m.st.Err
	}
	for i, l := range lines {
		lines[i] = " " + style.Render(l)
	}
	return lines
}
