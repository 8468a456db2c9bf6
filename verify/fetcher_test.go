package verify

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/internal/testkeys"
)

// testKeyURL is a trusted URL that is not OSS's own key, so the Fetcher has
// to fetch it (from BaseURL in tests).
const testKeyURL = "https://gosspublic.alicdn.com/test_key.pem"

// keyServer is a loopback key server that counts requests and whose
// behaviour a test can swap.
type keyServer struct {
	*httptest.Server
	hits    atomic.Int64
	mu      sync.Mutex
	handler http.HandlerFunc
}

func newKeyServer(t *testing.T, h http.HandlerFunc) *keyServer {
	t.Helper()
	ks := &keyServer{handler: h}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.hits.Add(1)
		ks.mu.Lock()
		h := ks.handler
		ks.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(ks.Close)
	return ks
}

func (ks *keyServer) set(h http.HandlerFunc) {
	ks.mu.Lock()
	ks.handler = h
	ks.mu.Unlock()
}

func servePEM(pemBytes []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write(pemBytes) }
}

func TestIsOSSKeyURL(t *testing.T) {
	cases := []struct {
		url  string
		want bool
	}{
		{"https://gosspublic.alicdn.com/callback_pub_key_v1.pem", true},
		{"http://gosspublic.alicdn.com/callback_pub_key_v1.pem", true},
		{"https://gosspublic.alicdn.com/callback_pub_key_v2.pem", true},
		{"https://gosspublic.alicdn.com/", true},
		{"https://gosspublic.alicdn.com/k.pem?v=1", true},
		{"https://gosspublic.alicdn.com", false},
		{"https://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem", false},
		{"https://gosspublic.alicdn.com@evil.com/callback_pub_key_v1.pem", false},
		{"https://gosspublic.alicdn.com:443@evil.com/x.pem", false},
		{"https://user@gosspublic.alicdn.com/callback_pub_key_v1.pem", false},
		{"https://user:pw@gosspublic.alicdn.com/callback_pub_key_v1.pem", false},
		{"https://gosspublic.alicdn.com:443/callback_pub_key_v1.pem", false},
		{"https://gosspublic.alicdn.com:8080/callback_pub_key_v1.pem", false},
		{"https://gosspublic.alicdn.com./callback_pub_key_v1.pem", false},
		{"https://GOSSPUBLIC.ALICDN.COM/callback_pub_key_v1.pem", false},
		{"HTTPS://gosspublic.alicdn.com/callback_pub_key_v1.pem", false},
		{"https://evilgosspublic.alicdn.com/callback_pub_key_v1.pem", false},
		{"https://gosspublic.alicdn.co/callback_pub_key_v1.pem", false},
		{"https://gosspublіc.alicdn.com/callback_pub_key_v1.pem", false}, // Cyrillic і
		{"https://gosspublic%2ealicdn.com/callback_pub_key_v1.pem", false},
		{"https://gosspublic.alicdn.com\\@evil.com/x.pem", false},
		{"https://gosspublic.alicdn.com/x.pem#@evil.com", false},
		{"https://gosspublic.alicdn.com/\\evil.com/x.pem", false},
		{"https://gosspublic.alicdn.com/ x.pem", false},
		{"https://gosspublic.alicdn.com/x.pem\r\nHost: evil.com", false},
		{"https://gosspublic.alicdn.com/x\x00.pem", false},
		{" https://gosspublic.alicdn.com/callback_pub_key_v1.pem", false},
		{"//gosspublic.alicdn.com/callback_pub_key_v1.pem", false},
		{"ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem", false},
		{"file:///etc/passwd", false},
		{"https://evil.com/gosspublic.alicdn.com/callback_pub_key_v1.pem", false},
		{"https://evil.com/?u=https://gosspublic.alicdn.com/", false},
		{"", false},
		{"https://gosspublic.alicdn.com/" + strings.Repeat("a", maxKeyURLLen), false},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			if got := IsOSSKeyURL(c.url); got != c.want {
				t.Errorf("IsOSSKeyURL(%q) = %v, want %v", c.url, got, c.want)
			}
		})
	}
}

func TestFetcherEmbeddedKeyMakesNoRequest(t *testing.T) {
	ks := newKeyServer(t, servePEM(testkeys.PublicPEM(1024)))
	for name, f := range map[string]KeyFetcher{
		"DefaultFetcher":       DefaultFetcher(),
		"zero Fetcher":         &Fetcher{},
		"Fetcher with BaseURL": &Fetcher{BaseURL: ks.URL},
		"Fetcher with Trust":   &Fetcher{BaseURL: ks.URL, Trust: func(*url.URL) bool { return true }},
	} {
		for _, u := range []string{OSSKeyURL, "http://gosspublic.alicdn.com/callback_pub_key_v1.pem"} {
			k, err := f.FetchKey(t.Context(), u)
			if err != nil {
				t.Fatalf("%s: FetchKey(%q): %v", name, u, err)
			}
			if !k.Equal(OSSPublicKey()) {
				t.Errorf("%s: FetchKey(%q) is not the embedded OSS key", name, u)
			}
		}
	}
	if n := ks.hits.Load(); n != 0 {
		t.Errorf("key server hit %d times, want 0", n)
	}
}

func TestFetcherUntrustedMakesNoRequest(t *testing.T) {
	ks := newKeyServer(t, servePEM(testkeys.PublicPEM(1024)))
	hostile := []string{
		"https://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem",
		"https://gosspublic.alicdn.com@evil.com/callback_pub_key_v1.pem",
		"https://gosspublic.alicdn.com:444/callback_pub_key_v1.pem",
		"http://evil.com/callback_pub_key_v1.pem",
		ks.URL + "/callback_pub_key_v1.pem",
		"http://169.254.169.254/latest/meta-data/",
		"https://gosspublic.alicdn.com/x.pem#frag",
		"not a url",
		"",
	}
	for _, f := range []KeyFetcher{DefaultFetcher(), &Fetcher{BaseURL: ks.URL, Client: ks.Client()}} {
		for _, u := range hostile {
			if k, err := f.FetchKey(t.Context(), u); !errors.Is(err, ErrUntrustedKeyURL) || k != nil {
				t.Errorf("FetchKey(%q) = %v, %v; want ErrUntrustedKeyURL", u, k != nil, err)
			}
		}
	}
	if n := ks.hits.Load(); n != 0 {
		t.Errorf("key server hit %d times, want 0", n)
	}
}

func TestFetcherCacheAndTTL(t *testing.T) {
	pemBytes := testkeys.PublicPEM(1024)
	var paths []string
	var mu sync.Mutex
	ks := newKeyServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.RequestURI())
		mu.Unlock()
		w.Write(pemBytes)
	})
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &Fetcher{BaseURL: ks.URL, Client: ks.Client(), TTL: time.Hour, Now: func() time.Time { return now }}
	want := &testkeys.Private(1024).PublicKey

	get := func(u string) {
		t.Helper()
		k, err := f.FetchKey(t.Context(), u)
		if err != nil {
			t.Fatalf("FetchKey(%q): %v", u, err)
		}
		if !k.Equal(want) {
			t.Fatalf("FetchKey(%q) returned another key", u)
		}
	}
	get(testKeyURL)
	get(testKeyURL)
	get("http://gosspublic.alicdn.com/test_key.pem") // same key, fetched over https
	if n := ks.hits.Load(); n != 1 {
		t.Fatalf("after 3 lookups of one key: %d fetches, want 1", n)
	}
	now = now.Add(time.Hour - time.Nanosecond)
	get(testKeyURL)
	if n := ks.hits.Load(); n != 1 {
		t.Fatalf("just before TTL: %d fetches, want 1", n)
	}
	now = now.Add(time.Nanosecond)
	get(testKeyURL)
	if n := ks.hits.Load(); n != 2 {
		t.Fatalf("at TTL: %d fetches, want 2", n)
	}
	get("https://gosspublic.alicdn.com/other.pem?v=2")
	if want := []string{"/test_key.pem", "/test_key.pem", "/other.pem?v=2"}; strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("requested %q, want %q", paths, want)
	}
}

// TestFetcherColdBurst: 1000 concurrent lookups of an uncached key make
// exactly one request. The key server holds its answer until every
// goroutine has been released to call FetchKey, so the lookups really
// overlap; no sleeps are involved.
func TestFetcherColdBurst(t *testing.T) {
	const n = 1000
	pemBytes := testkeys.PublicPEM(1024)
	allStarted := make(chan struct{})
	ks := newKeyServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-allStarted:
		case <-r.Context().Done():
			return
		}
		w.Write(pemBytes)
	})
	f := &Fetcher{BaseURL: ks.URL, Client: ks.Client()}
	want := &testkeys.Private(1024).PublicKey

	start := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			<-start
			started.Done()
			k, err := f.FetchKey(context.Background(), testKeyURL)
			if err == nil && !k.Equal(want) {
				err = errors.New("wrong key")
			}
			errs <- err
		}()
	}
	close(start)
	started.Wait()
	close(allStarted)
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := ks.hits.Load(); got != 1 {
		t.Errorf("%d concurrent cold lookups made %d fetches, want 1", n, got)
	}

	// The embedded key: the same burst makes no request at all.
	ks.hits.Store(0)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer wg.Done()
			if _, err := f.FetchKey(context.Background(), OSSKeyURL); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := ks.hits.Load(); got != 0 {
		t.Errorf("embedded key burst made %d fetches, want 0", got)
	}
}

// TestFetcherFaults: each key-server fault is an error wrapping ErrKeyFetch,
// and none is remembered: the next lookup fetches again and succeeds.
func TestFetcherFaults(t *testing.T) {
	good := testkeys.PublicPEM(1024)
	cases := []struct {
		name    string
		handler http.HandlerFunc
		badKey  bool
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, false},
		{"404", http.NotFound, false},
		{"204 empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }, false},
		{"200 empty body", func(w http.ResponseWriter, r *http.Request) {}, true},
		{"garbage PEM", servePEM([]byte("-----BEGIN PUBLIC KEY-----\nZ2FyYmFnZQ==\n-----END PUBLIC KEY-----\n")), true},
		{"not PEM", servePEM([]byte("<html>hello</html>")), true},
		{"private key", servePEM(testkeys.PrivatePEM(1024)), true},
		{"huge body with Content-Length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000000")
			w.Write(make([]byte, 1000000))
		}, false},
		{"huge chunked body", func(w http.ResponseWriter, r *http.Request) {
			w.Write(good)
			w.(http.Flusher).Flush()
			for i := 0; i < 64 && r.Context().Err() == nil; i++ {
				w.Write(make([]byte, 4096))
			}
		}, false},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere.pem", http.StatusFound)
		}, false},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.Write(good[:100])
		}, false},
		{"timeout", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ks := newKeyServer(t, c.handler)
			f := &Fetcher{BaseURL: ks.URL, Client: ks.Client(), Timeout: 200 * time.Millisecond, MaxKeyBytes: 4096}
			k, err := f.FetchKey(t.Context(), testKeyURL)
			if !errors.Is(err, ErrKeyFetch) || k != nil {
				t.Fatalf("got %v, %v; want ErrKeyFetch", k != nil, err)
			}
			if errors.Is(err, ErrBadKey) != c.badKey {
				t.Errorf("errors.Is(err, ErrBadKey) = %v, want %v (err: %v)", !c.badKey, c.badKey, err)
			}
			ks.set(servePEM(good))
			before := ks.hits.Load()
			k, err = f.FetchKey(t.Context(), testKeyURL)
			if err != nil || !k.Equal(&testkeys.Private(1024).PublicKey) {
				t.Fatalf("after the fault was fixed: %v, %v", k != nil, err)
			}
			if ks.hits.Load() != before+1 {
				t.Errorf("the failure was cached: no new fetch after the fault")
			}
		})
	}
}

// TestFetcherCallerGivesUp: a caller whose context ends stops waiting, but
// the shared fetch goes on and serves the next caller without a second
// request.
func TestFetcherCallerGivesUp(t *testing.T) {
	pemBytes := testkeys.PublicPEM(1024)
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	ks := newKeyServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Write(pemBytes)
	})
	f := &Fetcher{BaseURL: ks.URL, Client: ks.Client()}

	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := f.FetchKey(ctx, testKeyURL)
		first <- err
	}()
	<-arrived
	cancel()
	if err := <-first; !errors.Is(err, ErrKeyFetch) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: err = %v, want ErrKeyFetch and context.Canceled", err)
	}
	second := make(chan *rsa.PublicKey, 1)
	go func() {
		k, err := f.FetchKey(t.Context(), testKeyURL)
		if err != nil {
			t.Error(err)
		}
		second <- k
	}()
	close(release)
	if k := <-second; k == nil || !k.Equal(&testkeys.Private(1024).PublicKey) {
		t.Fatal("second caller did not get the key")
	}
	if n := ks.hits.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// TestFetcherUpgradesToHTTPS: with no BaseURL, a key named with http:// is
// fetched with https from gosspublic.alicdn.com. The transport dials a
// loopback TLS server instead of the internet.
func TestFetcherUpgradesToHTTPS(t *testing.T) {
	pemBytes := testkeys.PublicPEM(1024)
	type seen struct {
		tls        bool
		host, path string
	}
	got := make(chan seen, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.TLS != nil, r.Host, r.URL.Path}
		w.Write(pemBytes)
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
		// httptest's certificate is issued for example.com.
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com"},
	}}
	f := &Fetcher{Client: client}
	if _, err := f.FetchKey(t.Context(), "http://gosspublic.alicdn.com/test_key.pem"); err != nil {
		t.Fatal(err)
	}
	if s := <-got; !s.tls || s.host != "gosspublic.alicdn.com" || s.path != "/test_key.pem" {
		t.Errorf("request: %+v; want TLS to gosspublic.alicdn.com/test_key.pem", s)
	}
}

func TestFetcherTrustOverride(t *testing.T) {
	ks := newKeyServer(t, servePEM(testkeys.PublicPEM(1024)))
	srvURL, _ := url.Parse(ks.URL)
	f := &Fetcher{Client: ks.Client(), Trust: func(u *url.URL) bool { return u.Host == srvURL.Host }}
	if _, err := f.FetchKey(t.Context(), ks.URL+"/k.pem"); err != nil {
		t.Fatalf("trusted test server: %v", err)
	}
	if _, err := f.FetchKey(t.Context(), "http://evil.com/k.pem"); !errors.Is(err, ErrUntrustedKeyURL) {
		t.Errorf("untrusted by Trust: err = %v", err)
	}
	if _, err := f.FetchKey(t.Context(), testKeyURL); !errors.Is(err, ErrUntrustedKeyURL) {
		t.Errorf("Trust replaces the allowlist, OSS host must be refused: err = %v", err)
	}
	if n := ks.hits.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// TestFetcherBoundsConcurrentFetches: any path on the trusted host is a key
// URL a callback may name, so a flood of callbacks naming distinct paths
// must not open unbounded outbound fetches (each may take the whole
// timeout). Beyond maxInflightFetches distinct fetches, FetchKey fails at
// once without a request; callers of a URL already being fetched join that
// fetch; once the fetches end, new ones proceed.
func TestFetcherBoundsConcurrentFetches(t *testing.T) {
	pemBytes := testkeys.PublicPEM(1024)
	arrived := make(chan struct{}, maxInflightFetches)
	release := make(chan struct{})
	ks := newKeyServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		w.Write(pemBytes)
	})
	f := &Fetcher{BaseURL: ks.URL, Client: ks.Client()}
	keyURL := func(i int) string { return "https://gosspublic.alicdn.com/k" + strconv.Itoa(i) + ".pem" }

	var wg sync.WaitGroup
	for i := range maxInflightFetches {
		wg.Add(2) // a flight leader and a caller joining its flight
		for range 2 {
			go func() {
				defer wg.Done()
				if _, err := f.FetchKey(t.Context(), keyURL(i)); err != nil {
					t.Errorf("fetch %d: %v", i, err)
				}
			}()
		}
	}
	for range maxInflightFetches {
		<-arrived
	}
	_, err := f.FetchKey(t.Context(), keyURL(maxInflightFetches))
	if !errors.Is(err, ErrKeyFetch) {
		t.Errorf("fetch beyond the bound: err = %v, want ErrKeyFetch", err)
	}
	if n := ks.hits.Load(); n != maxInflightFetches {
		t.Errorf("%d requests while %d fetches were in flight", n, maxInflightFetches)
	}
	close(release)
	wg.Wait()
	if _, err := f.FetchKey(t.Context(), keyURL(maxInflightFetches)); err != nil {
		t.Errorf("fetch after the others ended: %v", err)
	}
	if n := ks.hits.Load(); n != maxInflightFetches+1 {
		t.Errorf("%d requests in all, want %d", n, maxInflightFetches+1)
	}
}
