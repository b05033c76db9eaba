package modal

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// ChooseTenant is the tenant chosen in the tenant picker (p): a child by
// its CID, or the parent (Parent, CID its customer id where known).
type ChooseTenant struct {
	CID    string
	Name   string
	Parent bool
}

// tenantItem is one line of the tenant picker.
type tenantItem struct {
	t      model.Tenant
	parent bool
	label  string // sanitised, for the screen and the search
}

// tenantPicker lists a Flight Control parent and its children by name and
// CID, searchable as the assignee picker is; the tenant the console is in
// is marked.
type tenantPicker struct {
	ti      textinput.Model
	all     []tenantItem
	items   []tenantItem
	sel     int
	selCID  string // the item chosen, held by what it stands for
	current string // the CID the console is in ("" the parent)
	text    string
}

// TenantPicker makes the tenant picker over the parent (its CID, "" when
// unknown) and its children; current is the CID the console is in ("" the
// parent). The console pushes it (p) or raises it (children listed late).
func (s *Stack) TenantPicker(parent string, children []model.Tenant, current string) Layer {
	x := &tenantPicker{ti: newTextInput("tenant › ", max(10, min(60, s.width-16))), current: strings.ToLower(current)}
	x.ti.SetVirtualCursor(true)
	// Focused now: raised, it opens without the console focusing it. Its
	// cursor does not blink (the blink's command is dropped): an idle
	// picker writes nothing.
	x.ti.Focus()
	x.all = append(x.all, tenantItem{t: model.Tenant{CID: parent}, parent: true, label: "Parent tenant" + cidSuffix(parent)})
	for _, c := range children {
		name := screen.Sanitize(c.Name)
		if strings.TrimSpace(name) == "" {
			name = "(no name)"
		}
		x.all = append(x.all, tenantItem{t: c, label: name + cidSuffix(c.CID)})
	}
	x.selCID = x.current
	x.filter()
	return x
}

// PushTenantPicker opens a picker made by TenantPicker at once.
func (s *Stack) PushTenantPicker(x Layer) tea.Cmd {
	s.Push(x)
	return nil
}

func cidSuffix(cid string) string {
	if cid == "" {
		return ""
	}
	return "  " + screen.Sanitize(cid)
}

// key is what an item stands for: the parent, or a child's CID.
func (it tenantItem) key() string {
	if it.parent {
		return ""
	}
	return strings.ToLower(it.t.CID)
}

// filter keeps the items whose name or CID holds the typed text, the one
// chosen kept chosen while it still matches.
func (x *tenantPicker) filter() {
	x.text = strings.ToLower(strings.TrimSpace(x.ti.Value()))
	x.items = x.items[:0]
	for _, it := range x.all {
		if x.text == "" || strings.Contains(strings.ToLower(it.label), x.text) {
			x.items = append(x.items, it)
		}
	}
	x.sel = 0
	for i, it := range x.items {
		if it.key() == x.selCID {
			x.sel = i
		}
	}
	if len(x.items) > 0 {
		x.selCID = x.items[x.sel].key()
	}
}

func (x *tenantPicker) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
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
			if len(x.items) == 0 {
				return nil, nil
			}
			it := x.items[x.sel]
			s.Pop(x)
			if it.key() == x.current {
				return Say{"already in " + strings.TrimSpace(it.label)}, nil
			}
			return ChooseTenant{CID: it.t.CID, Name: it.t.Name, Parent: it.parent}, nil
		}
	}
	var cmd tea.Cmd
	x.ti, cmd = x.ti.Update(msg)
	x.filter()
	return nil, cmd
}

func (x *tenantPicker) choose(i int) {
	if len(x.items) == 0 {
		return
	}
	x.sel = max(0, min(len(x.items)-1, i))
	x.selCID = x.items[x.sel].key()
}

func (x *tenantPicker) view(s *Stack) string {
	st := s.st
	w := max(20, s.width-10)
	var b strings.Builder
	b.WriteString(st.Label.Render(fmt.Sprintf("Switch tenant: %d %s", len(x.all)-1, screen.Plural(len(x.all)-1, "child tenant"))))
	b.WriteString("\n" + x.ti.View())
	limit := max(3, s.height-12)
	start := max(0, x.sel-limit+1)
	for i := start; i < len(x.items) && i < start+limit; i++ {
		it := x.items[i]
		mark := "  "
		if it.key() == x.current {
			mark = "● " // not colour alone: the word says it too
		}
		line := mark + it.label
		if it.key() == x.current {
			line += "  (current)"
		}
		if i == x.sel {
			line = st.Cursor.Render("▶ " + line)
		} else {
			line = "  " + line
		}
		b.WriteString("\n" + screen.Truncate(line, w))
	}
	if len(x.items) == 0 {
		b.WriteString("\n" + st.Dim.Render("  no tenant matches"))
	}
	b.WriteString("\n" + st.Dim.Render(screen.Truncate("↑/↓ choose · enter switch · esc cancel", w)))
	return st.Menu.Render(b.String())
}
