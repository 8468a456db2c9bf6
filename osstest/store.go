package osstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Object describes a stored object: what OSS would return in the headers
// of a GET or HEAD.
type Object struct {
	Key  string
	Size int64
	// ETag is the ETag header value: the quoted upper-case hex MD5 of the
	// content, e.g. "\"B22E0DC370A7F7067FACF5F75D7FA385\""
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
	ETag string
	// ContentMD5 is the base64 MD5 of the content (the Content-MD5 header).
	ContentMD5 string
	// CRC64 is the CRC-64/ECMA-182 of the content (x-oss-hash-crc64ecma,
	// https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
	CRC64 uint64
	// ContentType follows
	// https://www.alibabacloud.com/help/en/oss/developer-reference/postobject:
	// x-oss-content-type field, else the file part's Content-Type, else the
	// Content-Type field, else guessed from the key's extension, else
	// application/octet-stream.
	ContentType        string
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
	Expires            string
	// Meta holds the x-oss-meta-* fields, keyed by the lower-case name
	// without the prefix ("x-oss-meta-uuid" -> "uuid").
	Meta map[string]string
	// ACL is x-oss-object-acl ("default" when not sent).
	ACL string
	// StorageClass is x-oss-storage-class ("Standard" when not sent).
	StorageClass string
	// ServerSideEncryption is x-oss-server-side-encryption, if sent.
	ServerSideEncryption string
	// ServerSideDataEncryption and ServerSideEncryptionKeyID go with KMS
	// encryption (encryption.go).
	ServerSideDataEncryption  string `json:",omitempty"`
	ServerSideEncryptionKeyID string `json:",omitempty"`
	// LastModified is the emulator clock's time of the upload.
	LastModified time.Time
	// Type is x-oss-object-type: "Normal", "Multipart" for an object made
	// by CompleteMultipartUpload, or "Appendable" for one made by
	// AppendObject.
	Type string `json:",omitempty"`
	// Tags are the object's tags (x-oss-tagging, PutObjectTagging).
	Tags map[string]string `json:",omitempty"`
	// VersionID is the x-oss-version-id of the object in a versioned
	// bucket ("null" for one stored while versioning was suspended or
	// before it was enabled), "" in a bucket that was never versioned
	// (versions.go).
	VersionID string `json:",omitempty"`
	// Content is the object's data, filled in by Emulator.Object only.
	Content []byte `json:"-"`
}

func (o Object) clone() Object {
	if o.Meta != nil {
		m := make(map[string]string, len(o.Meta))
		for k, v := range o.Meta {
			m[k] = v
		}
		o.Meta = m
	}
	o.Tags = cloneTags(o.Tags) // tagging.go
	return o
}

// errNotStored is returned (wrapped) by store.open for a key that is not
// stored.
var errNotStored = errors.New("osstest: no such key")

// errExists reports a refused overwrite (x-oss-forbid-overwrite).
var errExists = errors.New("osstest: object exists")

// store keeps objects in memory or, with a directory, their content in
// files. Content is written to a pending area first and becomes visible
// only at commit, so an upload that fails or is cut off stores nothing.
type store struct {
	dir string

	mu      sync.Mutex
	objects map[string]*entry
	index   keyIndex // the keys of objects, in order (listindex.go)
	journal journal  // directory store: changes, in s.mu's order (persist.go)
	// spare holds the buffers of released multipart parts (memory store),
	// at most maxSpareBytes in all, for reuse by begin: a fresh buffer of
	// tens of MB costs more to fault in and zero than to fill, and a part
	// buffer, unlike an object's, is never handed to a reader.
	spare      [][]byte
	spareBytes int
	// ver holds the noncurrent versions and delete markers of a bucket
	// that has been versioned; nil for one that never was (versions.go).
	ver *versionState
}

// maxSpareBytes bounds the memory the store keeps for reuse.
const maxSpareBytes = 128 << 20

type entry struct {
	obj  Object
	data []byte // memory store
	file string // directory store: the content file's name in dir
	// marker: a delete marker of a versioned bucket, with no content
	// (versions.go).
	marker bool
}

// newStore returns the store of dir ("" for memory) and the multipart
// uploads in progress that a previous emulator left there.
func newStore(dir string) (*store, map[string]*mpUpload, error) {
	if dir != "" {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("Config.Dir: %w", err)
		}
		if !fi.IsDir() {
			return nil, nil, fmt.Errorf("Config.Dir %s is not a directory", dir)
		}
	}
	s := &store{dir: dir, objects: map[string]*entry{}}
	uploads, err := s.load() // persist.go
	return s, uploads, err
}

const maxSizeHint = 256 << 20

// pending is the content of an upload in progress.
type pending struct {
	buf  *bytes.Buffer // memory store
	file *os.File      // directory store
}

// begin starts a pending object. sizeHint is the request's Content-Length
// (-1 if unknown); the memory store reserves that much up front, up to
// maxSizeHint, instead of growing by copying.
func (s *store) begin(sizeHint int64) (*pending, error) {
	if s.dir == "" {
		if sizeHint > 0 {
			if b := s.takeSpare(int(min(sizeHint, maxSizeHint))); b != nil {
				return &pending{buf: bytes.NewBuffer(b)}, nil
			}
		}
		buf := new(bytes.Buffer)
		if sizeHint > 0 {
			buf.Grow(int(min(sizeHint, maxSizeHint)))
		}
		return &pending{buf: buf}, nil
	}
	f, err := os.CreateTemp(s.dir, ".upload-*.tmp")
	if err != nil {
		return nil, err
	}
	return &pending{file: f}, nil
}

func (p *pending) Write(b []byte) (int, error) {
	if p.buf != nil {
		return p.buf.Write(b)
	}
	return p.file.Write(b)
}

// abort discards the pending content.
func (p *pending) abort() {
	if p.file != nil {
		p.file.Close()
		os.Remove(p.file.Name())
	}
	p.buf = nil
}

// commit makes the pending content visible as obj. With forbidOverwrite an
// existing key is left alone and errExists returned; the check and the
// insert are atomic, so of two racing uploads exactly one wins. also are
// journal records written with the object's, in the same write. In a
// versioned bucket commit sets obj.VersionID and keeps the object it
// replaces as a noncurrent version (versions.go), unless obj already
// carries the current version's id (AppendObject, which grows the current
// version in place).
func (s *store) commit(p *pending, obj *Object, forbidOverwrite bool, also ...journalRecord) error {
	e := &entry{}
	if p.buf != nil {
		e.data = p.buf.Bytes()
	} else {
		final, err := s.place(p, objPrefix)
		if err != nil {
			return err
		}
		e.file = filepath.Base(final)
	}
	s.mu.Lock()
	old, exists := s.objects[obj.Key]
	if exists && forbidOverwrite && s.ver == nil {
		s.mu.Unlock()
		s.removeFile(e.file)
		return errExists
	}
	var sv superseded
	if s.ver != nil {
		sv = s.ver.supersede(obj, old) // versions.go
	}
	e.obj = *obj
	var recs []journalRecord
	if s.dir != "" {
		recs = append(append([]journalRecord{putRecord(e.file, *obj)}, sv.records...), also...)
	}
	if err := s.journal.append(recs...); err != nil {
		s.mu.Unlock()
		s.removeFile(e.file)
		return err
	}
	s.objects[obj.Key] = e
	if !exists {
		s.index.insert(obj.Key)
	}
	gone := s.ver.apply(sv)
	s.mu.Unlock()
	if exists && !sv.kept {
		// Readers that already opened the old file keep reading it.
		s.removeFile(old.file)
	}
	s.removeFile(gone)
	return nil
}

// removeFile removes a content file of the directory store by name.
func (s *store) removeFile(name string) {
	if name != "" {
		os.Remove(filepath.Join(s.dir, name))
	}
}

// exists reports whether key holds an object that x-oss-forbid-overwrite
// protects. A versioned bucket has none: a write there makes a new version
// instead of overwriting
// (https://help.aliyun.com/en/oss/user-guide/0026-00000201).
func (s *store) exists(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.objects[key]
	return ok && s.ver == nil
}

func (s *store) get(key string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.objects[key]
	if !ok {
		return Object{}, false
	}
	return e.obj.clone(), true
}

func (s *store) list() []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Object, 0, len(s.objects))
	for p := s.index.seek(""); s.index.valid(p); p = s.index.next(p) {
		out = append(out, s.versioned(s.objects[s.index.key(p)].obj.clone())) // versions.go
	}
	return out
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// blob is content kept outside the object map: one part of a multipart
// upload, in memory or in a file of the directory store.
type blob struct {
	data []byte
	path string
}

// keep turns finished pending content into a blob.
func (s *store) keep(p *pending) (blob, error) {
	if p.buf != nil {
		return blob{data: p.buf.Bytes()}, nil
	}
	final, err := s.place(p, partPrefix)
	if err != nil {
		return blob{}, err
	}
	return blob{path: final}, nil
}

// place closes the pending file of the directory store and renames it to
// a fresh name starting with prefix; on failure the file is removed.
func (s *store) place(p *pending, prefix string) (string, error) {
	if err := p.file.Close(); err != nil {
		os.Remove(p.file.Name())
		return "", err
	}
	final := filepath.Join(s.dir, prefix+randomHex(16))
	if err := os.Rename(p.file.Name(), final); err != nil {
		os.Remove(p.file.Name())
		return "", err
	}
	return final, nil
}

// release discards a blob that nothing refers to any more: the directory
// store deletes its file, the memory store keeps its buffer for reuse.
func (s *store) release(b blob) {
	if b.path != "" {
		os.Remove(b.path)
		return
	}
	if cap(b.data) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spareBytes+cap(b.data) <= maxSpareBytes {
		s.spare = append(s.spare, b.data[:0])
		s.spareBytes += cap(b.data)
	}
}

// takeSpare returns an empty released buffer of at least n bytes' capacity,
// or nil.
func (s *store) takeSpare(n int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, b := range s.spare {
		if cap(b) >= n {
			s.spare = append(s.spare[:i], s.spare[i+1:]...)
			s.spareBytes -= cap(b)
			return b
		}
	}
	return nil
}

// commitConcat makes the concatenation of parts (total bytes) visible as
// obj, as commit does. The directory store copies file to file, which the
// kernel does without passing the bytes through this process's memory
// where it can (copy_file_range on Linux).
func (s *store) commitConcat(parts []blob, total int64, obj *Object, forbidOverwrite bool, also ...journalRecord) error {
	p, err := s.begin(total)
	if err != nil {
		return err
	}
	for _, b := range parts {
		if b.path == "" {
			p.Write(b.data)
			continue
		}
		f, err := os.Open(b.path)
		if err == nil {
			_, err = io.Copy(p.file, f)
			f.Close()
		}
		if err != nil {
			p.abort()
			return err
		}
	}
	return s.commit(p, obj, forbidOverwrite, also...)
}
