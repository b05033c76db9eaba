package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// children are n children, the second with a name a person typed to
// attack the terminal.
func children(n int) []fake.Child {
	kids := fake.DemoChildren(n)
	kids[1].Name = "Evil\x1b[2J\x1b]52;c;aGk=\x07 Corp\u202e"
	return kids
}

func parentEnv(t *testing.T, o fake.Options) *env {
	t.Helper()
	o.Count, o.Seed = 40, 3
	return newEnv(t, o)
}

// TestChildrenArePagedPastTen: the query's default page is 10; the client
// asks for more, and pages with offset until the total, then reads the
// names in chunks: every child comes back once, newest change first, its
// name as the service wrote it (the console sanitises it).
func TestChildrenArePagedPastTen(t *testing.T) {
	kids := children(23)
	e := parentEnv(t, fake.Options{Children: kids})
	defer e.client.Close(context.Background())
	for _, page := range []int{500, 10} {
		t.Run(fmt.Sprint("page ", page), func(t *testing.T) {
			old := childPage
			childPage = page
			defer func() { childPage = old }()
			before := e.fake.Count("children-query")
			got, err := e.client.Children(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(kids) {
				t.Fatalf("%d children, want %d", len(got), len(kids))
			}
			for i, k := range kids {
				// DemoChildren's are made a day apart, the first newest.
				if got[i].CID != k.CID || got[i].Name != k.Name || got[i].Status != "active" {
					t.Fatalf("child %d is %+v, want %s %q", i, got[i], k.CID, k.Name)
				}
			}
			if n, want := e.fake.Count("children-query")-before, (len(kids)+page-1)/page; n != want {
				t.Fatalf("%d query requests with pages of %d, want %d", n, page, want)
			}
		})
	}
}

// TestUnknownChildIDsAre207: the entities endpoint answers 207 with an
// error entry for an id it does not know; the children it knows are still
// listed.
func TestUnknownChildIDsAre207(t *testing.T) {
	kids := children(3)
	f := fake.New(fake.Options{GenOptions: fake.GenOptions{Count: 20, Seed: 3, Base: testBase}, Children: kids})
	var statuses []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/mssp/entities/children/GET/v2" {
			var body struct {
				IDs []string `json:"ids"`
			}
			_ = json.NewDecoder(r.Body).Decode(&body)
			body.IDs = append(body.IDs, strings.Repeat("f", 32))
			raw, _ := json.Marshal(body)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
			rec := httptest.NewRecorder()
			f.ServeHTTP(rec, r)
			statuses = append(statuses, rec.Code)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, err := New(Config{ClientID: fake.DemoClientID, ClientSecret: fake.DemoClientSecret, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	got, err := c.Children(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(statuses, []int{http.StatusMultiStatus}) || len(got) != 3 || got[0].Name != kids[0].Name {
		t.Fatalf("statuses %v, children %+v", statuses, got)
	}
}

// TestChildrenWithoutTheScope: a 403 names the Flight Control scope and
// is model.ErrNoFlightControl, so the console asks no more.
func TestChildrenWithoutTheScope(t *testing.T) {
	e := parentEnv(t, fake.Options{Children: children(3), DenyFlightControl: true})
	defer e.client.Close(context.Background())
	_, err := e.client.Children(context.Background())
	if !errors.Is(err, model.ErrNoFlightControl) || !strings.Contains(err.Error(), "Flight Control: read") || TraceOf(err) == "" {
		t.Fatalf("got %v", err)
	}
}

// TestForMemberActsInTheChild: the token is asked with member_cid, every
// call under it reads the child's alerts (its CID in their composite ids),
// and once the parent's client is closed no token of it is left; a CID
// that is no child is refused on the token request with a clear error,
// and the parent's client still works.
func TestForMemberActsInTheChild(t *testing.T) {
	kids := children(3)
	e := parentEnv(t, fake.Options{Children: kids, DetectsGone: true})
	ctx := context.Background()
	parent := NewAlerts(e.client, nil)
	page, err := parent.Query(ctx, model.Query{Limit: 3})
	if err != nil || len(page.IDs) == 0 || !strings.HasPrefix(page.IDs[0], fake.DemoCID+":") {
		t.Fatalf("parent: %v %v", page.IDs, err)
	}

	if _, err := e.client.ForMember(ctx, strings.Repeat("a", 32)); err == nil ||
		!strings.Contains(err.Error(), "not a child") || StatusOf(err) != http.StatusForbidden {
		t.Fatalf("a CID that is no child: %v", err)
	}
	if _, err := parent.Query(ctx, model.Query{Limit: 3}); err != nil {
		t.Fatalf("the parent's client after a refused switch: %v", err)
	}
	if _, err := e.client.ForMember(ctx, "x' or '1"); err == nil || e.fake.Count("token") != 2 {
		t.Fatalf("a malformed CID: %v, %d token requests (it must not be sent)", err, e.fake.Count("token"))
	}

	child, err := e.client.ForMember(ctx, kids[2].CID)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.fake.MemberCIDs(); got[len(got)-1] != kids[2].CID {
		t.Fatalf("member_cid on the token requests: %q", got)
	}
	if err := e.client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Unrevoked(); n != 1 {
		t.Fatalf("%d tokens unrevoked after the parent's client closed, want only the child's", n)
	}
	page, err = NewAlerts(child, nil).Query(ctx, model.Query{Limit: 3})
	if err != nil || len(page.IDs) == 0 {
		t.Fatalf("child: %v %v", page.IDs, err)
	}
	for _, id := range page.IDs {
		if !strings.HasPrefix(id, kids[2].CID+":") {
			t.Fatalf("the child's token read %s, not the child's alert", id)
		}
	}
	if err := child.Close(ctx); err != nil || e.fake.Unrevoked() != 0 {
		t.Fatalf("child close: %v, %d unrevoked", err, e.fake.Unrevoked())
	}
}

// TestAHostileChildListingEnds: a service whose total lies (1e12) ends
// the walk however it pages: the same page again ends it at once; fresh
// CIDs every page stop at model.MaxChildren (the first ones returned, with
// ErrManyChildren); one new CID a page stops at the page bound. The
// requests are counted.
func TestAHostileChildListingEnds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		perPage int  // CIDs a page
		fresh   bool // new ones every page
		kids    int
		pages   int // the query requests at most
		many    bool
	}{
		{"the same page again", 500, false, 500, 2, false},
		{"fresh CIDs every page", 500, true, model.MaxChildren, 21, true},
		{"one new CID a page", 1, true, 100, 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fake.New(fake.Options{GenOptions: fake.GenOptions{Count: 20, Seed: 3, Base: testBase}})
			var queries, names int
			next := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				env := func(res any) {
					w.Header().Set("Content-Type", "application/json")
					_ = json.NewEncoder(w).Encode(map[string]any{"meta": map[string]any{"query_time": 0.01, "trace_id": "t",
						"pagination": map[string]any{"offset": 0, "limit": tc.perPage, "total": 1e12}}, "resources": res, "errors": []any{}})
				}
				switch r.URL.Path {
				case "/mssp/queries/children/v1":
					queries++
					if !tc.fresh {
						next = 0
					}
					ids := []string{}
					for range tc.perPage {
						ids = append(ids, fmt.Sprintf("%032x", next))
						next++
					}
					env(ids)
				case "/mssp/entities/children/GET/v2":
					names++
					env([]any{})
				default:
					f.ServeHTTP(w, r)
				}
			}))
			defer srv.Close()
			c, err := New(Config{ClientID: fake.DemoClientID, ClientSecret: fake.DemoClientSecret, BaseURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			got, err := c.Children(context.Background())
			if errors.Is(err, model.ErrManyChildren) != tc.many || (err != nil && !tc.many) {
				t.Fatalf("err %v, want ErrManyChildren %v", err, tc.many)
			}
			if len(got) != tc.kids || queries > tc.pages || names != (tc.kids+childChunk-1)/childChunk {
				t.Fatalf("%d children, %d queries, %d name requests; want %d children, at most %d queries", len(got), queries, names, tc.kids, tc.pages)
			}
			t.Logf("%d children in %d queries and %d name requests", len(got), queries, names)
		})
	}
}
