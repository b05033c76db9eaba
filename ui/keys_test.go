package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// The footer and ? come from the bindings in force: overrides show, and
// read-only offers no write key anywhere.
func TestHelpIsGeneratedFromTheBindings(t *testing.T) {
	h := newHarness(t, 50)
	keys, err := keymap.Default().Override(map[string]string{"status": "S", "undo": "z"})
	if err != nil {
		t.Fatal(err)
	}
	d := loaded(t, h, func(o *Options) { o.Keys = keys })
	if foot := ansi.Strip(d.m.helpLine()); !strings.Contains(foot, "S status") {
		t.Fatalf("the footer does not show the override: %q", foot)
	}
	for _, readOnly := range []bool{false, true} {
		d := loaded(t, h, func(o *Options) { o.ReadOnly = readOnly })
		d.key("?")
		seen := helpPages(t, d)
		foot := ansi.Strip(d.m.helpLine())
		for _, kb := range d.m.o.Keys.Bindings() {
			// A long description wraps in its column: each of its lines
			// must be on some screen.
			desc := kb.Help().Desc
			shown := true
			for _, l := range strings.Split(screen.Wrap(desc, 36-11), "\n") {
				shown = shown && strings.Contains(seen, l)
			}
			if readOnly && kb.Writes && (shown || strings.Contains(foot, " "+shortWords[kb.Action])) && shortWords[kb.Action] != "" {
				t.Errorf("read-only offers %s", kb.Action)
			}
			if readOnly && kb.Writes && shown {
				t.Errorf("read-only help lists %q", desc)
			}
			if kb.Action == keymap.Tag {
				continue // an Alerts key: the harness is a Detects tenant
			}
			if !kb.Writes && !shown || !readOnly && !shown {
				t.Errorf("help at 80×24 never shows %q", desc)
			}
		}
		for _, g := range keymap.Groups {
			if !strings.Contains(seen, g) {
				t.Errorf("help never shows the section %s", g)
			}
		}
	}
}

// helpPages scrolls the help open at 80×24 to its end and returns every
// line it showed, checking each frame fits the screen.
func helpPages(t *testing.T, d *driver) string {
	t.Helper()
	d.send(teaSize(80, 24))
	var all strings.Builder
	last := ""
	for range 100 {
		sc := ansi.Strip(d.screen())
		lines := strings.Split(sc, "\n")
		if len(lines) > 24 {
			t.Fatalf("the help is %d lines at 80×24", len(lines))
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > 80 {
				t.Fatalf("a help line is wider than 80: %q", l)
			}
		}
		all.WriteString(sc)
		if sc == last {
			break
		}
		last = sc
		d.key("j")
	}
	d.key("esc")
	return all.String()
}

func TestForceQuitIsRebindable(t *testing.T) {
	h := newHarness(t, 20)
	keys, err := keymap.Default().Override(map[string]string{"force_quit": "ctrl+q"})
	if err != nil {
		t.Fatal(err)
	}
	d := loaded(t, h, func(o *Options) { o.Keys = keys })
	d.key("ctrl+c")
	d.run()
	if d.quit {
		t.Fatal("ctrl+c still quits after force_quit moved to ctrl+q")
	}
	d.key("/", "ctrl+q") // even from inside a text field
	d.run()
	if !d.quit || d.m.ctx.Err() == nil {
		t.Fatal("ctrl+q did not quit now")
	}
}
