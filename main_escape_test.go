package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/export"
)

// rawControls are characters a terminal acts on or that reorder or hide
// text: none may reach stdout or stderr raw.
const rawControls = "\x1b\x07\x00\x08\x7f\u0085\u009b\u202e\u202c\u200b\ufeff\u2066"

func TestExportEscapesControls(t *testing.T) {
	// The demo plants hostile command lines, file names and host names in
	// rows 13, 210, 407 and 604: OSC 52, window titles, CSI, C1, bidi.
	for _, format := range []string{"csv", "jsonl", "json"} {
		t.Run(format, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, "export", "--demo", "--demo-count", "700", "--format", format, "--include-hidden")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if i := strings.IndexAny(out, rawControls); i >= 0 {
				t.Fatalf("raw %q in the %s export near %q", []rune(out[i:])[0], format, out[max(0, i-40):i])
			}
			switch format {
			case "csv":
				rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(out, `\x1b]52;c;`) || !strings.Contains(out, `invoice\u202efdp.`) || !strings.Contains(out, `\u009b31m`) {
					t.Fatal("the controls are not replaced by visible escapes")
				}
				for _, r := range rows[1:] {
					for _, c := range r {
						if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
							t.Fatalf("a cell a spreadsheet would run: %q", c)
						}
					}
				}
			case "jsonl":
				found := 0
				sc := bufio.NewScanner(strings.NewReader(out))
				sc.Buffer(make([]byte, 1<<20), 1<<22)
				for sc.Scan() {
					var r export.Alert // --demo is an Alerts tenant
					if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
						t.Fatal(err)
					}
					if strings.HasPrefix(r.Filename, "invoice\u202efdp.") && strings.Contains(r.Cmdline, "\u009b31m") {
						found++
					}
				}
				if found == 0 || !strings.Contains(out, `invoice\u202efdp.`) {
					t.Fatal("the escaped strings do not decode to what the service sent")
				}
			}
		})
	}
}

func TestHostileTokenErrorNeverReachesStderrRaw(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"meta":{"trace_id":"t\u001b]52;c;cHduZWQ=\u0007"},"errors":[{"code":403,"message":"access denied \u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b]0;owned\u0007 \u009b2J \u202eevil"}]}`))
	}))
	defer srv.Close()
	code, _, errs := runCLI(t, map[string]string{"FALCON_CLIENT_ID": "id", "FALCON_CLIENT_SECRET": "secret-1234", "FALCON_BASE_URL": srv.URL}, "export")
	if code == 0 || !strings.Contains(errs, "403") || !strings.Contains(errs, "access denied") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if strings.ContainsAny(errs, rawControls) {
		t.Fatalf("stderr carries raw controls: %q", errs)
	}
}
