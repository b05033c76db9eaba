package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/people"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// pickItem is one line of the assignee picker.
type pickItem struct {
	label    string
	user     model.User
	unassign bool
	me       bool
}

// pickerModal is the assignee picker: people from the config file, the
// data and the tenant's user search, for the rows captured when a was
// pressed.
type pickerModal struct {
	ti         textinput.Model
	items      []pickItem
	sel        int    // the index of selKey in items
	selKey     string // the item chosen, by what it stands for
	shownFor   string // the text items were made for
	targets    []string
	searching  string // the text of the user search in flight
	searchedAt string
	err        string // why the last search failed
	// ctx is cancelled when the picker closes: its searches stop.
	ctx    context.Context
	cancel context.CancelFunc
}

func (x *pickerModal) close() { x.cancel() }

type usersMsg struct {
	picker *pickerModal
	text   string
	users  []model.User
	err    error
}

func (m *Model) openPicker(targets []string) tea.Cmd {
	x := &pickerModal{targets: targets, ti: newTextInput("person › ", max(10, min(60, m.width-16)))}
	x.ctx, x.cancel = context.WithCancel(m.ctx)
	x.ti.SetVirtualCursor(true) // it sits in a box: draw the cursor in place
	m.push(x)
	return tea.Batch(x.ti.Focus(), x.refresh(m))
}

func (m *Model) pickerSearching() bool {
	for _, x := range m.modals {
		if p, ok := x.(*pickerModal); ok && p.searching != "" {
			return true
		}
	}
	return false
}

// key is what the item stands for, whatever its place in the list: the
// selection is held by it, so an answer that re-sorts the list does not move
// enter onto someone else.
func (it pickItem) key() string {
	switch {
	case it.unassign:
		return "unassign"
	case it.me:
		return "me"
	case it.user.UID != "":
		return "login:" + strings.ToLower(it.user.UID)
	}
	return "uuid:" + strings.ToLower(it.user.UUID)
}

// refresh rebuilds the list for the typed text, keeping the person chosen
// (a new text chooses the first match), and asks the tenant for more people
// when the text is long enough.
func (x *pickerModal) refresh(m *Model) tea.Cmd {
	text := strings.TrimSpace(x.ti.Value())
	if text != x.shownFor {
		x.shownFor, x.selKey = text, ""
	}
	x.items = x.items[:0]
	if text == "" {
		x.items = append(x.items, pickItem{label: "Unassign", unassign: true})
	}
	if (m.o.Me.UID != "" || m.o.Me.UUID != "") && strings.HasPrefix("me", strings.ToLower(text)) {
		// "m" then enter: me. A typed m is text like any other letter.
		x.items = append(x.items, pickItem{label: "Me: " + screen.Sanitize(m.o.Me.Name()), user: m.o.Me, me: true})
	}
	matches := m.dir.Match(text)
	for _, u := range matches {
		label := screen.Sanitize(u.Name())
		if u.UID != "" && u.UID != u.Name() {
			label += " <" + screen.Sanitize(u.UID) + ">"
		}
		x.items = append(x.items, pickItem{label: label, user: u})
	}
	if people.IsUUID(text) {
		x.items = append(x.items, pickItem{label: "UUID " + text, user: model.User{UUID: text}})
	} else if strings.Contains(text, "@") && len(matches) == 0 {
		x.items = append(x.items, pickItem{label: "Login " + screen.Sanitize(text), user: model.User{UID: text}})
	}
	x.sel = 0
	for i, it := range x.items {
		if it.key() == x.selKey {
			x.sel = i
		}
	}
	if len(x.items) > 0 {
		x.selKey = x.items[x.sel].key()
	}
	if m.o.Source.People == nil || m.dir.Denied() != "" || len(text) < 2 || x.searching != "" || x.searchedAt == text {
		return nil
	}
	x.searching, x.searchedAt = text, text
	people, ctx := m.o.Source.People, x.ctx
	return tea.Batch(func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return usersMsg{picker: x, text: text, err: err} })
		users, err := people.FindUsers(ctx, text)
		return usersMsg{picker: x, text: text, users: users, err: err}
	}, m.startSpinner())
}

// onUsers learns the people a search found; the picker that asked, if it is
// still open, shows them and asks for its newer text.
func (m *Model) onUsers(msg usersMsg) tea.Cmd {
	msg.picker.searching, msg.picker.err = "", ""
	switch {
	case msg.err == nil:
	case screen.ErrStatus(msg.err) == 403:
		// For good: without the scope no lookup will work this run.
		m.dir.Deny("the API client lacks the User Management: read scope: showing the config's team and the assignees seen")
	case !errors.Is(msg.err, context.Canceled):
		msg.picker.err = "user search failed: " + screen.ErrMessage(msg.err)
	}
	for _, u := range msg.users {
		m.dir.Learn(u)
	}
	if m.onStack(msg.picker) {
		return msg.picker.refresh(m)
	}
	return nil
}

func (x *pickerModal) update(m *Model, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	x.ti, cmd = x.ti.Update(msg)
	return tea.Batch(cmd, x.refresh(m))
}

func (x *pickerModal) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.pop(x)
		return nil
	case "up", "ctrl+p":
		x.choose(x.sel - 1)
		return nil
	case "down", "ctrl+n":
		x.choose(x.sel + 1)
		return nil
	case "enter":
		if len(x.items) == 0 {
			return nil
		}
		it := x.items[x.sel]
		m.pop(x)
		if it.unassign {
			empty := ""
			return m.begin(m.newAction(kindChange, "Unassign", model.Change{AssigneeUUID: &empty}, x.targets))
		}
		return m.assign(it.user, x.targets)
	}
	return x.update(m, msg)
}

// choose moves the selection to the item at i.
func (x *pickerModal) choose(i int) {
	if len(x.items) == 0 {
		return
	}
	x.sel = max(0, min(len(x.items)-1, i))
	x.selKey = x.items[x.sel].key()
}

// assign starts an assignment of the captured targets; the runner finds
// the person's UUID first when only the login is known.
func (m *Model) assign(u model.User, targets []string) tea.Cmd {
	if u.UUID == "" {
		u.UUID = m.dir.UUIDOf(u.UID)
	}
	uuid := u.UUID
	verb := "Assign → " + cmp.Or(u.Name(), u.UID, uuid)
	return m.begin(m.newAction(kindChange, verb, model.Change{AssigneeUUID: &uuid, AssigneeUID: u.UID, AssigneeName: u.Name()}, targets))
}

func (x *pickerModal) view(m *Model) string {
	n := len(x.targets)
	w := max(20, m.width-10)
	var b strings.Builder
	b.WriteString(m.st.Label.Render(fmt.Sprintf("Assign %s %s", screen.Commas(n), m.rowWord(n))))
	b.WriteString("\n" + x.ti.View())
	limit := max(3, m.height-12)
	start := max(0, x.sel-limit+1)
	for i := start; i < len(x.items) && i < start+limit; i++ {
		line := "  " + x.items[i].label
		if i == x.sel {
			line = m.st.Cursor.Render("▶ " + x.items[i].label)
		}
		b.WriteString("\n" + screen.Truncate(line, w))
	}
	if len(x.items) == 0 {
		b.WriteString("\n" + m.st.Dim.Render("  nobody matches: type a login (name@corp) or a UUID"))
	}
	if why := cmp.Or(m.dir.Denied(), x.err); why != "" {
		b.WriteString("\n" + m.st.Err.Render(screen.Truncate(screen.Sanitize(why), w)))
	}
	b.WriteString("\n" + m.st.Dim.Render(screen.Truncate("↑/↓ choose · enter assign · m enter: me · esc cancel", w)))
	return m.st.Menu.Render(b.String())
}
