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
