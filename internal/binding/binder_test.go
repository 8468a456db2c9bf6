package binding_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/binding"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// testSecret is the key of the secret "k1" in these tests.
var testSecret = []byte("0123456789abcdef-binder-tests")

// boundByHand is what Binder.Encode must produce: every URL bound with
// Bind, then Params.Encode.
func boundByHand(t testing.TB, p callback.Params, secret []byte, notAfter time.Time) (string, error) {
	if notAfter.IsZero() {
		return "", errors.New("zero expiry")
	}
	urls := strings.Split(p.URL, ";")
	for i, u := range urls {
		b, err := binding.Bind("k1", secret, u, notAfter)
		if err != nil {
			return "", err
		}
		urls[i] = b
	}
	p.URL = strings.Join(urls, ";")
	return p.Encode()
}

func TestBinderMatchesBind(t *testing.T) {
	notAfter := time.Date(2026, 12, 4, 10, 0, 0, 500, time.UTC)
	tests := []struct {
		name string
		p    callback.Params
	}{
		{"form body", callback.Params{URL: "https://app.example.com/oss/cb?uid=42", Body: callback.FormBody("object", "x:uid")}},
		{"JSON, host, SNI", callback.Params{URL: "https://app.example.com/cb", Host: "app.example.com", Body: callback.JSONBody("size"), BodyType: callback.BodyTypeJSON, SNI: true}},
		{"two URLs", callback.Params{URL: "https://a.example.com/cb?u=1;http://b.example.com:8080/x%20y/", Body: "object=${object}&note=<&>"}},
		{"bare ?", callback.Params{URL: "http://app.example.com/cb?", Body: "bucket=${bucket}"}},
		{"no scheme, no path", callback.Params{URL: "app.example.com", Body: "bucket=${bucket}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := binding.NewBinder(callbackwire.Params(tt.p))
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.Encode("k1", testSecret, notAfter)
			if err != nil {
				t.Fatal(err)
			}
			want, err := boundByHand(t, tt.p, testSecret, notAfter)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("Encode = %s\nwant     %s", got, want)
			}
			vars, _ := callbackwire.Params(tt.p).Vars()
			if strings.Join(b.Vars(), ",") != strings.Join(vars, ",") {
				t.Errorf("Vars = %v, want %v", b.Vars(), vars)
			}
		})
	}
}

func TestBinderRefuses(t *testing.T) {
	body := callback.FormBody("object")
	for _, tt := range []struct {
		name string
		p    callback.Params
	}{
		{"invalid params", callback.Params{URL: "https://app.example.com/cb"}},
		{"already bound", callback.Params{URL: "https://app.example.com/cb?" + binding.Param + "=x", Body: body}},
		{"expiry of its own", callback.Params{URL: "https://app.example.com/cb?" + binding.ExpiresParam + "=1", Body: body}},
		{"fragment", callback.Params{URL: "https://app.example.com/cb#x", Body: body}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := binding.NewBinder(callbackwire.Params(tt.p)); !errors.Is(err, callback.ErrInvalidParams) {
				t.Fatalf("NewBinder = %v, want ErrInvalidParams", err)
			}
		})
	}
	b, err := binding.NewBinder(callbackwire.Params{URL: "https://app.example.com/cb", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Encode("k1", nil, time.Now()); !errors.Is(err, callback.ErrInvalidParams) {
		t.Errorf("no secret: %v", err)
	}
	if _, err := b.Encode("k1", testSecret, time.Unix(0, 0)); !errors.Is(err, callback.ErrInvalidParams) {
		t.Errorf("expiry at 1970: %v", err)
	}
}

// FuzzBinder: whenever Bind and Params.Encode bind and encode a
// Params, NewBinder and Encode give the same bytes.
func FuzzBinder(f *testing.F) {
	f.Add("https://app.example.com/cb?uid=42", "object=${object}", "", false, int64(1796396405))
	f.Add("http://a.example.com/x%2Fy?;https://b.example.com", `{"a":${size}}`, callback.BodyTypeJSON, true, int64(1))
	f.Fuzz(func(t *testing.T, u, body, bodyType string, sni bool, exp int64) {
		p := callback.Params{URL: u, Body: body, BodyType: bodyType, SNI: sni}
		notAfter := time.Unix(exp, 0)
		want, wantErr := boundByHand(t, p, testSecret, notAfter)
		b, err := binding.NewBinder(callbackwire.Params(p))
		if err != nil {
			if wantErr == nil {
				t.Fatalf("NewBinder refused %+v that binds by hand: %v", p, err)
			}
			return
		}
		got, err := b.Encode("k1", testSecret, notAfter)
		if (err != nil) != (wantErr != nil) || got != want {
			t.Fatalf("Encode = %q, %v; by hand %q, %v", got, err, want, wantErr)
		}
	})
}
