package osstest

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"strings"
)

// SetMaxObjectSize lowers OSS's 5 GB limit so tests can reach it.
func SetMaxObjectSize(e *Emulator, n int64) { e.maxObjectSize = n }

// StoreObjects stores an object of size bytes under each key without going
// through HTTP, so listing tests can fill a bucket of 100,000 objects in
// seconds; the objects are committed as an upload commits them.
func StoreObjects(e *Emulator, keys []string, size int) error {
	data := make([]byte, size)
	sum := md5.Sum(data)
	etag := `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
	for _, k := range keys {
		p, err := e.store.begin(int64(size))
		if err != nil {
			return err
		}
		p.Write(data)
		obj := Object{Key: k, Size: int64(size), ETag: etag,
			ContentType: "application/octet-stream", ACL: "default", StorageClass: "Standard", LastModified: e.now().UTC()}
		if err := e.store.commit(p, &obj, false); err != nil {
			return err
		}
	}
	return nil
}

// RemoveObject deletes key as DeleteObject does.
func RemoveObject(e *Emulator, key string) { e.store.deleteVersion(key, "", e.now()) }

// Open opens the content of a stored object as a GET does, so tests can
// check that a reader keeps reading what it opened.
func Open(e *Emulator, key string) (io.ReadCloser, error) {
	rc, _, err := e.store.openVersion(key, "")
	return rc, err
}
