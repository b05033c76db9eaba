package modal

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// help shows every key in force, in columns, scrolling.
type help struct {
	titles   []string
	groups   [][]key.Binding
	title    string // what the API in use is, and why
	readOnly bool
	scroll   int
}

// OpenHelp shows the key bindings in force, by group; title says which API
// is in use and why.
func (s *Stack) OpenHelp(titles []string, groups [][]key.Binding, title string, readOnly bool) {
	s.Push(&help{titles: titles, groups: groups, title: title, readOnly: readOnly})
}

func (x *help) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	act, _ := s.Keys.Match(km.String())
	half := max(1, s.height/2)
	switch {
	case km.String() == "esc" || act == keymap.Help || act == keymap.Quit:
		s.Pop(x)
	case act == keymap.Down:
		x.scroll++
	case act == keymap.Up:
		x.scroll = max(0, x.scroll-1)
	case act == keymap.PageDown || act == keymap.HalfDown:
		x.scroll += half
	case act == keymap.PageUp || act == keymap.HalfUp:
		x.scroll = max(0, x.scroll-half)
	case act == keymap.Top:
		x.scroll = 0
	case act == keymap.Bottom:
		x.scroll = 1 << 20
	}
	return nil, nil
}

const helpColumn = 36

// sections renders each group: its title and its keys, a long description
// wrapping under itself, never cut (help must say everything a key does).
// The keymap's help names rows as Detects does (detection); on Alerts
// each says alert.
func (x *help) sections(s *Stack) []string {
	st := s.st
	var out []string
	for gi, col := range x.groups {
		lines := []string{st.Section.Render(x.titles[gi])}
		for _, kb := range col {
			h := kb.Help()
			desc := strings.ReplaceAll(h.Desc, "detection", s.rowWord(1))
			for i, l := range strings.Split(screen.Wrap(desc, helpColumn-11), "\n") {
				k := ""
				if i == 0 {
					k = h.Key
				}
				lines = append(lines, st.MenuKey.Render(screen.PadRight(screen.Truncate(k, 10), 10))+" "+l)
			}
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return out
}

// columns lays the sections out in as many columns as fit, each section in
// the shortest column so they balance.
func columns(sections []string, width int) []string {
	ncol := max(1, min(len(sections), (width-4)/(helpColumn+2)))
	cols := make([][]string, ncol)
	heights := make([]int, ncol)
	for _, sec := range sections {
		i := 0
		for j := range heights {
			if heights[j] < heights[i] {
				i = j
			}
		}
		cols[i] = append(cols[i], sec)
		heights[i] += strings.Count(sec, "\n") + 2
	}
	rendered := make([]string, ncol)
	for i, c := range cols {
		rendered[i] = lipgloss.NewStyle().Width(helpColumn).MarginRight(2).Render(strings.Join(c, "\n\n"))
	}
	return strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, rendered...), "\n")
}

func (x *help) view(s *Stack) string {
	st := s.st
	body := columns(x.sections(s), s.width)
	room := max(3, s.height-6)
	x.scroll = max(0, min(x.scroll, len(body)-room))
	end := min(len(body), x.scroll+room)
	foot := "esc or ? closes"
	if len(body) > room {
		foot = fmt.Sprintf("j/k scroll (%d–%d of %d) · esc or ? closes", x.scroll+1, end, len(body))
	}
	if x.readOnly {
		foot = "read-only: write keys are off · " + foot
	}
	title := st.Label.Render("Keys") + st.Dim.Render(screen.Truncate(" · "+screen.Sanitize(x.title), max(10, s.width-12)))
	return st.Menu.Render(title + "\n" + strings.Join(body[x.scroll:end], "\n") + "\n" + st.Dim.Render(foot))
}
