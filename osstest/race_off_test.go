//go:build !race

package osstest_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
