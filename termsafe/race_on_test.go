//go:build race

package termsafe

// raceDetector: the race detector slows the walk over every code point
// tenfold; .ci/run walks it without -race.
const raceDetector = true
