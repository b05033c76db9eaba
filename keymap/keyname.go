package keymap

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// modifiers are the prefixes a key name may carry, in the one order Bubble
// Tea writes them: a binding spelled in another order never matches.
var modifiers = []string{"ctrl", "alt", "shift", "meta", "hyper", "super"}

// namedKeys are the keys Bubble Tea names rather than writes as the
// character they type.
var namedKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields("enter tab backspace esc space up down left right home end pgup pgdown insert delete begin find select") {
		m[k] = true
	}
	for i := 1; i <= 63; i++ {
		m[fmt.Sprint("f", i)] = true
	}
	return m
}()

// keyForms says what a valid key name looks like.
const keyForms = "a key is one character (j, G, ?), or a name (enter, tab, backspace, esc, space, up, down, left, right, " +
	"home, end, pgup, pgdown, insert, delete, f1…f63), either after modifiers in this order: ctrl+, alt+, shift+, meta+, hyper+, super+ " +
	"(ctrl+d, alt+enter, ctrl+shift+a)"

// ValidKey reports whether k is a key the console can receive, spelled as
// Bubble Tea spells the key press: a binding to anything else could never
// fire, and its action would be unreachable.
func ValidKey(k string) error {
	if k == "" {
		return fmt.Errorf("empty key name")
	}
	bad := func(f string, a ...any) error {
		return fmt.Errorf("%q: %s; %s", k, fmt.Sprintf(f, a...), keyForms)
	}
	rest, next := k, 0
	var mods []string
	for {
		m, after, ok := strings.Cut(rest, "+")
		if !ok || after == "" && m == "" {
			break
		}
		i := indexOf(modifiers, m)
		if i < 0 {
			break
		}
		if i < next {
			return bad("modifiers out of order or repeated")
		}
		if after == "" {
			return bad("no key after %s+", m)
		}
		mods, next, rest = append(mods, m), i+1, after
	}
	if namedKeys[rest] {
		return nil
	}
	r, size := utf8.DecodeRuneInString(rest)
	if size != len(rest) || r == utf8.RuneError || !unicode.IsPrint(r) || r == ' ' {
		return bad("unknown key %q", rest)
	}
	switch {
	case len(mods) == 0:
		return nil
	case len(mods) == 1 && mods[0] == "shift":
		return bad("shift with a character arrives as the character it types: write %q", string(unicode.ToUpper(r)))
	case unicode.IsUpper(r):
		return bad("with a modifier a letter is written lower-case, shift as a modifier: write %s", strings.Join(withShift(mods), "+")+"+"+string(unicode.ToLower(r)))
	}
	return nil
}

// withShift adds shift to mods in its place.
func withShift(mods []string) []string {
	var out []string
	for _, m := range modifiers {
		if m == "shift" || indexOf(mods, m) >= 0 {
			out = append(out, m)
		}
	}
	return out
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
