package signer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// send makes a presigned request the way a client must: p.Method to p.URL
// with exactly p.Header and the body.
func send(t *testing.T, client *http.Client, p *signer.Presigned, header map[string]string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(p.Method, p.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Header {
		req.Header.Set(k, v)
	}
	for k, v := range header { // what a misbehaving client adds or changes
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// callbackApp is an application's callback endpoint: it verifies with the
// emulator's key and the Signer's binding secret, checks multipart sizes,
// and records what it accepted.
type callbackApp struct {
	*httptest.Server
	mu     sync.Mutex
	events []*callback.Event
}

func newCallbackApp(t *testing.T, srv *osstest.Server, secret []byte, clock func() time.Time) *callbackApp {
	t.Helper()
	app := &callbackApp{}
	v := &callback.Verifier{Keys: srv.KeyFetcher(), BindingSecret: secret, Now: clock}
	app.Server = httptest.NewServer(v.Handler(func(_ context.Context, ev *callback.Event) (any, error) {
		if ev.Query.Has(signer.SizeParam) {
			if err := signer.CheckSize(ev); err != nil {
				return nil, err
			}
		}
		app.mu.Lock()
		app.events = append(app.events, ev)
		app.mu.Unlock()
		return map[string]any{"stored": ev.Object, "size": ev.Size, "uid": ev.Query.Get("uid")}, nil
	}))
	t.Cleanup(app.Close)
	return app
}

func (a *callbackApp) accepted() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.events)
}

// Presigned PUTs from Signer.Presign are accepted by the emulator for V4
// and V1, permanent and STS keys; the callback in the query arrives bound
// and the client gets the app's answer; a client that deviates from the
// presigned request is refused and nothing is stored.
func TestPresignedPutAgainstEmulator(t *testing.T) {
	now := time.Date(2024, 12, 3, 12, 12, 12, 0, time.UTC)
	clock := func() time.Time { return now }
	perm := osstest.AccessKey{ID: "LTAI5tPermanent", Secret: "permanent-secret"}
	sts := osstest.AccessKey{ID: "STS.NTemp", Secret: "temp-secret", SecurityToken: "CAIS/sts+token=="}
	srv, err := osstest.NewServer(osstest.Config{Now: clock, AccessKeys: []osstest.AccessKey{perm, sts}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	secret := []byte("the-app's-binding-secret")
	app := newCallbackApp(t, srv, secret, clock)

	for _, v := range []signer.Version{signer.V4, signer.V1} {
		for _, key := range []osstest.AccessKey{perm, sts} {
			name := v.String() + "/" + key.ID
			t.Run(name, func(t *testing.T) {
				s := &signer.Signer{
					Credentials: signer.StaticCredentials{AccessKeyID: key.ID, AccessKeySecret: key.Secret, SecurityToken: key.SecurityToken},
					Bucket:      srv.Bucket(), Region: srv.Region(), Endpoint: srv.URL, Version: v, Now: clock,
					CallbackSecret: secret,
				}
				objKey := "users/42/" + strings.ReplaceAll(name, "/", "-") + " photo.png"
				p, err := s.Presign(context.Background(), signer.Request{
					Key: objKey, ContentType: "image/png", Expires: time.Minute,
					Header:       map[string][]string{"x-oss-meta-owner": {"42"}},
					Callback:     &callback.Params{URL: app.URL + "/cb?uid=42", Body: "object=${object}&size=${size}&uid=${x:uid}"},
					CallbackVars: map[string]string{"x:uid": "42"},
				})
				if err != nil {
					t.Fatal(err)
				}
				content := []byte("\x89PNG fake image")
				before := app.accepted()
				refusals := []struct {
					name   string
					header map[string]string
					status int
					code   string
				}{
					{"other content type", map[string]string{"Content-Type": "text/html"}, 403, "SignatureDoesNotMatch"},
					{"no content type", map[string]string{"Content-Type": ""}, 403, "SignatureDoesNotMatch"},
					{"unsigned x-oss header", map[string]string{"x-oss-object-acl": "public-read"}, 403, "SignatureDoesNotMatch"},
					{"changed metadata", map[string]string{"x-oss-meta-owner": "43"}, 403, "SignatureDoesNotMatch"},
					{"callback also in a header", map[string]string{"x-oss-callback": "e30="}, 0, ""},
				}
				for _, r := range refusals {
					status, body := send(t, srv.Client(), p, r.header, content)
					if status/100 != 4 || !strings.Contains(body, r.code) || status != r.status && r.status != 0 {
						t.Errorf("%s: %d %s; want %d %s", r.name, status, body, r.status, r.code)
					}
				}
				if _, ok := srv.Object(objKey); ok || app.accepted() != before {
					t.Fatalf("a refused request stored %s or called back", objKey)
				}

				status, body := send(t, srv.Client(), p, nil, content)
				if status != 200 || !strings.Contains(body, `"uid":"42"`) {
					t.Fatalf("presigned PUT: %d %s", status, body)
				}
				obj, ok := srv.Object(objKey)
				if !ok || obj.ContentType != "image/png" || obj.Meta["owner"] != "42" || obj.Size != int64(len(content)) {
					t.Errorf("stored %+v, %v", obj, ok)
				}
				if app.accepted() != before+1 {
					t.Errorf("callbacks accepted: %d, want %d", app.accepted(), before+1)
				}
			})
		}
	}

	// After its expiry the URL is refused.
	s := &signer.Signer{Credentials: signer.StaticCredentials{AccessKeyID: perm.ID, AccessKeySecret: perm.Secret},
		Bucket: srv.Bucket(), Region: srv.Region(), Endpoint: srv.URL,
		Now: func() time.Time { return now.Add(-2 * time.Minute) }}
	for _, v := range []signer.Version{signer.V4, signer.V1} {
		s.Version = v
		p, err := s.Presign(context.Background(), signer.Request{Key: "late.txt", Expires: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if status, body := send(t, srv.Client(), p, nil, []byte("x")); status != 403 {
			t.Errorf("%v: expired URL: %d %s", v, status, body)
		}
	}
	if _, ok := srv.Object("late.txt"); ok {
		t.Error("expired URL stored an object")
	}
}

type initiateResult struct {
	UploadID string `xml:"UploadId"`
}

type completePart struct {
	PartNumber int
	ETag       string
}

type completeBody struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload"`
	Parts   []completePart `xml:"Part"`
}

// A browser's multipart upload through MultipartHandler against the
// emulator, V4 and V1: plan, initiate at OSS, part URLs in batches, parts
// PUT to OSS, list, complete with the callback; the app's callback handler
// sees the planned size. With V4 a part of the wrong length is refused;
// a Complete that leaves out a part stores a smaller object, which the
// callback's size check refuses (203 CallbackFailed to the client).
func TestPresignedMultipartAgainstEmulator(t *testing.T) {
	now := time.Date(2024, 12, 3, 12, 12, 12, 0, time.UTC)
	clock := func() time.Time { return now }
	srv, err := osstest.NewServer(osstest.Config{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ak := srv.AccessKey()
	secret := []byte("the-app's-binding-secret")
	app := newCallbackApp(t, srv, secret, clock)

	const size = 250<<10 + 7 // parts of 100 KiB, 100 KiB, 50 KiB + 7
	content := make([]byte, size)
	for i := range content {
		content[i] = byte(i * 7)
	}

	for _, v := range []signer.Version{signer.V4, signer.V1} {
		for _, complete := range []string{"all parts", "part left out"} {
			t.Run(v.String()+"/"+complete, func(t *testing.T) {
				s := &signer.Signer{
					Credentials: signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
					Bucket:      srv.Bucket(), Region: srv.Region(), Endpoint: srv.URL, Version: v, Now: clock,
					CallbackSecret: secret,
				}
				objKey := "users/7/" + v.String() + "-" + strings.ReplaceAll(complete, " ", "-") + ".bin"
				h := httptest.NewServer(&signer.MultipartHandler{
					Signer: s, TicketSecret: []byte("ticket-secret-0123456789"),
					User: func(*http.Request) (string, error) { return "7", nil },
					Plan: func(_ *http.Request, user string, f signer.File) (signer.Multipart, error) {
						return signer.Multipart{Key: objKey, Size: f.Size, PartSize: signer.MinPartSize, ContentType: "application/octet-stream",
							Callback: &callback.Params{URL: app.URL + "/cb?uid=" + user, Body: "object=${object}&size=${size}"}}, nil
					},
				})
				defer h.Close()
				call := func(endpoint string, in, out any) {
					t.Helper()
					js, _ := json.Marshal(in)
					resp, err := h.Client().Post(h.URL+"/"+endpoint, "application/json", bytes.NewReader(js))
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					if resp.StatusCode != 200 {
						b, _ := io.ReadAll(resp.Body)
						t.Fatalf("%s: %d %s", endpoint, resp.StatusCode, b)
					}
					if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
						t.Fatal(err)
					}
				}

				var plan struct {
					Ticket    string            `json:"ticket"`
					PartSize  int64             `json:"part_size"`
					PartCount int               `json:"part_count"`
					Initiate  *signer.Presigned `json:"initiate"`
				}
				call("plan", signer.File{Name: "x.bin", Size: size}, &plan)
				status, body := send(t, srv.Client(), plan.Initiate, nil, nil)
				var ir initiateResult
				if status != 200 || xml.Unmarshal([]byte(body), &ir) != nil || ir.UploadID == "" {
					t.Fatalf("initiate: %d %s", status, body)
				}

				var parts struct {
					Parts []signer.Part `json:"parts"`
				}
				call("parts", map[string]any{"ticket": plan.Ticket, "upload_id": ir.UploadID, "parts": []int{1, 2, 3}}, &parts)
				if v == signer.V4 {
					// One byte too many for part 1: refused by its signed length.
					if status, body := send(t, srv.Client(), &parts.Parts[0].Presigned, nil, content[:plan.PartSize+1]); status != 403 {
						t.Errorf("part 1 with a wrong length: %d %s", status, body)
					}
				}
				var done completeBody
				for _, p := range parts.Parts {
					off := int64(p.Number-1) * plan.PartSize
					end := min(off+plan.PartSize, size)
					req, _ := http.NewRequest(p.Method, p.URL, bytes.NewReader(content[off:end]))
					for k, val := range p.Header {
						req.Header.Set(k, val)
					}
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
						t.Fatalf("part %d: %d %s", p.Number, resp.StatusCode, b)
					}
					if complete == "part left out" && p.Number == 2 {
						continue
					}
					done.Parts = append(done.Parts, completePart{p.Number, resp.Header.Get("ETag")})
				}

				var list struct{ Request *signer.Presigned }
				call("list", map[string]any{"ticket": plan.Ticket, "upload_id": ir.UploadID}, &list)
				if status, body := send(t, srv.Client(), list.Request, nil, nil); status != 200 || strings.Count(body, "<Part>") != 3 {
					t.Errorf("list parts: %d %s", status, body)
				}

				var comp struct{ Request *signer.Presigned }
				call("complete", map[string]any{"ticket": plan.Ticket, "upload_id": ir.UploadID}, &comp)
				xmlBody, _ := xml.Marshal(done)
				before := app.accepted()
				status, body = send(t, srv.Client(), comp.Request, nil, xmlBody)
				switch complete {
				case "all parts":
					if status != 200 || !strings.Contains(body, fmt.Sprintf(`"size":%d`, size)) || !strings.Contains(body, `"uid":"7"`) {
						t.Fatalf("complete: %d %s", status, body)
					}
					if got, ok := srv.Object(objKey); !ok || !bytes.Equal(got.Content, content) {
						t.Errorf("stored object differs from the upload (stored: %v)", ok)
					}
					if app.accepted() != before+1 {
						t.Errorf("callback not accepted")
					}
				case "part left out":
					if status != 203 || !strings.Contains(body, "CallbackFailed") {
						t.Errorf("complete without part 2: %d %s; want 203 CallbackFailed from the size check", status, body)
					}
					if app.accepted() != before {
						t.Errorf("the app accepted a callback for a short object")
					}
				}
			})
		}
	}
}
