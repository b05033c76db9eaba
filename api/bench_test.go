package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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

// BenchmarkDecode10000 measures the client alone reading 10,000 detections
// (ten answers of 1,000, recorded from the fake once and served as bytes),
// so the allocations are the decoding's, not the fake's.
func BenchmarkDecode10000(b *testing.B) {
	for _, run := range []struct {
		backend string
		chunked bool
	}{{"detects", false}, {"alerts", false}, {"detects", true}, {"alerts", true}} {
		backend, chunked := run.backend, run.chunked
		name := backend
		if chunked {
			name += "/chunked"
		}
		b.Run(name, func(b *testing.B) {
			f := fake.New(fake.Options{GenOptions: fake.GenOptions{Count: 1000, Seed: 2}})
			path, body := "/detects/entities/summaries/GET/v1", `{"ids":[`
			ids := f.IDs()
			if backend == "alerts" {
				path, body = "/alerts/entities/alerts/v2", `{"composite_ids":[`
				ids = f.AlertIDs()[:1000]
			}
			for i, id := range ids {
				if i > 0 {
					body += ","
				}
				body += `"` + id + `"`
			}
			rec := httptest.NewRecorder()
			id, secret := f.Credentials()
			tok := httptest.NewRecorder()
			treq := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader("client_id="+id+"&client_secret="+secret))
			treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			f.ServeHTTP(tok, treq)
			var t struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal(tok.Body.Bytes(), &t)
			req := httptest.NewRequest("POST", path, strings.NewReader(body+"]}"))
			req.Header.Set("Authorization", "Bearer "+t.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			f.ServeHTTP(rec, req)
			answer := rec.Body.Bytes()
			if rec.Code != 200 {
				b.Fatalf("recording the answer: %d %s", rec.Code, answer[:min(200, len(answer))])
			}
			srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
				if chunked {
					// No length: the client reads into a buffer that grows.
					w.(http.Flusher).Flush()
				} else {
					w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
				}
				_, _ = w.Write(answer)
			}))
			defer srv.Close()
			c, err := New(Config{ClientID: "a", ClientSecret: "b", BaseURL: srv.URL})
			if err != nil {
				b.Fatal(err)
			}
			var be model.Backend = NewDetects(c)
			if backend == "alerts" {
				be = NewAlerts(c, nil)
			}
			ctx := context.Background()
			if _, _, err := be.Details(ctx, ids); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for range 10 {
					dets, _, err := be.Details(ctx, ids)
					if err != nil {
						b.Fatal(err)
					}
					n += len(dets)
				}
				if n != 10000 {
					b.Fatalf("decoded %d", n)
				}
			}
		})
	}
}
