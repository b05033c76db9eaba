package model

import "errors"

// Settle reads the answer to one batch, the result and error its Update
// returned, into what became of each id sent. The audit log and the console
// both read a batch through it, so what the screen says of a row and what
// the log records of it cannot differ.
//
// Refused and Unknown keep only ids that were sent; an id in both is
// unknown (reading a row again is always safe, rolling back a change the
// service applied is not). The ids in neither share the error's fate:
// applied when there is none, or when it says only that the audit log
// failed after the service answered (AuditFailed); unknown when it says so
// (OutcomeUnknown); else refused, for the error's reason. Errors are read
// through these methods alone, since this package knows no backend.
// Settling a settled result changes nothing.
func Settle(sent []string, res UpdateResult, err error) UpdateResult {
	out := UpdateResult{Affected: res.Affected, TraceID: res.TraceID, Refused: map[string]string{}}
	if out.TraceID == "" {
		var t interface{ Trace() string }
		if errors.As(err, &t) {
			out.TraceID = t.Trace()
		}
	}
	unknown := make(map[string]bool, len(res.Unknown))
	for _, id := range res.Unknown {
		unknown[id] = true
	}
	var (
		audit      interface{ AuditFailed() bool }
		unknownErr interface{ OutcomeUnknown() bool }
	)
	restUnknown := err != nil && errors.As(err, &unknownErr) && unknownErr.OutcomeUnknown()
	restApplied := err == nil || (errors.As(err, &audit) && audit.AuditFailed())
	for _, id := range sent {
		why, refused := res.Refused[id]
		switch {
		case unknown[id]:
			out.Unknown = append(out.Unknown, id)
		case refused:
			out.Refused[id] = why
		case restUnknown:
			out.Unknown = append(out.Unknown, id)
		case !restApplied:
			out.Refused[id] = reason(err)
		}
	}
	return out
}

// Applied is the ids sent that a settled result neither refused nor left
// unknown.
func (r UpdateResult) Applied(sent []string) []string {
	unknown := make(map[string]bool, len(r.Unknown))
	for _, id := range r.Unknown {
		unknown[id] = true
	}
	var out []string
	for _, id := range sent {
		if _, refused := r.Refused[id]; !refused && !unknown[id] {
			out = append(out, id)
		}
	}
	return out
}

// reason is an error's own words for a refusal: the service's message
// where the error carries one.
func reason(err error) string {
	var m interface{ Message() string }
	if errors.As(err, &m) {
		return m.Message()
	}
	return err.Error()
}
