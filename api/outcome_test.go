package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// failingWrites answers every update with status and a body naming the ids
// in named.
func failingWrites(t *testing.T, status int, named ...string) *Client {
	t.Helper()
	srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
		var errs []string
		for _, id := range named {
			errs = append(errs, fmt.Sprintf(`{"code":%d,"id":%q,"message":"failed on %s"}`, status, id, id))
		}
		w.Header().Set("X-Cs-Traceid", "trace-5xx")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"meta":{"trace_id":"trace-5xx"},"resources":[],"errors":[%s]}`, strings.Join(errs, ","))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("ldt:%032x:%d", i, i)
	}
	return out
}

func TestA5xxLeavesTheIDsItDoesNotNameUnknown(t *testing.T) {
	all := ids(35)
	st := model.StatusClosed
	cases := []struct {
		name    string
		status  int
		named   []string
		refused int
		unknown int
	}{
		{"500 names one", http.StatusInternalServerError, all[:1], 1, 34},
		{"503 names none", http.StatusServiceUnavailable, nil, 0, 35},
		{"502 names all", http.StatusBadGateway, all, 35, 0},
	}
	for _, k := range cases {
		for _, backend := range []string{"detects", "alerts"} {
			t.Run(k.name+" "+backend, func(t *testing.T) {
				c := failingWrites(t, k.status, k.named...)
				var b model.Backend = NewDetects(c)
				if backend == "alerts" {
					b = NewAlerts(c, nil)
				}
				res, err := b.Update(context.Background(), model.Change{IDs: all, Status: &st})
				if len(res.Refused) != k.refused {
					t.Fatalf("%d refused, want %d", len(res.Refused), k.refused)
				}
				if k.unknown == 0 {
					if err != nil {
						t.Fatalf("every id refused by name, yet %v", err)
					}
					return
				}
				var ae *Error
				if !errors.As(err, &ae) || !ae.OutcomeUnknown() || len(ae.IDs) != k.unknown || ae.Status != k.status {
					t.Fatalf("got %#v, want %d ids of unknown outcome", err, k.unknown)
				}
				for _, id := range ae.IDs {
					if _, named := res.Refused[id]; named {
						t.Fatalf("%s both refused and unknown", id)
					}
				}
				if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("the outcome of %d ids is unknown", k.unknown)) || !strings.Contains(msg, "trace-5xx") {
					t.Fatalf("message %q", msg)
				}
			})
		}
	}
}

func TestAuditRecordsA5xxAsUnknown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openTestAudit(t, path)
	st := model.StatusClosed
	all := ids(35)
	_, err := (Audited{Backend: NewDetects(failingWrites(t, 500, all[0])), Log: l}).Update(context.Background(), model.Change{IDs: all, Status: &st})
	if err == nil {
		t.Fatal("no error")
	}
	recs, _ := logLines(t, path)
	if len(recs) != 2 || recs[1].Outcome != "unknown" || len(recs[1].Refused) != 1 {
		t.Fatalf("result record %+v", recs[len(recs)-1])
	}
}
