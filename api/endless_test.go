package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// endlessService is a hostile service: every page of ids or alerts is full
// of ids never seen before, with a new cursor each time, whatever was asked;
// total is what its pagination says ("" leaves the total out, "none" the
// pagination itself).
func endlessService(t *testing.T, total string) (*Client, *atomic.Int64) {
	t.Helper()
	var requests, next atomic.Int64
	srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		var body struct {
			Limit int      `json:"limit"`
			IDs   []string `json:"ids"`
			CIDs  []string `json:"composite_ids"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		limit := body.Limit
		if l := r.URL.Query().Get("limit"); l != "" {
			fmt.Sscan(l, &limit)
		}
		var ids []string
		for range limit {
			ids = append(ids, fmt.Sprintf("ldt:%032x:%d", 1, next.Add(1)))
		}
		doc := func(id string) string {
			return fmt.Sprintf(`{"composite_id":%q,"detection_id":%q,"severity":50,"max_severity":50,"timestamp":"2026-11-20T12:00:00Z","last_behavior":"2026-11-20T12:00:00Z","status":"new","show_in_ui":true}`, id, id)
		}
		var res []string
		switch {
		case strings.Contains(r.URL.Path, "/queries/"):
			for _, id := range ids {
				res = append(res, fmt.Sprintf("%q", id))
			}
		case strings.Contains(r.URL.Path, "/combined/"):
			for _, id := range ids {
				res = append(res, doc(id))
			}
		default: // the entities asked for
			for _, id := range append(body.IDs, body.CIDs...) {
				res = append(res, doc(id))
			}
		}
		pg := fmt.Sprintf(`,"pagination":{"offset":0,"limit":%d,%s"after":"c%d"}`, limit, total, next.Load())
		if total == "none" {
			pg = ""
		}
		fmt.Fprintf(w, `{"meta":{"trace_id":"t"%s},"resources":[%s],"errors":[]}`, pg, strings.Join(res, ","))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c, &requests
}

// TestWalksEndOnAServiceWithoutATotal: a negative total, a total left out
// and no pagination at all are each "no total", on both backends, by
// cursor, offset and keyset alike: the walk stops after one result
// window's worth of rows, and says so.
func TestWalksEndOnAServiceWithoutATotal(t *testing.T) {
	for _, total := range []string{`"total":-1,`, `"total":-2147483648,`, ``, `none`} {
		for _, backend := range []string{"alerts by cursor", "alerts by offset", "detects"} {
			if total == "none" && backend == "alerts by cursor" {
				continue // no pagination, no cursor: the walk ends at its first page
			}
			t.Run(fmt.Sprintf("%s %s", backend, total), func(t *testing.T) {
				c, requests := endlessService(t, total)
				var b model.Backend = NewAlerts(c, nil)
				sort := model.Sort{Field: "timestamp", Desc: true}
				switch backend {
				case "alerts by offset":
					sort.Field = "severity"
				case "detects":
					b, sort.Field = NewDetects(c), "max_severity"
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				w := model.NewWalker(b, model.Query{Sort: sort}, 1000)
				n := 0
				var err error
				for requests.Load() < 200 {
					var ids []string
					if ids, err = w.Next(ctx); err != nil {
						break
					}
					n += len(ids)
				}
				if !errors.Is(err, model.ErrNoTotal) || n != model.NoTotalLimit || !strings.Contains(err.Error(), "stopped after 10,000 rows") {
					t.Fatalf("%d ids in %d requests: %v", n, requests.Load(), err)
				}
				if w.Total() != -1 {
					t.Errorf("total %d, want -1 (unknown)", w.Total())
				}
			})
		}
	}
}
