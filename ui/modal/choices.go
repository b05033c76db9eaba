package modal

import "github.com/falcon-triage/falcon-triage/model"

// The choices a layer hands back for the console to carry out.

// Answer is a prompt's answer: the tag the prompt was opened with and the
// key pressed ("esc" when it was closed).
type Answer struct {
	Tag any
	Key string
}

// Act is a change the analyst chose for the targets captured when its key
// was pressed. Verb names it ("Status → Closed"); Draft: it sends the
// comment draft for the rows this key names (DraftKey), cleared once
// applied; "" it sends none.
type Act struct {
	Verb    string
	Change  model.Change
	Targets []string
	Draft   string
}

// Assign assigns the targets to a person, whose UUID may still have to be
// found.
type Assign struct {
	User    model.User
	Targets []string
}

// Clause puts a quick filter's clause in place of any on its field.
type Clause struct{ Clause string }

// RunFilter runs a filter as typed (the filter line's enter, a saved
// filter). Field is the filter line that asked, told of a refusal; it is
// on the stack, saying "checking…", until the query lands or is refused.
type RunFilter struct {
	Filter string
	Field  *Input
}

// RunSearch runs a free-text search; Field as RunFilter's.
type RunSearch struct {
	Text  string
	Field *Input
}

// SaveView saves the list's filter and sort as the view Name; Field is the
// name field, open until the config file is written (or refused).
type SaveView struct {
	Name  string
	Field *Input
}

// ClearFilter clears the filter and the search.
type ClearFilter struct{}

// Closed says a field closed with esc: a query it asked for is dropped.
type Closed struct{ Field *Input }

// ExportTo exports to the file at Path in Format; Carry is what the
// field was opened with (the query on screen when e was pressed).
type ExportTo struct {
	Path, Format string
	Carry        any
}

// Jump moves to a row number, counted from 1.
type Jump struct{ Row int }

// SortBy sorts the list.
type SortBy struct{ Sort model.Sort }

// Copy copies a value to the clipboard (OSC 52); What names it.
type Copy struct{ What, Value string }

// DraftKept says the comment box closed with its draft kept (or sent): the
// session keeps it.
type DraftKept struct {
	// Why is the footer's word when the box closed without sending what
	// it was opened for ("" : the draft was kept).
	Why string
}

// Say is a word for the footer.
type Say struct{ Text string }

// StatusWithComment asks for the status menu for targets, the draft sent
// along (ctrl+t in the comment box): OpenStatus with withComment.
type StatusWithComment struct{ Targets []string }

// FindInDetail searches the detail's text (the detail's search line).
type FindInDetail struct{ Text string }
