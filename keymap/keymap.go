// Package keymap holds every key binding of the console with its help text:
// the defaults of shared/KEYS.md plus the user's overrides from the config
// file. It must not import the console or the API: the console reads it.
package keymap

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// Action names a binding, as the config file's keys section spells it.
type Action string

// The actions the console has.
const (
	Down          Action = "down"
	Up            Action = "up"
	HalfDown      Action = "half_page_down"
	HalfUp        Action = "half_page_up"
	PageDown      Action = "page_down"
	PageUp        Action = "page_up"
	Top           Action = "top"
	Bottom        Action = "bottom"
	Jump          Action = "jump"
	Open          Action = "open"
	Back          Action = "back"
	GoBack        Action = "go_back"
	Filter        Action = "filter"
	Search        Action = "search"
	QuickFilter   Action = "quick_filter"
	AddFilter     Action = "add_to_filter"
	ExcludeFilter Action = "exclude_from_filter"
	ToggleHidden  Action = "toggle_hidden"
	SortNext      Action = "sort_next"
	SortFlip      Action = "sort_flip"
	Refresh       Action = "refresh"
	Copy          Action = "copy"
	Help          Action = "help"
	Quit          Action = "quit"
	ForceQuit     Action = "force_quit"
	Suspend       Action = "suspend"
	Mark          Action = "mark"
	RangeMark     Action = "range_mark"
	MarkScreen    Action = "mark_screen"
	MarkAll       Action = "mark_all_matching"
	Status        Action = "status"
	Assign        Action = "assign"
	Comment       Action = "comment"
	Hide          Action = "hide"
	Contain       Action = "contain"
	Undo          Action = "undo"
	Redo          Action = "redo"
	RestoreMarks  Action = "restore_marks"
	NextRow       Action = "next_detection"
	PrevRow       Action = "previous_detection"
	RelativeTime  Action = "relative_times"
	PanelNext     Action = "next_panel"
	SeverityNum   Action = "severity_numbers"
	PanelPrev     Action = "previous_panel"
	Retry         Action = "retry"
	Tag           Action = "tag"
	Overview      Action = "overview"
	Window        Action = "overview_window"
	Export        Action = "export"
	DetailSearch  Action = "detail_search"
	SearchNext    Action = "detail_search_next"
	SearchPrev    Action = "detail_search_previous"
	Template      Action = "comment_template"
	View          Action = "view"
	ViewPrev      Action = "previous_view"
	ViewNext      Action = "next_view"
	SaveView      Action = "save_view"
	Incident      Action = "incident"
	Tenant        Action = "switch_tenant"
)

// Scope is where a binding works: everywhere outside a text field (""),
// only in the detail, or only in the comment box.
type Scope string

// The scopes of the bindings that do not work everywhere.
const (
	Anywhere  Scope = ""
	InDetail  Scope = "detail"
	InComment Scope = "comment"
)

// shadowed are the actions a detail-only key may also be bound to: they
// mean nothing in the detail, which takes the key over (/ filters the list,
// and searches the detail's text while it is open).
var shadowed = map[Action]bool{Filter: true, Search: true, QuickFilter: true, Jump: true, SortNext: true, SortFlip: true}

// commentKeys are the comment box's own keys, and typing: a comment-box
// binding may not take them.
var commentKeys = map[string]bool{"esc": true, "enter": true, "ctrl+s": true, "ctrl+t": true, "backspace": true,
	"delete": true, "left": true, "right": true, "up": true, "down": true, "home": true, "end": true, "space": true, "tab": true}

// Binding is one action's keys and help.
type Binding struct {
	Action Action
	Group  string
	// Writes marks an action that changes the tenant's data: read-only
	// mode refuses it, and offers it nowhere.
	Writes bool
	// Scope is where the binding works.
	Scope Scope
	key.Binding
}

// KeyMap is every binding, in help order.
type KeyMap struct {
	bindings []Binding
	index    map[Action]int
}

func b(a Action, group, help string, keys ...string) Binding {
	return Binding{Action: a, Group: group, Binding: key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), help))}
}

func w(a Action, group, help string, keys ...string) Binding {
	kb := b(a, group, help, keys...)
	kb.Writes = true
	return kb
}

// digits shows the view keys as 1…9 in the help, not nine keys.
func digits(kb Binding) Binding {
	kb.SetHelp("1…9", kb.Help().Desc)
	return kb
}

func in(s Scope, kb Binding) Binding {
	kb.Scope = s
	return kb
}

// Groups are the help screen's sections, in order.
var Groups = []string{"Move", "Detail", "Filter and sort", "Triage", "General"}

// Reserved are the keys of shared/KEYS.md kept free for what is not bound
// yet, so that nothing else takes them (p, kept for tenant switching, is
// switch_tenant's now).
var Reserved = []string{}

// Default is the keymap of shared/KEYS.md.
func Default() KeyMap {
	km := KeyMap{bindings: []Binding{
		b(Down, "Move", "down", "j", "down"),
		b(Up, "Move", "up", "k", "up"),
		b(HalfDown, "Move", "half page down", "ctrl+d"),
		b(HalfUp, "Move", "half page up", "ctrl+u"),
		b(PageDown, "Move", "page down", "pgdown"),
		b(PageUp, "Move", "page up", "pgup"),
		b(Top, "Move", "top (▲ new: go to them)", "g", "home"),
		b(Bottom, "Move", "the real end", "G", "end"),
		b(Jump, "Move", "jump to row", ":"),
		b(Open, "Detail", "open detail (in it: unfold / fold a long value)", "enter"),
		b(Back, "Detail", "close the topmost layer", "esc"),
		b(AddFilter, "Detail", "filter on the field", "+"),
		b(ExcludeFilter, "Detail", "exclude the field", "-"),
		b(Copy, "Detail", "copy menu (OSC 52)", "y"),
		b(NextRow, "Detail", "next detection, the detail kept open", "J"),
		b(PrevRow, "Detail", "previous detection, the detail kept open", "K"),
		b(Incident, "Detail", "list the alerts of the row's incident (aggregate_id)", "I"),
		in(InDetail, b(DetailSearch, "Detail", "search the detail's text", "/")),
		in(InDetail, b(SearchNext, "Detail", "next match of the search", "n")),
		in(InDetail, b(SearchPrev, "Detail", "previous match of the search", "N")),
		b(Filter, "Filter and sort", "FQL filter", "/"),
		b(Search, "Filter and sort", "free-text search", "F"),
		b(QuickFilter, "Filter and sort", "quick filters", "f"),
		b(ToggleHidden, "Filter and sort", "show hidden", "."),
		b(GoBack, "Filter and sort", "back to the filter, sort and row before the last change of them", "backspace"),
		b(SortNext, "Filter and sort", "sort menu (o again: next field)", "o"),
		b(SortFlip, "Filter and sort", "flip sort", "O"),
		b(RelativeTime, "Filter and sort", "times as dates or as \"5m ago\"", "t"),
		b(SeverityNum, "Filter and sort", "severity as a word or with its number", "#"),
		b(Mark, "Triage", "mark and move down", "space"),
		b(RangeMark, "Triage", "mark from the last mark to here", "V"),
		b(MarkScreen, "Triage", "mark every row on screen", "ctrl+a"),
		b(MarkAll, "Triage", "mark every row matching the filter", "*"),
		b(RestoreMarks, "Triage", "bring back the marks esc cleared", "M"),
		w(Status, "Triage", "status menu", "s"),
		w(Assign, "Triage", "assign", "a"),
		w(Comment, "Triage", "comment", "c"),
		in(InComment, w(Template, "Triage", "comment box: insert a template", "ctrl+o")),
		w(Hide, "Triage", "hide / unhide", "H"),
		w(Contain, "Triage", "contain the row's host (lift when contained); confirmed", "C"),
		w(Tag, "Triage", "add (+name) or remove (-name) a tag (Alerts)", "T"),
		w(Undo, "Triage", "undo, stepping back through this run's actions", "u"),
		w(Redo, "Triage", "redo what was undone", "ctrl+r"),
		w(Retry, "Triage", "retry what was refused or not sent", "R"),
		b(Overview, "General", "list ⇄ overview", "tab"),
		b(Window, "General", "overview: next histogram window", "w"),
		b(PanelNext, "General", "overview: next panel", "l", "right"),
		b(PanelPrev, "General", "overview: previous panel", "h", "left"),
		b(Refresh, "General", "refresh", "r"),
		b(Export, "General", "export to a file", "e"),
		b(Tenant, "General", "switch tenant (Flight Control child CID)", "p"),
		b(Help, "General", "all keys", "?"),
		b(Quit, "General", "quit", "q"),
		b(ForceQuit, "General", "quit now", "ctrl+c"),
		b(Suspend, "General", "suspend", "ctrl+z"),
		digits(b(View, "General", "go to view 1…9 (tabs)", "1", "2", "3", "4", "5", "6", "7", "8", "9")),
		b(ViewPrev, "General", "previous view", "["),
		b(ViewNext, "General", "next view", "]"),
		b(SaveView, "General", "save filter and sort as a view", "S"),
	}}
	km.reindex()
	return km
}

func (km *KeyMap) reindex() {
	km.index = make(map[Action]int, len(km.bindings))
	for i, b := range km.bindings {
		km.index[b.Action] = i
	}
}

// Get returns an action's binding.
func (km KeyMap) Get(a Action) key.Binding {
	if i, ok := km.index[a]; ok {
		return km.bindings[i].Binding
	}
	return key.NewBinding(key.WithDisabled())
}

// Match returns the action a key string is bound to outside the detail and
// the comment box, if any.
func (km KeyMap) Match(k string) (Action, bool) { return km.MatchIn(k, Anywhere) }

// MatchIn returns the action a key string is bound to in scope s: the
// scope's own bindings first, then, in the detail, those that work
// everywhere. In the comment box only its own bindings count.
func (km KeyMap) MatchIn(k string, s Scope) (Action, bool) {
	passes := []Scope{s}
	if s == InDetail {
		passes = append(passes, Anywhere)
	}
	for _, pass := range passes {
		for _, b := range km.bindings {
			if b.Scope == pass && slices.Contains(b.Keys(), k) {
				return b.Action, true
			}
		}
	}
	return "", false
}

// clash reports two bindings that cannot share a key: in the same scope; a
// detail key and one that also works in the detail. A comment-box key
// shares with nothing outside the box.
func clash(x, y Binding) bool {
	switch {
	case x.Scope == y.Scope:
		return true
	case x.Scope == InComment || y.Scope == InComment:
		return false
	case x.Scope == InDetail:
		return !shadowed[y.Action]
	}
	return !shadowed[x.Action]
}

// Bindings returns every binding in help order.
func (km KeyMap) Bindings() []Binding { return append([]Binding(nil), km.bindings...) }

// Writes reports whether an action changes the tenant's data.
func (km KeyMap) Writes(a Action) bool {
	i, ok := km.index[a]
	return ok && km.bindings[i].Writes
}

// OverrideError is a refused entry of the config file's keys section.
type OverrideError struct {
	// Action is the entry's name, as the config file spells it.
	Action string
	Err    error
}

func (e *OverrideError) Error() string { return "keys: " + e.Err.Error() }

func (e *OverrideError) Unwrap() error { return e.Err }

// Actions returns every action's name, in help order.
func (km KeyMap) Actions() []string {
	out := make([]string, len(km.bindings))
	for i, b := range km.bindings {
		out[i] = string(b.Action)
	}
	return out
}

// yielding are the bindings added after config files were written (the
// views'): a key a config gives another action is taken from them, not
// refused, so that a config that worked before still does.
var yielding = map[Action]bool{View: true, ViewPrev: true, ViewNext: true, SaveView: true}

// yield takes the keys the overrides give other actions from the yielding
// bindings not overridden themselves.
func (km *KeyMap) yield(over map[string]string) {
	taken := map[string]bool{}
	for name := range over {
		if i, ok := km.index[Action(name)]; ok && !yielding[Action(name)] {
			for _, k := range km.bindings[i].Keys() {
				taken[k] = true
			}
		}
	}
	for i, b := range km.bindings {
		if _, own := over[string(b.Action)]; !yielding[b.Action] || own {
			continue
		}
		keys := slices.DeleteFunc(slices.Clone(b.Keys()), func(k string) bool { return taken[k] })
		if len(keys) == len(b.Keys()) {
			continue
		}
		nb := b
		nb.Binding = key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), b.Help().Desc))
		km.bindings[i] = nb
	}
}

// Override applies the config file's keys section: action name to a
// comma-separated list of keys. An unknown action, a key no terminal can
// send, or a key bound twice is an *OverrideError that names the entry.
func (km KeyMap) Override(over map[string]string) (KeyMap, error) {
	out := KeyMap{bindings: append([]Binding(nil), km.bindings...)}
	out.reindex()
	names := make([]string, 0, len(over))
	for n := range over {
		names = append(names, n)
	}
	sort.Strings(names)
	refuse := func(name string, f string, a ...any) (KeyMap, error) {
		return km, &OverrideError{Action: name, Err: fmt.Errorf(f, a...)}
	}
	for _, name := range names {
		i, ok := out.index[Action(name)]
		if !ok {
			return refuse(name, "unknown action %q (the actions: %s)", name, strings.Join(km.Actions(), ", "))
		}
		var keys []string
		for _, k := range strings.Split(over[name], ",") {
			if k = strings.TrimSpace(k); k == "" {
				continue
			}
			if err := ValidKey(k); err != nil {
				return refuse(name, "%s: %w", name, err)
			}
			keys = append(keys, k)
		}
		if len(keys) == 0 {
			return refuse(name, "%q has no keys", name)
		}
		nb := out.bindings[i]
		nb.Binding = key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), nb.Help().Desc))
		out.bindings[i] = nb
	}
	out.yield(over)
	seen := map[string][]Binding{}
	for _, b := range out.bindings {
		for _, k := range b.Keys() {
			if b.Scope == InComment && (commentKeys[k] || len([]rune(k)) == 1) {
				return refuse(string(b.Action), "%q is typed or used in the comment box: take a ctrl+ key", k)
			}
			for _, o := range seen[k] {
				if !clash(o, b) {
					continue
				}
				// Name the entry the user wrote, which is the one to change.
				other, name := o.Action, b.Action
				if _, ok := over[string(other)]; ok {
					name = other
				}
				return refuse(string(name), "%q is bound to both %s and %s", k, other, b.Action)
			}
			seen[k] = append(seen[k], b)
		}
	}
	return out, nil
}
