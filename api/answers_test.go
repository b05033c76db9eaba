package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// answeringWrites is a client whose every update is answered with status
// and body, as a broken or hostile service might answer.
func answeringWrites(t *testing.T, status int, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cs-Traceid", "trace-odd")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bothBackends runs f on the Detects and the Alerts backend of c: both read
// an update's answer the same way.
func bothBackends(t *testing.T, c func(t *testing.T) *Client, f func(t *testing.T, b model.Backend)) {
	t.Helper()
	t.Run("detects", func(t *testing.T) { f(t, NewDetects(c(t))) })
	t.Run("alerts", func(t *testing.T) { f(t, NewAlerts(c(t), nil)) })
}

func TestAnErrorWithoutAnIDRefusesOnlyTheWholeIDsItNames(t *testing.T) {
	sent := []string{"ldt:x:1", "ldt:x:12", "ldt:x:123", "ldt:y:7"}
	cases := []struct {
		name, message string
		refused       []string
	}{
		{"a longer id holds a shorter one", "update refused for ldt:x:12: locked by a workflow", []string{"ldt:x:12"}},
		{"quoted", `cannot update "ldt:x:1"`, []string{"ldt:x:1"}},
		{"ending a sentence", "locked: ldt:y:7.", []string{"ldt:y:7"}},
		{"in a list", "locked: ldt:x:1,ldt:x:123", []string{"ldt:x:1", "ldt:x:123"}},
		{"only inside a longer id", "locked: ldt:x:1234 and aldt:y:7", nil},
		{"continued after a separator", "locked: ldt:x:1-2 and ldt:y:7_3", nil},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			body := `{"meta":{"trace_id":"t"},"resources":[],"errors":[{"code":400,"message":` + quoteJSON(k.message) + `}]}`
			bothBackends(t, func(t *testing.T) *Client { return answeringWrites(t, http.StatusOK, body) }, func(t *testing.T, b model.Backend) {
				res, err := b.Update(context.Background(), change(sent...))
				if err != nil {
					t.Fatal(err)
				}
				if got := slices.Sorted(maps.Keys(res.Refused)); !slices.Equal(got, k.refused) {
					t.Fatalf("refused %v, want %v", got, k.refused)
				}
			})
		})
	}
}

func quoteJSON(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

func TestAnUnreadable2xxToAnUpdateIsOfUnknownOutcome(t *testing.T) {
	sent := ids(3)
	for _, body := range []string{"<html>OK</html>", `{"meta":{"trace_id":"t"},"errors":[`, "", "null", `["ok"]`} {
		t.Run(body, func(t *testing.T) {
			bothBackends(t, func(t *testing.T) *Client { return answeringWrites(t, http.StatusOK, body) }, func(t *testing.T, b model.Backend) {
				path := filepath.Join(t.TempDir(), "audit.jsonl")
				res, err := (Audited{Backend: b, Log: openTestAudit(t, path)}).Update(context.Background(), change(sent...))
				var ae *Error
				if !errors.As(err, &ae) || !ae.OutcomeUnknown() || !slices.Equal(ae.IDs, sent) || len(res.Refused) != 0 {
					t.Fatalf("got %v (refused %v), want every id of unknown outcome", err, res.Refused)
				}
				if recs, _ := logLines(t, path); recs[len(recs)-1].Outcome != "unknown" {
					t.Fatalf("the audit log says %q", recs[len(recs)-1].Outcome)
				}
			})
		})
	}
}

// envelope is an update's answer: error entries (id, message; an empty id
// leaves the entry without one) and resources_affected (< 0: no
// meta.writes).
func envelope(affected int, errs ...[2]string) string {
	var entries []string
	for _, e := range errs {
		entry := `{"code":400,"message":` + quoteJSON(e[1])
		if e[0] != "" {
			entry += `,"id":` + quoteJSON(e[0])
		}
		entries = append(entries, entry+"}")
	}
	writes := ""
	if affected >= 0 {
		writes = fmt.Sprintf(`,"writes":{"resources_affected":%d}`, affected)
	}
	return `{"meta":{"trace_id":"trace-odd"` + writes + `},"resources":[],"errors":[` + strings.Join(entries, ",") + `]}`
}

// settledThroughTheLog sends sent through the audit log to b and checks that
// the log's result record names each id as the result does; it returns the
// result.
func settledThroughTheLog(t *testing.T, b model.Backend, sent []string) (model.UpdateResult, AuditRecord) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	res, err := (Audited{Backend: b, Log: openTestAudit(t, path)}).Update(context.Background(), change(sent...))
	res = model.Settle(sent, res, err)
	recs, _ := logLines(t, path)
	rec := recs[len(recs)-1]
	if rec.Event != "result" || !maps.Equal(rec.Refused, res.Refused) || !slices.Equal(rec.Unknown, res.Unknown) {
		t.Fatalf("the log says refused %v, unknown %v; the result refused %v, unknown %v", rec.Refused, rec.Unknown, res.Refused, res.Unknown)
	}
	return res, rec
}

func TestAnAnswerNamingIDsNotSentIsReadForTheIDsSent(t *testing.T) {
	sent := ids(2)
	other := "ldt:ffffffffffffffffffffffffffffffff:9"
	cases := []struct {
		name             string
		status           int
		body             string
		outcome          string
		refused, unknown int
	}{
		{"a 200 naming another id", http.StatusOK, envelope(2, [2]string{other, "not found: " + other}), "applied", 0, 0},
		{"a 200 naming another id in its message", http.StatusOK, envelope(2, [2]string{"", "not found: " + other}), "applied", 0, 0},
		{"a 200 naming another id, nothing changed", http.StatusOK, envelope(0, [2]string{other, "not found: " + other}), "unknown", 0, 2},
		{"a 400 naming another id", http.StatusBadRequest, envelope(0, [2]string{other, "not found: " + other}), "refused", 2, 0},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			bothBackends(t, func(t *testing.T) *Client { return answeringWrites(t, k.status, k.body) }, func(t *testing.T, b model.Backend) {
				res, rec := settledThroughTheLog(t, b, sent)
				if rec.Outcome != k.outcome || len(res.Refused) != k.refused || len(res.Unknown) != k.unknown {
					t.Fatalf("%s, %d refused, %d unknown; want %s, %d, %d", rec.Outcome, len(res.Refused), len(res.Unknown), k.outcome, k.refused, k.unknown)
				}
				if _, named := res.Refused[other]; named || slices.Contains(res.Unknown, other) {
					t.Fatalf("an id not sent is in the result: %+v", res)
				}
			})
		})
	}
}

func TestIDsNotNamedAreDecidedByTheStatusAndResourcesAffected(t *testing.T) {
	sent := ids(3)
	refuse := [2]string{sent[0], "locked by a workflow"}
	cases := []struct {
		name                      string
		status                    int
		body                      string
		applied, refused, unknown int
	}{
		{"200 without meta.writes", 200, envelope(-1), 3, 0, 0},
		{"200 affecting all", 200, envelope(3), 3, 0, 0},
		{"200 affecting none", 200, envelope(0), 0, 0, 3},
		{"200 affecting more than sent", 200, envelope(4), 0, 0, 3},
		{"200 refusing one, affecting the others", 200, envelope(2, refuse), 2, 1, 0},
		{"200 refusing one, affecting none", 200, envelope(0, refuse), 0, 1, 2},
		{"400 refusing one, without meta.writes", 400, envelope(-1, refuse), 0, 3, 0},
		{"400 refusing one, affecting none", 400, envelope(0, refuse), 0, 3, 0},
		{"400 refusing one, affecting the others", 400, envelope(2, refuse), 2, 1, 0},
		{"400 refusing one, affecting some", 400, envelope(1, refuse), 0, 1, 2},
		{"400 naming none", 400, envelope(0, [2]string{"", "invalid status"}), 0, 3, 0},
		{"500 refusing one", 500, envelope(-1, refuse), 0, 1, 2},
		{"503 affecting all", 503, envelope(3), 0, 0, 3},
		{"503 without a JSON body", 503, "Service Unavailable", 0, 0, 3},
		{"502 with an empty body", 502, "", 0, 0, 3},
		{"200 with a negative count", 200, strings.Replace(envelope(0), `"resources_affected":0`, `"resources_affected":-1`, 1), 0, 0, 3},
		{"400 with a negative count", 400, strings.Replace(envelope(0), `"resources_affected":0`, `"resources_affected":-1`, 1), 0, 0, 3},
		{"200 with writes but no count", 200, strings.Replace(envelope(0), `"resources_affected":0`, ``, 1), 3, 0, 0},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			bothBackends(t, func(t *testing.T) *Client { return answeringWrites(t, k.status, k.body) }, func(t *testing.T, b model.Backend) {
				res, _ := settledThroughTheLog(t, b, sent)
				if n := len(res.Applied(sent)); n != k.applied || len(res.Refused) != k.refused || len(res.Unknown) != k.unknown {
					t.Fatalf("%d applied, %d refused, %d unknown; want %d, %d, %d", n, len(res.Refused), len(res.Unknown), k.applied, k.refused, k.unknown)
				}
			})
		})
	}
}

// A server that echoes the client secret in its answer does not take it to
// the screen or the audit log: the answer is redacted as it is read.
func TestAnAnswerThatEchoesTheSecretIsRedacted(t *testing.T) {
	sent := []string{"ldt:x:1"}
	// answeringWrites' client has the secret "secret".
	body := envelope(-1, [2]string{"ldt:x:1", "denied: the client secret is secret"})
	bothBackends(t, func(t *testing.T) *Client { return answeringWrites(t, http.StatusBadRequest, body) }, func(t *testing.T, b model.Backend) {
		res, rec := settledThroughTheLog(t, b, sent)
		for _, why := range res.Refused {
			if strings.Contains(why, "secret") || !strings.Contains(why, "[redacted]") {
				t.Fatalf("the refusal says %q", why)
			}
		}
		raw, _ := json.Marshal(rec)
		if strings.Contains(string(raw), "secret") {
			t.Fatalf("the audit log holds the secret: %s", raw)
		}
	})
}

// An answer cut short (the connection closed before its last chunk) is no
// answer: the outcome is unknown, even if what came is whole JSON.
func TestAnAnswerCutShortIsUnknown(t *testing.T) {
	sent := []string{"ldt:x:1"}
	bothBackends(t, func(t *testing.T) *Client {
		srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
			hj, ok := w.(http.Hijacker)
			if !ok {
				t.Error("no hijacker")
				return
			}
			conn, buf, _ := hj.Hijack()
			defer conn.Close()
			body := envelope(1)
			// A chunked answer whose last chunk never comes.
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(body), body)
			_ = buf.Flush()
		}))
		t.Cleanup(srv.Close)
		c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, func(t *testing.T, b model.Backend) {
		res, _ := settledThroughTheLog(t, b, sent)
		if len(res.Unknown) != 1 {
			t.Fatalf("a cut answer settled as %+v", res)
		}
	})
}

// TestACredentialSpelledWithEscapesIsRedacted: an answer may spell the
// secret or the token with JSON escapes (SEKRE\u0054…), which only decoding
// shows, and may put them in its trace id header: neither reaches the
// refusal, the error, the trace id or the audit log.
func TestACredentialSpelledWithEscapesIsRedacted(t *testing.T) {
	const secret, token = "SEKRET123", "TOK-0123456789"
	sent := []string{"ldt:x:1"}
	bothBackends(t, func(t *testing.T) *Client {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == "/oauth2/token" {
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(`{"access_token":"` + token + `","token_type":"bearer","expires_in":1799}`))
				return
			}
			w.Header().Set("X-Cs-Traceid", secret+"-"+token)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"meta":{},"resources":[],"errors":[{"code":400,"id":"ldt:x:1","message":"no SEKRE\u0054123 for TOK-0123456789 nor TOK\u002d0123456789"},{"code":400,"message":"SEKRET\u00312\u0033"}]}`))
		}))
		t.Cleanup(srv.Close)
		c, err := New(Config{ClientID: "id", ClientSecret: secret, BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, func(t *testing.T, b model.Backend) {
		res, rec := settledThroughTheLog(t, b, sent)
		raw, _ := json.Marshal(rec)
		all := fmt.Sprint(res.Refused, res.TraceID, string(raw))
		if strings.Contains(all, "SEKRET123") || strings.Contains(all, "0123456789") || !strings.Contains(all, "[redacted]") {
			t.Fatalf("a credential got through: %s", all)
		}
		_, err := b.Query(context.Background(), model.Query{Limit: 1})
		if msg := fmt.Sprintf("%v %+v", err, err); strings.Contains(msg, "SEKRET123") || strings.Contains(msg, "0123456789") {
			t.Fatalf("the error holds a credential: %s", msg)
		}
	})
}

// TestEveryPlaceACredentialCanHideIsRedacted: a JSON key spelling it with
// escapes, the token endpoint's refusal (body and trace id), and the trace
// id of an answer whose body never arrives.
func TestEveryPlaceACredentialCanHideIsRedacted(t *testing.T) {
	const secret = "SEKRET123"
	var v map[string]any
	if err := json.Unmarshal(redactJSON([]byte(`{"SEKRE\u0054123":1}`), []string{secret}), &v); err != nil || v[secret] != nil {
		t.Fatalf("a key spelling the secret: %v %v", v, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cs-Traceid", "t-"+secret)
		if r.URL.Path == "/oauth2/token" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errors":[{"code":400,"message":"bad SEKRE\u0054123"}]}`))
			return
		}
	}))
	defer srv.Close()
	c, err := New(Config{ClientID: "id", ClientSecret: secret, BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewAlerts(c, nil).Query(context.Background(), model.Query{Limit: 1})
	if msg := fmt.Sprintf("%v %+v", err, err); err == nil || strings.Contains(msg, secret) {
		t.Fatalf("the token endpoint's refusal: %s", msg)
	}
	cut := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		conn, buf, _ := hj.Hijack()
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 500 Internal Server Error\r\nX-Cs-Traceid: t-%s\r\nContent-Length: 100\r\n\r\n{", secret)
		_ = buf.Flush()
	}))
	defer cut.Close()
	c2, err := New(Config{ClientID: "id", ClientSecret: secret, BaseURL: cut.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewAlerts(c2, nil).Query(context.Background(), model.Query{Limit: 1})
	if msg := fmt.Sprintf("%v %+v", err, err); err == nil || strings.Contains(msg, secret) {
		t.Fatalf("an answer cut short: %s", msg)
	}
}
