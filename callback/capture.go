package callback

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Capture saves the callbacks a Verifier refuses (VerifyEvent fails) into a
// directory, each raw in one file as "ossdirect diagnose FILE" reads it. Writing happens on a goroutine of its
// own, so it never delays the answer to OSS: requests that arrive while
// capture is behind, or that cannot be written, are dropped and counted. The
// oldest files are removed to stay within MaxFiles and MaxBytes.
type Capture struct {
	// Dir is an existing directory for the files; required. Files are
	// named refused-<UTC time>-<n>.http and readable by the owner only.
	Dir string
	// MaxFiles bounds the files kept in Dir; 0 means 100.
	MaxFiles int
	// MaxBytes bounds their total size; 0 means 16 MiB.
	MaxBytes int64

	dropped atomic.Int64

	mu      sync.Mutex
	idle    sync.Cond // signalled when the writer stops
	queue   []capturedRequest
	running bool
	scanned bool
	files   []capturedFile // in Dir, oldest first
	total   int64          // bytes of files
	seq     uint64
	lastErr string
}

type capturedRequest struct {
	raw    []byte
	logger *slog.Logger
}

type capturedFile struct {
	name string
	size int64
}

// Bounds of the queue between a refusal and the writer.
const (
	captureQueueLen        = 16
	defaultCaptureFiles    = 100
	defaultCaptureBytes    = 16 << 20
	capturePrefix          = "refused-"
	captureSuffix          = ".http"
	captureTimeLayout      = "20060102T150405.000000000Z"
	captureOmittedBodyNote = "X-Ossdirect-Capture-Note"
)

// Dropped returns how many refused requests were not saved: the queue was
// full, the request was larger than MaxBytes, or writing failed.
func (c *Capture) Dropped() int64 { return c.dropped.Load() }

// check is what Verifier.check needs of c: no file system access.
func (c *Capture) check() error {
	switch {
	case c.Dir == "":
		return errors.New("empty Dir")
	case c.MaxFiles < 0:
		return fmt.Errorf("negative MaxFiles %d", c.MaxFiles)
	case c.MaxBytes < 0:
		return fmt.Errorf("negative MaxBytes %d", c.MaxBytes)
	}
	return nil
}

// validateDir reports a Dir that is not a directory.
func (c *Capture) validateDir() error {
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("Dir %q is not a directory", c.Dir)
	}
	return nil
}

func (c *Capture) limits() (int, int64) {
	files, size := c.MaxFiles, c.MaxBytes
	if files == 0 {
		files = defaultCaptureFiles
	}
	if size == 0 {
		size = defaultCaptureBytes
	}
	return files, size
}

// save queues r for writing. body is the body as the Verifier read it, nil
// when it refused r before reading it: reading it here could wait on the
// client, so the file then says the body was not saved.
func (c *Capture) save(r *http.Request, body []byte, logger *slog.Logger) {
	raw := rawRequest(r, body)
	_, maxBytes := c.limits()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle.L == nil {
		c.idle.L = &c.mu
	}
	if len(c.queue) >= captureQueueLen || int64(len(raw)) > maxBytes {
		c.dropped.Add(1)
		return
	}
	c.queue = append(c.queue, capturedRequest{raw: raw, logger: logger})
	if !c.running {
		c.running = true
		go c.write()
	}
}

// rawRequest is r as an HTTP/1.1 request, the form "ossdirect diagnose"
// reads. Cookies are left out: OSS sends none, and they may carry a session.
func rawRequest(r *http.Request, body []byte) []byte {
	target := r.RequestURI
	if target == "" && r.URL != nil {
		target = r.URL.RequestURI()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", r.Method, target)
	if r.Host != "" {
		fmt.Fprintf(&b, "Host: %s\r\n", r.Host)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		switch http.CanonicalHeaderKey(k) {
		case "Cookie", "Content-Length", "Transfer-Encoding", "Host":
			continue
		}
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, strings.ReplaceAll(strings.ReplaceAll(v, "\r", ""), "\n", ""))
		}
	}
	if body == nil {
		fmt.Fprintf(&b, "%s: body not saved, the request was refused before it was read\r\n", captureOmittedBodyNote)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

// write is the one writer: it empties the queue and stops.
func (c *Capture) write() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.queue) > 0 {
		req := c.queue[0]
		c.queue = c.queue[1:]
		// The lock guards the queue, not the disk: refusals queue up
		// meanwhile.
		c.mu.Unlock()
		err := c.writeFile(req.raw)
		c.mu.Lock()
		if err != nil {
			c.dropped.Add(1)
			if msg := err.Error(); msg != c.lastErr {
				c.lastErr = msg
				req.logger.Warn("OSS callback refused, not captured", slog.String("reason", msg))
			}
		}
	}
	c.queue = nil
	c.running = false
	c.idle.Broadcast()
}

// writeFile writes one request, removing the oldest files first to stay in
// bounds. Only the writer goroutine calls it, so files and total need no lock.
func (c *Capture) writeFile(raw []byte) error {
	if !c.scanned {
		if err := c.scan(); err != nil {
			return err
		}
		c.scanned = true
	}
	maxFiles, maxBytes := c.limits()
	for len(c.files) > 0 && (len(c.files) >= maxFiles || c.total+int64(len(raw)) > maxBytes) {
		old := c.files[0]
		if err := os.Remove(filepath.Join(c.Dir, old.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		c.files = c.files[1:]
		c.total -= old.size
	}
	c.seq++
	name := capturePrefix + time.Now().UTC().Format(captureTimeLayout) + "-" + strconv.FormatUint(c.seq, 10) + captureSuffix
	path := filepath.Join(c.Dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(raw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	c.files = append(c.files, capturedFile{name: name, size: int64(len(raw))})
	c.total += int64(len(raw))
	return nil
}

// scan counts the captures already in Dir, from an earlier run, against the
// bounds.
func (c *Capture) scan() error {
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return err
	}
	for _, e := range entries { // sorted by name, so oldest first
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, capturePrefix) || !strings.HasSuffix(name, captureSuffix) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		c.files = append(c.files, capturedFile{name: name, size: fi.Size()})
		c.total += fi.Size()
	}
	return nil
}
