package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// FuzzDecodeSummaries: whatever the service sends as a summaries answer,
// decoding gives detections or a typed error, never a panic.
func FuzzDecodeSummaries(f *testing.F) {
	for _, name := range []string{"summaries.json", "query_detects.json", "error_400.json"} {
		raw, err := readFixture(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, 200)
	}
	f.Add([]byte(`{"resources":[{"detection_id":"x","last_behavior":"\u001b]0;x\u0007","behaviors":[{"cmdline":"\u202e"}]}]}`), 404)
	f.Add([]byte(`{"meta":{},"resources":null,"errors":[{"code":"x"}]}`), 500)
	f.Add([]byte(`[]`), 200)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 100 || status > 599 {
			status = 200
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		env, err := decodeEnvelope(resp, call{op: "read detections", read: true})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("an untyped error: %T %v", err, err)
			}
		}
		if env == nil || len(env.Resources.raw) == 0 {
			return
		}
		var wire []wireDetection
		if json.Unmarshal(env.Resources.raw, &wire) != nil {
			return
		}
		for i := range wire {
			d := wire[i].model()
			_ = d.Worst()
			_ = d.Assignee()
		}
		var alerts []wireAlert
		if json.Unmarshal(env.Resources.raw, &alerts) == nil {
			for i := range alerts {
				_ = alerts[i].model()
			}
		}
	})
}
