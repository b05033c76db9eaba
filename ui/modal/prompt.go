package modal

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// Prompt is a question with one-key answers; its Answer carries its tag.
// TextFn, when set, words the question at each frame (the quit prompt
// follows the action it asks about).
type Prompt struct {
	Text    string
	TextFn  func() string
	Answers [][2]string // key, meaning
	Tag     any
}

func (p *Prompt) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	k := km.String()
	for _, a := range p.Answers {
		if a[0] == k {
			s.Pop(p)
			return Answer{Tag: p.Tag, Key: k}, nil
		}
	}
	if k == "esc" {
		s.Pop(p)
		return Answer{Tag: p.Tag, Key: "esc"}, nil
	}
	return nil, nil
}

func (p *Prompt) view(s *Stack) string {
	st := s.st
	var b strings.Builder
	// Wrapped to the screen: a prompt listing changed rows can be long.
	text := p.Text
	if p.TextFn != nil {
		text = p.TextFn()
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = screen.Wrap(screen.Sanitize(l), max(20, s.width-8))
	}
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteString("\n")
	if s.Arming() && s.arming == p {
		// Not taking keys yet: the answers show once they work.
		b.WriteString(st.Dim.Render("(a moment: read it first)"))
		return st.Menu.Render(b.String())
	}
	for i, a := range p.Answers {
		if i > 0 {
			b.WriteString("   ")
		}
		b.WriteString(st.MenuKey.Render(a[0]) + " " + a[1])
	}
	return st.Menu.Render(b.String())
}

// FooterKeys are the keys the footer shows while a prompt is in front: its
// answers and esc, nothing while it is arming (no key works yet); ok is
// false when the layer in front is no prompt.
func (s *Stack) FooterKeys() (keys [][2]string, ok bool) {
	p, isPrompt := s.Top().(*Prompt)
	if !isPrompt {
		return nil, false
	}
	if s.Arming() {
		return nil, true
	}
	keys = slices.Clone(p.Answers)
	if !slices.ContainsFunc(keys, func(a [2]string) bool { return a[0] == "esc" }) {
		keys = append(keys, [2]string{"esc", "cancel"})
	}
	return keys, true
}
