package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// ignoresOffset is a service that answers every page from the top.
type ignoresOffset struct{ *sliceBackend }

func (b ignoresOffset) Query(ctx context.Context, q Query) (Page, error) {
	q.Offset = 0
	return b.sliceBackend.Query(ctx, q)
}

// cursorService pages rows by a cursor, badly in the ways of broken
// services: a cursor that never advances, or pages that repeat.
type cursorService struct {
	sliceBackend
	pages []Page
	calls int
}

func (b *cursorService) CursorPaging() bool { return true }

func (b *cursorService) Fields() Fields {
	return Fields{Time: "t", Severity: "sev", StableSorts: []string{"t"}}
}

func (b *cursorService) Query(_ context.Context, q Query) (Page, error) {
	b.calls++
	if b.calls > 50 {
		return Page{}, errors.New("the walk does not stop")
	}
	p := b.pages[min(b.calls-1, len(b.pages)-1)]
	for _, id := range p.IDs {
		p.Found = append(p.Found, Detection{ID: id})
	}
	return p, nil
}

func idsFrom(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func walkAll(t *testing.T, w *Walker) ([]string, error) {
	t.Helper()
	// Only a walk that never ends takes this long, even on a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return w.All(ctx)
}

func TestWalkerStopsWhenTheServiceIgnoresOffset(t *testing.T) {
	for _, window := range []int{100, 10000} {
		b := &sliceBackend{window: window}
		for i := 0; i < 950; i++ {
			b.rows = append(b.rows, row{id: fmt.Sprint("r", i), sev: i % 7, t: i})
		}
		w := NewWalker(ignoresOffset{b}, Query{Sort: Sort{Field: "sev", Desc: true}}, 40)
		ids, err := walkAll(t, w)
		if !errors.Is(err, ErrNoProgress) || !strings.Contains(err.Error(), "offset") {
			t.Fatalf("window %d: got %v after %d ids, want ErrNoProgress", window, err, len(ids))
		}
		if b.calls > 5 {
			t.Fatalf("window %d: %d requests before stopping", window, b.calls)
		}
	}
}

func TestCursorWalkStopsWithoutProgress(t *testing.T) {
	cases := []struct {
		name  string
		pages []Page
		want  string
		ids   int
	}{
		{"same cursor", []Page{{IDs: idsFrom("a", 3), After: "c1", Total: 9}, {IDs: idsFrom("b", 3), After: "c1", Total: 9}}, "cursor", 6},
		{"same ids", []Page{{IDs: idsFrom("a", 3), After: "c1", Total: 9}, {IDs: idsFrom("a", 3), After: "c2", Total: 9}, {IDs: idsFrom("a", 3), After: "c3"}}, "already", 3},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			b := &cursorService{sliceBackend: sliceBackend{window: 10001}, pages: k.pages}
			ids, err := walkAll(t, NewWalker(b, Query{}, 3))
			if !errors.Is(err, ErrNoProgress) || !strings.Contains(err.Error(), k.want) {
				t.Fatalf("got %v, want ErrNoProgress naming the %s", err, k.want)
			}
			if len(ids) != k.ids || b.calls > 3 {
				t.Fatalf("%d ids in %d requests", len(ids), b.calls)
			}
		})
	}
}

func TestCursorWalkDropsRepeatedIDs(t *testing.T) {
	b := &cursorService{sliceBackend: sliceBackend{window: 10001}, pages: []Page{
		{IDs: []string{"a", "b", "c"}, After: "c1"},
		{IDs: []string{"c", "d", "e"}, After: "c2"},
		{IDs: []string{"f"}},
	}}
	w := NewWalker(b, Query{}, 3)
	var all []string
	for {
		ids, err := w.Next(context.Background())
		if err != nil {
			break
		}
		if len(w.Found()) != len(ids) {
			t.Fatalf("%d rows found for %d ids", len(w.Found()), len(ids))
		}
		all = append(all, ids...)
	}
	if strings.Join(all, "") != "abcdef" {
		t.Fatalf("walked %v", all)
	}
}

// A cursor walks only a sort whose values never change; where the cursor
// endpoint refuses the client, the walk goes on by offset.
func TestCursorOnlyOnStableSortsAndFallsBack(t *testing.T) {
	rows := idsFrom("r", 30)
	var data []row
	for i, id := range rows {
		data = append(data, row{id: id, sev: i % 3, t: 1000 - i})
	}
	b := &cursorService{sliceBackend: sliceBackend{rows: data, window: 10000}}
	for _, p := range [][]string{rows[:10], rows[10:20], rows[20:]} {
		b.pages = append(b.pages, Page{IDs: p, After: "next"})
	}
	if w := NewWalker(b, Query{Sort: Sort{Field: "sev", Desc: true}}, 10); w.cursor {
		t.Fatal("a cursor walks a sort that is not stable")
	}
	if w := NewWalker(b, Query{Sort: Sort{Field: "t", Desc: true}}, 10); !w.cursor {
		t.Fatal("no cursor on a stable sort")
	}
	refused := &noCursor{sliceBackend: sliceBackend{rows: data, window: 10000}}
	got, err := walkAll(t, NewWalker(refused, Query{Sort: Sort{Field: "t", Desc: true}}, 10))
	if err != nil || len(got) != len(rows) {
		t.Fatalf("after the cursor endpoint refused: %d rows, %v", len(got), err)
	}
}

type noCursor struct{ sliceBackend }

func (b *noCursor) CursorPaging() bool { return true }

func (b *noCursor) Fields() Fields {
	return Fields{Time: "t", Severity: "sev", StableSorts: []string{"t"}}
}

func (b *noCursor) Query(ctx context.Context, q Query) (Page, error) {
	if q.Cursor {
		return Page{}, fmt.Errorf("%w: 403", ErrNoCursor)
	}
	return b.sliceBackend.Query(ctx, q)
}
