package fake

import "testing"

func BenchmarkGenerate5000(b *testing.B) {
	for b.Loop() {
		generate(GenOptions{Count: 5000, Seed: 1, Base: base})
	}
}

// BenchmarkGenerateWithAlerts5000 is today's tenant as --demo makes it:
// the detections and, on the other core, their alerts.
func BenchmarkGenerateWithAlerts5000(b *testing.B) {
	for b.Loop() {
		generateWithAlerts(GenOptions{Count: 5000, Seed: 1, Base: base})
	}
}
