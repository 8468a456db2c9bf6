package osstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// An emulator serves several buckets: the configured one (Config.Bucket)
// and those made with PutBucket. Each bucket is an Emulator of its own that
// shares the keys, the callback key and client and the clock of the
// configured one, so that every handler keeps working on "its" bucket;
// the bucketSet they share finds them by name. With Config.Dir, a bucket
// made with PutBucket keeps its objects in Dir/.buckets/<name> (a
// directory, which the object store of Dir itself ignores) and its settings
// in Dir/.buckets/<name>.json (outside its store, which removes the files
// it does not know); the configured bucket keeps its settings (ACL set by
// PutBucketAcl or PutBucket, tags, versioning, CORS rules, creation date)
// in Dir/.bucket.json, which its store leaves alone.
//
// Addressing, on a bare host (an IP literal, "localhost", one label):
// a path whose first segment names an existing bucket is path style,
// "/<bucket>/<key>", as OSS reads it and as the SDKs send for an IP
// endpoint. Otherwise, so that tests can use Server.URL plus a key, the
// whole path is a key in the configured bucket, unless the request is
// signed for the path-style reading, "/<name>/..." with <name> a bucket
// that does not exist: that is PutBucket, or 404 NoSuchBucket. A request
// signed with an AccessKey ID the emulator does not know is read path
// style too, as OSS reads it. Likewise a
// signed GET / is ListBuckets when it is signed for no bucket, and
// ListObjects of the configured bucket otherwise.

// bucketSet holds every bucket of one emulator.
type bucketSet struct {
	mu     sync.Mutex
	byName map[string]*Emulator
	root   *Emulator
	cfg    Config // the configured bucket's, which new buckets copy
}

// bucketInfo is what a bucket knows about itself beyond its objects.
type bucketInfo struct {
	Name               string
	ACL                string
	Created            time.Time
	StorageClass       string
	DataRedundancyType string
	Tags               map[string]string `json:",omitempty"` // buckettags.go
	// Versioning is the PutBucketVersioning status, "" if never set
	// (versioning.go).
	Versioning string `json:",omitempty"`
	// CORS is what PutBucketCors or DeleteBucketCors set, nil if neither
	// was called (bucketcors.go).
	CORS *bucketCORS `json:",omitempty"`
}

// bucketsDir holds the directories of the buckets made with PutBucket,
// under Config.Dir.
const bucketsDir = ".buckets"

// rootInfoName is the configured bucket's settings file in Config.Dir.
const rootInfoName = ".bucket.json"

// initBuckets makes e the configured bucket of a new bucket set and, with
// a Dir, opens the buckets a previous emulator made there.
func (e *Emulator) initBuckets(cfg Config) error {
	e.buckets = &bucketSet{byName: map[string]*Emulator{e.bucket: e}, root: e, cfg: cfg}
	e.info = bucketInfo{Name: e.bucket, ACL: e.acl, Created: e.now(), StorageClass: "Standard", DataRedundancyType: "LRS"}
	if err := e.loadRootInfo(cfg); err != nil {
		return err
	}
	e.store.setVersioning(e.info.Versioning) // versions.go
	if err := e.loadBuckets(cfg); err != nil {
		return err
	}
	for _, name := range cfg.Buckets {
		if !bucketNameRE.MatchString(name) {
			return fmt.Errorf("Config.Buckets: %q is not a valid bucket name", name)
		}
		if e.buckets.byName[name] != nil {
			continue
		}
		info := bucketInfo{Name: name, ACL: e.acl, Created: e.now().UTC(), StorageClass: "Standard", DataRedundancyType: "LRS"}
		if _, err := e.buckets.open(info); err != nil {
			return err
		}
	}
	return nil
}

// loadBuckets opens the buckets a previous emulator made in cfg.Dir.
func (e *Emulator) loadBuckets(cfg Config) error {
	if cfg.Dir == "" {
		return nil
	}
	dirs, err := os.ReadDir(filepath.Join(cfg.Dir, bucketsDir))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("Config.Dir: %w", err)
	}
	for _, d := range dirs {
		name, ok := strings.CutSuffix(d.Name(), ".json")
		if !ok || d.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(cfg.Dir, bucketsDir, d.Name()))
		if err != nil {
			return fmt.Errorf("Config.Dir: bucket %s: %w", name, err)
		}
		var info bucketInfo
		if err := json.Unmarshal(b, &info); err != nil || info.Name != name {
			return fmt.Errorf("Config.Dir: %s does not describe bucket %s", d.Name(), name)
		}
		if _, err := e.buckets.open(info); err != nil {
			return err
		}
	}
	return nil
}

// loadRootInfo takes the configured bucket's settings a previous emulator
// left in cfg.Dir. Config.ACL, when set, wins over a persisted ACL.
func (e *Emulator) loadRootInfo(cfg Config) error {
	if cfg.Dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(cfg.Dir, rootInfoName))
	if os.IsNotExist(err) {
		return nil
	}
	var info bucketInfo
	if err == nil {
		err = json.Unmarshal(b, &info)
	}
	if err != nil {
		return fmt.Errorf("Config.Dir: %s: %w", rootInfoName, err)
	}
	if cfg.ACL != "" || !validBucketACL(info.ACL) {
		info.ACL = e.info.ACL
	}
	info.Name, info.StorageClass, info.DataRedundancyType = e.bucket, e.info.StorageClass, e.info.DataRedundancyType
	e.info = info
	return nil
}

// infoFile is where e's settings persist ("" without a Config.Dir) and the
// pattern of the temporary file that replaces it.
func (e *Emulator) infoFile() (name, pattern string) {
	switch {
	case e.store.dir == "":
		return "", ""
	case e == e.buckets.root:
		// ".meta-" files are the store's own: it removes those left behind.
		return filepath.Join(e.store.dir, rootInfoName), ".meta-bucket-*.tmp"
	}
	return e.store.dir + ".json", ".bucket-*.tmp"
}

func writeBucketInfo(name, pattern string, info bucketInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return writeFileAtomic(name, pattern, func(w io.Writer) error { // persist.go
		_, err := w.Write(b)
		return err
	})
}

// setInfo applies change to e's settings, persisting them with a
// Config.Dir before they take effect. It hands the store the setting the
// store acts on, the versioning status (versions.go), under e.mu, so that
// concurrent changes reach both in the same order.
func (e *Emulator) setInfo(change func(*bucketInfo)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.store.journal.append(); err != nil { // refused after Close (persist.go)
		return err
	}
	info := e.info
	info.Tags = cloneTags(info.Tags)
	change(&info)
	if name, pattern := e.infoFile(); name != "" {
		if err := writeBucketInfo(name, pattern, info); err != nil {
			return err
		}
	}
	e.info = info
	e.store.setVersioning(info.Versioning)
	return nil
}

// changeInfo serves the change of a bucket setting: setInfo(change), then
// an empty answer with status, or 500 InternalError if the change could
// not be persisted.
func (e *Emulator) changeInfo(w http.ResponseWriter, rc *reqCtx, status int, change func(*bucketInfo)) {
	if err := e.setInfo(change); err != nil {
		writeError(w, rc, errInternal(err))
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// bucketInfo returns a copy of e's settings.
func (e *Emulator) bucketInfo() bucketInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	info := e.info
	info.Tags = cloneTags(info.Tags)
	return info
}

// bucketACL is e's bucket ACL now, which PutBucketAcl and PutBucket may
// change while requests run: read it under lock at each request.
func (e *Emulator) bucketACL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.info.ACL
}

// open makes the Emulator of a bucket made with PutBucket and adds it to
// the set.
func (s *bucketSet) open(info bucketInfo) (*Emulator, error) {
	cfg := s.cfg
	// Config.CORS is the configured bucket's: others start without rules.
	cfg.Bucket, cfg.ACL, cfg.Dir, cfg.Buckets, cfg.CORS = info.Name, info.ACL, "", nil, nil
	if s.cfg.Dir != "" {
		cfg.Dir = filepath.Join(s.cfg.Dir, bucketsDir, info.Name)
		if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
			return nil, err
		}
		if err := writeBucketInfo(cfg.Dir+".json", ".bucket-*.tmp", info); err != nil {
			return nil, err
		}
	}
	cfg.CallbackKeyBits = 0 // the key is the configured bucket's
	b, err := New(cfg)
	if err != nil {
		return nil, err
	}
	root := s.root
	b.sign, b.client, b.now = root.sign, root.client, root.now
	b.closing, b.stopClosing = root.closing, root.stopClosing
	b.keys, b.keyByID, b.tokens = root.keys, root.keyByID, root.tokens
	root.mu.Lock()
	b.pubURL = root.pubURL
	root.mu.Unlock()
	b.buckets, b.info = s, info
	b.store.setVersioning(info.Versioning) // versions.go
	s.byName[info.Name] = b
	return b, nil
}

func (s *bucketSet) get(name string) *Emulator {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byName[name]
}

// bucketNameRE is OSS's rule for bucket names: 3 to 63 lower-case
// letters, digits and hyphens, starting and ending with a letter or digit
// (https://www.alibabacloud.com/help/en/oss/user-guide/bucket-naming-conventions).
var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// serveBuckets finds the bucket r addresses and serves it, including the
// operations on buckets themselves.
func (e *Emulator) serveBuckets(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	name, key, pathStyle := e.route(r)
	if !pathStyle && bucketFromHost(r.Host) == "" && isSigned(r) {
		name, key, pathStyle = e.signedPathStyle(r, name, key, pathStyle)
		if name == "" {
			e.listBuckets(w, r, rc)
			return
		}
	}
	b := e.buckets.get(name)
	switch {
	case b == nil && r.Method == http.MethodOptions:
		drainBody(r)
		writeError(w, rc, errNoSuchBucket(name))
		return
	case r.Method == http.MethodOptions:
		b.preflight(w, r, rc) // cors.go, with the bucket's own rules
		return
	case b != nil:
		b.applyCORS(w, r)
	}
	op := operationFor(r, r.URL.Query(), key)
	switch {
	case b == nil && (op == opPutBucket || op == opPutBucketACL):
		// PutBucketAcl of a missing bucket makes it
		// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketacl).
		e.putBucket(w, r, rc, name)
	case b == nil:
		drainBody(r)
		writeError(w, rc, errNoSuchBucket(name))
	case op == opPutBucket:
		b.putBucket(w, r, rc, name)
	default:
		b.dispatch(w, r, rc, op, key, pathStyle) // route.go
	}
}

// signedPathStyle reads a bare-host request that route took as a key in the
// configured bucket as path style when its signature says so: signed for
// no bucket at "/" (ListBuckets, name ""), or for the bucket its first path
// segment names.
func (e *Emulator) signedPathStyle(r *http.Request, name, key string, pathStyle bool) (string, string, bool) {
	if key == "" {
		// ListBuckets' tag filter is a "tagging" parameter, which names
		// GetBucketTags in a request signed for a bucket.
		q := r.URL.Query()
		if r.Method == http.MethodGet && (!hasSubResource(q) || onlySubResource(q, "tagging")) {
			if _, oe := e.authenticateRequest(r, "", ""); oe == nil {
				return "", "", true
			}
		}
		return name, key, pathStyle
	}
	first, rest, _ := strings.Cut(key, "/")
	if !bucketNameRE.MatchString(first) {
		return name, key, pathStyle
	}
	// An AccessKey ID the emulator does not know fails both readings
	// alike, so nothing tells them apart: take OSS's, which looks up the
	// bucket before the key and answers NoSuchBucket for a missing one
	// (https://www.alibabacloud.com/help/en/oss/support/0015-00000101).
	if _, oe := e.authenticateRequest(r, first, rest); oe == nil || oe.code == codeInvalidAccessKeyID {
		return first, rest, true
	}
	return name, key, pathStyle
}

// onlySubResource reports whether name is q's one sub-resource.
func onlySubResource(q url.Values, name string) bool {
	for _, sub := range subResources {
		if q.Has(sub) != (sub == name) {
			return false
		}
	}
	return true
}

func errNoSuchBucket(name string) *ossError {
	return newErr(404, "NoSuchBucket", "The specified bucket does not exist.").withEC("0015-00000101").withArg("BucketName", name)
}

// closeStores closes the journal of every bucket's store.
func (s *bucketSet) closeStores() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.byName {
		b.store.close()
	}
}
