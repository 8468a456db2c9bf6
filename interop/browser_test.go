package interop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/ossdirect/ossdirect/internal/browsertest"
)

// needBrowser returns node and Chromium, with playwright-core and ali-oss
// installed in alioss/.
func needBrowser(t *testing.T) (node, chromium string) {
	t.Helper()
	return browsertest.Need(t, "cd interop/alioss && npm ci", aliOSSPackage, filepath.Join("alioss", "node_modules", "playwright-core", "package.json"))
}

// stsSchedule is an STS service in miniature: generation g of temporary
// credentials is handed out during [t0+g·period, t0+(g+1)·period) and
// expires at t0+(g+2)·period. The emulator is given every generation.
type stsSchedule struct {
	t0     time.Time
	period time.Duration
	n      int
}

func (s stsSchedule) id(g int) string {
	return fmt.Sprintf("STS.browser%s.gen%d", s.t0.Format("150405"), g)
}
func (s stsSchedule) secret(g int) string {
	return fmt.Sprintf("browser-secret-%d", g)
}
func (s stsSchedule) token(g int) string      { return fmt.Sprintf("CAIS-browser-token-%d", g) }
func (s stsSchedule) expires(g int) time.Time { return s.t0.Add(time.Duration(g+2) * s.period) }

// keyFlags are the emulator's -key flags for every generation.
func (s stsSchedule) keyFlags() []string {
	var args []string
	for g := range s.n {
		args = append(args, "-key", fmt.Sprintf("%s:%s:%s:%s", s.id(g), s.secret(g), s.token(g), s.expires(g).UTC().Format(time.RFC3339)))
	}
	return args
}

func (s stsSchedule) generationOf(id string) int {
	for g := range s.n {
		if s.id(g) == id {
			return g
		}
	}
	return -1
}

// browserPage serves page.html and ali-oss's browser build, hands out the
// schedule's credentials at /sts as STS AssumeRole's Credentials, and at
// /wait-expiry?id= answers once that generation has expired.
type browserPage struct {
	*httptest.Server
	sched stsSchedule

	mu     sync.Mutex
	handed []string // AccessKey ids handed out, in order
}

func newBrowserPage(t *testing.T, sched stsSchedule) *browserPage {
	p := &browserPage{sched: sched}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("alioss", "page.html"))
	})
	mux.HandleFunc("GET /aliyun-oss-sdk.min.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("alioss", "node_modules", "ali-oss", "dist", "aliyun-oss-sdk.min.js"))
	})
	mux.HandleFunc("GET /sts", func(w http.ResponseWriter, r *http.Request) {
		g := int(time.Since(sched.t0) / sched.period)
		if g >= sched.n {
			http.Error(w, "the test ran past its last generation of credentials", http.StatusInternalServerError)
			return
		}
		p.mu.Lock()
		p.handed = append(p.handed, sched.id(g))
		p.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": sched.id(g), "AccessKeySecret": sched.secret(g), "SecurityToken": sched.token(g),
			"Expiration": sched.expires(g).UTC().Format(time.RFC3339),
		})
	})
	mux.HandleFunc("GET /wait-expiry", func(w http.ResponseWriter, r *http.Request) {
		g := sched.generationOf(r.URL.Query().Get("id"))
		if g < 0 {
			http.Error(w, "unknown id", http.StatusBadRequest)
			return
		}
		// What is waited for is the wall clock passing the expiry that
		// the emulator (on time.Now) enforces.
		timer := time.NewTimer(time.Until(sched.expires(g)) + 10*time.Millisecond)
		defer timer.Stop()
		select {
		case <-timer.C:
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
		}
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

func (p *browserPage) generationsHanded() (ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range p.handed {
		if len(ids) == 0 || ids[len(ids)-1] != id {
			ids = append(ids, id)
		}
	}
	return ids
}

// browserResult is what page.html's runUpload returns.
type browserResult struct {
	OK            bool           `json:"ok"`
	Error         string         `json:"error"`
	Status        int            `json:"status"`
	Data          map[string]any `json:"data"`
	SHA256        string         `json:"sha256"`
	Size          int64          `json:"size"`
	Refreshed     int            `json:"refreshed"`
	Waited        bool           `json:"waited"`
	BrowserErrors []string       `json:"browserErrors"`
}

// ali-oss's browser build in Chromium, as OSS's documentation has pages do
// it: STS credentials from the page's application, refreshed through
// refreshSTSToken, and a 12 MiB multipartUpload with an upload callback
// straight to the standalone emulator on another origin (CORS). Half-way,
// the page waits until its first credentials have expired; the rest of the
// upload must be signed with refreshed ones.
func TestAliOSSBrowser(t *testing.T) {
	node, chromium := needBrowser(t)
	for _, v4 := range []bool{true, false} {
		sig := map[bool]string{true: "V4", false: "V1"}[v4]
		row := matrixRow{"ali-oss browser", sig, "STS (refreshSTSToken)"}
		t.Run(sig, func(t *testing.T) {
			t.Parallel()
			outcome := "pass"
			if err := browserUpload(t, node, chromium, v4); err != nil {
				outcome = "FAIL"
				t.Error(err)
			}
			record(row, "browserSTS", outcome)
			record(row, "browserMultipart", outcome)
		})
	}
}

// browserUpload runs one upload in Chromium and checks it; the error says
// what went wrong.
func browserUpload(t *testing.T, node, chromium string, v4 bool) error {
	const keyID, keySecret = "LTAI5tBrowserReader", "browser-reader-secret"
	sched := stsSchedule{t0: time.Now().Truncate(time.Second), period: 2 * time.Second, n: 30}
	page := newBrowserPage(t, sched)
	e := startEmulator(t, keyID, keySecret, append([]string{"-cors-origin", page.URL}, sched.keyFlags()...)...)
	app, events := callbackApp(t, e.pubKeyURL)

	key := fmt.Sprintf("browser/%v/video 12MiB.mp4", v4)
	const size = 12 << 20
	cfg, _ := json.Marshal(map[string]any{
		"endpoint": e.url, "bucket": testBucket, "region": testRegion, "v4": v4,
		"key": key, "size": size, "partSize": 1 << 20,
		// ali-oss asks refreshSTSToken before a request once this long has
		// passed since it last did.
		"refreshMs":    500,
		"callbackURL":  matrixCallbackURL(t, app.URL, "browser"),
		"callbackBody": `{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType}}`,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a failure bound
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "browser.mjs", page.URL+"/", string(cfg))
	cmd.Dir = "alioss"
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("node alioss/browser.mjs: %v\n%s", err, stderr.String())
	}
	var r browserResult
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("node alioss/browser.mjs printed %q: %v", out, err)
	}
	if !r.OK {
		return fmt.Errorf("multipartUpload in Chromium: %s (browser: %q)", r.Error, r.BrowserErrors)
	}
	var problems []string
	if r.Status != 200 || r.Data["uid"] != "browser" || r.Data["object"] != key {
		problems = append(problems, fmt.Sprintf("answer %d %v, want the application's answer for %q", r.Status, r.Data, key))
	}
	select {
	case ev := <-events:
		if ev.Object != key || ev.Size != size || ev.MimeType != "video/mp4" {
			problems = append(problems, fmt.Sprintf("callback %+v", ev))
		}
	default:
		problems = append(problems, "the application received no callback")
	}
	if handed := page.generationsHanded(); !r.Waited || r.Refreshed == 0 || len(handed) < 2 {
		problems = append(problems, fmt.Sprintf("waited for expiry %v, %d refreshSTSToken calls, generations handed out %q; want a wait, a refresh and two generations", r.Waited, r.Refreshed, handed))
	}
	got := readWithSDK(t, e, key)
	if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != r.SHA256 || int64(len(got)) != r.Size || r.Size != size {
		problems = append(problems, fmt.Sprintf("stored %d bytes, the page sent %d with another SHA-256", len(got), r.Size))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// readWithSDK reads an object back with the Go SDK and the emulator's
// permanent key.
func readWithSDK(t *testing.T, e *emulator, key string) []byte {
	res, err := e.sdk(false).GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Errorf("GetObject %q: %v", key, err)
		return nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return b
}
