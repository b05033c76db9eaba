//go:build race

package ui

// raceDetector: the race detector slows the heavy measurements tenfold.
const raceDetector = true
