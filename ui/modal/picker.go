package modal

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// off says why the item is shown but cannot be chosen.
	off string
}

// picker is the assignee picker: people from the config file, the
// data and the tenant's user search, for the rows captured when a was
// pressed.
type picker struct {
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

func (x *picker) close() { x.cancel() }

type usersMsg struct {
	picker *picker
	text   string
	users  []model.User
	err    error
}

// OpenPicker opens the assignee picker for targets.
func (s *Stack) OpenPicker(targets []string) tea.Cmd {
	x := &picker{targets: targets, ti: newTextInput("person › ", max(10, min(60, s.width-16)))}
	x.ctx, x.cancel = context.WithCancel(s.Ctx)
	x.ti.SetVirtualCursor(true) // it sits in a box: draw the cursor in place
	s.Push(x)
	return tea.Batch(x.ti.Focus(), x.refresh(s))
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
func (x *picker) refresh(s *Stack) tea.Cmd {
	text := strings.TrimSpace(x.ti.Value())
	if text != x.shownFor {
		x.shownFor, x.selKey = text, ""
	}
	x.items = x.items[:0]
	if text == "" {
		if s.f.NoUnassign != "" {
			x.items = append(x.items, pickItem{label: "Unassign: not on this API", unassign: true, off: s.f.NoUnassign})
		} else {
			x.items = append(x.items, pickItem{label: "Unassign", unassign: true})
		}
	}
	if (s.Me.UID != "" || s.Me.UUID != "") && strings.HasPrefix("me", strings.ToLower(text)) {
		// "m" then enter: me. A typed m is text like any other letter.
		x.items = append(x.items, pickItem{label: "Me: " + screen.Sanitize(s.Me.Name()), user: s.Me, me: true})
	}
	matches := s.Dir.Match(text)
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
	// Unless the chosen item is still listed, the cursor starts on the
	// first that can be chosen, never on one shown only to say it cannot.
	x.sel = max(0, slices.IndexFunc(x.items, func(it pickItem) bool { return it.off == "" }))
	for i, it := range x.items {
		if it.key() == x.selKey {
			x.sel = i
		}
	}
	if len(x.items) > 0 {
		x.selKey = x.items[x.sel].key()
	}
	if s.People == nil || s.Dir.Denied() != "" || len(text) < 2 || x.searching != "" || x.searchedAt == text {
		return nil
	}
	x.searching, x.searchedAt = text, text
	lookup, ctx := s.People, x.ctx
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return usersMsg{picker: x, text: text, err: err} })
		users, err := lookup.FindUsers(ctx, text)
		return usersMsg{picker: x, text: text, users: users, err: err}
	}
}

// answer learns the people a search found; the picker that asked, if it is
// still open, shows them and asks for its newer text.
func (x *picker) answer(s *Stack, msg usersMsg) (any, tea.Cmd) {
	msg.picker.searching, msg.picker.err = "", ""
	switch {
	case msg.err == nil:
	case screen.ErrStatus(msg.err) == 403:
		// For good: without the scope no lookup will work this run.
		s.Dir.Deny("the API client lacks the User Management: read scope: showing the config's team and the assignees seen")
	case !errors.Is(msg.err, context.Canceled):
		msg.picker.err = "user search failed: " + screen.ErrMessage(msg.err)
	}
	for _, u := range msg.users {
		s.Dir.Learn(u)
	}
	if s.On(msg.picker) {
		return nil, msg.picker.refresh(s)
	}
	return nil, nil
}

func (x *picker) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch km.String() {
		case "esc":
			s.Pop(x)
			return nil, nil
		case "up", "ctrl+p":
			x.choose(x.sel - 1)
			return nil, nil
		case "down", "ctrl+n":
			x.choose(x.sel + 1)
			return nil, nil
		case "enter":
			return x.enter(s)
		}
	}
	var cmd tea.Cmd
	x.ti, cmd = x.ti.Update(msg)
	return nil, tea.Batch(cmd, x.refresh(s))
}

// enter assigns the person chosen, or unassigns.
func (x *picker) enter(s *Stack) (any, tea.Cmd) {
	if len(x.items) == 0 {
		return nil, nil
	}
	it := x.items[x.sel]
	if it.off != "" {
		x.err = it.off // the picker stays open: another person can be chosen
		return nil, nil
	}
	s.Pop(x)
	if it.unassign {
		empty := ""
		return Act{Verb: "Unassign", Change: model.Change{AssigneeUUID: &empty}, Targets: x.targets}, nil
	}
	return Assign{User: it.user, Targets: x.targets}, nil
}

// choose moves the selection to the item at i.
func (x *picker) choose(i int) {
	if len(x.items) == 0 {
		return
	}
	x.sel = max(0, min(len(x.items)-1, i))
	x.selKey = x.items[x.sel].key()
}

func (x *picker) view(s *Stack) string {
	st := s.st
	n := len(x.targets)
	w := max(20, s.width-10)
	var b strings.Builder
	b.WriteString(st.Label.Render(fmt.Sprintf("Assign %s %s", screen.Commas(n), s.rowWord(n))))
	b.WriteString("\n" + x.ti.View())
	limit := max(3, s.height-12)
	start := max(0, x.sel-limit+1)
	for i := start; i < len(x.items) && i < start+limit; i++ {
		line := "  " + x.items[i].label
		if i == x.sel {
			line = st.Cursor.Render("▶ " + x.items[i].label)
		}
		b.WriteString("\n" + screen.Truncate(line, w))
	}
	if len(x.items) == 0 {
		b.WriteString("\n" + st.Dim.Render("  nobody matches: type a login (name@corp) or a UUID"))
	}
	for _, why := range []string{s.Dir.Denied(), x.err} {
		if why != "" { // whole: why a choice did nothing must be read to the end
			b.WriteString("\n" + st.Err.Render(screen.Wrap(screen.Sanitize(why), w)))
		}
	}
	hint := "↑/↓ choose · enter assign · m enter: me · esc cancel"
	if s.Me.UID == "" && s.Me.UUID == "" {
		hint = "↑/↓ choose · enter assign · esc cancel"
		if text := strings.TrimSpace(x.ti.Value()); text != "" && strings.HasPrefix("me", strings.ToLower(text)) {
			b.WriteString("\n" + st.Dim.Render(screen.Truncate("  me: set me.login in the config file", w)))
		}
	}
	b.WriteString("\n" + st.Dim.Render(screen.Truncate(hint, w)))
	return st.Menu.Render(b.String())
}
