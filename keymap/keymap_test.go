package keymap

import (
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
