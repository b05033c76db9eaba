package api

import (
	"context"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// A backend chosen by name and refused says what auto says when it
// chooses: the scope the client lacks, or that the API is not served, and
// the other API to try.
func TestANamedBackendRefusedSaysWhatToDo(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		what string
		api  string
		o    fake.Options
		want []string
	}{
		{"detects without its scope", "detects", fake.Options{DetectsForbidden: true}, []string{"403", "lacks the Detections: read scope", "--api alerts"}},
		{"detects decommissioned", "detects", fake.Options{DetectsGone: true}, []string{"404", "Detects API is not served here", "--api alerts"}},
		{"alerts without its scope", "alerts", fake.Options{AlertsForbidden: true}, []string{"403", "lacks the Alerts: read scope", "--api detects"}},
	}
	for _, tc := range cases {
		e := newEnv(t, tc.o)
		b, err := ChooseBackend(ctx, e.client, tc.api, nil, true)
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		cursor := tc.api == "alerts"
		_, err = b.Query(ctx, model.Query{Limit: 10, Cursor: cursor})
		if cursor {
			// The combined endpoint refused is left for the queries.
			_, err = b.Query(ctx, model.Query{Limit: 10})
		}
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want it to say %q", tc.what, err, w)
			}
		}
		if _, err := b.Aggregate(ctx, []model.AggregateRequest{{Name: "s", Type: "terms", Field: "status"}}); err == nil || !strings.Contains(err.Error(), "--api") {
			t.Errorf("%s: the aggregate refused says %v", tc.what, err)
		}
	}
	// The same refusal from a backend auto chose (or a test built) adds
	// nothing: auto said why when it chose.
	e := newEnv(t, fake.Options{DetectsForbidden: true})
	if _, err := NewDetects(e.client).Query(ctx, model.Query{Limit: 10}); err == nil || strings.Contains(err.Error(), "--api") {
		t.Fatalf("an unnamed backend: %v", err)
	}
}

func TestANamedBackendRefusedAWriteNamesTheWriteScope(t *testing.T) {
	e := newEnv(t, fake.Options{DetectsForbidden: true})
	b, err := ChooseBackend(context.Background(), e.client, "detects", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	closed := model.StatusClosed
	_, err = b.Update(context.Background(), model.Change{IDs: []string{"ldt:x:1"}, Status: &closed})
	if err == nil || !strings.Contains(err.Error(), "Detections: write") {
		t.Fatalf("update refused: %v", err)
	}
}
