//go:build !race

package termsafe

const raceDetector = false
