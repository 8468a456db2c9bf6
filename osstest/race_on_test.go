//go:build race

package osstest_test

// raceEnabled: the race detector slows hashing about tenfold, so the 1 GiB
// tests use largeSize under it; test.sh runs them at full size without it.
const raceEnabled = true
