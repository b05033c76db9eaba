package api

import (
	"context"
	"io"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// BenchmarkPage10000 pages 10,000 detections out of the fake over HTTP: ids
// through the walker, summaries in chunks of 1,000, as export does.
func BenchmarkPage10000(b *testing.B) {
	e := newEnv(b, fake.Options{GenOptions: fake.GenOptions{Count: 10000, Seed: 2}})
	ctx := context.Background()
	if err := e.client.Login(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		before := e.fake.Count("query") + e.fake.Count("summaries")
		w := model.NewWalker(e.det, model.Query{Sort: model.Sort{Field: "last_behavior", Desc: true}}, 9999)
		n := 0
		for {
			ids, err := w.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			dets, _, err := e.det.Details(ctx, ids)
			if err != nil {
				b.Fatal(err)
			}
			n += len(dets)
		}
		if n != 10000 {
			b.Fatalf("paged %d", n)
		}
		b.ReportMetric(float64(e.fake.Count("query")+e.fake.Count("summaries")-before), "requests")
	}
}
