package modal

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/people"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// search answers the picker's people search with who the test says.
type search struct{ found []model.User }

func (s search) FindUsers(context.Context, string) ([]model.User, error) { return s.found, nil }
func (s search) UserByLogin(context.Context, string) (model.User, error) { return model.User{}, nil }

func user(first, last string) model.User {
	login := strings.ToLower(first + "." + last + "@corp.example")
	return model.User{UID: login, UUID: "uuid-" + login, FirstName: first, LastName: last}
}

func newStack(known []model.User, found ...model.User) *Stack {
	s := New(Deps{Keys: keymap.Default(), Me: user("Alice", "Martin"), Dir: people.New(known), People: search{found},
		Ctx: context.Background(), ArmAfter: time.Nanosecond}, nil)
	s.Connected(model.Fields{Status: "status", AssigneeUID: "assigned_to_uid", Hostname: "device.hostname"},
		func() []model.Status { return model.Statuses }, func(n int) string { return screen.Plural(n, "alert") })
	s.Resize(100, 30)
	return s
}

func press(s *Stack, keys ...string) (any, tea.Cmd) {
	var choice any
	var cmd tea.Cmd
	for _, k := range keys {
		msg := tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		}
		choice, cmd = s.Update(msg)
	}
	return choice, cmd
}

// run runs a command and the commands it batches, and returns their
// messages.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, run(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func text(s *Stack) string {
	st := screen.NewStyles(true)
	return ansi.Strip(s.View(&st))
}

// The picker holds a person, not a place: a search answering after ↓
// re-sorts the list and enter still assigns the person chosen.
func TestThePickerHoldsThePersonChosen(t *testing.T) {
	dana, hana, ivan := user("Dana", "Levy"), user("Hana", "Sato"), user("Ivan", "Petrov")
	s := newStack([]model.User{dana, ivan}, dana, hana, ivan)
	s.OpenPicker([]string{"a:1"})
	_, cmd := press(s, "a", "n")
	press(s, "down")
	if !strings.Contains(text(s), "▶ Ivan") {
		t.Fatalf("↓ did not choose Ivan:\n%s", text(s))
	}
	for _, msg := range run(cmd) { // the search answers late
		s.Update(msg)
	}
	if !strings.Contains(text(s), "Hana") {
		t.Fatalf("the search's answer is not listed:\n%s", text(s))
	}
	choice, _ := press(s, "enter")
	if a, ok := choice.(Assign); !ok || a.User.UID != ivan.UID || a.Targets[0] != "a:1" {
		t.Fatalf("enter chose %+v, the analyst chose Ivan", choice)
	}
}

// m is a letter in the picker: "mensah" searches; m then enter is me.
func TestMInThePickerIsALetter(t *testing.T) {
	kofi := user("Kofi", "Mensah")
	s := newStack([]model.User{kofi})
	s.OpenPicker([]string{"a:1"})
	if choice, _ := press(s, "m", "e", "n", "s", "a", "h"); choice != nil || s.TopName() != "picker" {
		t.Fatalf("typing mensah chose %+v", choice)
	}
	if choice, _ := press(s, "enter"); choice.(Assign).User.UID != kofi.UID {
		t.Fatalf("enter after mensah chose %+v", choice)
	}
	s.OpenPicker([]string{"a:1"})
	if choice, _ := press(s, "m", "enter"); choice.(Assign).User.UID != "alice.martin@corp.example" {
		t.Fatalf("m enter chose %+v", choice)
	}
}

// A raised layer waits while another is open, and once open takes no key
// until it has armed.
func TestARaisedLayerWaitsAndArms(t *testing.T) {
	s := newStack(nil)
	s.OpenInput(FilterField, "", nil, nil)
	p := &Prompt{Text: "3 rows changed", Answers: [][2]string{{"o", "overwrite"}, {"n", "cancel"}}, Tag: "conflict"}
	s.Raise(p, "3 rows changed", "action")
	if s.OpenWaiting() != nil || s.Top() == p || s.Waiting() != "3 rows changed" {
		t.Fatal("the raised prompt opened over the field being typed in")
	}
	if choice, _ := press(s, "o"); choice != nil || s.Top().(*Input).Value() != "o" {
		t.Fatalf("the o went to %+v, not to the field", choice)
	}
	press(s, "esc")
	arm := s.OpenWaiting()
	if s.Top() != p || !s.Arming() || !strings.Contains(text(s), "read it first") {
		t.Fatal("the prompt did not open, unarmed, once the field closed")
	}
	if choice, _ := press(s, "o"); s.Top() != p {
		t.Fatalf("a key before the prompt armed answered it: %+v", choice)
	}
	for _, msg := range run(arm) {
		s.Update(msg)
	}
	if choice, _ := press(s, "n"); choice != (Answer{Tag: "conflict", Key: "n"}) {
		t.Fatalf("the armed prompt answered %+v", choice)
	}
	s.Raise(&Prompt{Tag: "x"}, "confirm", "gone")
	s.DropRaised("gone")
	if s.Waiting() != "" {
		t.Fatal("a layer raised for an action that ended still waits")
	}
}

// The fields hand back what they were for: a filter to run (the field
// stays, checking), a row number, a tag for the targets captured.
func TestFieldsHandBackTheirChoice(t *testing.T) {
	s := newStack(nil)
	s.OpenInput(FilterField, "", []string{"status:'new'"}, nil)
	press(s, "up")
	if choice, _ := press(s, "enter"); choice.(RunFilter).Filter != "status:'new'" || !s.Top().(*Input).Checking() {
		t.Fatalf("enter on the history's filter: %+v", choice)
	}
	press(s, "esc")
	s.OpenInput(JumpField, "", nil, nil)
	if choice, _ := press(s, "x", "enter"); choice != nil || !strings.Contains(s.Top().(*Input).Err(), "row number") {
		t.Fatalf("a row number of x: %+v", choice)
	}
	press(s, "esc")
	s.OpenInput(TagField, "", nil, []string{"a:1", "a:2"})
	choice, _ := press(s, "-", "f", "p", "enter")
	if a, ok := choice.(Act); !ok || len(a.Change.RemoveTags) != 1 || a.Change.RemoveTags[0] != "fp" || len(a.Targets) != 2 {
		t.Fatalf("-fp: %+v", choice)
	}
}

// A filter the console puts in the line (a pivot on a command line of any
// length) is never cut; what is typed stops at 64 KiB.
func TestAPivotIsNeverCut(t *testing.T) {
	s := newStack(nil)
	long := "behaviors.cmdline:*'*" + strings.Repeat("A", 100_000) + "*'"
	s.OpenInput(FilterField, long, nil, nil)
	if got := s.InputInFront().Value(); got != long {
		t.Fatalf("the pivot was cut to %d of %d characters", len(got), len(long))
	}
	s.Pop(s.Top())
	s.OpenInput(FilterField, "", nil, nil)
	press(s, "ctrl+u")
	s.Update(tea.PasteMsg{Content: strings.Repeat("B", 70_000)})
	if got := s.InputInFront().Value(); len(got) != 64<<10 {
		t.Fatalf("a paste of 70,000 characters left %d", len(got))
	}
}
