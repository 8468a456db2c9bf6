package callback_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// boundByHand is what Binder.Encode must produce: every URL bound with
// BindURLUntil, then Params.Encode.
func boundByHand(t testing.TB, p callback.Params, secret []byte, notAfter time.Time) (string, error) {
	urls := strings.Split(p.URL, ";")
	for i, u := range urls {
		b, err := callback.BindURLUntil(secret, u, notAfter)
		if err != nil {
			return "", err
		}
		urls[i] = b
	}
	p.URL = strings.Join(urls, ";")
	return p.Encode()
}

func TestBinderMatchesBindURLUntil(t *testing.T) {
	notAfter := time.Date(2026, 12, 4, 10, 0, 0, 500, time.UTC)
	tests := []struct {
		name string
		p    callback.Params
	}{
		{"form body", callback.Params{URL: "https://app.example.com/oss/cb?uid=42", Body: callback.FormBody(callback.VarObject, "x:uid")}},
		{"JSON, host, SNI", callback.Params{URL: "https://app.example.com/cb", Host: "app.example.com", Body: callback.JSONBody(callback.VarSize), BodyType: callback.BodyTypeJSON, SNI: true}},
		{"two URLs", callback.Params{URL: "https://a.example.com/cb?u=1;http://b.example.com:8080/x%20y/", Body: "object=${object}&note=<&>"}},
		{"bare ?", callback.Params{URL: "http://app.example.com/cb?", Body: "bucket=${bucket}"}},
		{"no scheme, no path", callback.Params{URL: "app.example.com", Body: "bucket=${bucket}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := callback.NewBinder(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.Encode(testSecret, notAfter)
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
			vars, _ := tt.p.Vars()
			if strings.Join(b.Vars(), ",") != strings.Join(vars, ",") {
				t.Errorf("Vars = %v, want %v", b.Vars(), vars)
			}
		})
	}
}

func TestBinderRefuses(t *testing.T) {
	body := callback.FormBody(callback.VarObject)
	for _, tt := range []struct {
		name string
		p    callback.Params
	}{
		{"invalid params", callback.Params{URL: "https://app.example.com/cb"}},
		{"already bound", callback.Params{URL: "https://app.example.com/cb?" + callback.BindingParam + "=x", Body: body}},
		{"expiry of its own", callback.Params{URL: "https://app.example.com/cb?" + callback.BindingExpiresParam + "=1", Body: body}},
		{"fragment", callback.Params{URL: "https://app.example.com/cb#x", Body: body}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := callback.NewBinder(tt.p); !errors.Is(err, callback.ErrInvalidParams) {
				t.Fatalf("NewBinder = %v, want ErrInvalidParams", err)
			}
		})
	}
	b, err := callback.NewBinder(callback.Params{URL: "https://app.example.com/cb", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Encode([]byte("short"), time.Now()); !errors.Is(err, callback.ErrInvalidParams) {
		t.Errorf("short secret: %v", err)
	}
	if _, err := b.Encode(testSecret, time.Unix(0, 0)); !errors.Is(err, callback.ErrInvalidParams) {
		t.Errorf("expiry at 1970: %v", err)
	}
}

// FuzzBinder: whenever BindURLUntil and Params.Encode bind and encode a
// Params, NewBinder and Encode give the same bytes.
func FuzzBinder(f *testing.F) {
	f.Add("https://app.example.com/cb?uid=42", "object=${object}", "", false, int64(1796396405))
	f.Add("http://a.example.com/x%2Fy?;https://b.example.com", `{"a":${size}}`, callback.BodyTypeJSON, true, int64(1))
	f.Fuzz(func(t *testing.T, u, body, bodyType string, sni bool, exp int64) {
		p := callback.Params{URL: u, Body: body, BodyType: bodyType, SNI: sni}
		notAfter := time.Unix(exp, 0)
		want, wantErr := boundByHand(t, p, testSecret, notAfter)
		b, err := callback.NewBinder(p)
		if err != nil {
			if wantErr == nil {
				t.Fatalf("NewBinder refused %+v that binds by hand: %v", p, err)
			}
			return
		}
		got, err := b.Encode(testSecret, notAfter)
		if (err != nil) != (wantErr != nil) || got != want {
			t.Fatalf("Encode = %q, %v; by hand %q, %v", got, err, want, wantErr)
		}
	})
}
