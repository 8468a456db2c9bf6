package ossdirect_test

import (
	"os"
	"strings"
	"testing"
)

// TestREADMESnippetsAreExamples keeps the README's Go snippets compiled:
// each ```go block must appear, line for line (ignoring indentation and
// blank lines), in this package's Example functions.
func TestREADMESnippetsAreExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := os.ReadFile("example_test.go")
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
	code := norm(string(examples))
	blocks := strings.Split(string(readme), "```go\n")[1:]
	if len(blocks) < 4 {
		t.Fatalf("README has %d Go snippets, want at least 4", len(blocks))
	}
	for i, b := range blocks {
		snippet, _, ok := strings.Cut(b, "```")
		if !ok {
			t.Fatalf("snippet %d is not closed", i+1)
		}
		if !strings.Contains(code, norm(snippet)) {
			t.Errorf("README snippet %d is not in example_test.go:\n%s", i+1, snippet)
		}
	}
}
