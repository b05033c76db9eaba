package list

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// column is one list column: a title, a width, how it renders a row, and
// how a value too long is cut (at the end, or for names in the middle).
type column struct {
	title string
	width int
	cell  func(d *model.Detection) string
	fit   func(s string, w int) string
}

// hostTitle is the host column's title; on Alerts the column also shows
// the account of an identity alert (no device), marked with an @.
const (
	hostTitle        = "HOST"
	hostAccountShort = "HOST / @ACCT"
	hostAccountLong  = "HOST / @ACCOUNT"
)

// hostCell is a row's device host, or on Alerts, for an identity alert
// (no device), the account it names marked "@" (the source account, else
// its UPN), else the source endpoint. A host name the service wrote with a
// leading @ is shown escaped, so it cannot pass for an account.
func hostCell(d *model.Detection) string {
	if h := d.Device.Hostname; h != "" {
		return hostName(h)
	}
	if a := cmp.Or(d.Identity.AccountName, d.Identity.AccountUPN); a != "" {
		return "@" + screen.Sanitize(a)
	}
	if d.Identity.SourceHost == "" {
		return "—" // an alert naming neither host nor account (cloud, mobile, SIEM): said, not blank
	}
	return hostName(d.Identity.SourceHost)
}

// hostName is a host name as the list shows it: sanitised, a leading @
// escaped (the mark of an account is the console's, never the service's).
func hostName(h string) string {
	if strings.HasPrefix(h, "@") {
		return "<U+0040>" + screen.Sanitize(h[1:])
	}
	return screen.Sanitize(h)
}

// columns fits the columns to width, shortening the time first, then
// dropping the least useful for triage (technique, product, assignee,
// status), and giving spare room to host and technique.
func (l *List) columns(width int) []column {
	timeW := 16
	timeFmt := "2006-01-02 15:04"
	sev := column{"SEV", 4, func(d *model.Detection) string { return screen.SevWord(d.MaxSeverity) }, nil}
	if l.prefs.SevNum {
		sev = column{"SEV", 8, func(d *model.Detection) string {
			return fmt.Sprintf("%-4s %3d", screen.SevWord(d.MaxSeverity), d.MaxSeverity)
		}, nil}
	}
	status := column{"STATUS", 12, func(d *model.Detection) string { return screen.Sanitize(screen.StatusCell(d)) }, nil}
	host := column{hostTitle, 12, l.markedHost, screen.TruncateName}
	if l.f.Product != "" {
		host.title = hostAccountShort
	}
	tech := column{"TACTIC / TECHNIQUE", 16, nil, nil}
	assignee := column{"ASSIGNEE", 10, func(d *model.Detection) string { return screen.Sanitize(d.Assignee()) }, screen.TruncateName}
	avail := width - 2 // cursor glyph and a space
	fixed := func(cols []column) int {
		n := 0
		for _, c := range cols {
			n += c.width + 1
		}
		return n
	}
	mk := func() []column {
		zone := l.Now().In(l.Location).Format("MST")
		tm := column{"LAST BEHAVIOUR " + zone, timeW, func(d *model.Detection) string {
			if d.LastBehavior.IsZero() {
				return ""
			}
			if l.prefs.RelTimes {
				return screen.Duration(l.Now().Sub(d.LastBehavior).Truncate(time.Minute)) + " ago"
			}
			return d.LastBehavior.In(l.Location).Format(timeFmt)
		}, nil}
		if timeW == 11 {
			tm.title = "LAST " + zone
		}
		if l.f.Product != "" {
			// Alerts span every product: a short tag says which raised it.
			prod := column{"PROD", 4, func(d *model.Detection) string { return screen.ProductTag(d.Product) }, nil}
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
		case hostTitle, hostAccountShort:
			add := min(spare/3, 18)
			cols[i].width += add
			spare -= add
			if cols[i].title == hostAccountShort && cols[i].width >= len(hostAccountLong) {
				cols[i].title = hostAccountLong
			}
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
		return screen.Sanitize(w.Tactic + " / " + screen.JoinID(w.Technique, w.TechniqueID))
	}
}

// View draws height lines of the list in width: the column header and the
// rows on screen; refused says why the last action could not change a row
// (its ✗).
func (l *List) View(width, height int, st *screen.Styles, glyph func(id string) string) []string {
	cols := l.columns(width)
	out := make([]string, 0, height)
	var hb strings.Builder
	hb.WriteString("  ")
	for _, c := range cols {
		hb.WriteString(screen.PadRight(c.title, c.width))
		hb.WriteByte(' ')
	}
	out = append(out, st.ColHeader.Render(screen.Truncate(strings.TrimRight(hb.String(), " "), width)))
	rows := height - 1
	ids := l.IDs()
	if len(ids) == 0 {
		switch {
		case l.cur.err != "":
			out = append(out, st.Err.Render(screen.Truncate(" ✗ "+screen.Sanitize(l.cur.err), width)))
		case l.pend != nil || l.cur.loading || l.cur.ctx == nil:
			out = append(out, st.Dim.Render(" loading "+l.rowWord(2)+"…"))
		default:
			out = append(out, st.Dim.Render(" no "+l.rowWord(2)+" match the filter"))
		}
		return out
	}
	for i := l.top; i < len(ids) && i < l.top+rows; i++ {
		out = append(out, l.row(st, glyph, i, cols, width))
	}
	return out
}

func (l *List) row(st *screen.Styles, state func(string) string, i int, cols []column, width int) string {
	id := l.IDs()[i]
	isCursor := i == l.cursor
	glyph := " "
	if isCursor {
		glyph = "▶"
	}
	// The second cell says what is happening to the row, in a glyph that
	// reads without colour: ● marked, ◌ being sent, ✗ refused or not
	// sent, ? of unknown outcome (not read again yet).
	switch g := state(id); {
	case l.Rows.Pending(id):
		glyph += "◌"
	case g != "":
		glyph += g
	case l.marked(id):
		glyph += "●"
	default:
		glyph += " "
	}
	d, ok := l.Rows.Peek(id)
	if !ok {
		text := glyph + "…    " + screen.Sanitize(id)
		if why := l.Rows.Failed(id); why != "" {
			text = glyph + "✗ could not read " + screen.Sanitize(id) + ": " + screen.Sanitize(why)
		}
		text = screen.PadRight(screen.Truncate(text, width), width)
		if isCursor {
			return st.Cursor.Render(text)
		}
		return st.Dim.Render(text)
	}
	// The cursor is the ▶ glyph and a bar across the whole row (reverse
	// video, or a background colour), in every theme and without colour.
	var b strings.Builder
	b.WriteString(glyph)
	for ci, c := range cols {
		fit := screen.Truncate
		if c.fit != nil {
			fit = c.fit
		}
		cell := screen.PadRight(fit(c.cell(d), c.width), c.width)
		if ci == 0 && !isCursor {
			cell = st.Sev[model.BandOf(d.MaxSeverity).Name].Render(cell)
		}
		b.WriteString(cell)
		if ci < len(cols)-1 {
			b.WriteByte(' ')
		}
	}
	if isCursor {
		return st.Cursor.Render(screen.PadRight(b.String(), width))
	}
	return b.String()
}
