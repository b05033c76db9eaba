package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/termsafe"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// formatChars are twelve of the format characters (Cf) that once passed the
// console's sanitiser: tmux draws each one cell wide where the console
// counted none, and every column after them moved.
const formatChars = "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u08e2\U000110bd\U00013430\U0001d173"

// fleetFake is the fake with the names of a hostile, uniform fleet: every
// host without a domain gets the same long head (STRICT-HOST-FLEET-EU-…),
// every host with one twelve format characters after its first label, and
// every assignee twelve after the first name. The answers are rewritten on
// their way out, as a real tenant would send them.
func fleetFake(t *testing.T) string {
	t.Helper()
	f := fake.New(fake.Options{GenOptions: fake.GenOptions{Count: 300, Seed: 3}})
	host := regexp.MustCompile(`"hostname":"([^".]+)(\.[^"]*)?"`)
	assignee := regexp.MustCompile(`"assigned_to_name":"([^" ]+) `)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, r)
		body := host.ReplaceAllFunc(rec.Body.Bytes(), func(m []byte) []byte {
			g := host.FindSubmatch(m)
			if len(g[2]) == 0 {
				return []byte(`"hostname":"STRICT-HOST-FLEET-EU-` + string(g[1]) + `"`)
			}
			return []byte(`"hostname":"` + string(g[1]) + formatChars + string(g[2]) + `"`)
		})
		body = assignee.ReplaceAll(body, []byte(`"assigned_to_name":"${1}`+formatChars+` `))
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// listRow is a row of the list as drawn: the cursor or a blank, the row's
// state glyph, its severity word.
var listRow = regexp.MustCompile(`^[▶ ][ ●◌✗?](CRIT|HIGH|MED |LOW |INFO) `)

// At 80 columns in a real terminal, hosts sharing a long head show the part
// that differs, and host and assignee names holding format characters keep
// every column in its place: each row starts where a row starts, and the
// technique column starts under its title on every row.
func TestHostilyUniformNamesAtEightyColumnsInTmux(t *testing.T) {
	bin := buildBinary(t)
	url := fleetFake(t)
	tm := newTmux(t, 80, 24, append(consoleEnv(t, url, t.TempDir()), "TZ=UTC"), bin)
	unread := regexp.MustCompile(`(?m)^[▶ ][ ●◌✗?]…    `) // a row whose details are not read yet
	sc := tm.waitFor("the first rows", func(sc string) bool {
		return strings.Contains(sc, "1–19 of") && !strings.Contains(sc, "loading") && !unread.MatchString(sc)
	})
	lines := strings.Split(strings.TrimRight(sc, "\n"), "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines on a 24-line terminal:\n%s", len(lines), sc)
	}
	header := lines[2]
	col := strings.Index(header, "TECHNIQUE")
	hostCol := strings.Index(header, "HOST")
	if col < 0 || hostCol < 0 {
		t.Fatalf("no TECHNIQUE or HOST column:\n%s", sc)
	}
	fleet, escaped := map[string]bool{}, 0
	for _, line := range lines[3:22] {
		if !listRow.MatchString(line) {
			t.Fatalf("a line that is not a row (a row wrapped or shifted):\n%q\n%s", line, sc)
		}
		r := []rune(line)
		// Every character here is one cell: the escapes are ASCII, and a
		// format character that reached tmux counts one rune and one cell.
		if len(r) > 80 || len(r) > col && (r[col-1] != ' ' || r[col] == ' ' && strings.TrimSpace(string(r[col:])) != "") {
			t.Fatalf("the technique column is not under its title on this row:\n%s\n%s", header, line)
		}
		cell := strings.TrimSpace(string(r[hostCol : col-1]))
		if strings.HasPrefix(cell, "STRIC") {
			if !regexp.MustCompile(`[0-9]{3}$`).MatchString(cell) {
				t.Errorf("a host of the fleet shows %q, not what tells it apart", cell)
			}
			fleet[cell] = true
		}
		if strings.Contains(line, "<U+") {
			escaped++
		}
	}
	if len(fleet) < 3 || escaped == 0 {
		t.Fatalf("%d distinct fleet hosts, %d rows with escaped format characters:\n%s", len(fleet), escaped, sc)
	}
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
}

// Every character the sanitiser lets through is drawn by a real terminal
// (tmux, on the machine's C library) at the width the console counts for
// it, after a letter as it would sit in a name: each is printed on a line
// of its own, padded to the pane's width by that count and followed by a
// Y, which lands alone on the next line only when the count was right.
func TestEveryPlainCharacterIsAsWideInTmuxAsCounted(t *testing.T) {
	if testing.Short() {
		t.Skip("draws every code point")
	}
	const width = 8
	var plain []rune
	for r := rune(0x20); r <= unicode.MaxRune; r++ {
		if utf8.ValidRune(r) && termsafe.Plain(r) {
			plain = append(plain, r)
		}
	}
	tm := newTmux(t, width, 5, []string{"LANG=C.UTF-8"}, "sleep", "100000")
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v %s", args, err, out)
		}
		return string(out)
	}
	tmux("set", "-g", "history-limit", "50000")
	file := filepath.Join(t.TempDir(), "runes")
	wrong := 0
	for start := 0; start < len(plain); start += 20000 {
		batch := plain[start:min(start+20000, len(plain))]
		var b strings.Builder
		for _, r := range batch {
			b.WriteString("a" + string(r) + strings.Repeat("x", width-1-screen.Width(string(r))) + "Y\r\n")
		}
		b.WriteString("END\r\n")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		win := fmt.Sprintf(":%d", 1+start/20000)
		tmux("new-window", "-d", "-t", win, "stty raw -onlcr; cat "+file+"; exec sleep 100000")
		var sc string
		waitUntil(t, "the batch drawn", func() bool {
			sc = tmux("capture-pane", "-p", "-t", win, "-S", "-", "-E", "-")
			return strings.Contains(sc, "END")
		})
		tmux("kill-window", "-t", win)
		lines := strings.Split(sc, "\n")
		i := 0
		for _, r := range batch {
			for i < len(lines) && lines[i] == "" {
				i++
			}
			if i+1 >= len(lines) {
				t.Fatalf("the capture ended before %U", r)
			}
			switch {
			case strings.HasSuffix(lines[i], "Y"): // narrower than counted
				i++
			case lines[i+1] != "Y": // wider than counted
				i += 2
			default:
				i += 2
				continue
			}
			if wrong++; wrong <= 10 {
				t.Errorf("%U (%q) is not %d cells wide in tmux", r, string(r), screen.Width(string(r)))
			}
		}
	}
	t.Logf("%d characters drawn, %d at another width", len(plain), wrong)
}
