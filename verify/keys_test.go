package verify

import (
	"os"
	"path/filepath"
	"testing"
)

// Test helpers shared by this package's tests. The fixed keys, OSS-style
// signing, the real callback and PKCS#1 v1.5 encodings built independently
// of the code under test come from internal/testkeys.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
