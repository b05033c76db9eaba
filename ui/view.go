package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
		left = m.list.View(listW, body, &m.st, m.run.Refused)
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
	if cur.Q != "" {
		meta = append(meta, "search \""+screen.Sanitize(cur.Q)+"\"")
	}
	if cur.ShowHidden {
		meta = append(meta, "hidden shown")
	}
	right := strings.Join(meta, " · ")
	l2 := " filter: " + screen.Sanitize(filter)
	room := m.width - ansi.StringWidth(right) - 2
	l2 = screen.PadRight(screen.Truncate(l2, room), room) + " " + right
	return []string{screen.Truncate(l1, m.width), m.st.HeaderDim.Render(screen.Truncate(l2, m.width))}
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
	if n := l.MarkCount(); n > 0 {
		parts = append(parts, screen.Commas(n)+" marked")
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
