package detail

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/ui/screen"
)

const (
	// labelWidth leaves a SHA256 (64 cells) whole beside its label at 80
	// columns.
	labelWidth = 14
	// A value of more than foldAt lines shows its first foldShown and a
	// line saying how many more: a 5,000-character command line does not
	// push the rest of the detail off the screen.
	foldAt    = 5
	foldShown = 4
)

// Search matches are reverse video (not colour alone); on the cursor's own
// reversed line they are underlined and not reversed, to stand out of it.
var (
	matchStyle         = lipgloss.NewStyle().Reverse(true)
	matchOnCursorStyle = lipgloss.NewStyle().Bold(true).Underline(true)
)

type lineKind int

const (
	valueLine lineKind = iota
	sectionLine
	foldLine
)

// line is one line of the rendering: a section title, a run of an entry's
// value (with the label on its first line), or the line saying how much of
// a folded value is not shown.
type line struct {
	entry  int
	kind   lineKind
	label  string
	pieces []piece
	more   int // a fold line: the lines folded away
}

// piece is a run of a value line: the runes [from, to) of the entry's
// value, or literal text (from < 0), the … of a value shortened in the
// middle.
type piece struct {
	from, to int
	lit      string
}

func valueWidth(width int) int { return max(10, width-labelWidth-2) }

func runeWidth(r rune) int {
	if r < 0x80 {
		return 1
	}
	return ansi.StringWidth(string(r))
}

// wrap cuts r into lines of at most w cells, after a space, a slash, a
// backslash, a comma or a semicolon when the line has one, else anywhere.
// Each line is a run [from, to) of r, so a search match maps onto lines.
func wrap(r []rune, w int) [][2]int {
	var out [][2]int
	start, width, brk := 0, 0, -1
	for i := 0; i < len(r); {
		cw := runeWidth(r[i])
		if width+cw > w && i > start {
			end := i
			if brk > start {
				end = brk
			}
			out = append(out, [2]int{start, end})
			start, width, brk = end, 0, -1
			for j := start; j < i; j++ {
				width += runeWidth(r[j])
			}
			continue
		}
		width += cw
		if strings.ContainsRune(" /\\,;", r[i]) {
			brk = i + 1
		}
		i++
	}
	if start < len(r) || len(out) == 0 {
		out = append(out, [2]int{start, len(r)})
	}
	return out
}

// shorten is a value copied whole (an id, a hash) on one line: too long, it
// is shortened visibly in the middle.
func shorten(r []rune, w int) []piece {
	n := 0
	for _, c := range r {
		n += runeWidth(c)
	}
	if n <= w {
		return []piece{{from: 0, to: len(r)}}
	}
	head := max(1, (w-1)/2)
	tail := max(0, w-1-head)
	return []piece{{from: 0, to: head}, {from: -1, lit: "…"}, {from: len(r) - tail, to: len(r)}}
}

// valueLines are the lines of entry e's value at width: its wrapped runs,
// or one shortened line for a value copied whole.
func valueLines(e entry, r []rune, width int) [][]piece {
	valW := valueWidth(width)
	if e.whole {
		return [][]piece{shorten(r, valW)}
	}
	segs := wrap(r, valW)
	out := make([][]piece, len(segs))
	for i, s := range segs {
		out[i] = []piece{{from: s[0], to: s[1]}}
	}
	return out
}

// foldKey names a long value unfolded: the same value keeps its state as
// the row is re-read, and wherever it is shown (a command line in the
// decision and in the process tree unfolds in both); a changed one comes
// back folded.
func foldKey(e entry) string { return e.value }

// foldable reports whether entry i is long enough to fold at width.
func (p *Pane) foldable(i, width int) bool {
	e := p.entries[i]
	return !e.section && !e.whole && len(wrap([]rune(e.value), valueWidth(width))) > foldAt
}

// layout lays the entries out at width (memoised per width).
func (p *Pane) layout(width int) {
	if p.width == width && p.lines != nil {
		return
	}
	p.width = width
	p.lines, p.firstOf, p.runes = p.lines[:0], p.firstOf[:0], p.runes[:0]
	for i, e := range p.entries {
		p.firstOf = append(p.firstOf, len(p.lines))
		p.runes = append(p.runes, []rune(e.value))
		if e.section {
			p.lines = append(p.lines, line{entry: i, kind: sectionLine, label: e.label})
			continue
		}
		vl := valueLines(e, p.runes[i], width)
		more := 0
		if len(vl) > foldAt && !p.unfolded[foldKey(e)] {
			more = len(vl) - foldShown
			vl = vl[:foldShown]
		}
		for j, pcs := range vl {
			lab := ""
			if j == 0 {
				lab = e.label
			}
			p.lines = append(p.lines, line{entry: i, kind: valueLine, label: lab, pieces: pcs})
		}
		if more > 0 {
			p.lines = append(p.lines, line{entry: i, kind: foldLine, more: more})
		}
	}
}

// lastLine is the last line of entry i.
func (p *Pane) lastLine(i int) int {
	if i+1 < len(p.firstOf) {
		return p.firstOf[i+1] - 1
	}
	return len(p.lines) - 1
}

// laidOut reports a rendering of the entries shown.
func (p *Pane) laidOut() bool { return p.lines != nil && len(p.firstOf) == len(p.entries) }

// scroll keeps in sight the current match after a search step, else the
// cursor's entry (the start of one taller than the screen, and j scrolls
// through it).
func (p *Pane) scroll(height int) {
	first, last := p.firstOf[p.cursor], p.lastLine(p.cursor)
	if c := p.cursor; c > 0 && p.entries[c-1].section {
		first = p.firstOf[c-1] // the heading of the cursor's section in sight
	}
	if l := p.matchLine(); p.focus && l >= 0 {
		first, last = l, l
	}
	if last-first+1 > height {
		if last < p.top {
			p.top = last - height + 1
		}
		if first >= p.top+height {
			p.top = first
		}
	} else {
		if first < p.top {
			p.top = first
		}
		if last >= p.top+height {
			p.top = last - height + 1
		}
	}
	p.top = max(0, min(p.top, len(p.lines)-1))
}

// View renders height lines of the pane, keeping the cursor entry (or the
// current search match) in sight.
func (p *Pane) View(width, height int, st *screen.Styles) []string {
	p.layout(width)
	p.viewH = height
	p.scroll(height)
	out := make([]string, 0, height)
	for i := p.top; i < len(p.lines) && len(out) < height; i++ {
		out = append(out, p.render(p.lines[i], width, st))
	}
	return out
}

// render draws one line; the cursor's entry is reversed with a ▶.
func (p *Pane) render(l line, width int, st *screen.Styles) string {
	if l.kind == sectionLine {
		return st.Section.Render(screen.Truncate("── "+l.label+" ", width))
	}
	cursor := l.entry == p.cursor
	var b strings.Builder
	plain := func(s string) {
		if cursor {
			s = st.Cursor.Render(s)
		}
		b.WriteString(s)
	}
	label := screen.PadRight(l.label, labelWidth)
	if cursor {
		plain("▶" + label + " ")
	} else {
		b.WriteString(" " + st.Label.Render(label) + " ")
	}
	used := 1 + labelWidth + 1
	if l.kind == foldLine {
		text := screen.Truncate(fmt.Sprintf("… %d more lines, enter unfolds", l.more), width-used)
		used += screen.Width(text)
		if cursor {
			plain(text)
		} else {
			b.WriteString(st.Dim.Render(text))
		}
	} else {
		r := p.runes[l.entry]
		link := screen.LinkOpen(p.entries[l.entry].link) // the console's own OSC 8
		b.WriteString(link)
		for _, pc := range l.pieces {
			if pc.from < 0 {
				plain(pc.lit)
				used += screen.Width(pc.lit)
				continue
			}
			for _, run := range p.runs(l.entry, pc.from, pc.to) {
				text := string(r[run.from:run.to])
				used += screen.Width(text)
				switch {
				case !run.match:
					plain(text)
				case cursor:
					b.WriteString(matchOnCursorStyle.Render(text))
				default:
					b.WriteString(matchStyle.Render(text))
				}
			}
		}
		if link != "" {
			b.WriteString(screen.LinkClose)
		}
	}
	if cursor && used < width {
		plain(strings.Repeat(" ", width-used))
	}
	return b.String()
}
