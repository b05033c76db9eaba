package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
)

// switchInTmux presses p in the console in tm, chooses the child named
// name, and returns the screen once its rows are in. The picker the
// listing raised takes no key until it has been seen (it says so): x is
// typed until one is taken, then the field is cleared (ctrl+u) and the
// name typed. (Not esc: two sent close together read as alt+esc.)
func switchInTmux(t *testing.T, tm *tmuxTerm, name string) string {
	t.Helper()
	tm.send("p")
	tm.waitText("Switch tenant: 3 child tenants")
	taken := func(sc string) bool { return strings.Contains(sc, "tenant › x") }
	for i := 0; ; i++ {
		tm.sendText("x")
		if sc := tm.waitFor("x answered", func(sc string) bool { return taken(sc) || strings.Contains(sc, "not taken") }); taken(sc) {
			break
		}
		if i > 100 {
			t.Fatal("the picker never took a key")
		}
	}
	tm.send("C-u")
	tm.waitFor("the field cleared", func(sc string) bool { return !strings.Contains(sc, "tenant › x") })
	text := strings.ToLower(name[:5])
	tm.sendText(text)
	tm.waitText("tenant › " + text)
	tm.send("Enter")
	return tm.waitFor("the child's rows", func(sc string) bool {
		return strings.Contains(strings.SplitN(sc, "\n", 2)[0], name) && strings.Contains(sc, " of ") && !strings.Contains(sc, "loading")
	})
}

// firstRow is the list's first row on a screen.
func firstRow(sc string) string {
	lines := strings.Split(sc, "\n")
	if len(lines) < 4 {
		return ""
	}
	return lines[3]
}

// TestTenantsInTmux: against `falcon-triage fake --children 3`, p lists
// the children, choosing one names it in the header with its CID and
// shows its rows; the fake's request log has member_cid on the token
// request and no token of the parent's left unrevoked; the child's
// session is kept in a state folder of its own.
func TestTenantsInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "300", "--children", "3", "--decommission-detects")
	state := t.TempDir()
	tm := newTmux(t, 80, 24, consoleEnv(t, url, state), bin)
	before := tm.waitFor("the parent's rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") })
	child := fake.ChildCID(1)
	asked := fakeStats(t, url)["requests"].(map[string]any)
	sc := switchInTmux(t, tm, "Contoso Health")
	header := strings.SplitN(sc, "\n", 2)[0]
	if !strings.Contains(header, "CID "+child) || firstRow(sc) == firstRow(before) {
		t.Fatalf("after the switch the header is %q and the first row %q (before: %q)", header, firstRow(sc), firstRow(before))
	}
	st := fakeStats(t, url)
	members, _ := st["member_cids"].([]any)
	if len(members) < 2 || members[0] != "" || members[len(members)-1] != child {
		t.Fatalf("member_cid on the token requests: %v", members)
	}
	if n, _ := st["unrevoked"].(float64); n != 1 {
		t.Fatalf("%v tokens unrevoked after the switch, want the child's alone", n)
	}
	// What one switch costs, from the fake's count (the child's own
	// requests are its fake's: the parent counts the token and the revoke).
	after := st["requests"].(map[string]any)
	n := func(m map[string]any, k string) float64 { f, _ := m[k].(float64); return f }
	if tokens, revokes := n(after, "token")-n(asked, "token"), n(after, "revoke")-n(asked, "revoke"); tokens != 1 || revokes != 1 {
		t.Fatalf("a switch asked %v tokens and %v revokes, want one each", tokens, revokes)
	}
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
	if n, _ := fakeStats(t, url)["unrevoked"].(float64); n != 0 {
		t.Fatalf("%v tokens unrevoked after quitting", n)
	}
	if _, err := os.Stat(filepath.Join(state, "falcon-triage", child, "session.json")); err != nil {
		t.Fatalf("the child's session is not in its own folder: %v", err)
	}
}

// TestTenantsInTheDemo: --demo is a parent of three children; p switches
// to one, whose name and CID the header shows over its own rows.
func TestTenantsInTheDemo(t *testing.T) {
	bin := buildBinary(t)
	env := []string{"XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "TERM=xterm-256color"}
	tm := newTmux(t, 80, 24, env, bin, "--demo", "--demo-count", "500")
	before := tm.waitFor("the demo's rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") })
	if !strings.Contains(strings.SplitN(before, "\n", 2)[0], "CID "+fake.DemoCID) {
		t.Fatalf("the demo's header:\n%s", before)
	}
	sc := switchInTmux(t, tm, "Fabrikam Retail")
	if header := strings.SplitN(sc, "\n", 2)[0]; !strings.Contains(header, "CID "+fake.ChildCID(2)) || firstRow(sc) == firstRow(before) {
		t.Fatalf("after the switch:\n%s", sc)
	}
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}
