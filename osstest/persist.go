package osstest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// With Config.Dir, the directory holds:
//
//   - "obj-<random>": the content of a stored object;
//   - "part-<random>": the content of an uploaded part of a multipart
//     upload in progress;
//   - "journal": one JSON line per change (an object stored or deleted, an
//     upload initiated, a part stored, an upload completed or aborted, a
//     noncurrent version or delete marker of a versioned bucket kept or
//     removed: versions.go);
//   - ".bucket.json": the configured bucket's settings, its versioning
//     status (versioning.go);
//   - ".upload-*.tmp" and ".journal-*.tmp": files being written.
//
// A new Emulator on the directory replays the journal, so a standalone
// emulator restarted with the same directory serves what was uploaded
// before (same ETag, type, metadata) and its multipart uploads in progress
// resume, parts and all. It then writes the journal afresh with only what
// is live, and removes every file the journal does not name: temporary
// files and the content of uploads cut off by the end of the previous
// process.
//
// Content reaches its final name by rename, after it is complete, and only
// then is the journal line that names it appended (one write). So a
// process killed at any point leaves either the old state or the new one:
// never a half object, never a part without its upload. There is no fsync:
// that would protect against power loss and kernel crashes too, at a few
// milliseconds per upload on common disks, and a test emulator's process
// dying (SIGKILL, a crash, Ctrl-C) is what the directory must survive; the
// kernel keeps what was written when the process dies.
//
// The journal grows by a line per change while the emulator runs and is
// compacted when the next one starts.

// objPrefix and partPrefix start the names of content files.
const (
	objPrefix  = "obj-"
	partPrefix = "part-"
)

const journalName = "journal"

// legacyMetaSuffix names the metadata file of an object stored by an
// emulator before the journal ("obj-<random>.json"); such objects are
// taken into the journal on load.
const legacyMetaSuffix = ".json"

// journalRecord is one line of the journal.
type journalRecord struct {
	Op     string         `json:"op"` // put, del, init, part, end
	File   string         `json:"file,omitempty"`
	Obj    *journalObject `json:"obj,omitempty"`    // put
	Key    string         `json:"key,omitempty"`    // del
	Upload *journalUpload `json:"upload,omitempty"` // init
	ID     string         `json:"id,omitempty"`     // part, end
	Part   *journalPart   `json:"part,omitempty"`   // part
	// Marker: a "ver" record's entry is a delete marker (versions.go).
	Marker bool `json:"dm,omitempty"`
}

type journalUpload struct {
	ID        string        `json:"id"`
	Key       string        `json:"key"`
	Initiated time.Time     `json:"initiated"`
	Obj       journalObject `json:"obj"`
	// Sequential is the upload's ?sequential flag (sequential.go).
	Sequential bool `json:"seq,omitempty"`
}

// journalObject is an Object as the journal keeps it: short names, empty
// fields left out, so that a journal of 100,000 objects reads back fast.
type journalObject struct {
	Key                  string            `json:"k"`
	Size                 int64             `json:"n"`
	ETag                 string            `json:"etag"`
	ContentMD5           string            `json:"md5,omitempty"`
	CRC64                uint64            `json:"crc,omitempty"`
	ContentType          string            `json:"ct,omitempty"`
	CacheControl         string            `json:"cc,omitempty"`
	ContentDisposition   string            `json:"cd,omitempty"`
	ContentEncoding      string            `json:"ce,omitempty"`
	Expires              string            `json:"exp,omitempty"`
	Meta                 map[string]string `json:"meta,omitempty"`
	ACL                  string            `json:"acl,omitempty"`
	StorageClass         string            `json:"sc,omitempty"`
	ServerSideEncryption string            `json:"sse,omitempty"`
	// Fields added by other operations (encryption.go, append.go,
	// tagging.go), in Object's order: toJournal is a conversion.
	ServerSideDataEncryption  string            `json:"ssed,omitempty"`
	ServerSideEncryptionKeyID string            `json:"ssek,omitempty"`
	LastModified              time.Time         `json:"t"`
	Type                      string            `json:"type,omitempty"`
	Tags                      map[string]string `json:"tags,omitempty"`
	VersionID                 string            `json:"vid,omitempty"`
	Content                   []byte            `json:"-"`
}

func toJournal(o Object) journalObject { return journalObject(o) }

// object returns the Object, with the values most objects share (content
// type, ACL, storage class) taken from strs, so that 100,000 objects do not
// hold 100,000 copies of "application/octet-stream".
func (j journalObject) object(strs *interned) Object {
	o := Object(j)
	o.ContentType = strs.get(o.ContentType)
	o.ACL = strs.get(o.ACL)
	o.StorageClass = strs.get(o.StorageClass)
	return o
}

// interned is a bounded set of shared strings.
type interned map[string]string

func (m *interned) get(s string) string {
	if v, ok := (*m)[s]; ok {
		return v
	}
	if len(*m) < 1024 {
		(*m)[s] = s
	}
	return s
}

type journalPart struct {
	Number   int       `json:"n"`
	Size     int64     `json:"size"`
	MD5      []byte    `json:"md5"`
	CRC64    uint64    `json:"crc64"`
	Modified time.Time `json:"modified"`
}

// journal appends records to the journal file. Its zero value (memory
// store) discards them. Once closed, it refuses every append, records or
// none: a write that journals nothing (the memory store's, a bucket
// setting's) calls append all the same, so that every write after
// Server.Close fails alike.
type journal struct {
	mu     sync.Mutex
	f      *os.File
	closed bool
}

var errJournalClosed = errors.New("osstest: the emulator is closed")

// append writes recs as one write, so that a process killed meanwhile
// leaves at most a torn last line, which load ignores. The memory store
// has no file, and encodes nothing.
func (j *journal) append(recs ...journalRecord) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.closed:
		return errJournalClosed
	case j.f == nil:
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return err
		}
	}
	if _, err := j.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	return nil
}

func putRecord(file string, obj Object) journalRecord {
	j := toJournal(obj)
	return journalRecord{Op: "put", File: file, Obj: &j}
}

func delRecord(key string) journalRecord { return journalRecord{Op: "del", Key: key} }

func initRecord(u *mpUpload) journalRecord {
	return journalRecord{Op: "init", Upload: &journalUpload{ID: u.id, Key: u.key, Initiated: u.initiated, Obj: toJournal(u.obj),
		Sequential: u.sequential}}
}

func partRecord(id string, p *mpPart) journalRecord {
	return journalRecord{Op: "part", ID: id, File: filepath.Base(p.content.path),
		Part: &journalPart{Number: p.number, Size: p.size, MD5: p.md5, CRC64: p.crc64, Modified: p.modified}}
}

func endRecord(id string) journalRecord { return journalRecord{Op: "end", ID: id} }

// verRecord adds e as the newest noncurrent entry of its key in a
// versioned bucket, or replaces the entry of its version (versions.go).
func verRecord(e *entry) journalRecord {
	j := toJournal(e.obj)
	return journalRecord{Op: "ver", File: e.file, Obj: &j, Marker: e.marker}
}

// unverRecord removes noncurrent version vid of key.
func unverRecord(key, vid string) journalRecord { return journalRecord{Op: "unver", Key: key, ID: vid} }

// loaded is the live state read back from a directory.
type loaded struct {
	objects  map[string]*entry
	uploads  map[string]*mpUpload
	versions *versionState // nil unless the journal has "ver" records
	strs     interned
	// records counts the journal's records, dead counts those that did not
	// end up live: a journal without dead records is not rewritten.
	records, dead int
	torn          bool
}

// load reads the state a previous emulator left in s.dir, removes every
// file that is not part of it, rewrites the journal and opens it for
// appending. The uploads in progress are returned for the Emulator.
func (s *store) load() (map[string]*mpUpload, error) {
	if s.dir == "" {
		return nil, nil
	}
	names, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("Config.Dir: %w", err)
	}
	present := map[string]bool{}
	for _, d := range names {
		if !d.IsDir() {
			present[d.Name()] = true
		}
	}
	st := loaded{objects: map[string]*entry{}, uploads: map[string]*mpUpload{}, strs: interned{}}
	if err := st.replay(filepath.Join(s.dir, journalName), present); err != nil {
		return nil, err
	}
	legacy, err := st.importLegacy(s.dir, present)
	if err != nil {
		return nil, err
	}
	if err := s.openJournal(st, len(legacy) > 0); err != nil {
		return nil, fmt.Errorf("Config.Dir: writing the journal: %w", err)
	}
	live := map[string]bool{journalName: true}
	for _, e := range st.objects {
		live[e.file] = true
	}
	for _, u := range st.uploads {
		for _, p := range u.parts {
			live[filepath.Base(p.content.path)] = true
		}
	}
	if st.versions != nil {
		for _, list := range st.versions.old {
			for _, e := range list {
				live[e.file] = true
			}
		}
	}
	for name := range present {
		if (!live[name] && ownFile(name)) || legacy[name] {
			os.Remove(filepath.Join(s.dir, name))
		}
	}
	s.objects, s.ver = st.objects, st.versions
	keys := make([]string, 0, len(st.objects))
	for k := range st.objects {
		keys = append(keys, k)
	}
	s.index = buildKeyIndex(keys)
	return st.uploads, nil
}

// ownFile reports whether name is one the emulator makes: other files in
// the directory are not its to remove.
func ownFile(name string) bool {
	for _, prefix := range []string{objPrefix, partPrefix, ".upload-", ".journal-", ".meta-"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// replay applies the journal's records in order. Records naming a file
// that is gone are dropped with it.
func (st *loaded) replay(path string, present map[string]bool) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("Config.Dir: %w", err)
	}
	defer f.Close()
	dir := filepath.Dir(path)
	r := bufio.NewReaderSize(f, 1<<20)
	for line := 1; ; line++ {
		b, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			var rest []byte
			rest, err = r.ReadBytes('\n')
			b = append(append([]byte(nil), b...), rest...)
		}
		if err == io.EOF {
			// A last line without its newline is a write cut off by the
			// end of the process: the change it records never happened.
			st.torn = len(b) > 0
			return nil
		}
		if err != nil {
			return fmt.Errorf("Config.Dir: %w", err)
		}
		var rec journalRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("Config.Dir: %s line %d is not an osstest journal record: %v", path, line, err)
		}
		if err := st.apply(rec, dir, present); err != nil {
			return fmt.Errorf("Config.Dir: %s line %d: %w", path, line, err)
		}
	}
}

func (st *loaded) apply(rec journalRecord, dir string, present map[string]bool) error {
	st.records++
	switch {
	case rec.Op == "put" && rec.Obj != nil && rec.Obj.Key != "":
		if !present[rec.File] {
			st.dead++
			return nil
		}
		if _, ok := st.objects[rec.Obj.Key]; ok {
			st.dead++ // the overwritten version
		}
		st.objects[rec.Obj.Key] = &entry{obj: rec.Obj.object(&st.strs), file: rec.File}
	case rec.Op == "del":
		if _, ok := st.objects[rec.Key]; ok {
			st.dead++
		}
		delete(st.objects, rec.Key)
		st.dead++
	case rec.Op == "init" && rec.Upload != nil:
		u := rec.Upload
		st.uploads[u.ID] = &mpUpload{id: u.ID, key: u.Key, initiated: u.Initiated, obj: u.Obj.object(&st.strs), parts: map[int]*mpPart{},
			sequential: u.Sequential}
	case rec.Op == "part" && rec.Part != nil:
		u := st.uploads[rec.ID]
		if u == nil || !present[rec.File] {
			st.dead++
			return nil
		}
		p := rec.Part
		if u.parts[p.Number] != nil {
			st.dead++
		}
		u.parts[p.Number] = &mpPart{number: p.Number, size: p.Size, md5: p.MD5, crc64: p.CRC64, modified: p.Modified,
			content: blob{path: filepath.Join(dir, rec.File)}}
	case rec.Op == "ver" && rec.Obj != nil && rec.Obj.Key != "":
		st.applyVersion(rec, present)
	case rec.Op == "unver":
		if st.versions != nil && st.versions.drop(rec.Key, rec.ID) != nil {
			st.dead++
		}
		st.dead++
	case rec.Op == "end":
		if u := st.uploads[rec.ID]; u != nil {
			st.dead += 1 + len(u.parts)
		}
		delete(st.uploads, rec.ID)
		st.dead++
	default:
		return fmt.Errorf("unknown record %q", rec.Op)
	}
	return nil
}

// applyVersion replays a "ver" record: a noncurrent version whose content
// file is gone is dropped with it.
func (st *loaded) applyVersion(rec journalRecord, present map[string]bool) {
	if !rec.Marker && !present[rec.File] {
		st.dead++
		return
	}
	if st.versions == nil {
		st.versions = newVersionState("")
	}
	e := &entry{obj: rec.Obj.object(&st.strs), file: rec.File, marker: rec.Marker}
	if st.versions.find(e.obj.Key, versionOf(e.obj)) >= 0 {
		st.dead++ // a metadata change replaces the version's record
	}
	st.versions.push(e)
}

// importLegacy takes in the objects of an emulator that kept metadata in
// "obj-<random>.json" files, unless the journal has the key, and returns
// the names of those metadata files. Content without metadata, or
// metadata without content, is what such an emulator left when it was
// killed, and is dropped with every file the journal does not name.
func (st *loaded) importLegacy(dir string, present map[string]bool) (map[string]bool, error) {
	legacy := map[string]bool{}
	for name := range present {
		content, ok := strings.CutSuffix(name, legacyMetaSuffix)
		if !ok || !strings.HasPrefix(name, objPrefix) {
			continue
		}
		legacy[name] = true
		if !present[content] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("Config.Dir: %w", err)
		}
		var obj Object
		if err := json.Unmarshal(b, &obj); err != nil || obj.Key == "" {
			return nil, fmt.Errorf("Config.Dir: %s is not object metadata written by osstest (%v)", filepath.Join(dir, name), err)
		}
		if old, ok := st.objects[obj.Key]; ok && !obj.LastModified.After(old.obj.LastModified) {
			continue
		}
		st.objects[obj.Key] = &entry{obj: obj, file: content}
	}
	return legacy, nil
}

// openJournal opens the journal for appending, first rewriting it with
// st alone (through a temporary file and a rename) if it holds records
// that are no longer live, a torn last line, or is to take in legacy
// objects.
func (s *store) openJournal(st loaded, rewrite bool) error {
	name := filepath.Join(s.dir, journalName)
	if rewrite || st.dead > 0 || st.torn || st.records == 0 {
		err := writeFileAtomic(name, ".journal-*.tmp", func(f io.Writer) error {
			w := bufio.NewWriterSize(f, 1<<20)
			enc := json.NewEncoder(w)
			for _, e := range st.objects {
				if err := enc.Encode(putRecord(e.file, e.obj)); err != nil {
					return err
				}
			}
			if err := writeVersions(enc, st.versions); err != nil {
				return err
			}
			for _, u := range st.uploads {
				if err := enc.Encode(initRecord(u)); err != nil {
					return err
				}
				for _, p := range u.parts {
					if err := enc.Encode(partRecord(u.id, p)); err != nil {
						return err
					}
				}
			}
			return w.Flush()
		})
		if err != nil {
			return err
		}
	}
	var err error
	s.journal.f, err = os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	return err
}

// writeVersions writes the records of v's noncurrent entries, oldest
// first per key, so that replaying them rebuilds each key's order.
func writeVersions(enc *json.Encoder, v *versionState) error {
	if v == nil {
		return nil
	}
	for _, list := range v.old {
		for i := len(list) - 1; i >= 0; i-- {
			if err := enc.Encode(verRecord(list[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeFileAtomic writes name (the journal, a bucket's settings) with
// write, through a temporary file named after pattern and a rename, so a
// crash leaves the old file or the new one.
func writeFileAtomic(name, pattern string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(name), pattern)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// close closes the journal.
func (s *store) close() error {
	s.journal.mu.Lock()
	defer s.journal.mu.Unlock()
	s.journal.closed = true
	if s.journal.f == nil {
		return nil
	}
	err := s.journal.f.Close()
	s.journal.f = nil
	return err
}
