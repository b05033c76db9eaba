package api

import (
	"bufio"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// peakRSS is the process's resident high-water mark in MB.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkSoak100k pages 100,000 detections end to end (ids and every
// summary) and closes 10,000 of them in batches, three at a time, against a
// fake with the real default budget: no 429 may happen. Run it with
// go test ./api -run XXX -bench Soak -benchtime 1x.
func BenchmarkSoak100k(b *testing.B) {
	e := newEnv(b, fake.Options{GenOptions: fake.GenOptions{Count: 100_000, Seed: 4}})
	e.client.tr.sleep = sleepCtx // real pacing: the budget is the point
	ctx := context.Background()
	for b.Loop() {
		before := e.fake.Count("query") + e.fake.Count("summaries") + e.fake.Count("update")
		w := model.NewWalker(e.det, model.Query{Sort: model.Sort{Field: "last_behavior", Desc: true}}, 9999)
		var all []string
		for {
			ids, err := w.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := e.det.Details(ctx, ids); err != nil {
				b.Fatal(err)
			}
			all = append(all, ids...)
		}
		if len(all) != 100_000 {
			b.Fatalf("paged %d", len(all))
		}
		closed := model.StatusClosed
		batches := model.Change{IDs: all[:10_000], Status: &closed}.Batches(1000, nil, false)
		sem := make(chan struct{}, 3)
		var wg sync.WaitGroup
		for _, c := range batches {
			wg.Add(1)
			sem <- struct{}{}
			go func(c model.Change) {
				defer wg.Done()
				defer func() { <-sem }()
				if res, err := e.det.Update(ctx, c); err != nil || len(res.Refused) > 0 {
					b.Errorf("batch: %v %v", err, res.Refused)
				}
			}(c)
		}
		wg.Wait()
		b.ReportMetric(float64(e.fake.Count("query")+e.fake.Count("summaries")+e.fake.Count("update")-before), "requests")
	}
	if n := e.fake.Count("429"); n != 0 {
		b.Fatalf("%d answers were 429 with a budget that sufficed", n)
	}
	b.ReportMetric(peakRSS(), "peak-RSS-MB")
}
