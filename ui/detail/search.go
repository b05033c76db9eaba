package detail

import (
	"fmt"
	"sort"
	"unicode"

	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// match is one place the search text is found: the runes [from, to) of an
// entry's value.
type match struct{ entry, from, to int }

// run is a stretch of a value line, in or out of a match.
type run struct {
	from, to int
	match    bool
}

// Find searches the values for text (as less does: ignoring case unless
// the text has a capital) and goes to the first match from the cursor on.
func (p *Pane) Find(text string) {
	p.query = text
	p.findAll()
	p.current = -1
	if len(p.matches) == 0 {
		return
	}
	p.current = 0
	for i, m := range p.matches {
		if m.entry >= p.cursor {
			p.current = i
			break
		}
	}
	p.goToMatch()
}

// SetQuery carries a search over from the detail of another row: n goes to
// its first match here.
func (p *Pane) SetQuery(text string) { p.query = text }

// Query is the text searched for last, "" for none.
func (p *Pane) Query() string { return p.query }

// SearchStatus says where the search stands, for the footer: "/text 3 of
// 7", "/text not found", or "" with no search.
func (p *Pane) SearchStatus() string {
	if p.query == "" {
		return ""
	}
	q := "/" + screen.Truncate(screen.Sanitize(p.query), 20)
	if len(p.matches) == 0 {
		return q + " not found"
	}
	if p.current < 0 {
		return fmt.Sprintf("%s %d found", q, len(p.matches))
	}
	return fmt.Sprintf("%s %d of %d", q, p.current+1, len(p.matches))
}

// step goes to the next match (n) or the previous one (N), round the end.
func (p *Pane) step(by int) Out {
	switch {
	case p.query == "":
		return Out{Say: "nothing searched yet: / searches the detail", Handled: true}
	case len(p.matches) == 0:
		return Out{Say: "not found: " + screen.Sanitize(p.query), Handled: true}
	}
	n := len(p.matches)
	if p.current < 0 && by < 0 {
		p.current = 0 // N before any n: the last match
	}
	p.current = ((p.current+by)%n + n) % n
	p.goToMatch()
	return Out{Handled: true}
}

// goToMatch moves the cursor to the current match and unfolds its value if
// the match is in the folded part.
func (p *Pane) goToMatch() {
	m := p.matches[p.current]
	p.cursor, p.focus = m.entry, true
	if p.width == 0 || !p.foldable(m.entry, p.width) {
		return
	}
	e := p.entries[m.entry]
	segs := wrap([]rune(e.value), valueWidth(p.width))
	if m.from >= segs[foldShown-1][1] && !p.unfolded[foldKey(e)] {
		p.unfolded[foldKey(e)] = true
		p.lines = nil
	}
}

// findAll lists every match of the query in the entries' values.
func (p *Pane) findAll() {
	p.matches = p.matches[:0]
	q := []rune(p.query)
	if len(q) == 0 {
		return
	}
	fold := true
	for _, r := range q {
		if unicode.IsUpper(r) {
			fold = false
		}
	}
	if fold {
		q = lower(q)
	}
	for i, e := range p.entries {
		if e.section || !p.shown {
			continue
		}
		v := []rune(e.value)
		if fold {
			v = lower(v)
		}
		for j := 0; j+len(q) <= len(v); {
			if equal(v[j:j+len(q)], q) {
				p.matches = append(p.matches, match{entry: i, from: j, to: j + len(q)})
				j += len(q)
				continue
			}
			j++
		}
	}
}

func lower(r []rune) []rune {
	out := make([]rune, len(r))
	for i, c := range r {
		out[i] = unicode.ToLower(c)
	}
	return out
}

func equal(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// runs cuts the value runes [from, to) of entry i at the matches in it
// (found by halving: a search for "a" in a 10 kB command line has
// thousands).
func (p *Pane) runs(i, from, to int) []run {
	out := []run{}
	at := from
	k := sort.Search(len(p.matches), func(k int) bool {
		m := p.matches[k]
		return m.entry > i || m.entry == i && m.to > from
	})
	for _, m := range p.matches[k:] {
		if m.entry != i || m.from >= to {
			break
		}
		a, b := max(m.from, from), min(m.to, to)
		if a > at {
			out = append(out, run{from: at, to: a})
		}
		out = append(out, run{from: a, to: b, match: true})
		at = b
	}
	if at < to {
		out = append(out, run{from: at, to: to})
	}
	return out
}

// matchLine is the line the current match starts on (the fold line when it
// is folded away), or -1.
func (p *Pane) matchLine() int {
	if p.current < 0 || p.current >= len(p.matches) {
		return -1
	}
	m := p.matches[p.current]
	if m.entry >= len(p.firstOf) {
		return -1
	}
	last := p.lastLine(m.entry)
	for i := p.firstOf[m.entry]; i <= last; i++ {
		for _, pc := range p.lines[i].pieces {
			if pc.from >= 0 && m.from >= pc.from && m.from < pc.to {
				return i
			}
		}
	}
	return last
}
