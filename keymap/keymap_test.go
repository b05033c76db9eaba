package keymap

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultHasNoKeyTwice(t *testing.T) {
	if _, err := Default().Override(nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range Reserved {
		if a, ok := Default().Match(r); ok {
			t.Fatalf("reserved key %q is bound to %s", r, a)
		}
	}
}

// The views' keys came after config files were written: a key a config
// gives another action is taken from them, never refused.
func TestViewKeysYieldToAConfigsKeys(t *testing.T) {
	km, err := Default().Override(map[string]string{"status": "S", "mark": "1", "undo": "["})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]Action{"S": Status, "1": Mark, "[": Undo, "2": View, "]": ViewNext} {
		if a, _ := km.Match(k); a != want {
			t.Errorf("%s is %s, want %s", k, a, want)
		}
	}
	if _, ok := km.Match("s"); ok {
		t.Error("s still acts")
	}
	if _, err := Default().Override(map[string]string{"view": "j"}); err == nil {
		t.Error("a view key overridden onto down is accepted")
	}
}

func TestOverride(t *testing.T) {
	km, err := Default().Override(map[string]string{"down": "j, ctrl+n", "quit": "Q"})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := km.Match("ctrl+n"); a != Down {
		t.Fatal("override not applied")
	}
	if _, ok := km.Match("q"); ok {
		t.Fatal("the old quit key still quits")
	}
	if h := km.Get(Quit).Help(); h.Key != "Q" || h.Desc != "quit" {
		t.Fatalf("help shows %+v", h)
	}
	for over, want := range map[string]map[string]string{
		`unknown action "fly"`: {"fly": "x"},
		`"k" is bound to both`: {"down": "k"},
		`has no keys`:          {"down": " , "},
	} {
		if _, err := Default().Override(want); err == nil || !strings.Contains(err.Error(), over) {
			t.Errorf("%v: %v, want %q", want, err, over)
		}
	}
}

func TestValidKey(t *testing.T) {
	for _, b := range Default().Bindings() {
		for _, k := range b.Keys() {
			if err := ValidKey(k); err != nil {
				t.Errorf("default %s: %v", b.Action, err)
			}
		}
	}
	for _, k := range []string{"x", "X", "?", "é", "ctrl+n", "alt+enter", "ctrl+alt+x", "ctrl+shift+a", "shift+tab", "f5", "ctrl+f12", "super+space"} {
		if err := ValidKey(k); err != nil {
			t.Errorf("%q: %v", k, err)
		}
	}
	for k, want := range map[string]string{
		"ctrl+shift+banana": `unknown key "banana"`,
		"ctrl+":             "no key after",
		"":                  "empty",
		"banana":            `unknown key "banana"`,
		"shift+ctrl+a":      "order",
		"ctrl+ctrl+a":       "order",
		"hyper+":            "no key after",
		"ctrl+A":            "ctrl+shift+a",
		"shift+a":           `"A"`,
		"f64":               `unknown key "f64"`,
	} {
		err := ValidKey(k)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", k, err, want)
			continue
		}
		if want != "empty" && !strings.Contains(err.Error(), "ctrl+, alt+, shift+") {
			t.Errorf("%q: %v does not list the valid forms", k, err)
		}
	}
}

func TestOverrideRefusesWhatCannotBePressed(t *testing.T) {
	_, err := Default().Override(map[string]string{"quit": "ctrl+shift+banana"})
	var oe *OverrideError
	if !errors.As(err, &oe) || oe.Action != "quit" || !strings.Contains(err.Error(), `unknown key "banana"`) {
		t.Fatalf("got %v", err)
	}
	_, err = Default().Override(map[string]string{"fly": "x"})
	if err == nil || !strings.Contains(err.Error(), "half_page_down") || !strings.Contains(err.Error(), "overview_window") {
		t.Fatalf("an unknown action does not list the valid ones: %v", err)
	}
	if !errors.As(err, &oe) || oe.Action != "fly" {
		t.Fatalf("the error does not name the action: %#v", err)
	}
	if _, err := Default().Override(map[string]string{"down": "k", "up": "j"}); err != nil {
		t.Fatalf("swapping two keys: %v", err)
	}
}

// The detail's own keys take over / (the list's filter) while it is open;
// n and N mean nothing elsewhere; the comment box's key works only there.
// A detail key may not take a key that also works in the detail, nor a
// comment-box key one typed in the box.
func TestScopedKeys(t *testing.T) {
	km := Default()
	for _, c := range []struct {
		key   string
		scope Scope
		want  Action
	}{
		{"/", InDetail, DetailSearch}, {"/", Anywhere, Filter}, {"n", InDetail, SearchNext}, {"N", InDetail, SearchPrev},
		{"s", InDetail, Status}, {"ctrl+o", InComment, Template}, {"q", InComment, ""}, {"n", Anywhere, ""}, {"ctrl+o", Anywhere, ""},
	} {
		if got, _ := km.MatchIn(c.key, c.scope); got != c.want {
			t.Errorf("%q in %q: %q, want %q", c.key, c.scope, got, c.want)
		}
	}
	for over, want := range map[string]map[string]string{
		`"s" is bound to both`:      {"detail_search_next": "s"},
		`"n" is bound to both`:      {"status": "n"},
		`"x" is typed`:              {"comment_template": "x"},
		`"ctrl+s" is typed or used`: {"comment_template": "ctrl+s"},
	} {
		if _, err := Default().Override(want); err == nil || !strings.Contains(err.Error(), over) {
			t.Errorf("%v: %v, want %q", want, err, over)
		}
	}
	for _, ok := range []map[string]string{{"detail_search": "F"}, {"comment_template": "ctrl+g"}, {"detail_search_next": "ctrl+o"}} {
		if _, err := Default().Override(ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}
