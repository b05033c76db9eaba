package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
)

// The client decodes the recorded, real-shaped responses in testdata/.

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := readFixture(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFixture(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "testdata", name))
}

type recorded struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// replay serves the fixtures: the token, then per path a queue of answers.
func replay(t *testing.T, answers map[string][]recorded) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/token" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(fixture(t, "token_201.json"))
			return
		}
		q := answers[r.URL.Path]
		if len(q) == 0 {
			t.Errorf("unexpected request %s", r.URL.Path)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		a := q[0]
		answers[r.URL.Path] = q[1:]
		for k, v := range a.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.Status)
		_, _ = w.Write(a.Body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func fixtureClient(t *testing.T, srv *httptest.Server, sl *sleeps) *Detects {
	t.Helper()
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	return NewDetects(c)
}

func TestDecodeRecordedQueryAndSummaries(t *testing.T) {
	srv := replay(t, map[string][]recorded{
		"/detects/queries/detects/v1":        {{Status: 200, Body: fixture(t, "query_detects.json")}},
		"/detects/entities/summaries/GET/v1": {{Status: 404, Body: fixture(t, "summaries.json")}},
	})
	d := fixtureClient(t, srv, &sleeps{})
	ctx := context.Background()
	p, err := d.Query(ctx, model.Query{Limit: 2})
	if err != nil || p.Total != 5213 || len(p.IDs) != 2 {
		t.Fatalf("query: %v %+v", err, p)
	}
	missingID := "ldt:00000000000000000000000000000000:1"
	dets, missing, err := d.Details(ctx, []string{p.IDs[0], missingID})
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) != 1 || !strings.Contains(missing[missingID], "Could not find") {
		t.Fatalf("partial answer: %d detections, missing %v", len(dets), missing)
	}
	got := dets[0]
	if got.LastBehavior.Nanosecond() != 295871976 || got.FirstBehavior.IsZero() {
		t.Fatalf("nine-digit times: %v %v", got.LastBehavior, got.FirstBehavior)
	}
	want := map[string]any{
		"status": got.Status == model.StatusInProgress, "assignee": got.AssigneeUID == "alice.martin@corp.example",
		"severity": got.MaxSeverity == 70 && got.SeverityName == "High", "host": got.Device.Hostname == "WS-FIN-0042",
		"ou": len(got.Device.OU) == 2, "technique": got.Behaviors[0].TechniqueID == "T1059.001",
		"parent":      got.Behaviors[0].ParentCmdLine == `C:\Windows\Explorer.EXE`,
		"disposition": got.Behaviors[0].Disposition.Words() == "process killed, process blocked",
		"quarantine":  len(got.Quarantined) == 1 && got.Quarantined[0].State == "quarantined",
		"domain":      got.Domain == "CORP.EXAMPLE", "triaged": got.SecondsToTriaged == 3600,
	}
	for k, ok := range want {
		if ok != true {
			t.Errorf("%s decoded wrong: %+v", k, got)
		}
	}
}

func TestDecodeRecordedErrorAnd429(t *testing.T) {
	var r429 recorded
	if err := json.Unmarshal(fixture(t, "rate_limited_429.json"), &r429); err != nil {
		t.Fatal(err)
	}
	srv := replay(t, map[string][]recorded{
		"/detects/queries/detects/v1": {
			r429,
			{Status: 400, Body: fixture(t, "error_400.json")},
		},
	})
	sl := &sleeps{}
	d := fixtureClient(t, srv, sl)
	_, err := d.Query(context.Background(), model.Query{Offset: 9999, Limit: 1})
	if StatusOf(err) != 400 || TraceOf(err) != "f00dcafe-0000-4000-8000-000000000400" ||
		!strings.Contains(err.Error(), "limit + offset must be less than 10000") {
		t.Fatalf("got %v", err)
	}
	// The 429 was recorded two seconds before its Retryafter, by the
	// service's clock (its Date header), whatever the local clock says.
	if w := sl.all(); len(w) != 1 || w[0] != 2*time.Second {
		t.Fatalf("waits %v, want [2s]", w)
	}
}
