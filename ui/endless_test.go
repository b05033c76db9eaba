package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
)

// endlessAlerts is a hostile Alerts service: every page holds alerts never
// seen before, with a new cursor, and no total (total is what its
// pagination says of one: `"total":-1,` or nothing).
func endlessAlerts(t *testing.T, total string) (Source, *atomic.Int64) {
	t.Helper()
	var requests, next atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth2/token" {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"access_token":"tok","token_type":"bearer","expires_in":1799}`)
			return
		}
		requests.Add(1)
		var body struct {
			Limit int      `json:"limit"`
			IDs   []string `json:"composite_ids"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		ids := body.IDs
		if strings.Contains(r.URL.Path, "/combined/") {
			for range body.Limit {
				ids = append(ids, fmt.Sprintf("cid:ind:%032x:%d-1-1", 7, next.Add(1)))
			}
		}
		docs := make([]string, len(ids))
		for i, id := range ids {
			docs[i] = fmt.Sprintf(`{"composite_id":%q,"product":"epp","severity":50,"severity_name":"Medium","timestamp":"2026-11-20T11:00:00Z","status":"new","show_in_ui":true,"device":{"hostname":"host-%d"}}`, id, i)
		}
		fmt.Fprintf(w, `{"meta":{"trace_id":"t","pagination":{"offset":0,"limit":%d,%s"after":"c%d"}},"resources":[%s],"errors":[]}`,
			body.Limit, total, next.Load(), strings.Join(docs, ","))
	}))
	t.Cleanup(srv.Close)
	c, err := api.New(api.Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return Source{Backend: api.NewAlerts(c, nil), Label: "HOSTILE"}, &requests
}

// TestGOnAServiceWithoutATotalStops: G on a service that gives no total and
// pages for ever stops after one result window's worth of rows, puts the
// cursor on the last of them and says why this is not the end.
func TestGOnAServiceWithoutATotalStops(t *testing.T) {
	for _, total := range []string{`"total":-1,`, ``} {
		t.Run(fmt.Sprintf("total %q", total), func(t *testing.T) {
			noLeaks(t)
			src, requests := endlessAlerts(t, total)
			d := newDriver(t, Options{Source: src, StateDir: t.TempDir(), Location: time.UTC, Now: func() time.Time { return testBase }})
			d.settle()
			d.key("G")
			d.settle()
			if n := len(d.m.list.IDs()); n != model.NoTotalLimit || d.m.list.Cursor() != n-1 {
				t.Fatalf("%d rows, cursor on %d", n, d.m.list.Cursor())
			}
			if r := requests.Load(); r > 15 {
				t.Errorf("%d requests for %d rows", r, model.NoTotalLimit)
			}
			if sc := d.screen(); !strings.Contains(sc, "the service gave no total: stopped after 10,000 rows") {
				t.Fatalf("the footer does not say why G stopped:\n%s", sc)
			}
			d.m.Close(hangBound)
		})
	}
}

// TestEOnAServiceWithoutATotalStopsShort: e on a service that gives no
// total writes one result window's worth of rows, keeps them as
// NAME.partial and says why the export stopped short.
func TestEOnAServiceWithoutATotalStopsShort(t *testing.T) {
	noLeaks(t)
	src, requests := endlessAlerts(t, `"total":-1,`)
	src.Export = exportWith(nil)
	d := newDriver(t, Options{Source: src, StateDir: t.TempDir(), Location: time.UTC, Now: func() time.Time { return testBase }})
	defer d.m.Close(hangBound)
	d.settle()
	path := filepath.Join(t.TempDir(), "all.jsonl")
	d.exportAs(path)
	d.settle()
	want := "export stopped short after 10,000 alerts: the service gave no total: stopped after 10,000 rows; narrow the filter to see the rest; the rows written are in " + path + ".partial"
	if w := d.m.bar.Word(); w.Text != want || !w.Err {
		t.Fatalf("the footer says %q", w.Text)
	}
	if got := exportedIDs(t, path+".partial"); len(got) != model.NoTotalLimit {
		t.Fatalf("%d rows kept", len(got))
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a short export took the name asked for: %v", err)
	}
	if r := requests.Load(); r > 20 {
		t.Errorf("%d requests", r)
	}
}
