package modal

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
)

// InputKind is what a bottom-line field is for.
type InputKind int

// The fields of the bottom line.
const (
	FilterField InputKind = iota
	SearchField
	HostField
	JumpField
	TagField
	DetailSearchField
)

var inputPrompts = map[InputKind]string{FilterField: "filter (FQL) › ", SearchField: "search › ", HostField: "host › ", JumpField: "row › ", TagField: "tag (+add -remove) › ", DetailSearchField: "search the detail › "}

// Input is a one-line text field on the bottom line. A filter or a search
// stays open, saying "checking…", until the service answers: a refusal
// leaves the text as typed with the service's words under it.
type Input struct {
	kind    InputKind
	ti      textinput.Model
	err     string
	history []string // filters, newest first (↑ walks them)
	histPos int
	latest  string   // the filter ↓ past the history comes back to
	targets []string // a tag's rows, captured when T was pressed
	// submitted is the text enter sent, while the field checks it.
	submitted string
}

// Landed is told that the query the field asked for landed. It reports
// whether the field may close: the analyst has not typed since enter. A
// field typed in since stays open with what was typed (its keys were for
// it, and must not fall through to the list), no longer checking.
func (x *Input) Landed() bool {
	if strings.TrimSpace(x.ti.Value()) == x.submitted {
		return true
	}
	x.err = ""
	return false
}

func newTextInput(prompt string, width int) textinput.Model {
	ti := textinput.New()
	tis := ti.Styles()
	tis.Cursor.Blink = false // a blinking cursor repaints while idle
	ti.SetStyles(tis)
	ti.CharLimit = 4096
	ti.Prompt = prompt
	ti.SetWidth(width)
	return ti
}

// newInput makes a field holding text, not yet on the stack.
func (s *Stack) newInput(k InputKind, text string, targets []string) *Input {
	x := &Input{kind: k, histPos: -1, targets: targets, ti: newTextInput(inputPrompts[k], inputWidth(s.width, k)), latest: text}
	x.ti.SetVirtualCursor(false) // the terminal's own cursor, on the bottom line
	x.ti.SetValue(text)
	x.ti.CursorEnd()
	return x
}

// OpenInput opens a field holding text; a filter line walks history with ↑
// and ↓; a tag's field acts on targets.
func (s *Stack) OpenInput(k InputKind, text string, history, targets []string) tea.Cmd {
	x := s.newInput(k, text, targets)
	if k == FilterField {
		x.ti.Placeholder = "status:'new'+max_severity:>=60  (↑/↓ history)"
		x.history = history
	}
	s.Push(x)
	return x.ti.Focus()
}

// NewRefusable is a filter line for a filter the console builds (a quick
// filter, a + in the detail): not on the stack, it comes up with the
// service's words should the filter be refused.
func (s *Stack) NewRefusable(filter string) *Input { return s.newInput(FilterField, filter, nil) }

// inputWidth is the room for a field's text on the bottom line, after its
// prompt: the end of what is typed and the cursor stay in sight.
func inputWidth(width int, k InputKind) int {
	return max(10, width-ansi.StringWidth(inputPrompts[k])-2)
}

// Err is the field's message: the service's refusal, "checking…", or why
// the text cannot be taken.
func (x *Input) Err() string { return x.err }

// Checking reports a field waiting for the service's answer.
func (x *Input) Checking() bool { return x.err == "checking…" || x.err == "searching…" }

// Refused puts the service's words under the text as typed.
func (x *Input) Refused(why string) { x.err = why }

// Kind is what the field is for.
func (x *Input) Kind() InputKind { return x.kind }

// Value is the text typed.
func (x *Input) Value() string { return x.ti.Value() }

// SetValue replaces the text.
func (x *Input) SetValue(text string) { x.ti.SetValue(text) }

// Line is the field as the bottom line draws it.
func (x *Input) Line() string { return x.ti.View() }

// Cursor is the terminal cursor's place on the line, or nil.
func (x *Input) Cursor() *tea.Cursor { return x.ti.Cursor() }

func (x *Input) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		x.ti, cmd = x.ti.Update(msg)
		return nil, cmd
	}
	switch km.String() {
	case "esc":
		s.Pop(x)
		return Closed{Field: x}, nil
	case "enter":
		return x.submit(s, strings.TrimSpace(x.ti.Value()))
	case "up", "down":
		if x.kind == FilterField && len(x.history) > 0 {
			x.walk(km.String() == "up")
			return nil, nil
		}
	}
	if x.Checking() {
		x.err = "" // typing again: the answer will still land here
	}
	var cmd tea.Cmd
	x.ti, cmd = x.ti.Update(msg)
	return nil, cmd
}

// walk steps through the filter history, back (up) or forward.
func (x *Input) walk(back bool) {
	if back {
		x.histPos = min(len(x.history)-1, x.histPos+1)
	} else {
		x.histPos = max(-1, x.histPos-1)
	}
	if x.histPos >= 0 {
		x.ti.SetValue(x.history[x.histPos])
	} else {
		x.ti.SetValue(x.latest)
	}
	x.ti.CursorEnd()
}

func (x *Input) submit(s *Stack, text string) (any, tea.Cmd) {
	switch x.kind {
	case FilterField:
		x.err, x.submitted = "checking…", text
		return RunFilter{Filter: text, Field: x}, nil
	case SearchField:
		x.err, x.submitted = "searching…", text
		return RunSearch{Text: text, Field: x}, nil
	case HostField:
		s.Pop(x)
		if text == "" {
			return nil, nil
		}
		return Clause{s.hostClause(text)}, nil
	case DetailSearchField:
		s.Pop(x)
		return FindInDetail{Text: text}, nil
	case TagField:
		name := strings.TrimSpace(strings.TrimLeft(text, "+-"))
		if name == "" {
			x.err = "type +name to add a tag or -name to remove one"
			return nil, nil
		}
		s.Pop(x)
		if strings.HasPrefix(text, "-") {
			return Act{Verb: "Tag −" + name, Change: model.Change{RemoveTags: []string{name}}, Targets: x.targets}, nil
		}
		return Act{Verb: "Tag +" + name, Change: model.Change{AddTags: []string{name}}, Targets: x.targets}, nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(text, ",", ""))
	if err != nil || n < 1 {
		x.err = "type a row number, 1 or more"
		return nil, nil
	}
	s.Pop(x)
	return Jump{Row: n}, nil
}

// hostClause matches a host by name, or a wildcard pattern; on Alerts an
// identity alert names its host elsewhere, and both match.
func (s *Stack) hostClause(text string) string {
	match := model.Eq
	if strings.ContainsAny(text, "*?") {
		match = model.Wildcard
	}
	clause := match(s.f.Hostname, text)
	if s.f.Product != "" {
		clause = "(" + model.Or(clause, match("source_endpoint_host_name", text)) + ")"
	}
	return clause
}

func (x *Input) view(*Stack) string { return x.ti.View() }
