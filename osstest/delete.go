package osstest

import (
	"net/http"
)

// DeleteObject: https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject

// deleteObject serves DELETE /<key> (without uploadId). OSS answers
// 204 No Content whether or not the object existed: a delete needs write
// permission on the bucket, not an object to delete
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject).
// The request is authenticated like PutObject, so only a signed request,
// or an anonymous one to a public-read-write bucket, removes anything.
func (e *Emulator) deleteObject(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	if oe := validateKey(key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	vid, oe := versionParam(r) // versioning.go
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	out, err := e.store.deleteVersion(key, vid, e.now()) // versions.go
	if err != nil {
		writeError(w, rc, errInternal(err))
		return
	}
	// The version deleted, or the delete marker added, and whether it is
	// a delete marker
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject).
	h := w.Header()
	if out.versionID != "" {
		h.Set("X-Oss-Version-Id", out.versionID)
	}
	if out.marker {
		h.Set("X-Oss-Delete-Marker", "true")
	}
	w.WriteHeader(http.StatusNoContent)
}

// remove deletes key, if stored, in a bucket that was never versioned.
// The directory store journals the deletion, and its caller removes the
// returned content file after releasing s.mu, which it holds, so a new
// Emulator on the same directory does not bring the object back; a reader
// that already opened the content keeps reading it.
func (s *store) remove(key string) ([]string, error) {
	old, ok := s.objects[key]
	var recs []journalRecord
	if ok && s.dir != "" {
		recs = []journalRecord{delRecord(key)} // persist.go
	}
	if err := s.journal.append(recs...); err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	delete(s.objects, key)
	s.index.remove(key)
	return []string{old.file}, nil
}
