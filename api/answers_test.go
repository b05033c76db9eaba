package api

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// answeringWrites is a client whose every update is answered with status
// and body, as a broken or hostile service might answer.
func answeringWrites(t *testing.T, status int, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cs-Traceid", "trace-odd")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bothBackends runs f on the Detects and the Alerts backend of c: both read
// an update's answer the same way.
func bothBackends(t *testing.T, c func(t *testing.T) *Client, f func(t *testing.T, b model.Backend)) {
	t.Helper()
	t.Run("detects", func(t *testing.T) { f(t, NewDetects(c(t))) })
	t.Run("alerts", func(t *testing.T) { f(t, NewAlerts(c(t), nil)) })
}

func TestAnErrorWithoutAnIDRefusesOnlyTheWholeIDsItNames(t *testing.T) {
	sent := []string{"ldt:x:1", "ldt:x:12", "ldt:x:123", "ldt:y:7"}
	cases := []struct {
		name, message string
		refused       []string
	}{
		{"a longer id holds a shorter one", "update refused for ldt:x:12: locked by a workflow", []string{"ldt:x:12"}},
		{"quoted", `cannot update "ldt:x:1"`, []string{"ldt:x:1"}},
		{"ending a sentence", "locked: ldt:y:7.", []string{"ldt:y:7"}},
		{"in a list", "locked: ldt:x:1,ldt:x:123", []string{"ldt:x:1", "ldt:x:123"}},
		{"only inside a longer id", "locked: ldt:x:1234 and aldt:y:7", nil},
		{"continued after a separator", "locked: ldt:x:1-2 and ldt:y:7_3", nil},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			body := `{"meta":{"trace_id":"t"},"resources":[],"errors":[{"code":400,"message":` + quoteJSON(k.message) + `}]}`
			bothBackends(t, func(t *testing.T) *Client { return answeringWrites(t, http.StatusOK, body) }, func(t *testing.T, b model.Backend) {
				res, err := b.Update(context.Background(), change(sent...))
				if err != nil {
					t.Fatal(err)
				}
				if got := slices.Sorted(maps.Keys(res.Refused)); !slices.Equal(got, k.refused) {
					t.Fatalf("refused %v, want %v", got, k.refused)
				}
			})
		})
	}
}

func quoteJSON(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

func TestAnUnreadable2xxToAnUpdateIsOfUnknownOutcome(t *testing.T) {
	sent := ids(3)
	for _, body := range []string{"<html>OK</html>", `{"meta":{"trace_id":"t"},"errors":[`, "", "null", `["ok"]`} {
		t.Run(body, func(t *testing.T) {
			bothBackends(t, func(t *testing.T) *Client { return answeringWrites(t, http.StatusOK, body) }, func(t *testing.T, b model.Backend) {
				path := filepath.Join(t.TempDir(), "audit.jsonl")
				res, err := (Audited{Backend: b, Log: openTestAudit(t, path)}).Update(context.Background(), change(sent...))
				var ae *Error
				if !errors.As(err, &ae) || !ae.OutcomeUnknown() || !slices.Equal(ae.IDs, sent) || len(res.Refused) != 0 {
					t.Fatalf("got %v (refused %v), want every id of unknown outcome", err, res.Refused)
				}
				if recs, _ := logLines(t, path); recs[len(recs)-1].Outcome != "unknown" {
					t.Fatalf("the audit log says %q", recs[len(recs)-1].Outcome)
				}
			})
		})
	}
}
