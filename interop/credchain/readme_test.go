package credchain

import (
	"os"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/internal/readmetest"
)

// TestREADMEAdapterIsThisCode keeps the adapter the root README tells users
// to copy identical to the one tested here: every README block fenced as
// "```go interop/credchain/credchain.go" must appear in credchain.go line
// for line (ignoring indentation and blank lines).
func TestREADMEAdapterIsThisCode(t *testing.T) {
	src, err := os.ReadFile("credchain.go")
	if err != nil {
		t.Fatal(err)
	}
	code := readmetest.Normalize(string(src))
	blocks := readmetest.Blocks(t, "../../README.md", "```go interop/credchain/credchain.go")
	if len(blocks) == 0 {
		t.Fatal("README has no block fenced as ```go interop/credchain/credchain.go")
	}
	for i, snippet := range blocks {
		if !strings.Contains(code, readmetest.Normalize(snippet)) {
			t.Errorf("README block %d is not in credchain.go:\n%s", i+1, snippet)
		}
	}
}
