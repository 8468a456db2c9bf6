package credchain

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEAdapterIsThisCode keeps the adapter the root README tells users
// to copy identical to the one tested here: every README block fenced as
// "```go interop/credchain/credchain.go" must appear in credchain.go line
// for line (ignoring indentation and blank lines).
func TestREADMEAdapterIsThisCode(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("credchain.go")
	if err != nil {
		t.Fatal(err)
	}
	norm := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	code := norm(string(src))
	blocks := strings.Split(string(readme), "```go interop/credchain/credchain.go\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("README has no block fenced as ```go interop/credchain/credchain.go")
	}
	for i, b := range blocks {
		snippet, _, ok := strings.Cut(b, "```")
		if !ok {
			t.Fatalf("README block %d is not closed", i+1)
		}
		if !strings.Contains(code, norm(snippet)) {
			t.Errorf("README block %d is not in credchain.go:\n%s", i+1, snippet)
		}
	}
}
