package osstest_test

import (
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
)

// scaleObjects is the bucket size of the scale goals.
const scaleObjects = 100000

// fillDir stores n one-byte objects "obj/%06d" in a new directory store and
// returns its Config.
func fillDir(t testing.TB, n int) osstest.Config {
	t.Helper()
	cfg := osstest.Config{Dir: t.TempDir(), AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)}
	srv, err := osstest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := osstest.StoreObjects(srv.Emulator, numberedKeys(n, "obj/%06d"), 1); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// heapAfterGC is the live heap.
func heapAfterGC() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// startMeasured starts an emulator on cfg and returns how long New took and
// the heap the emulator holds: the live heap with it, less the live heap
// once it is dropped (measured after, since what a closed server leaves
// may be freed only later).
func startMeasured(cfg osstest.Config, check func(*osstest.Emulator)) (time.Duration, int64) {
	start := time.Now()
	e, err := osstest.New(cfg)
	if err != nil {
		panic(err) // test setup: the directory was filled by fillDir
	}
	took := time.Since(start)
	with := heapAfterGC()
	check(e)
	runtime.KeepAlive(e)
	e = nil
	return took, with - heapAfterGC()
}

// TestRestartHeap: an emulator started on a directory of 20,000 objects
// serves all of them, and holds at most maxHeapPerObject bytes of heap per
// stored object. It reports (not asserts) how long the start took; the
// README's figures, at 100,000 objects, come from BenchmarkScale (20,000
// keep this test affordable under -race: filling the directory is most of
// its time).
func TestRestartHeap(t *testing.T) {
	const (
		maxHeapPerObject = 1024
		n                = 20000
	)
	cfg := fillDir(t, n)
	check := func(e *osstest.Emulator) {
		objs := e.Objects()
		if len(objs) != n || objs[0].Key != "obj/000000" || objs[n-1].Key != fmt.Sprintf("obj/%06d", n-1) {
			t.Errorf("%d objects after restart", len(objs))
		}
		if b, err := readObject(e, "obj/014321"); err != nil || len(b) != 1 {
			t.Errorf("ReadObject after restart: %q, %v", b, err)
		}
	}
	// The heap is the whole process's: what an earlier test left running
	// (a server's goroutines, a callback in flight) can add to one start's
	// measurement. The smaller of two starts is the nearer the emulator's.
	took, heap := startMeasured(cfg, check)
	if _, again := startMeasured(cfg, check); again < heap {
		heap = again
	}
	perObject := heap / n
	t.Logf("start with %d objects: %v, %d bytes of heap per object", n, took, perObject)
	if perObject > maxHeapPerObject {
		t.Errorf("%d bytes of heap per stored object, want at most %d", perObject, maxHeapPerObject)
	}
}

// BenchmarkScale measures, on a directory store of 100,000 objects filled
// once for both:
//
//   - start: the start of an emulator (replaying the journal, removing
//     nothing), with the heap it holds per object;
//
//   - ListV2Page: one signed ListObjectsV2 page of 1000 keys under a
//     prefix, over loopback, beside the same page from a bucket of 1,000
//     objects: the cost follows the page, not the bucket.
//
//     go test -run '^$' -bench 'BenchmarkScale/start' -benchtime 3x -count 3 ./osstest
//     go test -run '^$' -bench 'BenchmarkScale/ListV2Page' -benchtime 100x -count 5 ./osstest
func BenchmarkScale(b *testing.B) {
	cfg := fillDir(b, scaleObjects)
	b.Run(fmt.Sprintf("start/objects=%d", scaleObjects), func(b *testing.B) {
		var took time.Duration
		var heap int64
		for range b.N {
			var d time.Duration
			d, heap = startMeasured(cfg, func(*osstest.Emulator) {})
			took += d
		}
		b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ms/start")
		b.ReportMetric(float64(heap/scaleObjects), "heap-B/object")
	})
	b.Run(fmt.Sprintf("ListV2Page/objects=%d", scaleObjects), func(b *testing.B) {
		benchListPage(b, cfg, "obj/05") // 10,000 keys, of which the page is the first 1000
	})
	b.Run("ListV2Page/objects=1000", func(b *testing.B) {
		benchListPage(b, fillDir(b, 1000), "obj/0")
	})
}

func benchListPage(b *testing.B, cfg osstest.Config, prefix string) {
	srv := newServer(b, cfg)
	req := objReq(b, srv, http.MethodGet, "", "list-type=2&max-keys=1000&prefix="+prefix, nil, nil, "")
	auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), "")
	for b.Loop() {
		r := do(b, nil, req.Clone(req.Context()))
		if r.status != 200 {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
}
