package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/status"
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
		m.bar.Say(c.Text)
	case modal.Answer:
		return m.answer(c)
	case modal.Act:
		cmd := m.apply(m.run.Change(c.Verb, c.Change, c.Targets, c.Draft))
		if c.Draft != "" {
			return tea.Batch(cmd, m.saveSession())
		}
		return cmd
	case modal.Assign:
		return m.apply(m.run.Assign(c.User, c.Targets))
	case modal.StatusWithComment:
		m.stack.OpenStatus(c.Targets, m.statusSummary(c.Targets), true)
		return m.saveSession()
	case modal.DraftKept:
		if c.Why != "" {
			m.bar.Say(c.Why)
		} else if w := m.stack.DraftKeptWord(); w != "" {
			m.bar.Say(w)
		}
		return m.saveSession()
	case modal.Copy:
		// The flash shows what was copied, shortened in the middle.
		shown := []rune(c.Value)
		if len(shown) > 24 {
			shown = append(append(shown[:10:10], '…'), shown[len(shown)-10:]...)
		}
		m.bar.Say("copied the " + c.What + " " + screen.Sanitize(string(shown)) + " (OSC 52)")
		return tea.SetClipboard(c.Value)
	case modal.Jump:
		return m.applyList(m.list.MoveTo(c.Row - 1))
	case modal.ExportTo:
		return m.exportTo(c)
	case modal.SaveView:
		return m.saveViewAs(c)
	case modal.ChooseTenant:
		return m.switchTenant(c)
	case modal.FindInDetail:
		if m.detail != nil {
			m.detail.Find(c.Text)
		}
		return nil
	}
	return m.query(choice)
}

// query carries out a choice that changes the list's query.
func (m *Model) query(choice any) tea.Cmd {
	q := m.list.Latest()
	switch c := choice.(type) {
	case modal.Clause:
		return m.quickFilter(c.Clause)
	case modal.RunFilter:
		q.Filter = c.Filter
		return m.startQuery(q, c.Field, -1)
	case modal.RunSearch:
		q.Q = c.Text
		return m.startQuery(q, c.Field, -1)
	case modal.ClearFilter:
		q.Filter, q.Q = "", ""
		return m.startQuery(q, nil, -1)
	case modal.SortBy:
		q.Sort = c.Sort
		return m.startQuery(q, nil, -1)
	case modal.Closed:
		// Backing out of a filter still being checked drops it, saying
		// so; the text typed stays in the history for / ↑.
		if m.list.Cancel(c.Field) && !m.stack.On(c.Field) {
			return m.notApplied(c.Field)
		}
	}
	return nil
}

// notApplied says a filter or search left with esc before it landed was not
// applied, and keeps a filter's text in the history.
func (m *Model) notApplied(in *modal.Input) tea.Cmd {
	text := strings.TrimSpace(in.Value())
	if in.Kind() != modal.FilterField {
		m.bar.Say(screen.Sanitize("search not applied: " + text + " (esc)"))
		return nil
	}
	m.bar.Say(screen.Sanitize("filter not applied: " + text + " (esc)"))
	if text == "" {
		return nil
	}
	m.list.Remember(text)
	return m.store.save(historyFile, m.list.History())
}

// The tags of the console's own prompts: what their answer is about.
type (
	quitPrompt struct{}
)

// answer carries out a prompt's answer, by what the prompt asked.
func (m *Model) answer(a modal.Answer) tea.Cmd {
	switch t := a.Tag.(type) {
	case quitPrompt:
		if a.Key == "y" {
			return m.quit()
		}
	case list.MarkAll:
		if a.Key == "y" {
			return m.applyList(m.list.StartMarkAll(t))
		}
	case exportOverwrite:
		return m.answerOverwrite(t, a.Key)
	case replaceView:
		return m.answerReplaceView(t, a.Key)
	case containAsk:
		return m.answerContain(t, a.Key)
	}
	return m.apply(m.run.Answer(a.Tag, a.Key))
}

// apply shows and asks what the runner handed back, and passes on its
// command (the spinner turns while it runs).
func (m *Model) apply(out triage.Out, cmd tea.Cmd) tea.Cmd {
	if f := out.Flash; f != nil && (!f.Follow || m.bar.Reports(f.Action)) {
		// An action's report stays until replaced; any other word of the
		// runner's answers a key (an action that sent nothing), unless it
		// is a notice no key asked for.
		life := status.UntilKey
		if f.Action != 0 || f.Notice {
			life = status.Lasting
		}
		m.bar.Set(status.Word{Text: f.Text, Err: f.Err, Action: f.Action, Life: life})
	}
	if q := out.Ask; q != nil {
		p := &modal.Prompt{Text: q.Text, Answers: q.Answers, Tag: q.Tag}
		if q.Raised {
			m.stack.Raise(p, q.What, q.Owner)
		} else {
			m.stack.Push(p)
		}
	}
	m.list.Unmark(out.Unmark)
	m.list.Drop(out.Hidden)
	for _, a := range out.Ended {
		m.stack.DropRaised(a)
	}
	if out.Applied {
		m.ov.Outdated() // its counts are older than this change: read again when shown
	}
	var cmds []tea.Cmd
	if out.Applied {
		cmds = append(cmds, m.views.Recount()) // the tabs' counts too
	}
	if out.DraftSent != "" && m.stack.ClearDraftIf(out.DraftFor, out.DraftSent) {
		// Only the text that was sent goes: words typed since stay.
		cmds = append(cmds, m.saveSession())
	}
	if cmd != nil {
		cmds = append(cmds, cmd, m.bar.Spin())
	}
	return tea.Batch(cmds...)
}

// startQuery asks the list for q (origin: the field that asked, told of a
// refusal; keep: the row to go back to, or -1).
func (m *Model) startQuery(q list.Query, origin *modal.Input, keep int) tea.Cmd {
	var o any
	if origin != nil {
		o = origin
	} else if err := m.refusedQuery(q); err != nil {
		m.bar.Set(status.Word{Text: err.Error(), Err: true})
		return nil
	}
	return tea.Batch(m.list.Start(q, o, keep), m.bar.Spin())
}

// refusedQuery says why the service would refuse q's filter with the
// clauses the console adds (. hiding hidden rows again, a drill-down adding
// its bucket: 21 clauses), so that it is not sent; a field checks its own.
func (m *Model) refusedQuery(q list.Query) error {
	if m.b == nil {
		return nil
	}
	if err := m.f.CheckFilter(q.Filter, m.list.Adds(q)...); err != nil {
		return fmt.Errorf("not sent: %s", screen.Sanitize(err.Error()))
	}
	return nil
}

// ensure asks for what the screen needs.
func (m *Model) ensure() tea.Cmd { return m.applyList(m.list.Ensure()) }

// applyList shows what the list handed back, carries out a query that
// landed or was refused, and passes on its command (the spinner turns while
// it runs).
func (m *Model) applyList(out list.Out, cmd tea.Cmd) tea.Cmd {
	switch out.Over {
	case list.OverQuery:
		m.bar.QueryOver()
	case list.OverLoading:
		m.bar.LoadingOver()
	}
	if f := out.Flash; f != nil {
		life := status.UntilKey
		switch {
		case f.Loading:
			life = status.UntilLoaded
		case f.Query:
			life = status.UntilQuery
		}
		m.bar.Set(status.Word{Text: f.Text, Err: f.Err, Life: life})
	}
	cmds := []tea.Cmd{cmd}
	if r := out.Refused; r != nil {
		if m.undoSwitch(r.Origin) {
			m.bar.Set(status.Word{Text: "the view was not shown: " + screen.Sanitize(r.Why), Err: true})
		}
		if in, ok := r.Origin.(*modal.Input); ok {
			// The text as typed comes back with the service's words, once
			// the analyst is back at the list.
			in.Refused(m.ownWords(r.Why, in))
			if !m.stack.On(in) {
				m.stack.Raise(in, "the filter was refused", nil)
			}
		}
	}
	if l := out.Landed; l != nil {
		m.pivoted(l)
		cmds = append(cmds, m.landed(l), m.landedLive(l))
	}
	if cmd != nil {
		cmds = append(cmds, m.bar.Spin())
	}
	return tea.Batch(cmds...)
}

// landed closes the field that asked for the query that landed (unless the
// analyst has typed in it since: it stays open, so no typed key falls
// through to the list), keeps the
// filter in the history, saves the session, and reads the overview again
// if it is shown.
func (m *Model) landed(l *list.Landing) tea.Cmd {
	var cmds []tea.Cmd
	m.viewLanded(l)
	if in, ok := l.Origin.(*modal.Input); ok {
		if in.Landed() {
			m.stack.Pop(in)
		}
		if in.Kind() == modal.FilterField {
			m.list.Remember(l.Query.Filter)
			cmds = append(cmds, m.store.save(historyFile, m.list.History()))
		}
	}
	cmds = append(cmds, m.saveSession())
	if q := m.list.Current(); m.ov.Shown() && m.ov.Stale(m.list.Effective(q), q.Q) {
		cmds = append(cmds, m.loadOverview())
	}
	return tea.Batch(cmds...)
}
