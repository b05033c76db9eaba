package model

import (
	"errors"
	"maps"
	"slices"
	"testing"
)

// unknownErr, auditErr and refusal stand for the backends' errors, read
// through their methods alone.
type unknownErr struct{}

func (unknownErr) Error() string        { return "connection lost" }
func (unknownErr) OutcomeUnknown() bool { return true }

type auditErr struct{}

func (auditErr) Error() string     { return "applied; the audit log failed" }
func (auditErr) AuditFailed() bool { return true }

type refusal struct{}

func (refusal) Error() string   { return "update: 400 Bad Request: invalid status (trace id t-1)" }
func (refusal) Message() string { return "invalid status" }
func (refusal) Trace() string   { return "t-1" }

func TestSettleSaysOfEachIDSentWhatBecameOfIt(t *testing.T) {
	sent := []string{"a", "b", "c"}
	cases := []struct {
		name    string
		res     UpdateResult
		err     error
		applied []string
		refused map[string]string
		unknown []string
		trace   string
	}{
		{"applied", UpdateResult{TraceID: "t"}, nil, sent, map[string]string{}, nil, "t"},
		{"one refused by name", UpdateResult{Refused: map[string]string{"b": "locked"}}, nil, []string{"a", "c"}, map[string]string{"b": "locked"}, nil, ""},
		{"ids not sent left out", UpdateResult{Refused: map[string]string{"x": "gone"}, Unknown: []string{"y"}}, nil, sent, map[string]string{}, nil, ""},
		{"unknown over refused", UpdateResult{Refused: map[string]string{"a": "?"}, Unknown: []string{"a"}}, nil, []string{"b", "c"}, map[string]string{}, []string{"a"}, ""},
		{"the rest unknown", UpdateResult{Refused: map[string]string{"a": "locked"}}, unknownErr{}, nil, map[string]string{"a": "locked"}, []string{"b", "c"}, ""},
		{"the rest refused", UpdateResult{}, refusal{}, nil, map[string]string{"a": "invalid status", "b": "invalid status", "c": "invalid status"}, nil, "t-1"},
		{"the audit log failed", UpdateResult{Unknown: []string{"c"}}, auditErr{}, []string{"a", "b"}, map[string]string{}, []string{"c"}, ""},
		{"an error of no kind", UpdateResult{}, errors.New("not sent"), nil, map[string]string{"a": "not sent", "b": "not sent", "c": "not sent"}, nil, ""},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			got := Settle(sent, k.res, k.err)
			if !slices.Equal(got.Applied(sent), k.applied) || !maps.Equal(got.Refused, k.refused) || !slices.Equal(got.Unknown, k.unknown) || got.TraceID != k.trace {
				t.Fatalf("applied %v, refused %v, unknown %v, trace %q; want %v, %v, %v, %q",
					got.Applied(sent), got.Refused, got.Unknown, got.TraceID, k.applied, k.refused, k.unknown, k.trace)
			}
			again := Settle(sent, got, k.err)
			if !maps.Equal(again.Refused, got.Refused) || !slices.Equal(again.Unknown, got.Unknown) {
				t.Fatalf("settling again changed %+v into %+v", got, again)
			}
		})
	}
}
