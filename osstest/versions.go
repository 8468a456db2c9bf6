package osstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Bucket versioning
// (https://www.alibabacloud.com/help/en/oss/user-guide/overview-78): a
// bucket is never versioned until PutBucketVersioning enables (or
// suspends) it, and can then only switch between Enabled and Suspended.
// Enabled, every write makes a version with a new id; Suspended, a write
// makes the version "null", replacing an earlier null version
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketversioning).
//
// The store keeps a key's current version where an unversioned bucket
// keeps its object (store.objects and the list index, untouched by
// versioning), and the noncurrent versions and delete markers beside it,
// in a versionState that a never-versioned bucket does not have. So a key
// is in store.objects exactly when its latest version is an object; when
// it is a delete marker, the marker is the first noncurrent entry. The
// journal records the noncurrent entries ("ver", "unver" records) in the
// same writes as the current objects they come from.

const (
	versioningEnabled   = "Enabled"
	versioningSuspended = "Suspended"
	// nullVersion is the version id of an object written while versioning
	// was suspended, or before it was first enabled.
	nullVersion = "null"
)

// versionState holds a versioned bucket's noncurrent versions and delete
// markers; store.mu guards it.
type versionState struct {
	status string
	old    map[string][]*entry // by key, newest first
	keys   keyIndex            // the keys of old, in order
}

func newVersionState(status string) *versionState {
	return &versionState{status: status, old: map[string][]*entry{}}
}

// versionOf is o's version id: "null" for an object stored before the
// bucket was versioned.
func versionOf(o Object) string {
	if o.VersionID == "" {
		return nullVersion
	}
	return o.VersionID
}

// newID is the version id of a new write: unique while versioning is
// enabled, "null" while it is suspended.
func (v *versionState) newID() string {
	if v.status == versioningSuspended {
		return nullVersion
	}
	return randomHex(16)
}

// find returns the index of version vid among key's noncurrent entries,
// or -1.
func (v *versionState) find(key, vid string) int {
	for i, e := range v.old[key] {
		if versionOf(e.obj) == vid {
			return i
		}
	}
	return -1
}

// push adds e as the newest noncurrent entry of its key, or replaces the
// entry of the same version (a metadata change).
func (v *versionState) push(e *entry) {
	key := e.obj.Key
	list := v.old[key]
	if i := v.find(key, versionOf(e.obj)); i >= 0 {
		list[i] = e
		return
	}
	if len(list) == 0 {
		v.keys.insert(key)
	}
	v.old[key] = append([]*entry{e}, list...)
}

// drop removes version vid of key and returns it, or nil.
func (v *versionState) drop(key, vid string) *entry {
	i := v.find(key, vid)
	if i < 0 {
		return nil
	}
	list := v.old[key]
	e := list[i]
	list = append(list[:i:i], list[i+1:]...)
	if len(list) == 0 {
		delete(v.old, key)
		v.keys.remove(key)
	} else {
		v.old[key] = list
	}
	return e
}

// superseded is what a new latest version (an object or a delete marker)
// does to the others of its key: the journal records, and the changes
// apply makes once the journal has them.
type superseded struct {
	key      string
	records  []journalRecord
	archive  *entry // the replaced current object, now noncurrent
	marker   *entry // a new delete marker
	dropNull bool   // the noncurrent null version goes
	kept     bool   // the replaced current object's content lives on
}

// supersede gives obj its version id and plans what becomes of old, the
// current entry of obj.Key (nil if none). An obj that carries old's
// version id replaces it in place: AppendObject makes no new version
// (https://www.alibabacloud.com/help/en/oss/developer-reference/appendobject).
func (v *versionState) supersede(obj *Object, old *entry) superseded {
	sv := superseded{key: obj.Key}
	if old != nil && obj.VersionID != "" && obj.VersionID == versionOf(old.obj) {
		return sv
	}
	obj.VersionID = v.newID()
	if old != nil && !(obj.VersionID == nullVersion && versionOf(old.obj) == nullVersion) {
		a := *old
		a.obj.VersionID = versionOf(old.obj)
		sv.archive, sv.kept = &a, true
		sv.records = append(sv.records, verRecord(&a))
	}
	if obj.VersionID == nullVersion && v.find(obj.Key, nullVersion) >= 0 {
		sv.dropNull = true
		sv.records = append(sv.records, unverRecord(obj.Key, nullVersion))
	}
	return sv
}

// apply makes the changes sv planned and returns the content file that
// nothing refers to any more ("" if none). v may be nil (an unversioned
// bucket's commit), which changes nothing.
func (v *versionState) apply(sv superseded) (gone string) {
	if v == nil {
		return ""
	}
	if sv.dropNull {
		if e := v.drop(sv.key, nullVersion); e != nil {
			gone = e.file
		}
	}
	if sv.archive != nil {
		v.push(sv.archive)
	}
	if sv.marker != nil {
		v.push(sv.marker)
	}
	return gone
}

// errVersionNotStored is returned by the version lookups for a version id
// the key does not have.
var errVersionNotStored = errors.New("osstest: no such version")

// errNotVersioned is returned for a version id other than "null" in a
// bucket that was never versioned: none of its objects has one.
var errNotVersioned = fmt.Errorf("%w: versioning is not enabled for the bucket", errVersionNotStored)

// deleteMarkerError reports that the version asked for is a delete
// marker. Asked for the latest version (no version id), it wraps
// errNotStored: the key reads as deleted.
type deleteMarkerError struct {
	marker Object
	latest bool
}

func (e *deleteMarkerError) Error() string {
	return fmt.Sprintf("osstest: version %s of %q is a delete marker", e.marker.VersionID, e.marker.Key)
}

func (e *deleteMarkerError) Unwrap() error {
	if e.latest {
		return errNotStored
	}
	return nil
}

// findVersion returns the entry of version vid of key ("" for the latest);
// the caller holds s.mu.
func (s *store) findVersion(key, vid string) (*entry, error) {
	cur, exists := s.objects[key]
	if vid == "" {
		if exists {
			return cur, nil
		}
		if s.ver != nil {
			if list := s.ver.old[key]; len(list) > 0 && list[0].marker {
				return nil, &deleteMarkerError{marker: list[0].obj, latest: true}
			}
		}
		return nil, fmt.Errorf("%w: %q", errNotStored, key)
	}
	if s.ver == nil && vid != nullVersion {
		return nil, errNotVersioned
	}
	if exists && versionOf(cur.obj) == vid {
		return cur, nil
	}
	if s.ver != nil {
		if i := s.ver.find(key, vid); i >= 0 {
			e := s.ver.old[key][i]
			if e.marker {
				return nil, &deleteMarkerError{marker: e.obj}
			}
			return e, nil
		}
	}
	return nil, errVersionNotStored
}

// versioned returns obj as a versioned bucket answers it: with "null" for
// an object stored before versioning; the caller holds s.mu.
func (s *store) versioned(obj Object) Object {
	if s.ver != nil {
		obj.VersionID = versionOf(obj)
	}
	return obj
}

// openVersion returns the content and metadata of version vid of key (""
// for the latest). The content is opened under the lock so that a
// concurrent overwrite cannot remove its file in between.
func (s *store) openVersion(key, vid string) (io.ReadSeekCloser, Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.findVersion(key, vid)
	if err != nil {
		return nil, Object{}, err
	}
	obj := s.versioned(e.obj.clone())
	if e.file == "" {
		return nopCloser{bytes.NewReader(e.data)}, obj, nil
	}
	f, err := os.Open(filepath.Join(s.dir, e.file))
	if err != nil {
		return nil, Object{}, err
	}
	return f, obj, nil
}

// getVersion returns the metadata of version vid of key ("" for the
// latest).
func (s *store) getVersion(key, vid string) (Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.findVersion(key, vid)
	if err != nil {
		return Object{}, err
	}
	return s.versioned(e.obj.clone()), nil
}

// updateVersion changes the metadata of version vid of key ("" for the
// latest) with change, journals it, and returns the changed metadata.
func (s *store) updateVersion(key, vid string, change func(*Object)) (Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.findVersion(key, vid)
	if err != nil {
		return Object{}, err
	}
	obj := e.obj.clone()
	change(&obj)
	current := s.objects[key] == e
	var recs []journalRecord
	if s.dir != "" {
		rec := putRecord(e.file, obj)
		if !current {
			rec = verRecord(&entry{obj: obj, file: e.file})
		}
		recs = append(recs, rec)
	}
	if err := s.journal.append(recs...); err != nil { // refused after Close
		return Object{}, err
	}
	e.obj = obj
	return s.versioned(obj.clone()), nil
}

// setVersioning sets the bucket's versioning status, Enabled or Suspended;
// "" (never versioned) changes nothing.
func (s *store) setVersioning(status string) {
	if status == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ver == nil {
		s.ver = newVersionState(status)
		return
	}
	s.ver.status = status
}

// empty reports whether the bucket holds no object, noncurrent version or
// delete marker (DeleteBucket refuses to delete it otherwise).
func (s *store) empty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects) == 0 && (s.ver == nil || len(s.ver.old) == 0)
}

// deleteOutcome is what DeleteObject answers about versions.
type deleteOutcome struct {
	versionID string // x-oss-version-id, "" in a never-versioned bucket
	marker    bool   // x-oss-delete-marker: true
}

// deleteVersion serves DeleteObject: without a version id, an unversioned
// bucket removes key and a versioned one adds a delete marker (made at
// now); with one, that version goes for good, and the next older object
// version becomes current if the latest one went
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject).
func (s *store) deleteVersion(key, vid string, now time.Time) (deleteOutcome, error) {
	s.mu.Lock()
	var gone []string
	var out deleteOutcome
	var err error
	switch {
	case s.ver == nil && (vid == "" || vid == nullVersion):
		gone, err = s.remove(key) // delete.go
	case s.ver == nil:
		err = s.journal.append() // no such version: nothing to delete, but refused after Close
	case vid == "":
		out, gone, err = s.addDeleteMarker(key, now)
	default:
		out, gone, err = s.removeVersion(key, vid)
	}
	s.mu.Unlock()
	for _, f := range gone {
		s.removeFile(f)
	}
	return out, err
}

// addDeleteMarker makes a delete marker key's latest version; the caller
// holds s.mu and removes the returned files after releasing it.
func (s *store) addDeleteMarker(key string, now time.Time) (deleteOutcome, []string, error) {
	m := &entry{marker: true, obj: Object{Key: key, LastModified: now.UTC()}}
	old, exists := s.objects[key]
	sv := s.ver.supersede(&m.obj, old)
	sv.marker = m
	recs := append(sv.records, verRecord(m))
	if exists {
		recs = append(recs, delRecord(key))
	}
	if err := s.journal.append(recs...); err != nil {
		return deleteOutcome{}, nil, err
	}
	if exists {
		delete(s.objects, key)
		s.index.remove(key)
	}
	gone := []string{s.ver.apply(sv)}
	if exists && !sv.kept {
		gone = append(gone, old.file)
	}
	return deleteOutcome{versionID: m.obj.VersionID, marker: true}, gone, nil
}

// removeVersion deletes version vid of key for good; the caller holds
// s.mu and removes the returned files after releasing it. A version that
// does not exist is not an error, as a key that does not exist is not
// one for DeleteObject.
func (s *store) removeVersion(key, vid string) (deleteOutcome, []string, error) {
	out := deleteOutcome{versionID: vid}
	v := s.ver
	cur, exists := s.objects[key]
	isCurrent := exists && versionOf(cur.obj) == vid
	i := v.find(key, vid)
	if !isCurrent && i < 0 {
		return out, nil, s.journal.append() // nothing to delete, but refused after Close
	}
	var recs []journalRecord
	var goner *entry
	if isCurrent {
		recs, goner = append(recs, delRecord(key)), cur
	} else {
		goner = v.old[key][i]
		recs = append(recs, unverRecord(key, vid))
	}
	// The next older version becomes the latest when the latest goes; it
	// is current if it is an object.
	var next *entry
	list := v.old[key]
	switch {
	case isCurrent && len(list) > 0 && !list[0].marker:
		next = list[0]
	case !exists && i == 0 && len(list) > 1 && !list[1].marker:
		next = list[1]
	}
	if next != nil {
		recs = append(recs, putRecord(next.file, next.obj), unverRecord(key, versionOf(next.obj)))
	}
	if err := s.journal.append(recs...); err != nil {
		return deleteOutcome{}, nil, err
	}
	if isCurrent {
		delete(s.objects, key)
		s.index.remove(key)
	} else {
		v.drop(key, vid)
	}
	if next != nil {
		v.drop(key, versionOf(next.obj))
		s.objects[key] = next
		s.index.insert(key) // removed above, or absent behind a delete marker
	}
	out.marker = goner.marker
	return out, []string{goner.file}, nil
}

// listedVersion is one entry of a ListObjectVersions page.
type listedVersion struct {
	obj    Object // Meta not copied
	marker bool
	latest bool
}

// versionPage is one page of ListObjectVersions in a versioned bucket.
type versionPage struct {
	versions  []listedVersion
	prefixes  []string
	truncated bool
	// nextKey and nextVersion are where the next page starts: after that
	// version of that key, or after the common prefix nextKey.
	nextKey, nextVersion string
}

// versionPage lists the versions of a versioned bucket's keys in key order,
// each key's newest first, from after version vidMarker of keyMarker (or
// after keyMarker without one), as the answer of ListObjectVersions
// orders them
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectversions);
// a common prefix counts as one entry. ok is false for a bucket that was
// never versioned.
func (s *store) versionPage(req listRequest, keyMarker, vidMarker string) (pg versionPage, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ver == nil {
		return pg, false
	}
	start := max(req.start, req.prefix)
	if vidMarker != "" {
		start = max(keyMarker, req.prefix)
	}
	cur, old := &s.index, &s.ver.keys
	pc, po := cur.seek(start), old.seek(start)
	for cur.valid(pc) || old.valid(po) {
		k := nextOf(cur, pc, old, po)
		if !strings.HasPrefix(k, req.prefix) {
			break
		}
		if cp, ok := commonPrefix(req, k); ok {
			if len(pg.versions)+len(pg.prefixes) == req.maxKeys {
				pg.truncated = true
				break
			}
			pg.prefixes = append(pg.prefixes, cp)
			pg.nextKey, pg.nextVersion = cp, ""
			end := prefixEnd(cp)
			if end == "" {
				return pg, true
			}
			pc, po = cur.seek(end), old.seek(end)
			continue
		}
		skip := ""
		if k == keyMarker {
			skip = vidMarker
		}
		if !s.listKeyVersions(&pg, req.maxKeys, k, skip) {
			break
		}
		pc, po = cur.seek(k+"\x00"), old.seek(k+"\x00")
	}
	return pg, true
}

// listKeyVersions adds key's versions after version skip (all if skip is
// "" or not found) to pg, and reports false when the page is full.
func (s *store) listKeyVersions(pg *versionPage, maxKeys int, key, skip string) bool {
	var all []*entry
	if e, ok := s.objects[key]; ok {
		all = append(all, e)
	}
	all = append(all, s.ver.old[key]...)
	if skip != "" {
		for i, e := range all {
			if versionOf(e.obj) == skip {
				all = all[i+1:]
				break
			}
		}
	}
	_, hasCurrent := s.objects[key]
	for _, e := range all {
		if len(pg.versions)+len(pg.prefixes) == maxKeys {
			pg.truncated = true
			return false
		}
		o := e.obj
		o.Meta, o.VersionID = nil, versionOf(o)
		latest := e == s.objects[key] || (!hasCurrent && len(s.ver.old[key]) > 0 && e == s.ver.old[key][0])
		pg.versions = append(pg.versions, listedVersion{obj: o, marker: e.marker, latest: latest})
		pg.nextKey, pg.nextVersion = key, o.VersionID
	}
	return true
}

// nextOf returns the lesser of the keys at two index positions, at least
// one of them valid.
func nextOf(a *keyIndex, pa indexPos, b *keyIndex, pb indexPos) string {
	switch {
	case !a.valid(pa):
		return b.key(pb)
	case !b.valid(pb):
		return a.key(pa)
	}
	return min(a.key(pa), b.key(pb))
}

// commonPrefix returns the common prefix k rolls up into under req's
// delimiter, if any.
func commonPrefix(req listRequest, k string) (string, bool) {
	if req.delimiter == "" {
		return "", false
	}
	i := strings.Index(k[len(req.prefix):], req.delimiter)
	if i < 0 {
		return "", false
	}
	return k[:len(req.prefix)+i+len(req.delimiter)], true
}
