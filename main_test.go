package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/export"
)

// runCLI runs the program in-process with a clean environment of its own.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for _, k := range []string{"FALCON_CLIENT_ID", "FALCON_CLIENT_SECRET", "FALCON_CLOUD", "FALCON_BASE_URL", "FALCON_MEMBER_CID"} {
		t.Setenv(k, env[k])
	}
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExportPastTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 12,000 detections")
	}
	code, out, errs := runCLI(t, nil, "export", "--demo", "--demo-detects", "--demo-count", "15000", "--format", "jsonl", "--limit", "12000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var r export.Detection
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", len(seen)+1, err)
		}
		if r.DetectionID == "" || seen[r.DetectionID] {
			t.Fatalf("empty or repeated id %q", r.DetectionID)
		}
		seen[r.DetectionID] = true
	}
	if len(seen) != 12000 {
		t.Fatalf("%d detections, want 12000", len(seen))
	}
}

func TestExportCSVIsSpreadsheetSafe(t *testing.T) {
	code, out, errs := runCLI(t, nil, "export", "--demo", "--demo-detects", "--demo-count", "400", "--format", "csv", "--include-hidden")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 401 || strings.Join(rows[0], ",") != strings.Join(export.DetectsColumns, ",") {
		t.Fatalf("%d rows; header %v", len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if len(r) != len(export.DetectsColumns) {
			t.Fatalf("row of %d cells", len(r))
		}
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Fatalf("a cell a spreadsheet would run: %q", c)
			}
		}
	}
}

func TestExportJSONIsOneDocument(t *testing.T) {
	code, out, errs := runCLI(t, nil, "export", "--demo", "--demo-detects", "--demo-count", "50", "--format", "json", "--sort", "max_severity|desc")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var recs []export.Detection
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0].MaxSeverity < recs[len(recs)-1].MaxSeverity {
		t.Fatalf("%d records, not sorted by severity", len(recs))
	}
}

func TestBadInputIsOneClearLine(t *testing.T) {
	f, srv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: 20, Seed: 1}})
	defer srv.Close()
	id, secret := f.Credentials()
	good := map[string]string{"FALCON_CLIENT_ID": id, "FALCON_CLIENT_SECRET": secret, "FALCON_BASE_URL": srv.URL}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"missing credentials", map[string]string{"FALCON_CLOUD": "us-1"}, []string{"export"}, "missing credentials"},
		{"unknown cloud", map[string]string{"FALCON_CLIENT_ID": "a", "FALCON_CLIENT_SECRET": "b", "FALCON_CLOUD": "mars"}, []string{"export"}, `unknown cloud "mars"`},
		{"plain http", map[string]string{"FALCON_CLIENT_ID": "a", "FALCON_CLIENT_SECRET": "b"}, []string{"export", "--base-url", "http://falcon.example.com"}, "only loopback"},
		{"bad filter", good, []string{"export", "--filter", "status:'new'+"}, "--filter: expected a field:value after this at column 14"},
		{"filter the service refuses", good, []string{"export", "--filter", "created_timestamp:>'soon'"}, "Invalid filter"},
		{"bad sort", good, []string{"export", "--sort", "last_behavior|sideways"}, "asc or desc"},
		{"bad format", good, []string{"export", "--format", "xml"}, "unknown format"},
		{"bad api", good, []string{"export", "--api", "carrier-pigeon"}, `unknown API "carrier-pigeon"`},
		{"bad credentials", map[string]string{"FALCON_CLIENT_ID": id, "FALCON_CLIENT_SECRET": "wrong-secret-123", "FALCON_BASE_URL": srv.URL}, []string{"export"}, "403"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := runCLI(t, c.env, c.args...)
			if code == 0 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want one line with %q", code, errs, c.want)
			}
			if strings.Contains(errs, "wrong-secret-123") || strings.Contains(errs, secret) {
				t.Fatal("a secret is in the error")
			}
		})
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	write := func(body string, mode os.FileMode) {
		if err := os.WriteFile(path, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("client_id: a\nclient_secret: s3cret\n", 0o644)
	_, err := loadConfig(path, true)
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a world-readable secret: %v", err)
	}
	write("client_id: a\nclient_secret: s3cret\ncloud: eu-1\nme: {login: me@corp.example}\n", 0o600)
	c, err := loadConfig(path, true)
	if err != nil || c.Cloud != "eu-1" || c.Me.Login != "me@corp.example" {
		t.Fatalf("%v %+v", err, c)
	}
	write("cloud: eu-1\ncolour: blue\n", 0o644)
	if _, err := loadConfig(path, true); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("an unknown key: %v", err)
	}
	if _, err := loadConfig(filepath.Join(dir, "none.yaml"), true); err == nil {
		t.Fatal("a missing --config file was accepted")
	}
	if c, err := loadConfig(filepath.Join(dir, "none.yaml"), false); err != nil || c.Cloud != "" {
		t.Fatal("a missing default config file is an error")
	}
	// Flag › environment › file.
	write("cloud: eu-1\nbase_url: https://file.example\n", 0o600)
	t.Setenv("FALCON_CLIENT_ID", "a")
	t.Setenv("FALCON_CLIENT_SECRET", "b")
	t.Setenv("FALCON_CLOUD", "us-2")
	t.Setenv("FALCON_BASE_URL", "")
	conn, err := connect(connFlags{config: path}, nil)
	if err != nil || conn.client.BaseURL() != "https://file.example" {
		t.Fatalf("file base URL: %v", err)
	}
	t.Setenv("FALCON_BASE_URL", "https://env.example")
	conn, err = connect(connFlags{config: path, baseURL: "https://flag.example"}, nil)
	if err != nil || conn.client.BaseURL() != "https://flag.example" {
		t.Fatalf("flag base URL: %v", err)
	}
	conn, err = connect(connFlags{config: path}, nil)
	if err != nil || conn.client.BaseURL() != "https://env.example" {
		t.Fatalf("environment base URL: %v", err)
	}
}

func TestExportAgainstABaseURL(t *testing.T) {
	f := fake.New(fake.Options{GenOptions: fake.GenOptions{Count: 5, Seed: 1}})
	srv := httptest.NewServer(f)
	defer srv.Close()
	code, out, errs := runCLI(t, map[string]string{"FALCON_CLIENT_ID": fake.DemoClientID, "FALCON_CLIENT_SECRET": fake.DemoClientSecret, "FALCON_BASE_URL": srv.URL}, "export", "--api", "detects", "--format", "jsonl", "--include-hidden")
	if code != 0 || strings.Count(out, "\n") != 5 {
		t.Fatalf("exit %d, %d lines: %s", code, strings.Count(out, "\n"), errs)
	}
}

func TestExportOnAlertsPastTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 11,000 alerts")
	}
	code, out, errs := runCLI(t, nil, "export", "--demo", "--demo-count", "5000", "--limit", "11000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r export.Alert
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.CompositeID == "" || strings.Contains(line, `"detection_id"`) {
			t.Fatalf("not an alert in the Alerts API's names: %v %q", err, line[:min(80, len(line))])
		}
		if seen[r.CompositeID] {
			t.Fatalf("%s twice", r.CompositeID)
		}
		seen[r.CompositeID] = true
	}
	if len(seen) != 11000 {
		t.Fatalf("%d alerts, want 11000", len(seen))
	}
}

func TestDemoTenants(t *testing.T) {
	cases := []struct {
		name  string
		flags []string
		// alerts says the export speaks Alerts (records carry an
		// aggregate id, ids are composite ids).
		alerts bool
		// refused is what stderr says when the export must fail.
		refused string
	}{
		{name: "today's tenant by default", alerts: true},
		{name: "the Detects world kept", flags: []string{"--demo-detects"}},
		{name: "Detects asked for on today's tenant", flags: []string{"--api", "detects"}, refused: "404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"export", "--demo", "--demo-count", "30", "--limit", "20"}, tc.flags...)
			code, out, errs := runCLI(t, nil, args...)
			if tc.refused != "" {
				if code == 0 || !strings.Contains(errs, tc.refused) {
					t.Fatalf("exit %d: %s", code, errs)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var r export.Detection
			if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &r); err != nil {
				t.Fatal(err)
			}
			if got := r.AggregateID != "" && !strings.HasPrefix(r.DetectionID, "ldt:"); got != tc.alerts {
				t.Fatalf("alerts %v, want %v: %s %s", got, tc.alerts, r.DetectionID, r.AggregateID)
			}
		})
	}
}
