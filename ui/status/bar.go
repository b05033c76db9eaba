// Package status is the footer's state: the word the console last said
// (and what it belongs to, so the end of its owner takes it back), the tenant's
// rate budget, and the spinner, which turns only while work is in flight so
// an idle console writes nothing. It imports no other part.
package status

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// Rate is the tenant's rate budget as the transport last saw it.
type Rate struct {
	Limit, Remaining int
	Waiting          time.Duration
	Why              string
}

// Life is what a word belongs to, and so what takes it back: every word
// has an owner, and goes when its owner is over or replaced, so the footer
// never keeps saying what is no longer true.
type Life int

const (
	// UntilKey: the word answers a key (what was copied, a hint, an action
	// that sent nothing, the end of the list reached); the next key that
	// acts takes it back.
	UntilKey Life = iota
	// UntilQuery: the word is about a query (a refused filter, a page that
	// failed); it goes when another query lands.
	UntilQuery
	// UntilLoaded: the word says rows are loading; it goes once they are
	// here, when a query lands, or when the load fails (its error takes
	// its place).
	UntilLoaded
	// Lasting: no key asked for the word (a notice at start, an action's
	// report, which its re-read may bring up to date); only another word
	// takes its place.
	Lasting
)

// Word is what the footer says, what it belongs to (Life), and for an
// action's report the action it reports.
type Word struct {
	Text   string
	Err    bool
	Life   Life
	Action int
}

// Bar is the footer's state.
type Bar struct {
	word     Word
	rate     Rate
	spin     spinner.Model
	spinning bool
}

// New makes the bar, its spinner still.
func New() *Bar {
	return &Bar{spin: spinner.New(spinner.WithSpinner(spinner.Spinner{Frames: screen.SpinnerFrames, FPS: 120 * time.Millisecond}))}
}

// Say says s in answer to a key: the next key that acts takes it back.
func (b *Bar) Say(s string) { b.word = Word{Text: s} }

// Fail says what went wrong where no key asked: it stays until replaced.
func (b *Bar) Fail(err error) { b.word = Word{Text: err.Error(), Err: true, Life: Lasting} }

// Set says w.
func (b *Bar) Set(w Word) { b.word = w }

// Word is what the bar says.
func (b *Bar) Word() Word { return b.word }

// Clear says nothing.
func (b *Bar) Clear() { b.word = Word{} }

// KeyActed takes back a word that answered an earlier key: a key that acts
// is about to say its own, or nothing.
func (b *Bar) KeyActed() { b.over(UntilKey) }

// QueryOver takes back a word about a query, or that rows are loading (a
// query landed).
func (b *Bar) QueryOver() { b.over(UntilQuery, UntilLoaded) }

// LoadingOver takes back a word that rows are loading (they are here).
func (b *Bar) LoadingOver() { b.over(UntilLoaded) }

// over takes the word back if it lives for one of lives.
func (b *Bar) over(lives ...Life) {
	if b.word.Text != "" && slices.Contains(lives, b.word.Life) {
		b.word = Word{}
	}
}

// Reports reports whether the bar says the report of action.
func (b *Bar) Reports(action int) bool { return b.word.Action == action }

// SetRate takes the tenant's rate budget.
func (b *Bar) SetRate(r Rate) { b.rate = r }

// Spin starts the spinner, if it is not turning.
func (b *Bar) Spin() tea.Cmd {
	if b.spinning {
		return nil
	}
	b.spinning = true
	return b.spin.Tick
}

// Tick turns the spinner while busy, and stops it otherwise.
func (b *Bar) Tick(msg spinner.TickMsg, busy bool) tea.Cmd {
	if !busy {
		b.spinning = false
		return nil
	}
	var cmd tea.Cmd
	b.spin, cmd = b.spin.Update(msg)
	return cmd
}

// Spinning reports the spinner turning.
func (b *Bar) Spinning() bool { return b.spinning }

// Spinner is the spinner's frame.
func (b *Bar) Spinner() string { return b.spin.View() }

// RateText says the rate budget, or the wait it imposes, or "".
func (b *Bar) RateText() string {
	switch {
	case b.rate.Waiting > 0:
		return fmt.Sprintf("waiting %s (%s)", b.rate.Waiting.Round(100*time.Millisecond), b.rate.Why)
	case b.rate.Limit > 0:
		return fmt.Sprintf("API budget %s/%s", screen.Commas(b.rate.Remaining), screen.Commas(b.rate.Limit))
	}
	return ""
}

// Message is the word to show and whether it is an error: the field in
// front's own (a refusal, "checking…"), else the bar's.
func (b *Bar) Message(field string, fieldErr bool) (string, bool) {
	if field != "" {
		return field, fieldErr
	}
	return b.word.Text, b.word.Err
}

// Lines wraps a message too long for the footer (room cells beside the
// footer's own parts) onto lines of its own, above the help line: at most
// three, one on a small terminal; a refusal with its reason and trace id is
// worth the rows it takes. None when it fits.
func Lines(st *screen.Styles, msg string, isErr bool, width, height, room int) []string {
	if msg == "" || width == 0 {
		return nil
	}
	msg = screen.Sanitize(msg)
	if isErr {
		msg = "✗ " + msg
	}
	if ansi.StringWidth(msg) <= room {
		return nil
	}
	lines := strings.Split(ansi.Hardwrap(ansi.Wordwrap(msg, width-2, " "), width-2, true), "\n")
	most := 3
	if height < 24 {
		most = 1 // a small terminal keeps its rows for the list
	}
	if len(lines) > most {
		lines = lines[:most]
		lines[most-1] = screen.Truncate(lines[most-1]+" …", width-2)
	}
	style := st.OK
	if isErr {
		style = st.Err
	}
	for i, l := range lines {
		lines[i] = " " + style.Render(l)
	}
	return lines
}

// Inline is the message styled for the footer's line, with its ✗ when it
// is an error.
func Inline(st *screen.Styles, msg string, isErr bool) string {
	if msg == "" {
		return ""
	}
	msg = screen.Sanitize(msg)
	if isErr {
		return st.Err.Render("✗ " + msg)
	}
	return st.OK.Render(msg)
}
