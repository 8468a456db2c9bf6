package osstest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
)

// TestConcurrentUploads runs 64 uploads with verified callbacks at once
// (meant for go test -race), then 16 racing uploads of one key with
// x-oss-forbid-overwrite, of which exactly one may win.
func TestConcurrentUploads(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		t.Run(fmt.Sprintf("dir=%v", dir != ""), func(t *testing.T) {
			srv := newServer(t, osstest.Config{Dir: dir})
			var verified atomic.Int32
			app := httptest.NewServer((&callback.Verifier{Keys: srv.KeyFetcher(), AllowUnbound: true}).Handler(func(_ context.Context, ev *callback.Event) (any, error) {
				verified.Add(1)
				return map[string]string{"object": ev.Object}, nil
			}))
			defer app.Close()
			cb := mustEncodeCB(t, callback.Params{URL: app.URL, Body: callback.FormBody("object", "size")})
			auth := v1Auth(t, testKey, basePolicy())

			const n = 64
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					key := fmt.Sprintf("user/eric/c%02d", i)
					r, err := postFromGoroutine(srv.URL, join(auth, []part{field("callback", cb), field("key", key), file("f", "", key)}))
					if err != nil {
						t.Errorf("%s: %v", key, err)
						return
					}
					if want := fmt.Sprintf(`{"object":"%s"}`, key); r.status != 200 || string(r.body) != want {
						t.Errorf("%s: %d %s", key, r.status, r.body)
					}
				}()
			}
			wg.Wait()
			if got := verified.Load(); got != n {
				t.Errorf("%d verified callbacks, want %d", got, n)
			}
			if got := len(srv.Objects()); got != n {
				t.Errorf("%d objects, want %d", got, n)
			}
			for i := range n {
				key := fmt.Sprintf("user/eric/c%02d", i)
				if b, err := readObject(srv, key); err != nil || string(b) != key {
					t.Errorf("%s: %q %v", key, b, err)
				}
			}

			var won, refused atomic.Int32
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := postFromGoroutine(srv.URL, join(auth, []part{field("x-oss-forbid-overwrite", "true"), field("key", "user/eric/race"),
						file("f", "", fmt.Sprint(i))}))
					if err != nil {
						t.Errorf("race upload: %v", err)
						return
					}
					switch r.status {
					case 204:
						won.Add(1)
					case 409:
						refused.Add(1)
					default:
						t.Errorf("race upload: %d %s", r.status, r.body)
					}
				}()
			}
			wg.Wait()
			if won.Load() != 1 || refused.Load() != 15 {
				t.Errorf("forbid-overwrite race: %d won, %d refused", won.Load(), refused.Load())
			}
		})
	}
}

// postFromGoroutine is postForm for goroutines other than the test's, which
// must report failures with t.Error, not t.Fatal.
func postFromGoroutine(url string, parts []part) (result, error) {
	body, ct, err := encodeFormErr(parts)
	if err != nil {
		return result{}, err
	}
	return tryPost(url, ct, body)
}
