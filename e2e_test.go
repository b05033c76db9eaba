package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binDir    string
	binErr    error
)

// buildBinary builds the static binary once per test run (TestMain removes
// it).
func buildBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "falcon-triage-e2e"); binErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "falcon-triage"), ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "falcon-triage")
}

// startFake runs `falcon-triage fake` on a free port and returns its URL.
func startFake(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"fake", "--addr", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("fake said nothing: %v", err)
	}
	url := regexp.MustCompile(`http://[0-9.:]+`).FindString(line)
	if url == "" {
		t.Fatalf("no URL in %q", line)
	}
	return url
}

// tmuxTerm is a real terminal: a tmux server of the test's own.
type tmuxTerm struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T, w, h int, env []string, argv ...string) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is missing: .ci/run must install it")
		}
		t.Skip("tmux not installed")
	}
	tm := &tmuxTerm{t: t, socket: fmt.Sprintf("ft-e2e-%d", time.Now().UnixNano())}
	args := []string{"-L", tm.socket, "-f", "/dev/null", "new-session", "-d", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, argv...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	return tm
}

func (tm *tmuxTerm) capture() string {
	out, _ := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p").Output()
	return string(out)
}

func (tm *tmuxTerm) send(keys ...string) {
	tm.t.Helper()
	args := append([]string{"-L", tm.socket, "send-keys"}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys %v: %v %s", keys, err, out)
	}
}

func (tm *tmuxTerm) sendText(text string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "-L", tm.socket, "send-keys", "-l", text).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys -l: %v %s", err, out)
	}
}

// e2eHangBound bounds a wait that only a hang misses: generous, so that a
// loaded machine (two cores, the whole suite under -race) never does.
const e2eHangBound = 60 * time.Second

// waitFor polls the pane until cond holds, up to e2eHangBound.
func (tm *tmuxTerm) waitFor(what string, cond func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(e2eHangBound)
	for {
		sc := tm.capture()
		if cond(sc) {
			return sc
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waiting for %s; the screen:\n%s", what, sc)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tm *tmuxTerm) waitText(s string) string {
	tm.t.Helper()
	return tm.waitFor(s, func(sc string) bool { return strings.Contains(sc, s) })
}

func (tm *tmuxTerm) alive() bool {
	return exec.Command("tmux", "-L", tm.socket, "has-session").Run() == nil
}

func TestEndToEndInTmux(t *testing.T) {
	bin := buildBinary(t)
	t.Run("detects", func(t *testing.T) { triageInTmux(t, bin, "Detects API", "max_severity", []string{"--api", "detects"}) })
	t.Run("alerts", func(t *testing.T) {
		triageInTmux(t, bin, "Alerts API", "severity", nil, "--decommission-detects")
	})
}

// triageInTmux runs the built binary in tmux against `falcon-triage fake`,
// filters, opens a detail, and triages a row through status, assignee and
// comment; then checks the fake and the audit log.
func triageInTmux(t *testing.T, bin, apiLabel, sevField string, consoleArgs []string, fakeArgs ...string) {
	url := startFake(t, bin, append([]string{"--count", "800", "--seed", "5"}, fakeArgs...)...)
	state := t.TempDir()
	env := []string{
		"FALCON_BASE_URL=" + url, "FALCON_CLIENT_ID=demo-client-id", "FALCON_CLIENT_SECRET=demo-client-secret",
		"XDG_STATE_HOME=" + state, "XDG_CONFIG_HOME=" + t.TempDir(), "TERM=xterm-256color", "TZ=UTC",
	}
	noun := "detection"
	if apiLabel == "Alerts API" {
		noun = "alert"
	}
	tm := newTmux(t, 80, 24, env, append([]string{bin}, consoleArgs...)...)
	sc := tm.waitFor("the first rows", func(sc string) bool {
		return strings.Contains(sc, "1–19 of") && !strings.Contains(sc, "loading")
	})
	if !strings.Contains(sc, "▶") || !strings.Contains(sc, url[len("http://"):]) || !strings.Contains(sc, apiLabel) {
		t.Fatalf("no cursor or no source in the header:\n%s", sc)
	}
	tm.send("j", "Enter")
	tm.waitText("── " + strings.ToUpper(noun[:1]) + noun[1:]) // ── Detection, ── Alert
	// The behaviours follow the host, below the fold on 24 lines when the
	// host has an OU and a site: move down the detail to them.
	// One line at a time, each seen on screen before the next: keys sent
	// ahead of a slow console would scroll past the header.
	for i := 0; !strings.Contains(tm.capture(), "── Behaviour 1"); i++ {
		if i == 40 {
			t.Fatalf("no behaviour after 40 lines:\n%s", tm.capture())
		}
		before := tm.capture()
		tm.send("j")
		tm.waitFor("the detail to move down", func(sc string) bool { return sc != before || strings.Contains(sc, "── Behaviour 1") })
	}
	tm.send("Escape")
	tm.waitText("TECHNIQUE")
	tm.send("/")
	tm.sendText(sevField + ":>=80")
	tm.send("Enter")
	sc = tm.waitFor("the filter applied", func(sc string) bool {
		return strings.Contains(sc, "filter: "+sevField+":>=80") && !strings.Contains(sc, "loading")
	})
	for _, l := range strings.Split(sc, "\n")[3:20] {
		if strings.TrimSpace(l) != "" && !strings.Contains(l, "CRIT") {
			t.Fatalf("a row that is not critical after the filter: %q", l)
		}
	}
	// Triage the row under the cursor: status, assignee, comment.
	tm.send("s")
	tm.waitText("Status of 1 " + noun)
	tm.send("i")
	tm.waitText("Status → In progress: 1 of 1 applied")
	tm.send("a")
	tm.waitText("Assign 1 " + noun)
	tm.sendText("chen")
	tm.waitText("Chen Wei <chen.wei@corp.example>")
	tm.send("Enter")
	tm.waitText("Assign → Chen Wei: 1 of 1 applied")
	tm.send("c")
	tm.waitText("Comment on 1 " + noun)
	tm.sendText("triaged from tmux")
	tm.send("C-s")
	tm.waitText("Comment added to 1 of 1")
	tm.send("q")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
	exp := exec.Command(bin, append([]string{"export", "--base-url", url, "--format", "csv",
		"--filter", "status:'in_progress'+assigned_to_uid:'chen.wei@corp.example'+" + sevField + ":>=80"}, consoleArgs...)...)
	exp.Env = append(os.Environ(), "FALCON_CLIENT_ID=demo-client-id", "FALCON_CLIENT_SECRET=demo-client-secret", "XDG_CONFIG_HOME="+t.TempDir())
	out, err := exp.Output()
	if err != nil || strings.Count(string(out), "\n") < 2 {
		t.Fatalf("the triaged detection is not on the fake: %v\n%s", err, out)
	}
	audit, err := os.ReadFile(filepath.Join(state, "falcon-triage", "audit.jsonl"))
	if err != nil || strings.Count(string(audit), `"event":"sent"`) != 3 || strings.Count(string(audit), `"outcome":"applied"`) != 3 {
		t.Fatalf("audit log: %v\n%s", err, audit)
	}
	raw, err := os.ReadFile(filepath.Join(state, "falcon-triage", "session.json"))
	if err != nil || !strings.Contains(string(raw), sevField+":>=80") {
		t.Fatalf("session not saved: %v %s", err, raw)
	}
}

func fakeStats(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url + "/_fake/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func revokes(t *testing.T, url string) float64 {
	n, _ := fakeStats(t, url)["requests"].(map[string]any)["revoke"].(float64)
	return n
}

// TestCtrlCRevokesTheToken quits with ctrl+c and checks the token is revoked.
func TestCtrlCRevokesTheToken(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "100")
	env := []string{
		"FALCON_BASE_URL=" + url, "FALCON_CLIENT_ID=demo-client-id", "FALCON_CLIENT_SECRET=demo-client-secret",
		"XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "TERM=xterm-256color",
	}
	tm := newTmux(t, 80, 24, env, bin)
	tm.waitFor("the first rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") })
	tm.send("C-c")
	tm.waitFor("the program to end", func(string) bool { return !tm.alive() })
	if n := revokes(t, url); n != 1 {
		t.Fatalf("%v revokes after ctrl+c, want 1", n)
	}
}

// consoleEnv is the environment of a console against the fake at url,
// its state in state and a config folder of its own.
func consoleEnv(t *testing.T, url, state string) []string {
	return []string{
		"FALCON_BASE_URL=" + url, "FALCON_CLIENT_ID=demo-client-id", "FALCON_CLIENT_SECRET=demo-client-secret",
		"XDG_STATE_HOME=" + state, "XDG_CONFIG_HOME=" + t.TempDir(), "TERM=xterm-256color",
	}
}

// TestHangupSavesTheSessionAndRevokesTheToken kills the tmux session under
// a running console, as a dropped SSH connection does (SIGHUP).
func TestHangupSavesTheSessionAndRevokesTheToken(t *testing.T) {
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "300")
	state := t.TempDir()
	env := consoleEnv(t, url, state)
	tm := newTmux(t, 80, 24, env, bin)
	tm.waitFor("the first rows", func(sc string) bool { return strings.Contains(sc, "1–19 of") && !strings.Contains(sc, "loading") })
	tm.send("j", "j", "j", "j", "j")
	tm.waitFor("the cursor on row 6", func(sc string) bool {
		lines := strings.Split(sc, "\n")
		return len(lines) > 8 && strings.HasPrefix(lines[8], "▶")
	})
	if n := revokes(t, url); n != 0 {
		t.Fatalf("%v revokes before the hangup", n)
	}
	if out, err := exec.Command("tmux", "-L", tm.socket, "kill-server").CombinedOutput(); err != nil {
		t.Fatalf("kill: %v %s", err, out)
	}
	deadline := time.Now().Add(e2eHangBound)
	for revokes(t, url) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the token was not revoked after SIGHUP")
		}
		time.Sleep(20 * time.Millisecond)
	}
	raw, err := os.ReadFile(filepath.Join(state, "falcon-triage", "session.json"))
	if err != nil || !strings.Contains(string(raw), `"row": 5`) {
		t.Fatalf("the session was not saved at row 5: %v %s", err, raw)
	}
}

// TestSecretsAppearNowhere runs the binary with a recognisable client
// secret through start-up, a refused login, a bad filter, service errors,
// export and quit, and looks for the secret and any token on the screen, on
// stderr, and in every file the tool wrote.
func TestSecretsAppearNowhere(t *testing.T) {
	const secret = "CANARY-s3cr3t-7f3a9b2e"
	bin := buildBinary(t)
	url := startFake(t, bin, "--count", "300", "--client-id", "canary-client", "--client-secret", secret)
	state, config := t.TempDir(), t.TempDir()
	env := []string{
		"FALCON_BASE_URL=" + url, "FALCON_CLIENT_ID=canary-client", "FALCON_CLIENT_SECRET=" + secret,
		"XDG_STATE_HOME=" + state, "XDG_CONFIG_HOME=" + config, "TERM=xterm-256color",
	}
	var seen strings.Builder
	// A refused login: one clear line, no secret.
	bad := exec.Command(bin, "export")
	bad.Env = append(os.Environ(), "FALCON_BASE_URL="+url, "FALCON_CLIENT_ID=canary-client",
		"FALCON_CLIENT_SECRET="+secret+"-wrong", "XDG_STATE_HOME="+state, "XDG_CONFIG_HOME="+config)
	out, err := bad.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "403") {
		t.Fatalf("a wrong secret: %v %s", err, out)
	}
	seen.Write(out)
	// Export.
	exp := exec.Command(bin, "export", "--format", "csv", "--limit", "20")
	exp.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	exp.Stderr = &stderr
	if _, err := exp.Output(); err != nil {
		t.Fatalf("export: %v %s", err, stderr.String())
	}
	seen.WriteString(stderr.String())
	// The console: a bad filter, then the service failing, then quit.
	tm := newTmux(t, 100, 30, env, "sh", "-c", bin+" 2>"+filepath.Join(t.TempDir(), "stderr"))
	seen.WriteString(tm.waitFor("the first rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") }))
	tm.send("/")
	tm.sendText("created_timestamp:>'soon'") // the console's check lets it through: the service refuses it
	tm.send("Enter")
	seen.WriteString(tm.waitText("Invalid filter"))
	tm.send("Escape")
	tm.waitFor("the filter line to close", func(sc string) bool { return !strings.Contains(sc, "filter (FQL) ›") })
	resp, err := http.Post(url+"/_fake/faults", "application/json", strings.NewReader(`{"Fail5xx": 50}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tm.send("r")
	seen.WriteString(tm.waitText("503"))
	tm.send("q")
	tm.waitFor("the end", func(string) bool { return !tm.alive() })
	// Every file the tool wrote.
	for _, dir := range []string{state, config} {
		_ = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				raw, _ := os.ReadFile(path)
				seen.WriteString(path + "\n" + string(raw))
			}
			return nil
		})
	}
	all := seen.String()
	if strings.Contains(all, secret) {
		t.Fatalf("the secret was seen:\n%s", all)
	}
	if strings.Contains(all, "fk1.") {
		t.Fatalf("a token was seen:\n%s", all)
	}
	if !strings.Contains(all, "audit.jsonl") && !strings.Contains(all, "session.json") {
		t.Fatalf("the tool wrote no files to check:\n%s", all)
	}
}

// TestFakeModes checks that each mode flag of `falcon-triage fake` reaches
// the fake: the status of a Detects and an Alerts query, and the region.
func TestFakeModes(t *testing.T) {
	bin := buildBinary(t)
	cases := []struct {
		flags                 []string
		detects, alerts, comb int
		region                string
	}{
		{nil, 200, 200, 200, "us-1"},
		{[]string{"--alerts-only", "--region", "US-2"}, 403, 200, 200, "US-2"},
		{[]string{"--detects-only"}, 200, 403, 403, "us-1"},
		{[]string{"--no-combined"}, 200, 200, 403, "us-1"},
		{[]string{"--stale-detects"}, 200, 200, 200, "us-1"},
		{[]string{"--decommission-detects"}, 404, 200, 200, "us-1"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.flags, " "), func(t *testing.T) {
			url := startFake(t, bin, append([]string{"--count", "20"}, tc.flags...)...)
			resp, err := http.PostForm(url+"/oauth2/token", neturl.Values{"client_id": {"demo-client-id"}, "client_secret": {"demo-client-secret"}})
			if err != nil {
				t.Fatal(err)
			}
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&tok)
			resp.Body.Close()
			if got := resp.Header.Get("X-Cs-Region"); got != tc.region {
				t.Errorf("region %q, want %q", got, tc.region)
			}
			status := func(method, path, body string) int {
				req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if s := status("GET", "/detects/queries/detects/v1?limit=1", ""); s != tc.detects {
				t.Errorf("Detects query: %d, want %d", s, tc.detects)
			}
			if s := status("GET", "/alerts/queries/alerts/v2?limit=1", ""); s != tc.alerts {
				t.Errorf("Alerts query: %d, want %d", s, tc.alerts)
			}
			if s := status("POST", "/alerts/combined/alerts/v1", `{"limit":1}`); s != tc.comb {
				t.Errorf("combined: %d, want %d", s, tc.comb)
			}
		})
	}
}
