// Package browsertest finds the tools this repository's browser and
// Node.js tests run with (node, Chromium, npm packages). A test whose tools
// are missing is skipped, or failed where OSSDIRECT_REQUIRE_BROWSER=1, as
// ./test.sh sets it after installing them.
package browsertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// requireEnv set to 1 makes a missing tool a failure instead of a skip.
const requireEnv = "OSSDIRECT_REQUIRE_BROWSER"

// Unavailable skips t because of err, or fails it where requireEnv is 1;
// what names what cannot run ("browser test", "ali-oss").
func Unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("%s cannot run and %s=1: %v", what, requireEnv, err)
	}
	t.Skipf("%s skipped: %v; ./test.sh installs what it needs and runs it", what, err)
}

// Node returns node from PATH once each of files exists; else it calls
// Unavailable, naming the command install that provides the files.
func Node(t testing.TB, what, install string, files ...string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Unavailable(t, what, errors.New("no node on PATH"))
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			Unavailable(t, what, fmt.Errorf("%s missing (%s)", f, install))
		}
	}
	return node
}

// Need returns node and Chromium ($CHROMIUM, else /usr/bin/chromium) for a
// browser test, as Node does with files.
func Need(t testing.TB, install string, files ...string) (node, chromium string) {
	t.Helper()
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		Unavailable(t, "browser test", fmt.Errorf("no Chromium at %s (apt-get install chromium)", chromium))
	}
	return Node(t, "browser test", install, files...), chromium
}
