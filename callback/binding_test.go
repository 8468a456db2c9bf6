package callback_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

var (
	bindingSecret  = []byte("0123456789abcdef-app-secret")
	bindingSecrets = callback.Secrets{{ID: "k1", Key: bindingSecret}}
)

// wantMAC is the binding's value written out for the secret (ID "k1", key
// secret): the ID, a ".", and the unpadded Base64url of
// HMAC-SHA256(secret, "ossdirect callback binding v2\n" + ID + "\n" +
// decoded path + "\n" + raw query without "?").
func wantMAC(secret []byte, path, query string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("ossdirect callback binding v2\nk1\n" + path + "\n" + query))
	return "k1." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestBindURL(t *testing.T) {
	const p = "ossdirect-binding="
	cases := []struct {
		name, in, want string
	}{
		{"path", "https://app.example.com/oss/callback", "https://app.example.com/oss/callback?" + p + wantMAC(bindingSecret, "/oss/callback", "")},
		{"path and query", "https://app.example.com/cb?uid=42&t=1", "https://app.example.com/cb?uid=42&t=1&" + p + wantMAC(bindingSecret, "/cb", "uid=42&t=1")},
		{"empty query", "https://app.example.com/cb?", "https://app.example.com/cb?" + p + wantMAC(bindingSecret, "/cb", "")},
		{"no path", "https://app.example.com", "https://app.example.com?" + p + wantMAC(bindingSecret, "/", "")},
		{"no path, query", "https://app.example.com?uid=1", "https://app.example.com?uid=1&" + p + wantMAC(bindingSecret, "/", "uid=1")},
		{"no scheme, port", "app.example.com:8080/cb", "app.example.com:8080/cb?" + p + wantMAC(bindingSecret, "/cb", "")},
		{"escaped path is bound decoded", "http://h.example.com/a%20b/%E4%B8%AD?q=%2F", "http://h.example.com/a%20b/%E4%B8%AD?q=%2F&" + p + wantMAC(bindingSecret, "/a b/中", "q=%2F")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := callback.BindURL(bindingSecrets, c.in, time.Time{})
			if err != nil {
				t.Error(err)
				return
			}
			if got != c.want {
				t.Errorf("BindURL(%q) = %q, want %q", c.in, got, c.want)
			}
			// The bound URL is still a valid callback URL.
			if err := (callback.Params{URL: got, Body: "a=${bucket}"}).Validate(); err != nil {
				t.Errorf("bound URL refused by Validate: %v", err)
			}
		})
	}

	bound, err := callback.BindURL(bindingSecrets, "https://app.example.com/cb?uid=1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	errCases := []struct {
		name   string
		secret []byte
		in     string
	}{
		{"short secret", bindingSecret[:15], "https://app.example.com/cb"},
		{"no secret", nil, "https://app.example.com/cb"},
		{"URL list", bindingSecret, "https://a.example.com/cb;https://b.example.com/cb"},
		{"raw space", bindingSecret, "https://app.example.com/a b"},
		{"no host", bindingSecret, "https:///cb"},
		{"fragment", bindingSecret, "https://app.example.com/cb#x"},
		{"already bound", bindingSecret, bound},
		{"decoded ? in path", bindingSecret, "https://app.example.com/cb%3Fuid=1"},
		{"decoded newline in path", bindingSecret, "https://app.example.com/cb%0A"},
		{"bad escape in path", bindingSecret, "https://app.example.com/c%zz"},
		{"bad escape in query", bindingSecret, "https://app.example.com/cb?a=%zz"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			want := callback.ErrInvalidParams
			if len(c.secret) < 16 {
				want = callback.ErrSecret
			}
			if got, err := callback.BindURL(callback.Secrets{{ID: "k1", Key: c.secret}}, c.in, time.Time{}); !errors.Is(err, want) {
				t.Errorf("BindURL = %q, %v; want %v", got, err, want)
			}
		})
	}
}

// TestVerifierBinding: with Secrets set, only callbacks to URLs this
// app bound pass, whatever OSS signed; the bound query reaches the app as
// Event.Query, without the binding. Every request below is validly signed,
// as OSS signs every customer's callbacks with the same key.
func TestVerifierBinding(t *testing.T) {
	priv := testkeys.Private(512)
	keys := staticKeys(priv)
	bound, err := callback.BindURL(bindingSecrets, "https://app.example.com/oss/callback?uid=7", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	target := strings.TrimPrefix(bound, "https://app.example.com")
	mac := target[strings.LastIndex(target, "=")+1:]
	otherSecret, err := callback.BindURL(callback.Secrets{{ID: "k1", Key: []byte("another-apps-secret-value")}}, "https://app.example.com/oss/callback?uid=7", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	otherID, err := callback.BindURL(callback.Secrets{{ID: "k0", Key: bindingSecret}}, "https://app.example.com/oss/callback?uid=7", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	const body = "object=users%2F7%2Fa.png&x:uid=7"

	cases := []struct {
		name, target string
		signedPath   string // decoded path + raw query, as OSS signs it
		want         error
		wantQuery    url.Values
	}{
		{"bound URL", target, target, nil, url.Values{"uid": {"7"}}},
		{"bound URL, absolute form", "http://app.example.com" + target, target, nil, url.Values{"uid": {"7"}}},
		{"bound URL, path needlessly escaped", strings.Replace(target, "/oss/", "/%6Fss/", 1), target, nil, url.Values{"uid": {"7"}}},
		{"another account's upload, unbound", "/oss/callback?uid=42", "/oss/callback?uid=42", callback.ErrUnbound, nil},
		{"unbound, no query", "/oss/callback", "/oss/callback", callback.ErrUnbound, nil},
		{"uid edited", strings.Replace(target, "uid=7", "uid=42", 1), strings.Replace(target, "uid=7", "uid=42", 1), callback.ErrUnbound, nil},
		{"parameter added after the binding", target + "&uid=42", target + "&uid=42", callback.ErrUnbound, nil},
		{"parameter added before the binding", "/oss/callback?uid=7&uid=42&ossdirect-binding=" + mac, "/oss/callback?uid=7&uid=42&ossdirect-binding=" + mac, callback.ErrUnbound, nil},
		{"binding moved to another path", "/oss/other?uid=7&ossdirect-binding=" + mac, "/oss/other?uid=7&ossdirect-binding=" + mac, callback.ErrUnbound, nil},
		{"binding inside a value", "/oss/callback?uid=7&x=ossdirect-binding=" + mac, "/oss/callback?uid=7&x=ossdirect-binding=" + mac, callback.ErrUnbound, nil},
		{"MAC truncated", target[:len(target)-1], target[:len(target)-1], callback.ErrUnbound, nil},
		{"bound with another secret", strings.TrimPrefix(otherSecret, "https://app.example.com"), strings.TrimPrefix(otherSecret, "https://app.example.com"), callback.ErrUnbound, nil},
		{"bound with an ID not accepted", strings.TrimPrefix(otherID, "https://app.example.com"), strings.TrimPrefix(otherID, "https://app.example.com"), callback.ErrUnbound, nil},
		{"ID swapped", strings.Replace(target, "binding=k1.", "binding=k0.", 1), strings.Replace(target, "binding=k1.", "binding=k0.", 1), callback.ErrUnbound, nil},
		{"ID removed", strings.Replace(target, "binding=k1.", "binding=", 1), strings.Replace(target, "binding=k1.", "binding=", 1), callback.ErrUnbound, nil},
	}
	v := &callback.Verifier{Keys: keys, Secrets: bindingSecrets}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.VerifyEvent(newSignedRequest(priv, c.target, body, c.signedPath+"\n"+body))
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("VerifyEvent = %v, want %v", err, c.want)
			}
			// The signature is checked before the binding, so the same
			// target with a signature that does not verify is refused
			// for its signature, whether bound or not.
			if _, err := v.VerifyEvent(newSignedRequest(priv, c.target, body, c.signedPath+"\n"+body+"x")); !errors.Is(err, verify.ErrBadSignature) {
				t.Errorf("bad signature: VerifyEvent = %v, want ErrBadSignature", err)
			}
			// Without Secrets the same request verifies: it is
			// signed, which is exactly the problem binding solves.
			if err := callback.Verify(newSignedRequest(priv, c.target, body, c.signedPath+"\n"+body), keys); err != nil {
				t.Errorf("without a binding check: %v", err)
			}

			checkHandlerQuery(t, v, newSignedRequest(priv, c.target, body, c.signedPath+"\n"+body), c.want != nil, c.wantQuery)
		})
	}

	// A secret too short to be safe refuses everything rather than
	// accepting anything, as a configuration error (500).
	short := &callback.Verifier{Keys: keys, Secrets: callback.Secrets{{ID: "k1", Key: []byte("short")}}, Logger: discardLogger}
	if err := short.Validate(); !errors.Is(err, callback.ErrConfig) || !errors.Is(err, callback.ErrSecret) {
		t.Errorf("short secret: Validate = %v, want ErrConfig and ErrSecret", err)
	}
	if ev, err := short.VerifyEvent(newSignedRequest(priv, target, body, target+"\n"+body)); !errors.Is(err, callback.ErrConfig) || ev != nil {
		t.Errorf("short secret: VerifyEvent = %v, %v; want ErrConfig", ev, err)
	} else if got := callback.HTTPStatus(err); got != http.StatusInternalServerError {
		t.Errorf("short secret: HTTPStatus = %d, want 500", got)
	}
}

func TestBindURLExpiry(t *testing.T) {
	const (
		p  = "ossdirect-binding="
		e  = "ossdirect-expires="
		ts = "1700000000"
	)
	at := time.Unix(1700000000, 0)
	cases := []struct {
		name, in string
		notAfter time.Time
		want     string
	}{
		{"path", "https://app.example.com/cb", at,
			"https://app.example.com/cb?" + e + ts + "&" + p + wantMAC(bindingSecret, "/cb", e+ts)},
		{"path and query", "https://app.example.com/cb?uid=42", at,
			"https://app.example.com/cb?uid=42&" + e + ts + "&" + p + wantMAC(bindingSecret, "/cb", "uid=42&"+e+ts)},
		{"empty query", "https://app.example.com/cb?", at,
			"https://app.example.com/cb?" + e + ts + "&" + p + wantMAC(bindingSecret, "/cb", e+ts)},
		{"no path", "app.example.com:8080", at,
			"app.example.com:8080?" + e + ts + "&" + p + wantMAC(bindingSecret, "/", e+ts)},
		{"fraction of a second rounds up", "https://app.example.com/cb", at.Add(-time.Nanosecond),
			"https://app.example.com/cb?" + e + ts + "&" + p + wantMAC(bindingSecret, "/cb", e+ts)},
		{"time zone does not matter", "https://app.example.com/cb", at.In(time.FixedZone("CST", 8*3600)),
			"https://app.example.com/cb?" + e + ts + "&" + p + wantMAC(bindingSecret, "/cb", e+ts)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := callback.BindURL(bindingSecrets, c.in, c.notAfter)
			if err != nil {
				t.Error(err)
				return
			}
			if got != c.want {
				t.Errorf("BindURL(%q) = %q, want %q", c.in, got, c.want)
			}
			if err := (callback.Params{URL: got, Body: "a=${bucket}"}).Validate(); err != nil {
				t.Errorf("bound URL refused by Validate: %v", err)
			}
		})
	}

	bound, err := callback.BindURL(bindingSecrets, "https://app.example.com/cb?uid=1", at)
	if err != nil {
		t.Fatal(err)
	}
	errCases := []struct {
		name     string
		secret   []byte
		in       string
		notAfter time.Time
	}{
		{"short secret", bindingSecret[:15], "https://app.example.com/cb", at},
		{"1970", bindingSecret, "https://app.example.com/cb", time.Unix(0, 0)},
		{"before 1970", bindingSecret, "https://app.example.com/cb", time.Unix(-1, 0)},
		{"too far ahead", bindingSecret, "https://app.example.com/cb", time.Unix(1e18, 0)},
		{"already bound", bindingSecret, bound, at},
		{"expiry already in the query", bindingSecret, "https://app.example.com/cb?" + e + "99999999999", at},
		{"escaped expiry already in the query", bindingSecret, "https://app.example.com/cb?ossdirect%2Dexpires=99999999999", at},
		{"fragment", bindingSecret, "https://app.example.com/cb#x", at},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			want := callback.ErrInvalidParams
			if len(c.secret) < 16 {
				want = callback.ErrSecret
			}
			if got, err := callback.BindURL(callback.Secrets{{ID: "k1", Key: c.secret}}, c.in, c.notAfter); !errors.Is(err, want) {
				t.Errorf("BindURL = %q, %v; want %v", got, err, want)
			}
		})
	}
	// BindURL must not bind an expiry it did not write either: the
	// Verifier would enforce it.
	if got, err := callback.BindURL(bindingSecrets, "https://app.example.com/cb?"+e+"1", time.Time{}); !errors.Is(err, callback.ErrInvalidParams) {
		t.Errorf("BindURL with %s in the query = %q, %v; want ErrInvalidParams", e, got, err)
	}
}

// TestVerifierBindingExpiry: a URL bound by BindURL verifies until its
// expiry (inclusive, in whole seconds) and is refused after it with
// ErrBindingExpired, which also matches ErrUnbound; the expiry cannot be
// changed, removed or added without breaking the binding, and URLs bound by
// BindURL keep verifying. Every request is validly signed.
func TestVerifierBindingExpiry(t *testing.T) {
	priv := testkeys.Private(512)
	keys := staticKeys(priv)
	const host = "https://app.example.com"
	notAfter := time.Unix(1700000000, 0)
	bound, err := callback.BindURL(bindingSecrets, host+"/oss/callback?uid=7", notAfter)
	if err != nil {
		t.Fatal(err)
	}
	target := strings.TrimPrefix(bound, host)
	mac := target[strings.LastIndex(target, "=")+1:]
	forever, err := callback.BindURL(bindingSecrets, host+"/oss/callback?uid=7", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	foreverTarget := strings.TrimPrefix(forever, host)
	foreverMAC := foreverTarget[strings.LastIndex(foreverTarget, "=")+1:]
	// signedBy makes a target bound with this app's secret over any query,
	// as only a holder of the secret can: what the app would have had to
	// bind for the Verifier to see such an expiry.
	signedBy := func(query string) string {
		return "/oss/callback?" + query + "&ossdirect-binding=" + wantMAC(bindingSecret, "/oss/callback", query)
	}

	before, after := notAfter.Add(-time.Hour), notAfter.Add(time.Hour)
	uid7 := url.Values{"uid": {"7"}}
	cases := []struct {
		name, target string
		now          time.Time
		want         error // nil, ErrBindingExpired, or ErrUnbound (and not ErrBindingExpired)
		wantQuery    url.Values
	}{
		{"before expiry", target, before, nil, uid7},
		{"at expiry", target, notAfter, nil, uid7},
		{"a nanosecond after expiry", target, notAfter.Add(time.Nanosecond), callback.ErrBindingExpired, nil},
		{"an hour after expiry", target, after, callback.ErrBindingExpired, nil},
		{"BindURL binding, years later", foreverTarget, notAfter.AddDate(10, 0, 0), nil, uid7},
		{"expiry extended", strings.Replace(target, "1700000000", "1700003600", 1), after, callback.ErrUnbound, nil},
		{"expiry shortened", strings.Replace(target, "1700000000", "1699999999", 1), before, callback.ErrUnbound, nil},
		{"expiry removed", strings.Replace(target, "&ossdirect-expires=1700000000", "", 1), after, callback.ErrUnbound, nil},
		{"expiry added to a BindURL binding", "/oss/callback?uid=7&ossdirect-expires=1700000000&ossdirect-binding=" + foreverMAC, before, callback.ErrUnbound, nil},
		{"expiry moved after the binding", "/oss/callback?uid=7&ossdirect-binding=" + mac + "&ossdirect-expires=1700000000", before, callback.ErrUnbound, nil},
		{"second expiry added", strings.Replace(target, "uid=7", "uid=7&ossdirect-expires=1800000000", 1), after, callback.ErrUnbound, nil},
		{"bound expiry not last", signedBy("ossdirect-expires=1700000000&uid=7"), before, nil, uid7},
		{"bound expiry not last, expired", signedBy("ossdirect-expires=1700000000&uid=7"), after, callback.ErrBindingExpired, nil},
		{"bound expiry with escaped name, expired", signedBy("uid=7&ossdirect%2Dexpires=1700000000"), after, callback.ErrBindingExpired, nil},
		{"bound expiry not a number", signedBy("uid=7&ossdirect-expires=soon"), before, callback.ErrUnbound, nil},
		{"bound expiry empty", signedBy("uid=7&ossdirect-expires="), before, callback.ErrUnbound, nil},
		{"bound expiry without =", signedBy("uid=7&ossdirect-expires"), before, callback.ErrUnbound, nil},
		{"bound expiry with sign", signedBy("uid=7&ossdirect-expires=%2B1700000000"), before, callback.ErrUnbound, nil},
		{"bound expiry overflowing", signedBy("uid=7&ossdirect-expires=9223372036854775808"), before, callback.ErrUnbound, nil},
		{"bound expiry twice", signedBy("ossdirect-expires=1800000000&uid=7&ossdirect-expires=1800000000"), before, callback.ErrUnbound, nil},
	}
	const body = "object=users%2F7%2Fa.png"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := &callback.Verifier{Keys: keys, Secrets: bindingSecrets, Now: func() time.Time { return c.now }}
			// The targets need no decoding: OSS signs them as they are.
			signed := func() *http.Request { return newSignedRequest(priv, c.target, body, c.target+"\n"+body) }
			_, err := v.VerifyEvent(signed())
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("VerifyEvent = %v, want nil", err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("VerifyEvent = %v, want %v", err, c.want)
			case c.want != nil && !errors.Is(err, callback.ErrUnbound):
				t.Errorf("VerifyEvent = %v, which does not match ErrUnbound", err)
			case c.want == callback.ErrUnbound && errors.Is(err, callback.ErrBindingExpired):
				t.Errorf("VerifyEvent = %v: a broken binding reported as expired", err)
			}
			// An expired or broken binding does not hide a bad
			// signature: the signature is checked first.
			if _, err := v.VerifyEvent(newSignedRequest(priv, c.target, body, c.target+"\n"+body+"x")); !errors.Is(err, verify.ErrBadSignature) {
				t.Errorf("bad signature: VerifyEvent = %v, want ErrBadSignature", err)
			}

			checkHandlerQuery(t, v, signed(), c.want != nil, c.wantQuery)
		})
	}

	// OSS is told the binding expired, not just that it is unbound.
	w := httptest.NewRecorder()
	v := &callback.Verifier{Keys: keys, Secrets: bindingSecrets, Now: func() time.Time { return after }}
	v.Handler(func(context.Context, *callback.Event) (any, error) { return nil, nil }).
		ServeHTTP(w, newSignedRequest(priv, target, body, target+"\n"+body))
	if want := `{"error":"` + callback.ErrBindingExpired.Error() + `"}`; w.Body.String() != want {
		t.Errorf("answer to an expired callback: %s, want %s", w.Body, want)
	}
	if got := callback.HTTPStatus(callback.ErrBindingExpired); got != http.StatusForbidden {
		t.Errorf("HTTPStatus(ErrBindingExpired) = %d, want 403", got)
	}
	// With AllowUnbound nothing is enforced, and the query is the
	// app's to check, expiry included.
	var got *callback.Event
	(&callback.Verifier{Keys: keys, AllowUnbound: true, Now: func() time.Time { return after }}).Handler(func(_ context.Context, ev *callback.Event) (any, error) {
		got = ev
		return nil, nil
	}).ServeHTTP(httptest.NewRecorder(), newSignedRequest(priv, target, body, target+"\n"+body))
	if got == nil || got.Query.Get("ossdirect-expires") != "1700000000" {
		t.Errorf("AllowUnbound: event %+v, want the whole query", got)
	}
}

// checkHandlerQuery serves r through v.Handler: a refused request must get
// 403 without calling the app; an accepted one 200, with Event.Query equal
// to wantQuery.
func checkHandlerQuery(t *testing.T, v *callback.Verifier, r *http.Request, refused bool, wantQuery url.Values) {
	t.Helper()
	var got *callback.Event
	w := httptest.NewRecorder()
	v.Handler(func(_ context.Context, ev *callback.Event) (any, error) {
		got = ev
		return nil, nil
	}).ServeHTTP(w, r)
	if refused {
		if w.Code != http.StatusForbidden || got != nil {
			t.Errorf("Handler: status %d, app called: %v; want 403 and no call", w.Code, got != nil)
		}
		return
	}
	if w.Code != http.StatusOK || got == nil {
		t.Fatalf("Handler: status %d %s", w.Code, w.Body)
	}
	if diff := cmp.Diff(wantQuery, got.Query); diff != "" {
		t.Errorf("Event.Query (-want +got):\n%s", diff)
	}
}

// TestVerifierRotation follows the README's rotation from secret A to B:
// callbacks bound by instances at any step pass every Verifier of the steps
// they overlap with, and once A is dropped a callback bound with A is
// refused with a logged reason naming A.
func TestVerifierRotation(t *testing.T) {
	priv := testkeys.Private(512)
	keys := staticKeys(priv)
	a := callback.Secret{ID: "A", Key: []byte("secret-A-0123456789abcdef")}
	b := callback.Secret{ID: "B", Key: []byte("secret-B-0123456789abcdef")}
	steps := []callback.Secrets{{a}, {a, b}, {b, a}, {b}}
	const body = "object=users%2F7%2Fa.png"
	bound := func(signing callback.Secrets) string {
		u, err := callback.BindURL(signing, "https://app.example.com/oss/callback?uid=7", time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(u, "https://app.example.com")
	}
	// accepted[i][j]: a callback bound by an instance at step i passes a
	// Verifier at step j. Steps 0-1 bind with A, steps 2-3 with B.
	accepted := [4][4]bool{
		{true, true, true, false},
		{true, true, true, false},
		{false, true, true, true},
		{false, true, true, true},
	}
	for i, signing := range steps {
		target := bound(signing)
		for j, accepting := range steps {
			var logs logRecorder
			v := &callback.Verifier{Keys: keys, Secrets: accepting, Logger: logs.logger()}
			_, err := v.VerifyEvent(newSignedRequest(priv, target, body, target+"\n"+body))
			if accepted[i][j] != (err == nil) {
				t.Errorf("bound at step %d, verified at step %d: %v, want accepted %v", i, j, err, accepted[i][j])
			}
			if err == nil {
				continue
			}
			if !errors.Is(err, callback.ErrUnbound) {
				t.Errorf("step %d/%d: %v, want ErrUnbound", i, j, err)
			}
			id := signing.Current().ID
			want := `bound with secret "` + id + `", which is no longer accepted`
			if reasons := logs.attrs("reason"); len(reasons) != 1 || !strings.Contains(reasons[0], want) {
				t.Errorf("step %d/%d: logged %q, want a reason with %q", i, j, reasons, want)
			}
		}
	}
}
