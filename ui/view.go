package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/status"
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
	height := m.height - len(lines) - 2 - len(msgLines)
	body := m.body(height)
	lines = append(lines, body[:min(len(body), height)]...)
	for range height - len(body) {
		lines = append(lines, "") // the footer stays at the bottom
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

// body lays the screens in front side by side in height lines: the list,
// the detail beside it (wide) or in its place (narrow), or the overview.
func (m *Model) body(height int) []string {
	listW := m.width
	var left, right []string
	if m.detail != nil {
		listW = 0
		if m.width >= sidePaneWidth {
			listW = m.width * 11 / 20
		}
		right = m.detail.View(m.width-listW-min(1, listW), height, &m.st)
		if note := m.liveNote(m.detail.ID()); note != "" && height > 1 {
			// Another analyst's change, above the row's fields.
			right = append([]string{m.st.Err.Render(screen.Truncate(" "+note, m.width-listW-min(1, listW)))}, right[:min(len(right), height-1)]...)
		}
	}
	switch {
	case m.ov.Shown():
		return m.ov.View(m.width, height, &m.st)
	case listW == 0:
		return right
	}
	left = m.list.View(listW, height, &m.st, m.liveGlyph)
	if m.detail == nil {
		return left
	}
	return screen.SideBySide(left, right, listW, "│", height)[:height]
}

// connectingView is the screen while the console logs in and picks the API.
func (m *Model) connectingView(v tea.View) tea.View {
	// The header as once connected, less the API not chosen yet:
	// read-only and the CID stay, whether or not the login works.
	title, _ := m.titleLine("", 3)
	lines := []string{title, ""}
	if m.conn.err != "" {
		msg := "✗ could not connect: " + screen.Sanitize(m.conn.err)
		for _, l := range strings.Split(ansi.Wordwrap(msg, max(20, m.width-2), " "), "\n") {
			lines = append(lines, m.st.Err.Render(" "+screen.Truncate(l, m.width-1)))
		}
		lines = append(lines, m.st.Dim.Render(" r tries again · q quits"))
	} else {
		lines = append(lines, m.st.Dim.Render(" "+m.bar.Spinner()+" connecting to "+screen.Truncate(screen.Sanitize(m.o.Source.Label), m.width-20)+"…"))
	}
	v.SetContent(strings.Join(lines, "\n"))
	return v
}

// headerPart is one part of the header's first line; drop is the order in
// which parts give way when the line does not fit (1 first, 0 never).
type headerPart struct {
	text string
	drop int
}

// titleLine is the header's first line: the console, read-only, where it is
// connected, the tenant's CID, the API, and asOf (how old the data on
// screen is) if given. When it does not fit, the least useful parts go
// first, up to the most-th: the console's name, then the API, then where it
// is connected; read-only, the CID and asOf stay. It reports whether the
// line fits.
func (m *Model) titleLine(asOf string, most int) (string, bool) {
	parts := []headerPart{{m.st.Header.Render("falcon-triage"), 1}}
	if m.o.ReadOnly {
		// First: it changes what the keys do.
		parts = append(parts, headerPart{m.st.Err.Render("READ-ONLY"), 0})
	}
	parts = append(parts, headerPart{screen.Sanitize(m.o.Source.Label), 3})
	if t := m.tenantHeader(); t != "" {
		parts = append(parts, headerPart{t, 0})
	}
	if m.b != nil {
		parts = append(parts, headerPart{m.apiName(), 2})
	}
	if asOf != "" {
		parts = append(parts, headerPart{asOf, 0})
	}
	sep := m.st.HeaderDim.Render(" │ ")
	for drop := 1; ; drop++ {
		var keep []string
		for _, p := range parts {
			if p.drop == 0 || p.drop >= drop {
				keep = append(keep, p.text)
			}
		}
		line := " " + strings.Join(keep, sep)
		if fits := ansi.StringWidth(line) <= m.width; fits || drop > most {
			return screen.Truncate(line, m.width), fits
		}
	}
}

// readAt is when the data on screen was read: the overview's counts, or
// the oldest of the rows on screen (the detail's row when it fills the
// screen); zero when none was read yet.
func (m *Model) readAt() time.Time {
	if m.ov.Shown() {
		return m.ov.At()
	}
	ids := m.list.IDs()
	ids = ids[min(len(ids), m.list.Top()):min(len(ids), m.list.Top()+m.rowsOnScreen())]
	if m.detail != nil && m.width < sidePaneWidth {
		ids = []string{m.detail.ID()}
	}
	var oldest time.Time
	for _, id := range ids {
		if at, ok := m.rows.ReadAt(id); ok && (oldest.IsZero() || at.Before(oldest)) {
			oldest = at
		}
	}
	return oldest
}

// clockTime is a time of day in the console's zone, with the date when it
// is not today's.
func (m *Model) clockTime(t time.Time) string {
	t, now := t.In(m.o.Location), m.o.Now().In(m.o.Location)
	if y, mo, d := t.Date(); y != now.Year() || mo != now.Month() || d != now.Day() {
		return t.Format("01-02 15:04")
	}
	return t.Format("15:04")
}

func (m *Model) headerLines() []string {
	// How old the data on screen is: on the first line if it fits there
	// once the console's name has gone, else beside the sort.
	asOf := ""
	if at := m.readAt(); !at.IsZero() {
		asOf = "as of " + m.clockTime(at)
	}
	if m.lv != nil {
		asOf = m.lv.Header()
	}
	l1, fits := m.titleLine(asOf, 1)
	if fits {
		asOf = ""
	} else {
		l1, _ = m.titleLine("", 3)
	}
	cur := m.list.Current()
	filter := cur.Filter
	if filter == "" {
		filter = "(none)"
	}
	arrow := "↑"
	if cur.Sort.Desc {
		arrow = "↓"
	}
	meta := []string{"sort " + cur.Sort.Field + " " + arrow}
	if cur.Sort.Field == m.f.Updated {
		// Rows move while they are paged: the walk drops those it has
		// shown, and says the order can shift.
		meta[0] += " (order can shift while paging)"
	}
	if m.ov.Shown() {
		meta = []string{"OVERVIEW"}
		meta = append(meta, "histogram "+m.ov.Window())
	}
	if n := m.newRows(); n != "" {
		meta = append([]string{n}, meta...) // first: the sort gives way, not the count
	}
	if cur.Q != "" {
		meta = append(meta, "search \""+screen.Sanitize(cur.Q)+"\"")
	}
	if cur.ShowHidden {
		meta = append(meta, "hidden shown")
	}
	if asOf != "" {
		meta = append(meta, asOf)
	}
	right := strings.Join(meta, " · ")
	l2 := " filter: " + screen.Sanitize(filter)
	room := m.width - ansi.StringWidth(right) - 2
	l2 = screen.PadRight(screen.Truncate(l2, room), room) + " " + right
	if tabs := m.tabLine(); tabs != "" {
		return []string{l1, tabs, m.st.HeaderDim.Render(screen.Truncate(l2, m.width))}
	}
	return []string{l1, m.st.HeaderDim.Render(screen.Truncate(l2, m.width))}
}

func (m *Model) footer() string {
	line := m.footerParts(m.rowsOnScreen())
	msg, isErr := m.message()
	if text := status.Inline(&m.st, msg, isErr); text != "" && m.messageLines() == nil {
		line += " · " + text
	}
	return screen.Truncate(line, m.width)
}

// footerParts is the footer without its message, for rows rows on screen.
func (m *Model) footerParts(rows int) string {
	var parts []string
	l := m.list
	switch n := len(l.IDs()); {
	case n == 0:
		parts = append(parts, "0 rows")
	default:
		last := min(n, l.Top()+rows)
		total := screen.Commas(l.Total())
		if !l.Done() && l.Total() < 0 {
			total = "?"
		}
		parts = append(parts, fmt.Sprintf("%s–%s of %s", screen.Commas(l.Top()+1), screen.Commas(last), total))
	}
	if m.detail != nil && !m.ov.Shown() {
		if s := m.detail.SearchStatus(); s != "" {
			parts = append(parts, s)
		}
	}
	if n := l.MarkCount(); n > 0 {
		parts = append(parts, screen.Commas(n)+" marked")
	}
	if note := m.liveNote(l.CursorID()); note != "" && m.detail == nil && !m.ov.Shown() {
		parts = append(parts, note)
	}
	if m.lv != nil && m.lv.Note() != "" {
		parts = append(parts, m.lv.Note())
	}
	if w := m.stack.Waiting(); w != "" {
		// A question an answer raised: it opens once the layer in front
		// is closed, never over it.
		parts = append(parts, "⚑ after this: "+screen.Sanitize(w)) // the key words first: 80 columns cut the end
	}
	if m.busy() {
		what := "loading"
		if m.exp != nil && !m.loading() {
			what = "exporting" // the list is not loading: the footer's word counts the export
		}
		if a, ok := m.run.Running(); ok {
			switch n := a.Batches; {
			case a.Sent && n > 1:
				what = fmt.Sprintf("%d/%d batches answered", a.Done, n)
			case a.Sent:
				what = "sending"
			case m.stack.Top() != nil:
				what = "waiting for you" // a confirmation or conflict prompt
			default:
				what = "checking"
			}
		}
		parts = append(parts, m.bar.Spinner()+" "+what)
	}
	if r := m.bar.RateText(); r != "" {
		parts = append(parts, r)
	}
	return " " + strings.Join(parts, " · ")
}

// message is the word the footer shows: the field in front's own, else
// the bar's.
func (m *Model) message() (string, bool) {
	if in := m.stack.InputInFront(); in != nil && in.Err() != "" {
		return m.bar.Message(in.Err(), !in.Checking())
	}
	return m.bar.Message("", false)
}

// messageLines wraps a message too long for the footer onto lines of its
// own: what does not fit beside the footer's own parts (taken at their
// widest) is never cut.
func (m *Model) messageLines() []string {
	msg, isErr := m.message()
	room := m.width - ansi.StringWidth(m.footerParts(m.height)) - 3
	return status.Lines(&m.st, msg, isErr, m.width, m.height, room)
}

// rowWord names n rows as the backend calls them: alerts, or detections.
func (m *Model) rowWord(n int) string {
	if m.b == nil {
		return screen.RowWord("", n)
	}
	return screen.RowWord(m.b.Name(), n)
}

// apiName names the API in use, for the header.
func (m *Model) apiName() string {
	if m.b.Name() == "alerts" {
		return "Alerts API"
	}
	return "Detects API"
}

// ProgramOptions are the options the console runs with: 120 frames a
// second, so a key reaches the screen within 8 ms of being handled; the
// cell renderer still writes nothing while nothing changes.
func ProgramOptions() []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithFPS(120)}
}
