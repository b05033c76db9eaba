package views

import (
	"context"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// otherBackend answers every count with two buckets and rows past them
// in sum_other_doc_count.
type otherBackend struct{ model.Backend }

func (otherBackend) Fields() model.Fields { return model.Fields{Status: "status"} }

func (otherBackend) Aggregate(_ context.Context, reqs []model.AggregateRequest) ([]model.Aggregation, error) {
	out := make([]model.Aggregation, len(reqs))
	for i, r := range reqs {
		out[i] = model.Aggregation{Name: r.Name, Buckets: []model.Bucket{{Label: "new", Count: 40}, {Label: "closed", Count: 2}},
			SumOtherDocCount: 1000}
	}
	return out, nil
}

// TestAViewCountIncludesTheOtherBuckets: a tab's count is every row of
// the view, those the terms buckets did not name (sum_other_doc_count)
// too.
func TestAViewCountIncludesTheOtherBuckets(t *testing.T) {
	v := New(context.Background(), []Def{{Name: "All"}})
	v.Connected(otherBackend{})
	v.Update(v.Recount()().(Msg))
	if v.Count(0) != 1042 || !strings.Contains(v.Tabs(80, false, Styles{}), "1,042") {
		t.Fatalf("count %d, tabs %q: want 1,042", v.Count(0), v.Tabs(80, false, Styles{}))
	}
}
