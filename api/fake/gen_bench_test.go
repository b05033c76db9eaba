package fake

import "testing"

func BenchmarkGenerate5000(b *testing.B) {
	for b.Loop() {
		generate(GenOptions{Count: 5000, Seed: 1, Base: base})
	}
}
