package modal

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// copyItems are the copy menu's fields: key, name, and the value on a row
// and its behaviour.
var copyItems = []struct {
	key, what string
	value     func(d *model.Detection, b *model.Behavior) string
}{
	{"i", "id", func(d *model.Detection, _ *model.Behavior) string { return d.ID }},
	{"h", "host name", func(d *model.Detection, _ *model.Behavior) string { return d.Host() }},
	{"s", "SHA256", func(_ *model.Detection, b *model.Behavior) string { return b.SHA256 }},
	{"m", "MD5", func(_ *model.Detection, b *model.Behavior) string { return b.MD5 }},
	{"c", "command line", func(_ *model.Detection, b *model.Behavior) string { return b.CmdLine }},
	{"p", "parent SHA256", func(_ *model.Detection, b *model.Behavior) string { return b.ParentSHA256 }},
	{"P", "parent command line", func(_ *model.Detection, b *model.Behavior) string { return b.ParentCmdLine }},
	{"e", "parent file name", func(_ *model.Detection, b *model.Behavior) string { return processOf(b.Parent).FileName }},
	{"g", "grandparent command line", func(_ *model.Detection, b *model.Behavior) string { return processOf(b.Grandparent).CmdLine }},
	{"G", "grandparent SHA256", func(_ *model.Detection, b *model.Behavior) string { return processOf(b.Grandparent).SHA256 }},
	{"n", "user name", func(_ *model.Detection, b *model.Behavior) string { return b.UserName }},
	{"b", "behaviour id", func(_ *model.Detection, b *model.Behavior) string { return b.ID }},
	{"a", "account", func(d *model.Detection, _ *model.Behavior) string { return d.Identity.AccountName }},
	{"A", "account UPN", func(d *model.Detection, _ *model.Behavior) string { return d.Identity.AccountUPN }},
	{"I", "source IP", func(d *model.Detection, _ *model.Behavior) string { return d.Identity.SourceIP }},
	{"t", "target account", func(d *model.Detection, _ *model.Behavior) string { return d.Identity.TargetAccount }},
}

// processOf is a parent or grandparent, empty where the service names none.
func processOf(p *model.Process) *model.Process {
	if p == nil {
		return &model.Process{}
	}
	return p
}

// copyMenu copies a value of the row and behaviour the cursor was on when y
// was pressed: the values are taken then, so a re-read landing meanwhile
// does not change what is copied.
type copyMenu struct {
	title string
	items [][2]string       // key, what
	value map[string]string // by key
}

// OpenCopy opens the copy menu on row d and its behaviour b (the one under
// the detail's cursor, else the worst; d nil: no row yet, only the filter);
// link is the console link, filter the filter on screen.
func (s *Stack) OpenCopy(d *model.Detection, b *model.Behavior, link, filter string) {
	x := &copyMenu{title: "Copy", value: map[string]string{}}
	if d != nil {
		for i := range d.Behaviors {
			if len(d.Behaviors) > 1 && &d.Behaviors[i] == b {
				x.title = fmt.Sprintf("Copy (behaviour %d of %d)", i+1, len(d.Behaviors))
			}
		}
		for _, it := range copyItems {
			if v := it.value(d, b); v != "" { // only what this row has: an identity alert has no hash
				x.items = append(x.items, [2]string{it.key, it.what})
				x.value[it.key] = v
			}
		}
		x.items = append(x.items, [2]string{"u", "console link"})
		x.value["u"] = link
	}
	if filter != "" {
		x.items = append(x.items, [2]string{"f", "filter"})
		x.value["f"] = filter
	}
	s.Push(x)
}

func (x *copyMenu) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	k := km.String()
	if k == "esc" {
		s.Pop(x)
		return nil, nil
	}
	for _, it := range x.items {
		if it[0] != k {
			continue
		}
		s.Pop(x)
		v := screen.StripControls(x.value[k])
		if v == "" {
			return Say{"nothing to copy: the " + it[1] + " is empty"}, nil
		}
		return Copy{What: it[1], Value: v}, nil
	}
	return nil, nil
}

func (x *copyMenu) view(s *Stack) string { return screen.MenuBox(s.st, s.width, x.title, x.items) }
