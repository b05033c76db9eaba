package list

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// key takes a key that moves the cursor or marks rows, and reports whether
// it was one.
func (l *List) key(act keymap.Action) bool {
	rows := l.rows
	switch act {
	case keymap.Down:
		l.move(1, rows)
	case keymap.Up:
		l.move(-1, rows)
	case keymap.HalfDown:
		l.page(rows/2, rows)
	case keymap.HalfUp:
		l.page(-rows/2, rows)
	case keymap.PageDown:
		l.page(rows, rows)
	case keymap.PageUp:
		l.page(-rows, rows)
	case keymap.Top:
		l.cursor, l.top = 0, 0
	case keymap.Bottom:
		l.bottom()
	default:
		return l.markKey(act)
	}
	return true
}

// bottom goes to the real end, loading every row first.
func (l *List) bottom() {
	if l.cur.done {
		l.move(len(l.IDs()), l.rows)
		return
	}
	if why := l.stalled(); why != "" {
		l.say("G: " + why)
		return
	}
	l.toEnd = true
	l.out.Flash = &Flash{Text: "going to the end: loading every row…", Loading: true}
}

// markKey takes a key that marks rows, and reports whether it was one.
func (l *List) markKey(act keymap.Action) bool {
	switch act {
	case keymap.Mark:
		l.toggleMark()
		l.move(1, l.rows)
	case keymap.RangeMark:
		l.markRange() // the footer counts the marks
	case keymap.MarkScreen:
		l.markScreen(l.rows)
	case keymap.RestoreMarks:
		if n := l.restoreMarks(); n > 0 {
			l.say(fmt.Sprintf("%s marks back", screen.Commas(n)))
		} else {
			l.say("no cleared marks to bring back")
		}
	case keymap.SeverityNum:
		l.prefs.SevNum = !l.prefs.SevNum
	default:
		return false
	}
	return true
}

// Step moves the cursor a row on (1) or back (-1): J and K with the
// detail open.
func (l *List) Step(n int) { l.move(n, l.rows) }

// Stop stops what the list is loading, in turn: the query asked for, a G
// or a row number, a mark-all. It says what it stopped, or "".
func (l *List) Stop() string {
	switch {
	case l.Cancel(nil):
		return "the query asked for was cancelled: the list keeps its last query"
	case l.toEnd || l.target >= 0:
		l.toEnd, l.target = false, -1
		return fmt.Sprintf("stopped loading: %s rows loaded", screen.Commas(len(l.IDs())))
	case l.stopMarkAll():
		return "marking every match cancelled"
	}
	return ""
}

// ClearMarks drops the marks, keeping them for M, and says how many.
func (l *List) ClearMarks() int { return l.clearMarks() }

// jump moves the cursor to row n (from 1), loading as far as it must.
func (l *List) jump(n int) tea.Cmd {
	rows := l.rows
	switch {
	case n-1 < len(l.IDs()):
		l.cursor = n - 1
		l.scrollTo(rows)
	case l.cur.done:
		l.move(len(l.IDs()), rows)
		l.say(fmt.Sprintf("there are only %s rows", screen.Commas(len(l.IDs()))))
	case l.stalled() != "":
		l.say(fmt.Sprintf("row %s: %s", screen.Commas(n), l.stalled()))
	default:
		l.target = n - 1
		l.out.Flash = &Flash{Text: fmt.Sprintf("loading rows up to %s…", screen.Commas(n)), Loading: true}
	}
	return l.ensure()
}

// stalled says why no more rows of the list on screen will load, or "":
// no query has answered yet, or its last page failed. A key that goes
// beyond the rows loaded says so rather than wait for nothing.
func (l *List) stalled() string {
	switch w := l.cur; {
	case w.walker == nil && l.pend != nil:
		return "the rows are still loading; press it again once they show"
	case w.walker == nil:
		return "no rows loaded: the query failed (r retries)"
	case w.err != "":
		return "loading rows failed: " + w.err + " (r retries)"
	}
	return ""
}
