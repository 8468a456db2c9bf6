package osstest

import "io"

// SetMaxObjectSize lowers OSS's 5 GB limit so tests can reach it.
func SetMaxObjectSize(e *Emulator, n int64) { e.maxObjectSize = n }

// Open opens the content of a stored object as a GET does, so tests can
// check that a reader keeps reading what it opened.
func Open(e *Emulator, key string) (io.ReadCloser, error) {
	rc, _, err := e.store.open(key)
	return rc, err
}
