package osstest_test

import (
	"crypto/md5"
	"encoding/hex"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
)

// heapSampler records the peak of live heap objects. It is sampled from
// the data generator every sampleEvery bytes, so the number of samples
// depends on the bytes moved, never on a timer.
type heapSampler struct {
	sample []metrics.Sample
	peak   uint64
	n      int
}

const heapMetric = "/memory/classes/heap/objects:bytes" // = MemStats.HeapAlloc

func newHeapSampler() *heapSampler {
	return &heapSampler{sample: []metrics.Sample{{Name: heapMetric}}}
}

func (h *heapSampler) read() uint64 {
	metrics.Read(h.sample)
	v := h.sample[0].Value.Uint64()
	h.n++
	if v > h.peak {
		h.peak = v
	}
	return v
}

// randomReader yields size pseudo-random bytes and samples the heap every
// sampleEvery bytes. The bytes are windows of a 1 MiB ChaCha8 block at
// offsets that move by a prime stride, so the stream does not repeat at
// any power-of-two period; copying keeps the generator cheap under the
// race detector.
type randomReader struct {
	block       []byte
	off         int
	left        int64
	sinceSample int64
	heap        *heapSampler
}

const randomBlock = 1 << 20

func newRandomReader(size int64, heap *heapSampler) *randomReader {
	block := make([]byte, 2*randomBlock)
	rand.NewChaCha8([32]byte{1, 2, 3}).Read(block)
	return &randomReader{block: block, left: size, heap: heap}
}

const sampleEvery = 8 << 20

func (r *randomReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	if len(p) > randomBlock {
		p = p[:randomBlock]
	}
	n := copy(p, r.block[r.off:])
	r.off = (r.off + n + 7919) % randomBlock
	r.left -= int64(n)
	r.sinceSample += int64(n)
	if r.sinceSample >= sampleEvery {
		r.sinceSample = 0
		r.heap.read()
	}
	return n, nil
}

// testLargeUpload streams a size-byte file through the emulator's directory
// store, the form written through multipart.Writer into an io.Pipe, and
// checks that the heap grew by less than maxGrowth at any sampled point
// (client, server and emulator run in this process, so all are counted).
func testLargeUpload(t *testing.T, size int64, maxGrowth uint64) {
	dir := t.TempDir()
	srv := newServer(t, osstest.Config{Dir: dir})
	auth := v1Auth(t, testKey, policy.New(t0.Add(time.Hour), policy.KeyPrefix("big/"), policy.ContentLengthRange(size, size)))

	heap := newHeapSampler()
	runtime.GC()
	base := heap.read()
	heap.peak = base

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	md5h, crc := md5.New(), crc64.New(crc64.MakeTable(crc64.ECMA))
	go func() {
		for _, p := range append(auth, field("key", "big/blob")) {
			mw.WriteField(p.name, p.value)
		}
		fw, err := mw.CreateFormFile("file", "blob.bin")
		if err == nil {
			src := newRandomReader(size, heap)
			_, err = io.CopyBuffer(fw, io.TeeReader(src, io.MultiWriter(md5h, crc)), make([]byte, 256<<10))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	start := time.Now()
	r := do(t, nil, req)
	elapsed := time.Since(start)
	heap.read()
	if r.status != 204 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}

	obj, ok := srv.Object("big/blob")
	if !ok {
		t.Fatal("not stored")
	}
	wantETag := `"` + strings.ToUpper(hex.EncodeToString(md5h.Sum(nil))) + `"`
	if obj.Size != size || obj.ETag != wantETag || obj.CRC64 != crc.Sum64() {
		t.Errorf("stored %d bytes, ETag %s, CRC %d; want %d, %s, %d", obj.Size, obj.ETag, obj.CRC64, size, wantETag, crc.Sum64())
	}
	f, err := osstest.Open(srv.Emulator, "big/blob")
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.(io.Seeker).Seek(0, io.SeekEnd)
	f.Close()
	if err != nil || n != size {
		t.Errorf("file on disk has %d bytes (%v)", n, err)
	}

	growth := heap.peak - base
	t.Logf("%d MiB in %v (%.0f MiB/s): heap %d MiB at start, peak growth %.1f MiB over %d samples",
		size>>20, elapsed.Round(time.Millisecond), float64(size)/(1<<20)/elapsed.Seconds(), base>>20, float64(growth)/(1<<20), heap.n)
	if growth >= maxGrowth {
		t.Errorf("heap grew by %d bytes, want < %d", growth, maxGrowth)
	}
	if heap.n < int(size/sampleEvery) {
		t.Errorf("only %d heap samples", heap.n)
	}
}

// TestLargeUploadMemory uploads 1 GiB through the directory store with less
// than 64 MiB of heap growth. It takes about 4 s; under the race detector,
// which slows hashing tenfold, it uploads 256 MiB, and test.sh runs it at
// full size without the race detector.
func TestLargeUploadMemory(t *testing.T) {
	size := int64(1 << 30)
	if raceEnabled {
		size = 256 << 20
	}
	t.Logf("%d MiB", size>>20)
	testLargeUpload(t, size, 64<<20)
}
