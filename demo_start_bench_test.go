package main

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
)

// BenchmarkDemoStartToFirstPage is --demo's path to its first rows, the
// terminal aside: the in-process fake made, the login, auto's choice and
// the first page the console asks for (kept from the choice). It reports
// the CPU time too: wall time on two shared cores says little.
func BenchmarkDemoStartToFirstPage(b *testing.B) {
	b.Setenv("XDG_CONFIG_HOME", b.TempDir())
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	n := 0
	for b.Loop() {
		n++
		conn, err := connect(connFlags{demo: true, demoCount: 5000, demoSeed: 1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		first := func(bk model.Backend) model.Query { return list.FirstRequest(bk, list.Query{}, nil, 1000) }
		if err := conn.chooseBackend(context.Background(), "", false, first); err != nil {
			b.Fatal(err)
		}
		p, err := conn.backend.Query(context.Background(), first(conn.backend))
		if err != nil || len(p.Found) == 0 {
			b.Fatalf("%d rows, %v", len(p.Found), err)
		}
		conn.close(io.Discard)
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "cpu-ms/op")
}
