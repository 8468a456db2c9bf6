package signer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// rotatingApp is one instance of an application: its Signer, token-less
// MultipartHandler and callback Verifier, all on one keyring, which a
// redeploy replaces as a whole.
type rotatingApp struct {
	srv    *osstest.Server
	cbURL  string // where OSS calls back: the proxy
	logs   *syncBuffer
	config atomic.Pointer[appConfig]
	*httptest.Server
}

type appConfig struct {
	signer    *signer.Signer
	multipart http.Handler
	callbacks http.Handler
}

func newRotatingApp(t *testing.T, srv *osstest.Server, cbURL string, logs *syncBuffer) *rotatingApp {
	a := &rotatingApp{srv: srv, cbURL: cbURL, logs: logs}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg := a.config.Load()
		if strings.HasPrefix(r.URL.Path, "/mp/") {
			http.StripPrefix("/mp", cfg.multipart).ServeHTTP(w, r)
			return
		}
		cfg.callbacks.ServeHTTP(w, r)
	}))
	t.Cleanup(a.Close)
	return a
}

// deploy puts the instance on keyring secrets.
func (a *rotatingApp) deploy(secrets callback.Secrets) {
	s := a.srv.Signer()
	s.Secrets = secrets
	logger := slog.New(slog.NewTextHandler(a.logs, nil))
	v := &callback.Verifier{Keys: a.srv.KeyFetcher(), Secrets: secrets, Logger: logger}
	a.config.Store(&appConfig{
		signer: s,
		multipart: &signer.MultipartHandler{
			Signer: s, Secrets: secrets, Logger: logger,
			User: func(r *http.Request) (string, error) { return r.Header.Get("X-User"), nil },
			Plan: func(_ *http.Request, user string, f signer.File) (signer.Multipart, error) {
				return signer.Multipart{Key: "users/" + user + "/" + f.Name, Size: f.Size, PartSize: 100 << 10,
					Callback: &callback.Params{URL: a.cbURL + "?uid=" + user, Body: "object=${object}&size=${size}"}}, nil
			},
		},
		callbacks: v.Handler(func(_ context.Context, ev *callback.Event) (any, error) {
			if ev.Query.Has(signer.SizeParam) {
				if err := signer.CheckSize(ev); err != nil {
					return nil, err
				}
			}
			return map[string]string{"uid": ev.Query.Get("uid"), "object": ev.Object}, nil
		}),
	})
}

// TestRollingRotationUnderLoad: two app instances behind a round-robin
// proxy, through which the emulator calls back, move from secret A to B one
// after the other, in the README's order, while 510 uploads (POST,
// presigned PUT, multipart through MultipartHandler, each step on whichever
// instance the proxy picks) are in flight: not one callback is refused.
// Then A is dropped: a token bound with A before the rotation is refused,
// and the log says why.
func TestRollingRotationUnderLoad(t *testing.T) {
	srv, err := osstest.NewServer(osstest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	a := callback.Secret{ID: "A", Key: []byte("secret-A-0123456789abcdef")}
	b := callback.Secret{ID: "B", Key: []byte("secret-B-0123456789abcdef")}
	logs := &syncBuffer{}
	var apps []*rotatingApp
	var next atomic.Uint64
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		target, _ := url.Parse(apps[next.Add(1)%2].URL)
		r.SetURL(target)
	}})
	defer proxy.Close()
	cbURL := proxy.URL + "/cb"
	apps = []*rotatingApp{newRotatingApp(t, srv, cbURL, logs), newRotatingApp(t, srv, cbURL, logs)}
	for _, app := range apps {
		app.deploy(callback.Secrets{a})
	}

	// A token an instance bound with A before the rotation, used at the end.
	ctx := context.Background()
	late, err := apps[0].config.Load().signer.Sign(ctx, signer.Upload{KeyPrefix: "users/late/", MaxSize: 1 << 10,
		Callback: &callback.Params{URL: cbURL + "?uid=late", Body: "object=${object}"}})
	if err != nil {
		t.Fatal(err)
	}

	// The rotation, one instance at a time, each step once the uploads have
	// gone on for a while under the previous one.
	steps := []struct {
		app     int
		secrets callback.Secrets
	}{{0, callback.Secrets{a, b}}, {1, callback.Secrets{a, b}}, {0, callback.Secrets{b, a}}, {1, callback.Secrets{b, a}}}
	const workers, perWorker = 10, 51
	var done atomic.Int64
	every := int64(workers * perWorker / (len(steps) + 1))
	afterUpload := func() {
		if n := done.Add(1); n%every == 0 && n/every <= int64(len(steps)) {
			s := steps[n/every-1]
			apps[s.app].deploy(s.secrets)
		}
	}

	var mu sync.Mutex
	failures := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				uid := fmt.Sprintf("u%d-%d", w, i)
				kind := []string{"post", "put", "multipart"}[i%3]
				// The instance that signs: round-robin, like the proxy.
				s := apps[(w+i)%2].config.Load().signer
				var err error
				switch kind {
				case "post":
					err = rotationPost(ctx, srv, s, cbURL, uid)
				case "put":
					err = rotationPut(ctx, srv, s, cbURL, uid)
				case "multipart":
					err = rotationMultipart(srv, proxy.URL, uid)
				}
				if err != nil {
					mu.Lock()
					failures[kind+": "+err.Error()]++
					mu.Unlock()
				}
				afterUpload()
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 || strings.Contains(logs.String(), "refused") {
		t.Fatalf("uploads failed during the rotation: %v\nlogs:\n%s", failures, logs)
	}
	for i, app := range apps {
		if got := app.config.Load().signer.Secrets; len(got) != 2 || got[0].ID != "B" {
			t.Fatalf("instance %d ended on %v, want B then A", i, got)
		}
	}

	// Step 3: A is dropped everywhere; its bindings are refused.
	for _, app := range apps {
		app.deploy(callback.Secrets{b})
	}
	res, err := postObject(ctx, srv, osstest.PostForm{Token: late, FileName: "late.txt", Body: strings.NewReader("late")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 203 || !strings.Contains(string(body), "CallbackFailed") {
		t.Errorf("upload with a token bound with A after A was dropped: %d %s, want 203 CallbackFailed", res.StatusCode, body)
	}
	if want := `bound with secret \"A\", which is no longer accepted`; !strings.Contains(logs.String(), want) {
		t.Errorf("log does not say why:\n%s", logs)
	}
}

// rotationPost uploads one file with a POST token from s.
func rotationPost(ctx context.Context, srv *osstest.Server, s *signer.Signer, cbURL, uid string) error {
	tok, err := s.Sign(ctx, signer.Upload{KeyPrefix: "users/" + uid + "/", MaxSize: 1 << 10,
		Callback: &callback.Params{URL: cbURL + "?uid=" + url.QueryEscape(uid), Body: "object=${object}"}})
	if err != nil {
		return err
	}
	res, err := postObject(ctx, srv, osstest.PostForm{Token: tok, FileName: "a.txt", Body: strings.NewReader("hello")})
	if err != nil {
		return err
	}
	return answered(res, uid)
}

// rotationPut uploads one file with a URL presigned by s.
func rotationPut(ctx context.Context, srv *osstest.Server, s *signer.Signer, cbURL, uid string) error {
	p, err := s.Presign(ctx, signer.Request{Method: http.MethodPut, Key: "users/" + uid + "/b.txt",
		Callback: &callback.Params{URL: cbURL + "?uid=" + url.QueryEscape(uid), Body: "object=${object}"}})
	if err != nil {
		return err
	}
	res, err := doPresigned(srv, p, []byte("hello"))
	if err != nil {
		return err
	}
	return answered(res, uid)
}

// rotationMultipart uploads one file in one part through the instances'
// MultipartHandlers, each step through the proxy, so plan, parts and
// complete land on either instance.
func rotationMultipart(srv *osstest.Server, proxyURL, uid string) error {
	call := func(step string, in, out any) error {
		js, _ := json.Marshal(in)
		req, _ := http.NewRequest(http.MethodPost, proxyURL+"/mp/"+step, bytes.NewReader(js))
		req.Header.Set("X-User", uid)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			return fmt.Errorf("%s: %d %s", step, res.StatusCode, body)
		}
		return json.Unmarshal(body, out)
	}
	content := []byte("a small file in one part")
	var plan struct {
		Ticket   string            `json:"ticket"`
		Initiate *signer.Presigned `json:"initiate"`
	}
	if err := call("plan", signer.File{Name: "c.bin", Size: int64(len(content))}, &plan); err != nil {
		return err
	}
	res, err := doPresigned(srv, plan.Initiate, nil)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var ir initiateResult
	if res.StatusCode != 200 || xml.Unmarshal(b, &ir) != nil {
		return fmt.Errorf("initiate: %d %s", res.StatusCode, b)
	}
	var parts struct {
		Parts []signer.Part `json:"parts"`
	}
	if err := call("parts", map[string]any{"ticket": plan.Ticket, "upload_id": ir.UploadID, "parts": []int{1}}, &parts); err != nil {
		return err
	}
	res, err = doPresigned(srv, &parts.Parts[0].Presigned, content)
	if err != nil {
		return err
	}
	res.Body.Close()
	etag := res.Header.Get("ETag")
	var comp struct{ Request *signer.Presigned }
	if err := call("complete", map[string]any{"ticket": plan.Ticket, "upload_id": ir.UploadID}, &comp); err != nil {
		return err
	}
	xmlBody, _ := xml.Marshal(completeBody{Parts: []completePart{{1, etag}}})
	res, err = doPresigned(srv, comp.Request, xmlBody)
	if err != nil {
		return err
	}
	return answered(res, uid)
}

// doPresigned sends p with exactly its header.
func doPresigned(srv *osstest.Server, p *signer.Presigned, body []byte) (*http.Response, error) {
	req, err := http.NewRequest(p.Method, p.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range p.Header {
		req.Header.Set(k, v)
	}
	return srv.Client().Do(req)
}

// answered reports an upload whose callback was not answered by the app for
// uid.
func answered(res *http.Response, uid string) error {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return fmt.Errorf("status %d %s", res.StatusCode, b)
	}
	var got struct{ UID string }
	if err := json.Unmarshal(b, &got); err != nil || got.UID != uid {
		return errors.New("answer " + string(b) + " is not the app's for " + uid)
	}
	return nil
}

// postObject sends f to srv as a browser would.
func postObject(ctx context.Context, srv *osstest.Server, f osstest.PostForm) (*http.Response, error) {
	req, err := osstest.NewPostRequest(ctx, f)
	if err != nil {
		return nil, err
	}
	return srv.Client().Do(req)
}
