package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// endless is a hostile service: every page is full of ids never seen
// before, whatever the offset, keyset or cursor, under the total it says.
type endless struct {
	sliceBackend
	total  int
	cursor bool
	next   int
}

func (b *endless) CursorPaging() bool { return b.cursor }

func (b *endless) Fields() Fields {
	return Fields{Time: "t", Severity: "sev", StableSorts: []string{"t"}}
}

func (b *endless) Details(_ context.Context, ids []string) ([]Detection, map[string]string, error) {
	out := make([]Detection, len(ids))
	for i, id := range ids {
		out[i] = Detection{ID: id, MaxSeverity: 50}
	}
	return out, nil, nil
}

func (b *endless) Query(_ context.Context, q Query) (Page, error) {
	b.calls++
	if b.calls > 1000 {
		return Page{}, errors.New("the walk does not stop")
	}
	n := q.Limit
	if strings.HasSuffix(q.Filter, ":50") {
		n = 1 // the keyset's count of the rows sharing the last value
	}
	p := Page{Total: b.total, IDs: idsFrom(fmt.Sprint("p", b.calls, "-"), n), After: fmt.Sprint("c", b.calls)}
	for _, id := range p.IDs {
		p.Found = append(p.Found, Detection{ID: id})
	}
	return p, nil
}

func TestWalkStopsOnAServiceThatNeverEnds(t *testing.T) {
	cases := []struct {
		name   string
		total  int
		cursor bool
		want   error
		words  string
		ids    int
	}{
		{"no total, offset and keyset", -1, false, ErrNoTotal, "the service gave no total: stopped after 10,000 rows", NoTotalLimit},
		{"no total, cursor", -1, true, ErrNoTotal, "stopped after 10,000 rows", NoTotalLimit},
		{"a total of 30, offset and keyset", 30, false, ErrNoProgress, "where the service said 30 match", 0},
		{"a total of 30, cursor", 30, true, ErrNoProgress, "where the service said 30 match", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &endless{sliceBackend: sliceBackend{window: 10001}, total: c.total, cursor: c.cursor}
			w := NewWalker(b, Query{Sort: Sort{Field: "sev", Desc: true}}, 700)
			if c.cursor {
				w = NewWalker(b, Query{Sort: Sort{Field: "t", Desc: true}}, 700)
			}
			ids, err := walkAll(t, w)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.words) {
				t.Fatalf("after %d ids in %d requests: %v, want %v saying %q", len(ids), b.calls, err, c.want, c.words)
			}
			if c.ids > 0 && len(ids) != c.ids {
				t.Errorf("%d ids yielded, want %d", len(ids), c.ids)
			}
			if limit := 2*max(c.total, 0) + 10001 + 1000; len(ids) > limit {
				t.Errorf("%d ids yielded, past %d", len(ids), limit)
			}
			// It stays stopped: the next call asks the service nothing.
			calls := b.calls
			if _, err := w.Next(context.Background()); !errors.Is(err, c.want) || b.calls != calls {
				t.Errorf("called again: %v, %d more requests", err, b.calls-calls)
			}
		})
	}
}

// A walk without a total that ends before the limit ends as any other.
func TestWalkWithoutATotalEndsWhereTheRowsDo(t *testing.T) {
	b := &noTotal{sliceBackend{window: 100}}
	for i := 0; i < 250; i++ {
		b.rows = append(b.rows, row{id: fmt.Sprint("r", i), sev: i % 7, t: i})
	}
	w := NewWalker(b, Query{Sort: Sort{Field: "sev", Desc: true}}, 40)
	ids, err := walkAll(t, w)
	if err != nil || len(ids) != 250 || w.Total() != -1 {
		t.Fatalf("%d ids, total %d: %v", len(ids), w.Total(), err)
	}
}

type noTotal struct{ sliceBackend }

func (b *noTotal) Query(ctx context.Context, q Query) (Page, error) {
	p, err := b.sliceBackend.Query(ctx, q)
	p.Total = -1
	return p, err
}

// TestACappedWalkStopsWhateverTheTotalSays: a service claiming two billion
// rows and paging on for ever is walked up to the cap, and no further.
func TestACappedWalkStopsWhateverTheTotalSays(t *testing.T) {
	for _, cursor := range []bool{false, true} {
		b := &endless{sliceBackend: sliceBackend{window: 10001}, total: 2_000_000_000, cursor: cursor}
		sort := Sort{Field: "sev", Desc: true}
		if cursor {
			sort.Field = "t"
		}
		w := NewWalker(b, Query{Sort: sort}, 700).Cap(2500)
		ids, err := walkAll(t, w)
		if !errors.Is(err, ErrRowCap) || !strings.Contains(err.Error(), "at most 2,500 rows") || len(ids) != 2500 {
			t.Fatalf("cursor %v: %d ids: %v", cursor, len(ids), err)
		}
	}
}
