package osstest_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// Small requests: 1 KiB PutObject and GetObject with V4 header signatures,
// smallConcurrency at a time over loopback, against bare net/http handlers
// doing the least a faithful emulator must (the baselines), in the same run:
//
//	go test -run '^$' -bench 'BenchmarkSmall' -count 5 ./osstest
//
// BenchmarkSmallPut/memory / BenchmarkSmallPutBaseline/memory is the ratio
// the README's performance table reports, and so on for each pair.
const (
	smallSize        = 1 << 10
	smallConcurrency = 32
)

// smallClient is one HTTP client for all benchmark goroutines, keeping a
// connection per goroutine alive.
func smallClient(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConns: 2 * smallConcurrency, MaxIdleConnsPerHost: 2 * smallConcurrency}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// runSmall runs do from smallConcurrency goroutines, each with its own
// index (and so its own object key).
func runSmall(b *testing.B, do func(i int) error) {
	b.SetBytes(smallSize)
	b.SetParallelism((smallConcurrency + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1))
		for pb.Next() {
			if err := do(i); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// send sends a request with a fixed body and header (already signed) and
// checks the status, reading the answer to the end.
func send(c *http.Client, method, url string, h http.Header, body []byte, want int) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d", method, url, resp.StatusCode)
	}
	if method == http.MethodGet && n != smallSize {
		return fmt.Errorf("GET %s: %d bytes", url, n)
	}
	return nil
}

// signedSmall returns the URL and V4-signed header of a request for key
// "small/<i>". The emulator's clock is fixed, so one signature serves
// every request of the benchmark, and the client's signing cost stays out
// of the measurement, as it is out of the baseline's.
func signedSmall(b *testing.B, srv *osstest.Server, method string, i int) (string, http.Header) {
	key := fmt.Sprintf("small/%d", i)
	req := objReq(b, srv, method, key, "", nil, map[string]string{"Content-Type": "application/octet-stream"}, "")
	auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), key)
	return req.URL.String(), req.Header
}

func smallStores() []string { return []string{"memory", "dir"} }

func smallServer(b *testing.B, store string) *osstest.Server {
	var cfg osstest.Config
	if store == "dir" {
		cfg.Dir = b.TempDir()
	}
	return newServer(b, cfg)
}

// BenchmarkSmallPut is a 1 KiB PutObject with a V4 header signature.
func BenchmarkSmallPut(b *testing.B) {
	body := randomBytes(smallSize, 3)
	for _, store := range smallStores() {
		b.Run(store, func(b *testing.B) {
			srv := smallServer(b, store)
			c := smallClient(b)
			reqs := make([]struct {
				url string
				h   http.Header
			}, smallConcurrency*2)
			for i := range reqs {
				reqs[i].url, reqs[i].h = signedSmall(b, srv, http.MethodPut, i)
			}
			runSmall(b, func(i int) error {
				r := reqs[i%len(reqs)]
				return send(c, http.MethodPut, r.url, r.h, body, 200)
			})
		})
	}
}

// BenchmarkSmallGet is a 1 KiB GetObject with a V4 header signature.
func BenchmarkSmallGet(b *testing.B) {
	body := randomBytes(smallSize, 4)
	for _, store := range smallStores() {
		b.Run(store, func(b *testing.B) {
			srv := smallServer(b, store)
			c := smallClient(b)
			reqs := make([]struct {
				url string
				h   http.Header
			}, smallConcurrency*2)
			for i := range reqs {
				u, h := signedSmall(b, srv, http.MethodPut, i)
				if err := send(c, http.MethodPut, u, h, body, 200); err != nil {
					b.Fatal(err)
				}
				reqs[i].url, reqs[i].h = signedSmall(b, srv, http.MethodGet, i)
			}
			runSmall(b, func(i int) error {
				r := reqs[i%len(reqs)]
				return send(c, http.MethodGet, r.url, r.h, nil, 200)
			})
		})
	}
}

// bareStore is what the baselines do with a body: the memory baseline
// keeps it in a map, the dir baseline writes it to a temporary file and
// renames that into place, as any store that never shows a half-written
// file must.
type bareStore struct {
	dir  string
	mu   sync.Mutex
	objs map[string][]byte
}

func (s *bareStore) put(key string, body io.Reader) (string, error) {
	h := md5.New()
	if s.dir == "" {
		var buf bytes.Buffer
		if _, err := io.Copy(io.MultiWriter(h, &buf), body); err != nil {
			return "", err
		}
		s.mu.Lock()
		s.objs[key] = buf.Bytes()
		s.mu.Unlock()
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	f, err := os.CreateTemp(s.dir, "tmp-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(io.MultiWriter(h, f), body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(s.dir, hex.EncodeToString([]byte(key))))
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (s *bareStore) get(w io.Writer, key string) error {
	if s.dir == "" {
		s.mu.Lock()
		b := s.objs[key]
		s.mu.Unlock()
		_, err := w.Write(b)
		return err
	}
	f, err := os.Open(filepath.Join(s.dir, hex.EncodeToString([]byte(key))))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// bareServer is the baseline: a net/http handler that stores PUT bodies
// (computing their MD5, as OSS must for the ETag) and serves them on GET.
func bareServer(b *testing.B, store string) *httptest.Server {
	s := &bareStore{objs: map[string][]byte{}}
	if store == "dir" {
		s.dir = b.TempDir()
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			etag, err := s.put(r.URL.Path, r.Body)
			if err != nil {
				w.WriteHeader(500)
				return
			}
			w.Header().Set("ETag", `"`+etag+`"`)
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(200)
		case http.MethodGet:
			if err := s.get(w, r.URL.Path); err != nil {
				w.WriteHeader(500)
			}
		}
	}))
	b.Cleanup(ts.Close)
	return ts
}

func BenchmarkSmallPutBaseline(b *testing.B) {
	body := randomBytes(smallSize, 3)
	for _, store := range smallStores() {
		b.Run(store, func(b *testing.B) {
			ts := bareServer(b, store)
			c := smallClient(b)
			runSmall(b, func(i int) error {
				return send(c, http.MethodPut, fmt.Sprintf("%s/small/%d", ts.URL, i%(2*smallConcurrency)), nil, body, 200)
			})
		})
	}
}

func BenchmarkSmallGetBaseline(b *testing.B) {
	body := randomBytes(smallSize, 4)
	for _, store := range smallStores() {
		b.Run(store, func(b *testing.B) {
			ts := bareServer(b, store)
			c := smallClient(b)
			for i := range 2 * smallConcurrency {
				if err := send(c, http.MethodPut, fmt.Sprintf("%s/small/%d", ts.URL, i), nil, body, 200); err != nil {
					b.Fatal(err)
				}
			}
			runSmall(b, func(i int) error {
				return send(c, http.MethodGet, fmt.Sprintf("%s/small/%d", ts.URL, i%(2*smallConcurrency)), nil, nil, 200)
			})
		})
	}
}

// BenchmarkSmallPutUnsigned is BenchmarkSmallPut/memory without a
// signature, to a public-read-write bucket: what checking a V4 signature
// adds to a small request is the difference.
func BenchmarkSmallPutUnsigned(b *testing.B) {
	body := randomBytes(smallSize, 3)
	srv := newServer(b, osstest.Config{ACL: "public-read-write"})
	c := smallClient(b)
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	runSmall(b, func(i int) error {
		return send(c, http.MethodPut, fmt.Sprintf("%s/%s/small/%d", srv.URL, srv.Bucket(), i%(2*smallConcurrency)), h, body, 200)
	})
}
