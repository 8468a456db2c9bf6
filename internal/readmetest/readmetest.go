// Package readmetest checks that the code blocks of a Markdown file are
// code that is compiled and tested.
package readmetest

import (
	"os"
	"strings"
	"testing"
)

// Blocks returns the contents of the blocks of the Markdown file path whose
// opening fence line is fence (such as "```go"), failing t if path cannot be
// read or a block is not closed.
func Blocks(t testing.TB, path, fence string) []string {
	t.Helper()
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for i, b := range strings.Split(string(md), fence+"\n")[1:] {
		block, _, ok := strings.Cut(b, "```")
		if !ok {
			t.Fatalf("%s block %d is not closed", path, i+1)
		}
		blocks = append(blocks, block)
	}
	return blocks
}

// Normalize drops indentation and blank lines from s, so that a block
// appears in the normalized source it was copied from: Contains(Normalize(src),
// Normalize(block)).
func Normalize(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
