package model

import (
	"context"
	"fmt"
	"testing"
)

// cursorThenRefused answers the cursor for its first pages, then refuses
// it (a 403 mid-walk: scope revoked, or the combined endpoint throttled off).
type cursorThenRefused struct {
	sliceBackend
	ok, calls int
}

func (b *cursorThenRefused) CursorPaging() bool { return true }
func (b *cursorThenRefused) Fields() Fields {
	return Fields{Time: "t", Severity: "sev", StableSorts: []string{"t"}}
}
func (b *cursorThenRefused) Query(ctx context.Context, q Query) (Page, error) {
	if !q.Cursor {
		return b.sliceBackend.Query(ctx, q)
	}
	b.calls++
	if b.calls > b.ok {
		return Page{}, fmt.Errorf("%w: 403", ErrNoCursor)
	}
	start := (b.calls - 1) * q.Limit
	p, err := b.sliceBackend.Query(ctx, Query{Sort: q.Sort, Offset: start, Limit: q.Limit})
	for _, id := range p.IDs {
		p.Found = append(p.Found, Detection{ID: id, AssigneeUID: "stale-from-cursor-page"})
	}
	p.After = fmt.Sprint("c", b.calls)
	return p, err
}

func TestLateCursorFallbackMidWalk(t *testing.T) {
	var data []row
	for i := 0; i < 300; i++ {
		data = append(data, row{id: fmt.Sprint("r", i), sev: i % 3, t: 1000 - i})
	}
	for _, ok := range []int{1, 3} {
		t.Run(fmt.Sprint(ok, " cursor pages"), func(t *testing.T) {
			b := &cursorThenRefused{sliceBackend: sliceBackend{rows: data, window: 10000}, ok: ok}
			w := NewWalker(b, Query{Sort: Sort{Field: "t", Desc: true}}, 40)
			ctx := context.Background()
			var got []string
			for {
				ids, err := w.Next(ctx)
				if err != nil {
					if len(got) != len(data) {
						t.Fatalf("after %d ids: %v", len(got), err)
					}
					break
				}
				if !w.cursor && len(w.Found()) > 0 {
					t.Errorf("an offset page (%v…) carries %d rows of the last cursor page (%s…)", ids[0], len(w.Found()), w.Found()[0].ID)
				}
				got = append(got, ids...)
			}
		})
	}
}

// cursorByOffset answers the cursor with the offset it stands for, so a
// page may be any size; it records each page's limit.
type cursorByOffset struct {
	sliceBackend
	limits []int
}

func (b *cursorByOffset) CursorPaging() bool { return true }
func (b *cursorByOffset) Fields() Fields {
	return Fields{Time: "t", Severity: "sev", StableSorts: []string{"t"}}
}
func (b *cursorByOffset) Query(ctx context.Context, q Query) (Page, error) {
	b.limits = append(b.limits, q.Limit)
	start := 0
	fmt.Sscan(q.After, &start)
	p, err := b.sliceBackend.Query(ctx, Query{Sort: q.Sort, Offset: start, Limit: q.Limit})
	p.After = fmt.Sprint(start + len(p.IDs))
	return p, err
}

// TestTheOpeningPageIsSmallThenTheChunk: a cursor walk's first page is the
// opening's size (the first screen waits for few whole rows), the pages
// after it the chunk, and every row comes once, in order.
func TestTheOpeningPageIsSmallThenTheChunk(t *testing.T) {
	var data []row
	for i := 0; i < 300; i++ {
		data = append(data, row{id: fmt.Sprint("r", i), t: 1000 - i})
	}
	b := &cursorByOffset{sliceBackend: sliceBackend{rows: data, window: 10000}}
	w := NewWalker(b, Query{Sort: Sort{Field: "t", Desc: true}}, 100).Opening(30)
	if q := w.FirstRequest(); q.Limit != 30 {
		t.Fatalf("the first request asks for %d rows", q.Limit)
	}
	var got []string
	for {
		ids, err := w.Next(context.Background())
		if err != nil {
			break
		}
		got = append(got, ids...)
	}
	if len(got) != len(data) || got[0] != "r0" || got[30] != "r30" || got[299] != "r299" {
		t.Fatalf("%d rows: %v…", len(got), got[:min(5, len(got))])
	}
	if fmt.Sprint(b.limits[:3]) != "[30 100 100]" {
		t.Fatalf("page limits %v", b.limits)
	}
}
