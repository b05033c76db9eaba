package fake

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkDemoFirstPage is what --demo does before its first rows: make
// the tenant, take a token and answer the console's first combined page
// (1,000 alerts, newest first, hidden ones left out).
func BenchmarkDemoFirstPage(b *testing.B) {
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	n := 0
	for b.Loop() {
		n++
		s := New(Options{GenOptions: GenOptions{Count: 5000, Seed: 1}, DetectsGone: true})
		rec := httptest.NewRecorder()
		treq := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader(url.Values{"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}.Encode()))
		treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		s.ServeHTTP(rec, treq)
		var tok string
		if i := strings.Index(rec.Body.String(), `"access_token":"`); i >= 0 {
			tok = rec.Body.String()[i+16:]
			tok = tok[:strings.IndexByte(tok, '"')]
		}
		req := httptest.NewRequest(http.MethodPost, "/alerts/combined/alerts/v1", strings.NewReader(`{"filter":"show_in_ui:true","sort":"timestamp|desc","limit":1000}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
	// CPU time is what a loaded machine does not blur: wall time on two
	// shared cores says little.
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "cpu-ms/op")
}

// BenchmarkCombinedFirstPage is the console's first page alone, on a
// tenant already made: the filter, the sort and the answer's encoding.
func BenchmarkCombinedFirstPage(b *testing.B) {
	s := New(Options{GenOptions: GenOptions{Count: 5000, Seed: 1}, DetectsGone: true})
	rec := httptest.NewRecorder()
	treq := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader(url.Values{"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}.Encode()))
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.ServeHTTP(rec, treq)
	tok := rec.Body.String()[strings.Index(rec.Body.String(), `"access_token":"`)+16:]
	tok = tok[:strings.IndexByte(tok, '"')]
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/alerts/combined/alerts/v1", strings.NewReader(`{"filter":"show_in_ui:true","sort":"timestamp|desc","limit":100}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
}
