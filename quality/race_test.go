//go:build race

package quality_test

// raceEnabled is true when the tests run under the race detector, which
// makes the year-long daily simulations several times slower: they run
// on the short span there (their figures come from the plain run).
const raceEnabled = true
