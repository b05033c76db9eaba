package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// bigAnswers answers every API call with a valid envelope of about size
// bytes, and counts the bytes it got to send.
func bigAnswers(t *testing.T, size int) (*Client, *atomic.Int64) {
	t.Helper()
	var sent atomic.Int64
	srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
		// Ids of 1 KB each: a valid answer for every endpoint that
		// returns ids, and an unreadable one (strings, not objects) for
		// the others, which is fine: the size must stop it first.
		item := `"` + strings.Repeat("x", 1022) + `"`
		n, _ := fmt.Fprint(w, `{"meta":{"pagination":{"total":1}},"resources":[`+item)
		sent.Add(int64(n))
		for written := n; written < size; written += len(item) + 1 {
			n, err := fmt.Fprint(w, ","+item)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
		_, _ = fmt.Fprint(w, `]}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c, &sent
}

func TestAnswersLargerThanAskedAreRefused(t *testing.T) {
	ctx := context.Background()
	const huge = 100 << 20
	cases := []struct {
		name string
		call func(c *Client) error
	}{
		{"query of 100 ids", func(c *Client) error {
			_, err := NewDetects(c).Query(ctx, model.Query{Limit: 100})
			return err
		}},
		{"details of 10 detections", func(c *Client) error {
			_, _, err := NewDetects(c).Details(ctx, idsN(10))
			return err
		}},
		{"details of 1000 alerts", func(c *Client) error {
			_, _, err := NewAlerts(c, nil).Details(ctx, idsN(1000))
			return err
		}},
		{"a page of 1000 alerts", func(c *Client) error {
			_, err := NewAlerts(c, nil).Query(ctx, model.Query{Cursor: true, Limit: 1000})
			return err
		}},
		{"find users", func(c *Client) error {
			_, err := c.FindUsers(ctx, "a")
			return err
		}},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			c, sent := bigAnswers(t, huge)
			err := k.call(c)
			if err == nil || !strings.Contains(err.Error(), "answer is larger than") || !strings.Contains(err.Error(), "refused") {
				t.Fatalf("got %v, want a refused oversized answer", err)
			}
			if sent.Load() > 60<<20 {
				t.Fatalf("read on to %d MB", sent.Load()>>20)
			}
		})
	}
}

func TestAnswersOfTheAskedSizeAreRead(t *testing.T) {
	c, _ := bigAnswers(t, 4<<20) // 4 MB of ids for a 9,999-id query
	p, err := NewDetects(c).Query(context.Background(), model.Query{Limit: 9999})
	if err != nil || len(p.IDs) < 4000 {
		t.Fatalf("%d ids, %v", len(p.IDs), err)
	}
}

func idsN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("id", i)
	}
	return out
}
