package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/browsertest"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// Without Uppy's bundle the app does not start, and says how to make it.
func TestMissingBundle(t *testing.T) {
	_, err := newApp(Config{Dist: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "cd examples/uppy/web && npm ci && npm run build") {
		t.Fatalf("newApp without a bundle: %v", err)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-signature", "v3"}, {"-nope"}} {
		if err := run(context.Background(), args, io.Discard, nil); !errors.Is(err, errUsage) {
			t.Errorf("run %q: %v, want a usage error", args, err)
		}
	}
}

// The page sets a user cookie; the handler refuses requests without one,
// and the callback handler refuses an object outside the user's prefix.
func TestUserAndCallback(t *testing.T) {
	emu, err := osstest.NewServer(osstest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	ak := emu.AccessKey()
	a, err := newApp(Config{PublicURL: "http://127.0.0.1:1", Credentials: signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
		Bucket: emu.Bucket(), Region: emu.Region(), Endpoint: emu.URL, Keys: emu.KeyFetcher(), Dist: "web/dist"})
	if err != nil {
		browsertest.Unavailable(t, "app test", err)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cookie := rec.Result().Cookies()
	if rec.Code != 200 || len(cookie) != 1 || cookie[0].Name != uidCookie || !cookie[0].HttpOnly {
		t.Fatalf("page: %d, cookies %v", rec.Code, cookie)
	}
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", "/uppy/s3/params?filename=a.txt&type=text/plain", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("no cookie: %d %s", rec.Code, rec.Body)
	}
	req := httptest.NewRequest("GET", "/uppy/s3/params?filename=a.txt&type=text/plain", nil)
	req.AddCookie(cookie[0])
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"key":"uppy/`+cookie[0].Value+`/`) {
		t.Errorf("params: %d %s", rec.Code, rec.Body)
	}

	_, err = a.callback(context.Background(), &callback.Event{Object: "uppy/other/x", Query: map[string][]string{"uid": {"mine"}}})
	var he *callback.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusForbidden {
		t.Errorf("object outside the prefix: %v", err)
	}
	_, err = a.callback(context.Background(), &callback.Event{Object: "uppy/mine/x", Size: 5,
		Query: map[string][]string{"uid": {"mine"}, signer.SizeParam: {"6"}}})
	if !errors.Is(err, signer.ErrSizeMismatch) {
		t.Errorf("size differing from the plan: %v", err)
	}
}
