package ui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
)

// pickItem is one line of the assignee picker.
type pickItem struct {
	label    string
	user     model.User
	unassign bool
}

type usersMsg struct {
	text  string
	users []model.User
	err   error
}

func (m *Model) accepts(s model.Status) bool {
	for _, ok := range m.b.Statuses() {
		if ok == s {
			return true
		}
	}
	return false
}

func (m *Model) onActionKey(act keymap.Action) tea.Cmd {
	if m.o.ReadOnly && act != keymap.Undo {
		m.say("read-only: writes are disabled")
		return nil
	}
	switch act {
	case keymap.Status:
		m.statusComment = false
		m.overlay = overlayStatus
	case keymap.Assign:
		m.pickSel = 0
		cmd := m.openInput(inputAssign, "")
		m.refreshPick()
		return cmd
	case keymap.Comment:
		m.commentOpen = true
		m.comment.SetWidth(min(100, m.width-6))
		m.comment.SetHeight(6)
		return m.comment.Focus()
	case keymap.Hide:
		show := false
		verb := "Hide"
		allHidden := true
		for _, id := range m.targets() {
			if d, ok := m.cache.Peek(id); !ok || d.ShowInUI {
				allHidden = false
				break
			}
		}
		if allHidden {
			show, verb = true, "Unhide"
		}
		return m.begin(verb, model.Change{ShowInUI: &show})
	case keymap.Tag:
		if m.f.Tags == "" {
			m.say("tags are an Alerts API feature; this tenant is on the Detects API")
			return nil
		}
		return m.openInput(inputTag, "+")
	case keymap.Undo:
		return m.undo()
	case keymap.Retry:
		return m.retry()
	}
	return nil
}

func (m *Model) statusAction(s model.Status) tea.Cmd {
	c := model.Change{Status: &s}
	verb := "Status → " + s.Label()
	if m.statusComment {
		m.statusComment = false
		c.Comment = strings.TrimSpace(m.comment.Value())
		verb += " with a comment"
		cmd := m.begin(verb, c)
		if m.running != nil || m.prompt != nil {
			m.comment.Reset()
		}
		return cmd
	}
	return m.begin(verb, c)
}

// statusSummary says the current statuses of the rows an action will touch.
func (m *Model) statusSummary(ids []string) string {
	counts := map[model.Status]int{}
	unknown := 0
	for _, id := range ids {
		if d, ok := m.cache.Peek(id); ok {
			counts[d.Status]++
		} else {
			unknown++
		}
	}
	var parts []string
	for _, s := range model.Statuses {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", commas(n), s.Label()))
		}
	}
	if unknown > 0 {
		parts = append(parts, commas(unknown)+" not loaded")
	}
	return strings.Join(parts, ", ")
}

func (m *Model) onCommentKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.commentOpen = false
		m.comment.Blur()
		m.saveSession()
		if strings.TrimSpace(m.comment.Value()) != "" {
			m.say("comment draft kept: c reopens it")
		}
		return nil
	case "ctrl+s", "ctrl+t":
		text := strings.TrimSpace(m.comment.Value())
		if text == "" {
			m.say("the comment is empty")
			return nil
		}
		m.commentOpen = false
		m.comment.Blur()
		if msg.String() == "ctrl+t" {
			m.statusComment = true
			m.overlay = overlayStatus
			return nil
		}
		cmd := m.begin("Comment", model.Change{Comment: text})
		if m.running != nil || m.prompt != nil {
			m.comment.Reset()
			m.saveSession()
		}
		return cmd
	}
	var cmd tea.Cmd
	m.comment, cmd = m.comment.Update(msg)
	return cmd
}

// refreshPick rebuilds the picker's list for the typed text, and asks the
// tenant for more people when the text is long enough.
func (m *Model) refreshPick() tea.Cmd {
	text := strings.TrimSpace(m.input.Value())
	m.pick = m.pick[:0]
	if text == "" {
		m.pick = append(m.pick, pickItem{label: "Unassign", unassign: true})
		if m.o.Me.UID != "" || m.o.Me.UUID != "" {
			m.pick = append(m.pick, pickItem{label: "Me: " + Sanitize(m.o.Me.Name()) + " (m)", user: m.o.Me})
		}
	}
	for _, u := range m.people.match(text) {
		label := Sanitize(u.Name())
		if u.UID != "" && u.UID != u.Name() {
			label += " <" + Sanitize(u.UID) + ">"
		}
		m.pick = append(m.pick, pickItem{label: label, user: u})
	}
	if uuidPattern.MatchString(text) {
		m.pick = append(m.pick, pickItem{label: "UUID " + text, user: model.User{UUID: text}})
	} else if strings.Contains(text, "@") && len(m.people.match(text)) == 0 {
		m.pick = append(m.pick, pickItem{label: "Login " + Sanitize(text), user: model.User{UID: text}})
	}
	m.pickSel = max(0, min(m.pickSel, len(m.pick)-1))
	if m.src.People == nil || m.people.denied != "" || len(text) < 2 || m.searching != "" || m.searchedAt == text {
		return nil
	}
	m.searching, m.searchedAt = text, text
	people := m.src.People
	return tea.Batch(func() tea.Msg {
		users, err := people.FindUsers(context.Background(), text)
		return usersMsg{text: text, users: users, err: err}
	}, m.spin())
}

func (m *Model) onUsers(msg usersMsg) tea.Cmd {
	m.searching = ""
	if msg.err != nil {
		if errStatus(msg.err) == 403 {
			m.people.denied = "the API client lacks the User Management: read scope: showing the config's team and the assignees seen"
		} else {
			m.people.denied = "user search failed: " + errMessage(msg.err)
		}
	}
	for _, u := range msg.users {
		m.people.learn(u)
	}
	if m.inputK == inputAssign {
		return m.refreshPick()
	}
	return nil
}

func (m *Model) onAssignKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.closeInput()
		return nil
	case "up", "ctrl+p":
		m.pickSel = max(0, m.pickSel-1)
		return nil
	case "down", "ctrl+n":
		m.pickSel = min(len(m.pick)-1, m.pickSel+1)
		return nil
	case "m":
		if m.input.Value() == "" && (m.o.Me.UID != "" || m.o.Me.UUID != "") {
			m.closeInput()
			return m.assign(m.o.Me)
		}
	case "enter":
		if len(m.pick) == 0 {
			return nil
		}
		it := m.pick[m.pickSel]
		m.closeInput()
		if it.unassign {
			empty := ""
			return m.begin("Unassign", model.Change{AssigneeUUID: &empty})
		}
		return m.assign(it.user)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return tea.Batch(cmd, m.refreshPick())
}

// assign sends an assignment, finding the person's UUID first when only
// the login is known.
func (m *Model) assign(u model.User) tea.Cmd {
	if u.UUID == "" {
		u.UUID = m.people.uuidOf(u.UID)
	}
	if u.UUID != "" {
		uuid := u.UUID
		return m.begin("Assign → "+firstNonEmpty(u.Name(), u.UID, uuid), model.Change{AssigneeUUID: &uuid, AssigneeUID: u.UID, AssigneeName: u.Name()})
	}
	if m.src.People == nil || m.people.denied != "" {
		m.setErr(fmt.Errorf("no UUID known for %s and user lookups are unavailable: add its uuid to the team in the config file", u.UID))
		return nil
	}
	people := m.src.People
	m.say("finding " + u.UID + "…")
	return func() tea.Msg {
		found, err := people.UserByLogin(context.Background(), u.UID)
		if err != nil {
			return assignMsg{err: fmt.Errorf("finding %s: %w", u.UID, err)}
		}
		return assignMsg{user: found}
	}
}

// assignMsg answers the lookup of a login's UUID for an assignment.
type assignMsg struct {
	user model.User
	err  error
}
