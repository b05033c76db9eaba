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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
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
