package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
)

func TestExportChecksTheFormatBeforeLoggingIn(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer srv.Close()
	env := map[string]string{"FALCON_CLIENT_ID": "a", "FALCON_CLIENT_SECRET": "b", "FALCON_BASE_URL": srv.URL}
	code, _, errs := runCLI(t, env, "export", "--format", "xml")
	if code == 0 || !strings.Contains(errs, `unknown format "xml"`) || requests.Load() != 0 {
		t.Fatalf("exit %d, %d requests: %s", code, requests.Load(), errs)
	}
}

// TestExportLeavesHiddenOut exports what the console lists: detections
// hidden from it only when asked.
func TestExportLeavesHiddenOut(t *testing.T) {
	f := fake.New(fake.Options{GenOptions: fake.GenOptions{Count: 200, Seed: 1}})
	srv := httptest.NewServer(f)
	defer srv.Close()
	env := map[string]string{"FALCON_CLIENT_ID": fake.DemoClientID, "FALCON_CLIENT_SECRET": fake.DemoClientSecret, "FALCON_BASE_URL": srv.URL}
	for _, backend := range []string{"detects", "alerts"} {
		ids := f.IDs()
		if backend == "alerts" {
			ids = f.AlertIDs()
		}
		visible := 0
		for _, id := range ids {
			doc, _ := f.Detection(id)
			if backend == "alerts" {
				doc, _ = f.Alert(id)
			}
			if doc["show_in_ui"] == true {
				visible++
			}
		}
		if visible == len(ids) {
			t.Fatalf("%s: no hidden rows to test with", backend)
		}
		for _, hidden := range []bool{false, true} {
			args := []string{"export", "--api", backend}
			want := visible
			if hidden {
				args, want = append(args, "--include-hidden"), len(ids)
			}
			code, out, errs := runCLI(t, env, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != want {
				t.Errorf("%v: %d rows, want %d", args, len(lines), want)
			}
			for _, l := range lines {
				var r struct {
					ShowInUI bool `json:"show_in_ui"`
				}
				if err := json.Unmarshal([]byte(l), &r); err != nil || !r.ShowInUI && !hidden {
					t.Fatalf("%v: %v, a hidden row: %.80s", args, err, l)
				}
			}
		}
	}
}

// TestExportProgressHasItsOwnLine: progress rewrites one line of the
// terminal, a warning clears it first, and the last count stays on a line
// of its own.
func TestExportProgressHasItsOwnLine(t *testing.T) {
	var b bytes.Buffer
	p := &progressLine{w: &b}
	p.update(10, 1200)
	p.update(1200, 1200)
	p.warn("skipped x: gone")
	p.update(1200, 1200)
	p.finish()
	want := "\rexported 10 of 1,200\rexported 1,200 of 1,200" +
		"\r" + strings.Repeat(" ", len("exported 1,200 of 1,200")) + "\rfalcon-triage export: skipped x: gone\n" +
		"\rexported 1,200 of 1,200\n"
	if got := b.String(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	b.Reset()
	p = &progressLine{w: &b}
	p.finish()
	if b.Len() != 0 {
		t.Fatalf("finish without progress wrote %q", b.String())
	}
	// Not a terminal: nothing but warnings and errors on stderr.
	code, _, errs := runCLI(t, nil, "export", "--demo", "--demo-count", "20")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestExportStopsShortOnAServiceWithoutATotal: a service that gives no
// total and pages for ever is exported up to one result window's worth of
// rows, and the export fails, saying why, rather than run for ever or pass
// for whole.
func TestExportStopsShortOnAServiceWithoutATotal(t *testing.T) {
	for _, total := range []string{`"total":-5,`, ``} {
		var requests, next atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == "/oauth2/token" {
				w.WriteHeader(http.StatusCreated)
				fmt.Fprint(w, `{"access_token":"tok","token_type":"bearer","expires_in":1799}`)
				return
			}
			if requests.Add(1) > 100 {
				http.Error(w, "the export does not stop", http.StatusTeapot)
				return
			}
			var body struct {
				Limit int `json:"limit"`
			}
			_ = json.NewDecoder(r.Body).Decode(&body)
			docs := make([]string, body.Limit)
			for i := range docs {
				docs[i] = fmt.Sprintf(`{"composite_id":"cid:ind:%032x:%d-1-1","severity":50,"timestamp":"2026-11-20T11:00:00Z","status":"new","show_in_ui":true}`, 7, next.Add(1))
			}
			fmt.Fprintf(w, `{"meta":{"pagination":{%s"after":"c%d"}},"resources":[%s]}`, total, next.Load(), strings.Join(docs, ","))
		}))
		env := map[string]string{"FALCON_CLIENT_ID": "a", "FALCON_CLIENT_SECRET": "b", "FALCON_BASE_URL": srv.URL}
		code, out, errs := runCLI(t, env, "export", "--api", "alerts")
		srv.Close()
		if code == 0 || !strings.Contains(errs, "export stopped short after 10,000 alerts: the service gave no total: stopped after 10,000 rows") {
			t.Fatalf("total %q: exit %d after %d requests: %s", total, code, requests.Load(), errs)
		}
		if n := strings.Count(out, "\n"); n != 10000 {
			t.Fatalf("total %q: %d rows written before the stop", total, n)
		}
	}
}

// TestExportSortInEitherDirection: on Alerts a Detects sort field sorts by
// its Alerts twin, ascending as well as descending.
func TestExportSortInEitherDirection(t *testing.T) {
	for _, dir := range []string{"asc", "desc"} {
		code, out, errs := runCLI(t, nil, "export", "--demo", "--demo-count", "60", "--sort", "last_behavior|"+dir, "--limit", "20")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", dir, code, errs)
		}
		var times []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r struct{ Timestamp string }
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatal(err)
			}
			times = append(times, r.Timestamp)
		}
		sorted := slices.IsSorted(times)
		if len(times) != 20 || sorted != (dir == "asc") || times[0] == times[len(times)-1] {
			t.Fatalf("%s: %d rows, %v … %v", dir, len(times), times[0], times[len(times)-1])
		}
	}
	code, _, errs := runCLI(t, nil, "export", "--demo", "--sort", "adversary_id|asc")
	if code == 0 || !strings.Contains(errs, "the Alerts API does not sort on it") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// TestExportRefusesAFieldTheAPILacks: the README's old example (a Detects
// field on Alerts) wrote 0 rows and exited 0; now it is refused, exit 2,
// naming the Alerts field, and no request carries the filter. A filter
// that does not parse is refused before logging in.
func TestExportRefusesAFieldTheAPILacks(t *testing.T) {
	f := fake.New(fake.Options{GenOptions: fake.GenOptions{Count: 50, Seed: 1}, DetectsGone: true})
	var mu sync.Mutex
	var sent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		mu.Lock()
		sent = append(sent, r.URL.Path+"?"+r.URL.RawQuery+" "+string(body))
		mu.Unlock()
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	env := map[string]string{"FALCON_CLIENT_ID": fake.DemoClientID, "FALCON_CLIENT_SECRET": fake.DemoClientSecret, "FALCON_BASE_URL": srv.URL}
	for _, api := range []string{"auto", "alerts"} {
		code, out, errs := runCLI(t, env, "export", "--api", api, "--filter", "status:'new'+max_severity:>=60")
		if code != 2 || out != "" || !strings.Contains(errs, "max_severity is the other API's name: this one calls it severity at column 14") {
			t.Fatalf("--api %s: exit %d, %q: %s", api, code, out, errs)
		}
	}
	mu.Lock()
	for _, s := range sent {
		if strings.Contains(s, "max_severity") {
			t.Errorf("the refused filter was sent: %s", s)
		}
	}
	n := len(sent)
	mu.Unlock()
	code, _, errs := runCLI(t, env, "export", "--filter", "status:'new'+")
	mu.Lock()
	more := len(sent) - n
	mu.Unlock()
	if code != 2 || !strings.Contains(errs, "at column 14: status:'new'+‸") || more != 0 {
		t.Fatalf("exit %d after %d requests: %s", code, more, errs)
	}
	code, out, errs := runCLI(t, env, "export", "--filter", "status:'new'+severity:>=60")
	if code != 0 || out == "" {
		t.Fatalf("the Alerts filter: exit %d: %s", code, errs)
	}
}

// TestExportCountsTheClauseItAdds: export adds show_in_ui:true as the
// console does, so 20 clauses of the analyst's are one too many (exit 2,
// nothing sent), and with --include-hidden they are not.
func TestExportCountsTheClauseItAdds(t *testing.T) {
	f := "status:['new','reopened']"
	for i := 2; i <= 20; i++ {
		f += fmt.Sprintf("+severity:>=%d", i)
	}
	code, out, errs := runCLI(t, nil, "export", "--demo", "--demo-count", "20", "--filter", f)
	if code != 2 || out != "" || !strings.Contains(errs, "at most 19 clauses of your own") {
		t.Fatalf("20 clauses: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "export", "--demo", "--demo-count", "20", "--include-hidden", "--filter", f); code != 0 {
		t.Fatalf("20 clauses with --include-hidden: exit %d: %s", code, errs)
	}
}
