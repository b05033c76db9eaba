package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// onLayer hands a message to the layer in front and carries out what the
// analyst chose there.
func (m *Model) onLayer(msg tea.Msg) tea.Cmd {
	choice, cmd := m.stack.Update(msg)
	return tea.Batch(cmd, m.choose(choice))
}

// choose carries out a choice a layer handed back: an action for its
// targets, a query for the list, a prompt's answer.
func (m *Model) choose(choice any) tea.Cmd {
	switch c := choice.(type) {
	case modal.Say:
		m.say(c.Text)
	case modal.Answer:
		return m.answer(c)
	case modal.Act:
		cmd := m.apply(m.run.Change(c.Verb, c.Change, c.Targets, c.Draft))
		if c.Draft {
			return tea.Batch(cmd, m.saveSession())
		}
		return cmd
	case modal.Assign:
		return m.apply(m.run.Assign(c.User, c.Targets))
	case modal.StatusWithComment:
		m.stack.OpenStatus(c.Targets, m.statusSummary(c.Targets), true)
		return m.saveSession()
	case modal.DraftKept:
		if strings.TrimSpace(m.stack.Draft()) != "" {
			m.say("comment draft kept: c reopens it")
		}
		return m.saveSession()
	case modal.Copy:
		// The flash shows what was copied, shortened in the middle.
		shown := []rune(c.Value)
		if len(shown) > 24 {
			shown = append(append(shown[:10:10], '…'), shown[len(shown)-10:]...)
		}
		m.say("copied the " + c.What + " " + screen.Sanitize(string(shown)) + " (OSC 52)")
		return tea.SetClipboard(c.Value)
	case modal.Jump:
		return m.jump(c.Row)
	}
	return m.query(choice)
}

// query carries out a choice that changes the list's query.
func (m *Model) query(choice any) tea.Cmd {
	q := m.list.latest()
	switch c := choice.(type) {
	case modal.Clause:
		return m.quickFilter(c.Clause)
	case modal.RunFilter:
		q.filter = c.Filter
		return m.startQuery(q, c.Field, -1)
	case modal.RunSearch:
		q.q = c.Text
		return m.startQuery(q, c.Field, -1)
	case modal.ClearFilter:
		q.filter, q.q = "", ""
		return m.startQuery(q, nil, -1)
	case modal.SortBy:
		q.sort = c.Sort
		return m.startQuery(q, nil, -1)
	case modal.Closed:
		if p := m.list.pend; p != nil && p.from == c.Field {
			// Backing out of a filter still being checked drops it.
			p.cancel()
			m.list.pend = nil
		}
	}
	return nil
}

// jump moves the cursor to row n (from 1), loading as far as it must.
func (m *Model) jump(n int) tea.Cmd {
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

// The tags of the console's own prompts: what their answer is about.
type (
	quitPrompt    struct{}
	markAllPrompt struct {
		w *walk
		n int
	}
)

// answer carries out a prompt's answer, by what the prompt asked.
func (m *Model) answer(a modal.Answer) tea.Cmd {
	switch t := a.Tag.(type) {
	case quitPrompt:
		if a.Key == "y" {
			return m.quit()
		}
	case markAllPrompt:
		if a.Key == "y" {
			return m.startMarkAll(t.w, t.n)
		}
	}
	return m.apply(m.run.Answer(a.Tag, a.Key))
}

// apply shows and asks what the runner handed back, and passes on its
// command (the spinner turns while it runs).
func (m *Model) apply(out triage.Out, cmd tea.Cmd) tea.Cmd {
	if f := out.Flash; f != nil && (!f.Follow || m.msg.action == f.Action) {
		m.msg = flash{text: f.Text, isErr: f.Err, action: f.Action}
	}
	if q := out.Ask; q != nil {
		p := &modal.Prompt{Text: q.Text, Answers: q.Answers, Tag: q.Tag}
		if q.Raised {
			m.stack.Raise(p, q.What, q.Owner)
		} else {
			m.stack.Push(p)
		}
	}
	for _, id := range out.Unmark {
		delete(m.list.marks, id)
	}
	if !m.list.cur.showHidden {
		m.list.drop(out.Hidden, m.rowsOnScreen())
	}
	for _, a := range out.Ended {
		m.stack.DropRaised(a)
	}
	if out.Applied {
		m.ov.Outdated() // its counts are older than this change: read again when shown
	}
	var cmds []tea.Cmd
	if out.DraftSent != "" && m.stack.ClearDraftIf(out.DraftSent) {
		// Only the text that was sent goes: words typed since stay.
		cmds = append(cmds, m.saveSession())
	}
	if cmd != nil {
		cmds = append(cmds, cmd, m.startSpinner())
	}
	return tea.Batch(cmds...)
}
