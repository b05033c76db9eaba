package modal

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
	ExportField
	DetailSearchField
	ViewNameField
)

var inputPrompts = map[InputKind]string{FilterField: "filter (FQL) › ", SearchField: "search › ", HostField: "host › ", JumpField: "row › ", TagField: "tag (+add -remove) › ",
	ExportField: "export to (.jsonl .json .csv) › ", DetailSearchField: "search the detail › ",
	ViewNameField: "save as view › "}

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
	carry   any      // an export's query, captured when e was pressed
	// promptFn makes the prompt for a width (an export's names its
	// rows and filter, shortened to fit); nil: the kind's own.
	promptFn func(width int) string
	// submitted is the text enter sent, while the field checks it.
	submitted string
	// selected: the text the field opened with (or ↑ brought back) is
	// selected, shown in reverse video: typing replaces it, a cursor key
	// keeps it to edit.
	selected bool
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

// inputLimit caps what is typed or pasted in a field: 64 KiB, room for an
// encoded PowerShell command line. A text the console puts there itself (a
// pivot) may be longer: it is never cut.
const inputLimit = 64 << 10

func newTextInput(prompt string, width int) textinput.Model {
	ti := textinput.New()
	tis := ti.Styles()
	tis.Cursor.Blink = false // a blinking cursor repaints while idle
	ti.SetStyles(tis)
	ti.CharLimit = inputLimit
	ti.Prompt = prompt
	ti.SetWidth(width)
	return ti
}

// newInput makes a field holding text, not yet on the stack.
func (s *Stack) newInput(k InputKind, text string, targets []string) *Input {
	x := &Input{kind: k, histPos: -1, targets: targets, ti: newTextInput(inputPrompts[k], inputWidth(s.width, k)), latest: text}
	x.ti.SetVirtualCursor(false) // the terminal's own cursor, on the bottom line
	x.ti.CharLimit = max(inputLimit, utf8.RuneCountInString(text))
	x.ti.SetValue(text)
	x.ti.CursorEnd()
	return x
}

// selectAll selects the whole text (on: a text to select), or unselects.
func (x *Input) selectAll(on bool) {
	x.selected = on && x.ti.Value() != ""
	tis := x.ti.Styles()
	tis.Focused.Text = tis.Focused.Text.Reverse(x.selected)
	x.ti.SetStyles(tis)
}

// Selected reports the text selected: the next character typed replaces
// it.
func (x *Input) Selected() bool { return x.selected }

// OpenInput opens a field holding text; a filter line walks history with ↑
// and ↓; a tag's field acts on targets.
func (s *Stack) OpenInput(k InputKind, text string, history, targets []string) tea.Cmd {
	x := s.newInput(k, text, targets)
	if k == FilterField {
		// The example speaks the backend in use.
		x.ti.Placeholder = "(↑/↓ history)"
		if s.f.Status != "" {
			x.ti.Placeholder = s.f.Example() + "  " + x.ti.Placeholder
		}
		x.history = distinct(history, text)
	}
	if k == FilterField || k == SearchField || k == ViewNameField {
		x.selectAll(true)
	}
	s.Push(x)
	return x.ti.Focus()
}

// distinct is the history a field holding text walks: without text, which
// it shows already, so the first ↑ brings an earlier filter.
func distinct(history []string, text string) []string {
	return slices.DeleteFunc(slices.Clone(history), func(h string) bool { return h == strings.TrimSpace(text) })
}

// ExportFormats are the formats an export writes, by the file's ending.
var ExportFormats = map[string]string{".jsonl": "jsonl", ".json": "json", ".csv": "csv"}

// OpenExport opens the export's file name field holding name; carry (the
// query captured when e was pressed) comes back with the name chosen. Its
// prompt names what will be exported, rows ("13,633 alerts") and filter,
// the filter shortened so that the name keeps room at any width.
func (s *Stack) OpenExport(name, rows, filter string, carry any) tea.Cmd {
	x := s.newInput(ExportField, name, nil)
	x.carry = carry
	x.promptFn = func(width int) string { return exportPrompt(rows, filter, width) }
	x.fit(s.width)
	s.Push(x)
	return x.ti.Focus()
}

// exportPrompt is the export field's prompt: "export 13,633 alerts
// (filter: none) to › ", the filter cut to leave 30 columns for the name.
func exportPrompt(rows, filter string, width int) string {
	head, tail := "export "+rows+" (filter: ", ") to › "
	room := max(8, width-30-ansi.StringWidth(head+tail))
	return head + ansi.Truncate(filter, room, "…") + tail
}

// fit sizes the field, and its prompt if it has its own, to the width.
func (x *Input) fit(width int) {
	if x.promptFn != nil {
		x.ti.Prompt = x.promptFn(width)
	}
	x.ti.SetWidth(max(10, width-ansi.StringWidth(x.ti.Prompt)-2))
}

// NewRefusable is a filter line for a filter the console builds (a quick
// filter, a + in the detail): not on the stack, it comes up with the
// service's words should the filter be refused.
func (s *Stack) NewRefusable(filter string) *Input { return s.newInput(FilterField, filter, nil) }

// CheckFilter refuses a filter the console built (a quick filter, a + in
// the detail, a saved filter) that the backend cannot take, before it is
// sent: the filter line opens with it and the reason, to mend it. It
// reports whether the filter may be sent.
func (s *Stack) CheckFilter(filter string, history []string) bool {
	err := s.f.CheckFilter(filter, s.adds()...)
	if err == nil {
		return true
	}
	x := s.newInput(FilterField, filter, nil)
	x.history, x.err = distinct(history, filter), err.Error()
	x.ti.Focus() // its command only blinks a virtual cursor, which this field has not
	s.Push(x)
	return false
}

// adds are the clauses the console adds to a filter it sends now.
func (s *Stack) adds() []string {
	if s.Adds == nil {
		return nil
	}
	return s.Adds()
}

// inputWidth is the room for a field's text on the bottom line, after its
// prompt: the end of what is typed and the cursor stay in sight.
func inputWidth(width int, k InputKind) int {
	return max(10, width-ansi.StringWidth(inputPrompts[k])-2)
}

// Err is the field's message: the service's refusal, "checking…", or why
// the text cannot be taken.
func (x *Input) Err() string { return x.err }

// Checking reports a field waiting for the service's answer.
func (x *Input) Checking() bool {
	return x.err == "checking…" || x.err == "searching…" || x.err == "saving…"
}

// Refused puts the service's words under the text as typed.
func (x *Input) Refused(why string) { x.err = why }

// Kind is what the field is for.
func (x *Input) Kind() InputKind { return x.kind }

// Value is the text typed.
func (x *Input) Value() string { return x.ti.Value() }

// SetValue replaces the text.
func (x *Input) SetValue(text string) {
	x.ti.SetValue(text)
	x.selectAll(false)
}

// Line is the field as the bottom line draws it.
func (x *Input) Line() string { return x.ti.View() }

// Cursor is the terminal cursor's place on the line, or nil.
func (x *Input) Cursor() *tea.Cursor { return x.ti.Cursor() }

func (x *Input) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if p, paste := msg.(tea.PasteMsg); paste && x.selected {
			x.selectAll(false)
			if x.kind == FilterField && strings.ContainsAny(p.Content[:min(1, len(p.Content))], "+,") {
				x.ti.CursorEnd() // a clause to add, as a typed + or , is
			} else {
				x.ti.SetValue("")
			}
		}
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
	if x.selected && x.replaceSelected(km) {
		return nil, nil
	}
	var cmd tea.Cmd
	x.ti, cmd = x.ti.Update(msg)
	return nil, cmd
}

// replaceSelected takes a key while the text is selected: a character
// replaces the text, a deleting key deletes it all (reporting the key used
// up), any other key (a cursor key, ctrl+e, end) unselects and edits. On
// the filter line FQL's joiners, + (AND) and , (OR), add to the filter:
// they go at its end.
func (x *Input) replaceSelected(km tea.KeyPressMsg) bool {
	x.selectAll(false)
	switch km.String() {
	case "backspace", "delete", "ctrl+h", "ctrl+w", "alt+backspace", "ctrl+u", "ctrl+k", "ctrl+d":
		x.ti.SetValue("")
		return true
	}
	if x.kind == FilterField && (km.Text == "+" || km.Text == ",") {
		x.ti.CursorEnd()
		return false
	}
	if km.Text != "" {
		x.ti.SetValue("")
	}
	return false
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
	x.selectAll(true)
}

func (x *Input) submit(s *Stack, text string) (any, tea.Cmd) {
	switch x.kind {
	case FilterField:
		if err := s.f.CheckFilter(text, s.adds()...); err != nil {
			// Refused before anything is sent, in the analyst's own
			// words; a filter this field asked for earlier is dropped.
			x.err, x.submitted = err.Error(), ""
			return Closed{Field: x}, nil
		}
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
	case ExportField:
		format, ok := ExportFormats[strings.ToLower(filepath.Ext(text))]
		if !ok {
			x.err = "name a file ending in .jsonl, .json or .csv: the ending is the format"
			return nil, nil
		}
		s.Pop(x)
		return ExportTo{Path: text, Format: format, Carry: x.carry}, nil
	case DetailSearchField:
		s.Pop(x)
		return FindInDetail{Text: text}, nil
	case ViewNameField:
		if text == "" {
			x.err = "type the view's name"
			return nil, nil
		}
		// The field stays open, saying so, until the file is written: a
		// refusal leaves the name as typed.
		x.err = "saving…"
		return SaveView{Name: text, Field: x}, nil
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
