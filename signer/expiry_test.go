package signer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/postpolicy"
)

var expiryNow = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

// expiryCases are credentials expiring at various points relative to a
// token or URL asked for ten minutes (or for ask, when set).
var expiryCases = []struct {
	name    string
	expires time.Time     // of the credentials; zero: permanent
	ask     time.Duration // zero: 10 minutes
	want    time.Time     // expiry of what is signed; zero: refused
}{
	{"permanent", time.Time{}, 0, expiryNow.Add(10 * time.Minute)},
	{"outlive the token", expiryNow.Add(time.Hour), 0, expiryNow.Add(10 * time.Minute)},
	{"expire exactly with it", expiryNow.Add(10 * time.Minute), 0, expiryNow.Add(10 * time.Minute)},
	{"expire first: shortened", expiryNow.Add(5 * time.Minute), 0, expiryNow.Add(5 * time.Minute)},
	{"fraction of a second dropped", expiryNow.Add(5*time.Minute + 700*time.Millisecond), 0, expiryNow.Add(5 * time.Minute)},
	{"one minute left: the floor", expiryNow.Add(time.Minute), 0, expiryNow.Add(time.Minute)},
	{"under a minute left: refused", expiryNow.Add(59 * time.Second), 0, time.Time{}},
	{"short ask, outlived", expiryNow.Add(30 * time.Second), 20 * time.Second, expiryNow.Add(20 * time.Second)},
	{"short ask, not outlived", expiryNow.Add(30 * time.Second), 45 * time.Second, time.Time{}},
	{"expired", expiryNow.Add(-time.Second), 0, time.Time{}},
	{"expiring now", expiryNow, 0, time.Time{}},
}

func expirySigner(v Version, expires time.Time) *Signer {
	return &Signer{
		Credentials: StaticCredentials{AccessKeyID: "STS.id", AccessKeySecret: "sk", SecurityToken: "tok", Expires: expires},
		Bucket:      "b", Region: "cn-hangzhou", Version: v, Now: fixedClock(expiryNow),
		Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}}, CallbackMargin: time.Minute,
	}
}

// checkRefused checks an error of signing with credentials that cannot
// last: ErrCredentials, read once.
func checkRefused(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrCredentials) {
		t.Fatalf("err = %v, want ErrCredentials", err)
	}
	if strings.Count(err.Error(), "signer:") != 1 || strings.Count(err.Error(), "expire") != 1 {
		t.Errorf("error %q does not read once", err)
	}
}

// A token never outlives the credentials that sign it: its policy's
// expiration, Token.Expire and the callback binding all follow the
// credentials' expiry when it comes first.
func TestSignShortensToCredentials(t *testing.T) {
	cb := &callback.Params{URL: "https://app.example.com/cb", Body: "object=${object}"}
	for _, tt := range expiryCases {
		for _, v := range []Version{V4, V1} {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				tok, err := expirySigner(v, tt.expires).Sign(context.Background(),
					Upload{KeyPrefix: "u/", MaxSize: 10, Expires: tt.ask, Callback: cb})
				if tt.want.IsZero() {
					checkRefused(t, err)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				p, err := postpolicy.Decode(tok.Fields["policy"])
				if err != nil {
					t.Fatal(err)
				}
				if !p.Expiration.Equal(tt.want) || tok.Expire != tt.want.Unix() {
					t.Errorf("policy expiration %v, Token.Expire %d; want %v", p.Expiration, tok.Expire, tt.want)
				}
				bound := boundExpiry(t, tok.Fields["callback"])
				if want := tt.want.Add(time.Minute).Unix(); bound != want {
					t.Errorf("callback bound until %d, want %d (token expiry + margin)", bound, want)
				}
			})
		}
	}
}

// boundExpiry returns the binding expiry of an encoded callback parameter.
func boundExpiry(t *testing.T, encoded string) int64 {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		URL string `json:"callbackUrl"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(u.Query().Get("ossdirect-expires"), 10, 64)
	if err != nil {
		t.Fatalf("callback URL %q: %v", p.URL, err)
	}
	return n
}

// A presigned URL never outlives its credentials: x-oss-expires (V4) or
// Expires (V1) and Presigned.Expires are shortened alike.
func TestPresignShortensToCredentials(t *testing.T) {
	for _, tt := range expiryCases {
		for _, v := range []Version{V4, V1} {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				p, err := expirySigner(v, tt.expires).Presign(context.Background(), Request{Key: "k", Expires: tt.ask})
				if tt.want.IsZero() {
					checkRefused(t, err)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !p.Expires.Equal(tt.want) {
					t.Errorf("Presigned.Expires = %v, want %v", p.Expires, tt.want)
				}
				if got := urlExpiry(t, v, p.URL); !got.Equal(tt.want) {
					t.Errorf("URL expires at %v, want %v", got, tt.want)
				}
			})
		}
	}
}

// urlExpiry reads the expiry a presigned URL carries.
func urlExpiry(t *testing.T, v Version, raw string) time.Time {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if v == V1 {
		n, err := strconv.ParseInt(q.Get("Expires"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return time.Unix(n, 0).UTC()
	}
	at, err := time.Parse(v4DateTimeLayout, q.Get("x-oss-date"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(q.Get("x-oss-expires"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return at.Add(time.Duration(n) * time.Second)
}

// Every multipart step is shortened the same way, part URLs included.
func TestMultipartStepsShortenToCredentials(t *testing.T) {
	s := expirySigner(V4, expiryNow.Add(3*time.Minute))
	m := Multipart{Key: "big", Size: 3 << 20, PartSize: 1 << 20, Expires: time.Hour,
		Callback: &callback.Params{URL: "https://app.example.com/cb", Body: "size=${size}"}}
	ctx := context.Background()
	want := expiryNow.Add(3 * time.Minute)
	var steps []*Presigned
	p, err := s.PresignInitiate(ctx, m)
	steps = append(steps, p)
	parts, err2 := s.PresignParts(ctx, m, "U", 1, 2, 3)
	for i := range parts {
		steps = append(steps, &parts[i].Presigned)
	}
	c, err3 := s.PresignComplete(ctx, m, "U")
	l, err4 := s.PresignListParts(ctx, m, "U")
	a, err5 := s.PresignAbort(ctx, m, "U")
	if err := errors.Join(err, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(steps, c, l, a) {
		if !p.Expires.Equal(want) || !urlExpiry(t, V4, p.URL).Equal(want) {
			t.Errorf("%s %s expires at %v (URL %v), want %v", p.Method, p.URL, p.Expires, urlExpiry(t, V4, p.URL), want)
		}
	}
	cb, err := url.Parse(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := boundExpiry(t, cb.Query().Get("callback")), want.Add(time.Minute).Unix(); got != want {
		t.Errorf("complete's callback bound until %d, want %d", got, want)
	}

	s = expirySigner(V4, expiryNow.Add(30*time.Second))
	_, err = s.PresignParts(ctx, m, "U", 1)
	checkRefused(t, err)
}

// Validate asks the provider, so credentials that are missing or expired
// show at start-up rather than as a 503 on every request.
func TestValidateAsksForCredentials(t *testing.T) {
	t.Setenv(envAccessKeyID, "")
	t.Setenv(envAccessKeySecret, "")
	s := &Signer{Credentials: EnvCredentials(), Bucket: "b", Region: "cn-hangzhou"}
	handlers := map[string]interface{ Validate() error }{
		"Signer":  s,
		"Handler": &Handler{Signer: s, Upload: userUpload},
		"MultipartHandler": &MultipartHandler{Signer: s, Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}},
			User: func(*http.Request) (string, error) { return "", nil },
			Plan: func(*http.Request, string, File) (Multipart, error) { return Multipart{}, nil }},
	}
	for name, v := range handlers {
		err := v.Validate()
		if !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), envAccessKeyID) {
			t.Errorf("%s.Validate() = %v, want ErrCredentials naming %s", name, err, envAccessKeyID)
		}
	}
	t.Setenv(envAccessKeyID, "id")
	t.Setenv(envAccessKeySecret, "sk")
	for name, v := range handlers {
		if err := v.Validate(); err != nil {
			t.Errorf("%s.Validate() with credentials = %v", name, err)
		}
	}
	s.Credentials = StaticCredentials{AccessKeyID: "id", AccessKeySecret: "sk", Expires: time.Now().Add(-time.Minute)}
	if err := s.Validate(); !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("Validate with expired credentials = %v, want ErrCredentials saying they expired", err)
	}
}

// Errors read once: a cause from package callback is wrapped without a
// second "callback:" and without naming the variable twice.
func TestSignErrorsReadOnce(t *testing.T) {
	s := &Signer{Credentials: stsCreds, Bucket: "b", Region: "cn-hangzhou", Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}}}
	ctx := context.Background()
	_, err1 := s.Sign(ctx, Upload{KeyPrefix: "u/", MaxSize: 1, Callback: &callback.Params{URL: "ftp://x", Body: "a"}})
	_, err2 := s.Sign(ctx, Upload{KeyPrefix: "u/", MaxSize: 1, Callback: &callback.Params{URL: "https://x/cb", Body: "a=${x:uid}"},
		CallbackVars: map[string]string{"x:UID!": "1"}})
	_, err3 := s.Presign(ctx, Request{Key: "k", Callback: &callback.Params{URL: "https://x/cb", Body: "a=${x:uid}"},
		CallbackVars: map[string]string{"x:uid": "\xff"}})
	_, err4 := (&Signer{Credentials: CredentialsProviderFunc(func(context.Context) (Credentials, error) {
		return Credentials{}, fmt.Errorf("%w: token file missing", ErrCredentials)
	}), Bucket: "b", Region: "r"}).Sign(ctx, Upload{KeyPrefix: "u/", MaxSize: 1})
	for i, err := range []error{err1, err2, err3, err4} {
		if err == nil {
			t.Fatalf("case %d: no error", i+1)
		}
		msg := err.Error()
		if strings.Count(msg, "callback:") > 1 || strings.Count(msg, "signer:") != 1 || strings.Count(msg, `"x:UID!"`) > 1 {
			t.Errorf("case %d: %q does not read once", i+1, msg)
		}
	}
}
