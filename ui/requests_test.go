package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api/fake"
)

// The console's request economy, both backends, against the fake over
// HTTP: requests (token included) and bytes answered for what an analyst
// does most. The counts are deterministic (the driver settles every answer
// in order, and the console and the fake read a clock that moves only when
// the test says: rows read a moment ago are young however long the machine
// takes), so each is held to its measured figure here; the ideal is what
// the fewest requests the service allows would be.

type economy struct {
	what               string
	detects, alerts    int // requests measured
	idealD, idealA     int
	bytesD, bytesA     int64
	detRows, alertRows int
}

// econSession is one measure's console and its clock.
type econSession struct {
	d     *driver
	clock *clock
}

func measure(t *testing.T, backend, choice string, count int, setup, act func(e econSession)) (requests int, bytes int64, rows int) {
	t.Helper()
	clk := newClock(testBase)
	h := newBackendHarness(t, backend, count, func(o *fake.Options) { o.Now = clk.Now })
	o := h.options(t)
	o.Now = clk.Now
	if choice != "" {
		// As main starts: the login and the choice of API inside the
		// console, --api choice.
		o.Source.Backend, o.Connect = nil, connectAs(t, h, choice)
	}
	o.FreshFor = 0 // the default: rows read a moment ago are not read again
	e := econSession{d: newDriver(t, o), clock: clk}
	e.d.send(teaSize(80, 24))
	if setup != nil {
		e.d.settle()
		setup(e)
	}
	e.d.settle()
	r0, b0 := h.traffic.requests.Load(), h.traffic.bytes.Load()
	if setup == nil {
		r0, b0 = 0, 0
	}
	act(e)
	e.d.settle()
	return int(h.traffic.requests.Load() - r0), h.traffic.bytes.Load() - b0, len(e.d.m.list.IDs())
}

func TestRequestEconomy(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("pages 12,000 rows on both backends: .ci/run runs it without -race")
	}
	nothing := func(econSession) {}
	pageDown := func(e econSession) {
		for e.d.m.list.Top()+e.d.m.rowsOnScreen() < 10000 {
			e.d.key("pgdown")
			e.d.settle()
		}
	}
	markAll := func(e econSession) { e.d.key("*", "y") }
	closeMarked := func(e econSession) { e.d.key("s", "c", "y") }
	// Sizes: the fake derives about 2.3 to 2.8 alerts per detection.
	cases := []struct {
		what           string
		countD, countA int
		setup, act     func(e econSession)
		idealD, idealA int
		// choiceD, choiceA: the start goes through main's choice of
		// API (--api detects, auto) rather than a backend handed in.
		choiceD, choiceA string
	}{
		{"first screen (token cold)", 200, 200, nil, nothing, 3, 2, "", ""},
		// Auto's probe is the first page: token and combined request.
		{"first screen, --api detects / auto (token cold)", 200, 200, nil, nothing, 3, 2, "detects", "auto"},
		// Detects: ten pages of ids, one more past the 10,000 window with
		// its keyset check (a details read and a tie query), a details read
		// per thousand rows.
		{"PgDn through 10,000 rows", 10500, 4400, nil, pageDown, 24, 11, "", ""},
		{"G on 12,000 rows", 12300, 4400, nothing, func(e econSession) { e.d.key("G") }, 5, 13, "", ""},
		{"one action on the cursor row", 200, 200, nothing, func(e econSession) { e.d.key("s", "i") }, 2, 2, "", ""},
		// The same, the rows read 6 s before: the action reads its row
		// again first.
		{"one action on a row read 6 s ago", 200, 200, nothing, func(e econSession) {
			e.clock.Advance(6 * time.Second)
			e.d.key("s", "i")
		}, 3, 3, "", ""},
		{"* on 12,000 rows", 12300, 4400, nothing, markAll, 4, 13, "", ""},
		{"close the 12,000 marked", 12300, 4400, markAll, closeMarked, 36, 26, "", ""},
	}
	var table []string
	table = append(table, "| what | Detects requests (ideal) | Detects bytes | Alerts requests (ideal) | Alerts bytes |", "|---|---|---|---|---|")
	for _, c := range cases {
		rd, bd, nd := measure(t, "detects", c.choiceD, c.countD, c.setup, c.act)
		ra, ba, na := measure(t, "alerts", c.choiceA, c.countA, c.setup, c.act)
		table = append(table, fmt.Sprintf("| %s | %d (%d) | %s | %d (%d) | %s |", c.what, rd, c.idealD, kb(bd), ra, c.idealA, kb(ba)))
		t.Logf("%s: detects %d requests over %d rows loaded, alerts %d over %d", c.what, rd, nd, ra, na)
		if rd > c.idealD+4 || ra > c.idealA+4 {
			t.Errorf("%s: %d and %d requests, ideal %d and %d", c.what, rd, ra, c.idealD, c.idealA)
		}
	}
	t.Log("\n" + strings.Join(table, "\n"))
}

func kb(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+512)/1024)
}
